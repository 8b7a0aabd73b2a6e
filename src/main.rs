//! The `ddlink` command: parse arguments, run, exit. Everything else is in `cli`.

mod cli;
mod report;

/// mimalloc rather than the system allocator: with two threads, glibc's allocator handed
/// each document's freed buffers back to the kernel and faulted them in again for the next
/// document (eight times the page faults of a check, in `fix`): mimalloc makes `fix` over
/// the benchmark's 2,000 templates a third faster and a check of its 200 MB file a fifth. It
/// costs about 0.3 ms of start-up (one process per save in the editor hook). Version 2,
/// without transparent huge pages: version 3 and huge pages took more memory and start-up.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
