//! The `stsc` binary: parse arguments, run, exit. Everything else lives in the library.

/// The runtime and the validator allocate many small JSON nodes; mimalloc serves them in about
/// half the instructions glibc's malloc takes.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stsc::cli::main()
}
