//! bin/set-pipelines (later).
