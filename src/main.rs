//! `repodex`, the command users run: a small front over `repodex-cli`.
//!
//! Scripts run two command lines far more often than any other, `repodex --version`
//! and `repodex resolve NAME` (or an alias), and both are mostly a program starting.
//! This program is small (no clap, no gix, no TLS), so it starts as fast as a small
//! program does; it
//! answers those two itself when it can, and hands every other command line, whole and
//! unchanged, to `repodex-cli` beside it, as `git` hands `git-<command>` on: by `exec`,
//! so the process, its exit code and its signals are the full program's. A `resolve`
//! it answers is one the full program would answer the same way
//! ([`repodex::ops::lookup::quick_url`] says when it declines). docs/design.md, "Scale",
//! has the numbers.

use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    if args.is_empty() {
        // Started with no argv[0] at all (execve allows it): name it as users do.
        args.push("repodex".into());
    }
    if let [_, only] = &args[..] {
        if only == "--version" || only == "-V" {
            return print_line(&format!("repodex {}", env!("CARGO_PKG_VERSION")));
        }
    }
    if let Some(url) = plain_resolve(&args[1..]).and_then(quick_resolve) {
        return print_line(&url);
    }
    hand_over(args)
}

/// Print `line` on stdout as the full program prints results: a reader that has gone
/// (`| head -0`) ends it quietly with success, another failure is one line and exit 1
/// (docs/exit-codes.md).
fn print_line(line: &str) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = writeln!(
                std::io::stderr(),
                "repodex: error: cannot write the output: {e}"
            );
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}

/// `repodex resolve REF`, with any of the options every command takes, before or
/// after the command, each at most once (`--offline` and `--quiet` change nothing for
/// a `resolve`, which reads no network and prints no notice).
struct PlainResolve<'a> {
    registry: Option<&'a str>,
    reference: &'a str,
}

/// The command line `args` (without the program's name) as a [`PlainResolve`], or
/// `None` for anything else, including anything clap could read another way: then
/// the full program parses it.
fn plain_resolve(args: &[OsString]) -> Option<PlainResolve<'_>> {
    let (mut command, mut reference, mut registry) = (false, None, None);
    let (mut offline, mut quiet) = (false, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let arg = arg.to_str()?;
        let once = |seen: &mut bool| (!std::mem::replace(seen, true)).then_some(());
        match arg {
            "--offline" => once(&mut offline)?,
            "--quiet" | "-q" => once(&mut quiet)?,
            "--registry" => set_once(&mut registry, args.next()?.to_str()?)?,
            _ if arg.starts_with("--registry=") => {
                set_once(&mut registry, &arg["--registry=".len()..])?
            }
            _ if arg.starts_with('-') => return None,
            "resolve" if !command => command = true,
            _ if command && reference.is_none() => reference = Some(arg),
            _ => return None,
        }
    }
    if registry.is_some_and(|dir| dir.is_empty() || dir.starts_with('-')) {
        return None;
    }
    Some(PlainResolve {
        registry,
        reference: reference?,
    })
}

/// Set `slot` to `value` if it is empty; `None` (not a plain resolve) if it was set.
fn set_once<'a>(slot: &mut Option<&'a str>, value: &'a str) -> Option<()> {
    slot.replace(value).is_none().then_some(())
}

/// The URL `repodex resolve REF` prints, when this program can tell it.
fn quick_resolve(resolve: PlainResolve) -> Option<String> {
    // Shell completion at work (`COMPLETE=bash repodex ...`) is the full program's.
    if std::env::var_os("COMPLETE").is_some() {
        return None;
    }
    let registry = resolve.registry.map(std::path::Path::new);
    let ctx = repodex::Context::from_env(registry, false).ok()?;
    repodex::ops::lookup::quick_url(&ctx, resolve.reference)
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
