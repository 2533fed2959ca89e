//! The `stsc` binary: parse arguments, run, exit. Everything else lives in the library.

fn main() -> std::process::ExitCode {
    stsc::cli::main()
}
