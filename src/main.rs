//! `repodex`, the command users run: a small front over `repodex-cli`.
//!
//! Scripts run two command lines far more often than any other, `repodex --version`
//! and `repodex resolve NAME`, and both are mostly a program starting. This program is
//! small (no clap, no gix, no TLS), so it starts as fast as a small program does; it
//! answers those two itself when it can, and hands every other command line, whole and
//! unchanged, to `repodex-cli` beside it, as `git` hands `git-<command>` on: by `exec`,
//! so the process, its exit code and its signals are the full program's. A `resolve`
//! it answers is one the full program would answer the same way
//! ([`repodex::ops::lookup::quick_url`] says when it declines). docs/design.md, "Scale",
//! has the numbers.

use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let [_, only] = &args[..] {
        if only == "--version" || only == "-V" {
            println!("repodex {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
    }
    if let [_, command, reference] = &args[..] {
        if command == "resolve" {
            if let Some(url) = reference.to_str().and_then(quick_resolve) {
                println!("{url}");
                return ExitCode::SUCCESS;
            }
        }
    }
    hand_over(args)
}

/// The URL `repodex resolve REFERENCE` prints, when this program can tell it.
fn quick_resolve(reference: &str) -> Option<String> {
    // An option, or shell completion at work (`COMPLETE=bash repodex ...`): the full
    // program's to handle.
    if reference.starts_with('-') || std::env::var_os("COMPLETE").is_some() {
        return None;
    }
    let ctx = repodex::Context::from_env(None, false).ok()?;
    repodex::ops::lookup::quick_url(&ctx, reference)
}

/// Run `repodex-cli` with this command line, in place of this process.
fn hand_over(args: Vec<OsString>) -> ExitCode {
    let full = match std::env::current_exe() {
        Ok(exe) => repodex::context::full_program_beside(&exe),
        Err(e) => {
            eprintln!(
                "repodex: error: cannot find repodex's own path: {e}; run repodex by its full path"
            );
            return ExitCode::FAILURE;
        }
    };
    let mut command = std::process::Command::new(&full);
    command.args(&args[1..]);
    let e = run(command, &args[0]);
    eprintln!(
        "repodex: error: cannot run {}: {e}; install it beside repodex (`cargo install --path .` installs both)",
        full.display()
    );
    ExitCode::FAILURE
}

/// Replace this process with `command`, named `arg0` as this one was (clap's messages
/// and completions name the program as it was run). Returns only on failure.
#[cfg(unix)]
fn run(mut command: std::process::Command, arg0: &OsString) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    command.arg0(arg0).exec()
}

/// Without `exec`, run `command` to its end and leave with its exit code.
#[cfg(not(unix))]
fn run(mut command: std::process::Command, _arg0: &OsString) -> std::io::Error {
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
    }
}
