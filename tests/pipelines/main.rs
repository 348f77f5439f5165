//! The pipelines this project changes, checked as the platform team will run
//! them. The real DWP sources are vendored in `tests/fixtures/dwp/`; each
//! `pipelines/NAME.patch` is applied to them, the pipeline is rendered as
//! aviator/spruce does (`aviator.rs`), and the result is checked as Concourse
//! would check it (`concourse.rs`): every get/put/passed resolves, no unused
//! resource, the resource types unchanged but for the new one, every job the
//! change does not name identical to the original (`merged.rs`), each job wired
//! to the right inputs and roles (`wiring.rs`). The real
//! `validate-ami` task runs unchanged on what our `in` writes (`validate.rs`),
//! the CLI tasks parse (`tasks.rs`), and `bin/set-pipelines` merges into the
//! live pipeline through a fake fly (`set_pipelines.rs`). `checks_fail.rs` shows
//! that each check catches the breakage it is there for.

#[path = "../common/mod.rs"]
mod common;

mod aviator;
mod checks_fail;
mod concourse;
mod merged;
mod set_pipelines;
mod support;
mod tasks;
mod validate;
mod vars;
mod walk;
mod wiring;
