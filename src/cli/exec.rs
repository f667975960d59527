use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::sync::Mutex;

use super::{exit, render, CmdResult, Context, Outcome};
use repodex::ops::exec::{self, Ended, Observer, Request, Run};

/// Run a command in every clone, several at once
///
/// Every recorded clone, or those of the repositories selected. The command (after
/// `--`, run as it is: `sh -c '...'` for a shell) runs in each clone's folder with
/// standard input empty and no terminal to prompt on, and REPODEX_NAME, REPODEX_URL and
/// REPODEX_PATH set. Each clone's output (stdout and stderr together, in the order
/// written) is printed under a `==> NAME  PATH <==` line once it finishes, in selection
/// order; `--stream` prints lines as they come, each after its clone's name. The clones
/// whose command failed are named at the end, and the exit status is 1 when any failed.
/// Ctrl-C stops every command (its whole process group) and says which had finished
/// (exit 130).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex exec -- git status -s\n  repodex exec --tag work -- git log -1 --format=%s\n  repodex exec 'acme/*' --stream -- sh -c 'make test'\n  repodex exec --json --timeout 1m -- cargo check -q"
)]
pub struct Args {
    /// Names, aliases, URLs, paths or name globs (acme/*) [default: every clone]
    #[arg(add = super::complete::references())]
    references: Vec<String>,
    #[command(flatten)]
    select: super::select::Args,
    /// How many commands run at once [default: the number of cores]
    #[arg(long, short, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// Print each line as it comes, after its clone's name, rather than each clone's
    /// output together when it finishes
    #[arg(long, conflicts_with = "json")]
    stream: bool,
    /// Stop a command that runs longer than this (30s, 5m), with everything it started
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    timeout: Option<std::time::Duration>,
    /// Print the report as JSON on stdout, stdout and stderr of each command apart
    /// (docs/json.md)
    #[arg(long)]
    json: bool,
    /// The command and its arguments
    #[arg(last = true, required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let jobs = args.jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(4)
    });
    let request = Request {
        selection: args.select.selection(args.references),
        command: args.command,
        jobs,
        timeout: args.timeout,
        separate_streams: args.json,
    };
    let home = ctx.dirs().home.clone();
    let report = if args.json {
        exec::exec(ctx, &request, &Quiet)?
    } else if args.stream {
        exec::exec(ctx, &request, &Streamed { home: &home })?
    } else {
        exec::exec(
            ctx,
            &request,
            &Grouped {
                home: &home,
                pending: Mutex::new((0, BTreeMap::new())),
            },
        )?
    };
    if args.json {
        super::print_json(&report);
    } else {
        summarize(&report, &home);
    }
    if report.interrupted {
        return Ok(Outcome::Exit(exit::INTERRUPTED));
    }
    Ok(if report.runs.iter().all(|r| r.ended.is_success()) {
        Outcome::Success
    } else {
        Outcome::Exit(exit::FAILURE)
    })
}

fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    repodex::time::parse_duration(text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}' is not a duration such as 30s, 5m or 2h"))
}

/// The words for a command that did not succeed.
fn how(ended: &Ended) -> String {
    match ended {
        Ended::Exited { code } => format!("exit {code}"),
        Ended::Signalled { signal } => format!("killed by signal {signal}"),
        Ended::TimedOut { after_seconds } => format!("timed out after {after_seconds} s"),
        Ended::Interrupted => "interrupted".into(),
        Ended::NotRun { reason } => format!("not run: {reason}"),
    }
}

fn summarize(report: &exec::Report, home: &std::path::Path) {
    let failed: Vec<&Run> = report
        .runs
        .iter()
        .filter(|r| !r.ended.is_success())
        .collect();
    if report.interrupted {
        let finished = report
            .runs
            .iter()
            .filter(|r| matches!(r.ended, Ended::Exited { .. } | Ended::Signalled { .. }))
            .count();
        let stopped = report
            .runs
            .iter()
            .filter(|r| r.ended == Ended::Interrupted)
            .count();
        let not_started = report.runs.len() - finished - stopped;
        errln!(
            "repodex: interrupted: {finished} finished, {stopped} stopped, {not_started} not started"
        );
        return;
    }
    if failed.is_empty() {
        say!(
            "repodex: ran in {} clone(s), every one succeeded",
            report.runs.len()
        );
        return;
    }
    errln!(
        "repodex: failed in {} of {} clone(s): {}",
        failed.len(),
        report.runs.len(),
        failed
            .iter()
            .map(|r| format!(
                "{} ({}, {})",
                r.name,
                render::home_path(&r.path, home),
                how(&r.ended)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// JSON: nothing while the commands run.
struct Quiet;
impl Observer for Quiet {}

/// Each clone's output together, in selection order, as soon as every clone before it
/// has finished.
struct Grouped<'a> {
    home: &'a std::path::Path,
    /// The next index to print, and the finished ones waiting for it.
    pending: Mutex<(usize, BTreeMap<usize, Vec<u8>>)>,
}

impl Observer for Grouped<'_> {
    fn finished(&self, index: usize, run: &Run) {
        let mut block = format!(
            "==> {}  {} <==\n",
            run.name,
            render::home_path(&run.path, self.home)
        )
        .into_bytes();
        block.extend_from_slice(run.stdout.as_bytes());
        if !run.stdout.is_empty() && !run.stdout.ends_with('\n') {
            block.push(b'\n');
        }
        if !run.ended.is_success() {
            block.extend_from_slice(format!("repodex: {}\n", how(&run.ended)).as_bytes());
        }
        let mut pending = self.pending.lock().expect("not poisoned");
        pending.1.insert(index, block);
        let mut out = super::output::stdout();
        loop {
            let next = pending.0;
            let Some(block) = pending.1.remove(&next) else {
                break;
            };
            let _ = out.write_all(&block);
            pending.0 += 1;
        }
    }
}

/// Lines as they come, each after its clone's name.
struct Streamed<'a> {
    home: &'a std::path::Path,
}

impl Observer for Streamed<'_> {
    fn streams(&self) -> bool {
        true
    }

    fn line(&self, _index: usize, name: &str, line: &[u8]) {
        let mut out = super::output::stdout();
        let _ = out.write_all(format!("{name}: ").as_bytes());
        let _ = out.write_all(line);
        if !line.ends_with(b"\n") {
            let _ = out.write_all(b"\n");
        }
    }

    fn finished(&self, _index: usize, run: &Run) {
        if !run.ended.is_success() {
            errln!(
                "repodex: {} ({}): {}",
                run.name,
                render::home_path(&run.path, self.home),
                how(&run.ended)
            );
        }
    }
}
