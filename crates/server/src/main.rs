//! The `db001` server binary: parse settings, start logging and the runtime, run until
//! SIGTERM/SIGINT. Exit codes: 0 after a clean shutdown, 1 when the server failed, 2 for bad
//! settings. `db001 backup|recover|verify ...` run the durability tools instead
//! (`db001_server::tools`).

use std::process::ExitCode;

use db001_server::config::{self, Command};

/// mimalloc instead of glibc malloc: statements allocate and free many small values (decoded
/// rows, keys, protocol buffers) across threads, which glibc's arenas serve more slowly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Stack of each runtime worker thread.
const WORKER_STACK_BYTES: usize = 16 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(|argument| argument.into_string())
        .collect()
    {
        Ok(args) => args,
        Err(argument) => {
            eprintln!("db001: argument {argument:?} is not valid UTF-8");
            return ExitCode::from(2);
        }
    };
    if let Some((tool, rest)) = args.split_first()
        && let Some(code) = db001_server::tools::run_tool(tool, rest)
    {
        return code;
    }
    let settings = match config::load(&args, |name| std::env::var(name).ok()) {
        Ok(Command::Run(settings)) => settings,
        Ok(Command::Help) => {
            print!("{}", config::usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("db001 {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("db001: {error}");
            return ExitCode::from(2);
        }
    };
    // A misspelt crash point must not turn a torture run into a plain one.
    if let Err(error) = db001_wal::crash_point::from_env() {
        eprintln!("db001: {error}");
        return ExitCode::from(2);
    }
    db001_server::init_logging(settings.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("db001")
        // Statements are parsed, bound and dropped recursively; the parser allows 1000 levels
        // of nesting (db001_sql::MAX_DEPTH), which needs more than tokio's 2 MiB default.
        // Stack is reserved, not committed, so this costs address space only.
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(db001_server::run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            ExitCode::FAILURE
        }
    }
}
