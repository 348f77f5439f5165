//! Thin: hand argv to the library, which picks the resource step or the CLI.

fn main() -> std::process::ExitCode {
    ami_test_resource::cli::main(std::env::args_os().collect())
}
