//! `repodex-cli`, the whole command line: argument parsing, output and exit codes over
//! the library. Users run `repodex` (`src/main.rs`), which answers `--version` and a
//! `resolve` that the catalog alone settles itself, and hands everything else here.
//!
//! Each command is one file holding its clap `Args` (whose doc comments are the help)
//! and a `run` function that calls the library and renders the result. Only this module
//! prints. Data goes to stdout (names, URLs, tables, JSON); notices go to stderr.

// Printing goes through `output` (a closed pipe must not panic), never `println!`.
#![warn(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod output;

/// A notice on stderr (what was done, what to do next), unless `--quiet`. Errors and
/// warnings use `errln!`: `--quiet` never hides them.
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::quiet() {
            errln!($($arg)*);
        }
    };
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether `--quiet` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

mod accept;
mod alias;
mod clone;
mod complete;
mod config;
mod credential_helper;
mod creds;
mod diff;
mod doctor;
mod exec;
mod export;
mod forget;
mod git_setup;
mod identity;
mod import;
mod info;
mod init;
mod jump;
mod list;
mod log;
mod mcp;
mod migrate;
mod open;
mod pick;
mod picker;
mod prune;
mod pull;
mod recipients;
mod refresh;
mod register;
mod registry;
mod remote;
mod rename;
mod render;
mod resolve;
mod select;
mod set;
mod settings;
mod shell_init;
mod status;
mod sync;
mod tag;
mod which;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use repodex::ErrorKind;

/// Know, name and reach the git repositories you work with.
///
/// repodex keeps a registry of git repositories (itself a git repository) and lets you
/// use a short name wherever a repository is expected.
#[derive(Parser)]
#[command(name = "repodex", bin_name = "repodex", version, max_term_width = MAX_TERM_WIDTH)]
struct Cli {
    #[command(flatten)]
    globals: Globals,

    #[command(subcommand)]
    command: Command,
}

const MAX_TERM_WIDTH: usize = 100;

/// The options every command takes.
#[derive(clap::Args)]
struct Globals {
    /// The registry folder [default: $REPODEX_HOME, else ~/.local/share/repodex/registry]
    #[arg(long, global = true, value_name = "DIR")]
    registry: Option<PathBuf>,

    /// Use only cached data; open no network connection (also REPODEX_OFFLINE=1)
    #[arg(long, global = true)]
    offline: bool,

    /// Print no notices or progress on stderr, only errors and warnings
    #[arg(long, short, global = true)]
    quiet: bool,
}

/// The command line parsed. When the first argument names one of the commands that
/// scripts and tools run many times over (`resolve`, `which`, `config`, `info`, and
/// `jump`, which the shell function runs), clap
/// is given that command alone: building all ~30 is most of clap's share of such a run.
/// What it accepts, prints and refuses is the same as with every command built
/// (`commands::one_command_parses_as_all_do` compares the two).
fn parse() -> Result<Cli, clap::Error> {
    use clap::{Args, FromArgMatches};
    let first = std::env::args_os().nth(1);
    let Some(sub) = first
        .as_ref()
        .and_then(|name| name.to_str())
        .and_then(one_subcommand)
    else {
        return Cli::try_parse();
    };
    let top = clap::Command::new("repodex")
        .bin_name("repodex")
        .version(env!("CARGO_PKG_VERSION"))
        .max_term_width(MAX_TERM_WIDTH)
        .subcommand_required(true);
    // Globals first, as the derive adds them: the order of arguments in help is the
    // order they were added.
    let matches = Globals::augment_args(top)
        .subcommand(sub)
        .try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

/// The command named `name` built alone, as `Command` would build it.
fn one_subcommand(name: &str) -> Option<clap::Command> {
    use clap::{Args, Command};
    Some(match name {
        "resolve" => resolve::Args::augment_args(Command::new("resolve")),
        "which" => which::Args::augment_args(Command::new("which")),
        "config" => config::Args::augment_args(Command::new("config")),
        "info" => info::Args::augment_args(Command::new("info")),
        "jump" => jump::Args::augment_args(Command::new("jump")),
        _ => return None,
    })
}

#[derive(Subcommand)]
enum Command {
    Init(init::Args),
    Register(register::Args),
    List(list::Args),
    Info(info::Args),
    Resolve(resolve::Args),
    Which(which::Args),
    Pick(pick::Args),
    Jump(jump::Args),
    Open(open::Args),
    Refresh(refresh::Args),
    Config(config::Args),
    Log(log::Args),
    Diff(diff::Args),
    Identity(identity::Args),
    #[command(subcommand)]
    Recipients(recipients::Command),
    Accept(accept::Args),
    #[command(subcommand)]
    Creds(creds::Command),
    Credential(credential_helper::Args),
    Export(export::Args),
    Clone(clone::Args),
    Prune(prune::Args),
    Status(status::Args),
    Pull(pull::Args),
    Exec(exec::Args),
    GitSetup(git_setup::Args),
    #[command(subcommand)]
    Import(import::Command),
    Forget(forget::Args),
    Rename(rename::Args),
    #[command(subcommand)]
    Alias(alias::Command),
    #[command(subcommand)]
    Tag(tag::Command),
    Set(set::Args),
    Settings(settings::Args),
    Doctor(doctor::Args),
    Migrate(migrate::Args),
    #[command(subcommand)]
    Remote(remote::Command),
    Sync(sync::Args),
    #[command(subcommand)]
    Registry(registry::Command),
    Mcp(mcp::Args),
    Completions(complete::Args),
    ShellInit(shell_init::Args),
    /// Print the man page (roff), or write one page per command into a folder
    #[command(
        after_help = "Examples:\n  repodex man | man -l -\n  repodex man --dir ~/.local/share/man/man1 && man repodex-register"
    )]
    Man {
        /// Write repodex.1 and a page per command (repodex-register.1, ...) into DIR
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// What every command gets: where things are, read once from the environment.
pub use repodex::Context;

/// Printed when another repodex process holds the registry's lock.
fn waiting_notice() {
    say!("repodex: waiting for another repodex process to finish changing the registry…");
}

/// How a command ended, beyond success.
pub enum Outcome {
    Success,
    /// The command ran, and what it found calls for this exit code (doctor's problems).
    Exit(u8),
}

/// Exit codes (docs/exit-codes.md).
pub mod exit {
    pub const FAILURE: u8 = 1;
    pub const INPUT: u8 = 2;
    pub const NO_MATCH: u8 = 3;
    pub const REGISTRY: u8 = 4;
    pub const NETWORK: u8 = 5;
    /// Ctrl-C (128 + SIGINT), as a shell reports it; also Esc in the picker, which
    /// leaves without choosing as Ctrl-C does.
    pub const INTERRUPTED: u8 = 130;
}

fn main() -> ExitCode {
    // `COMPLETE=bash repodex` prints the completion script; the shell then asks
    // `repodex` again for candidates. Without COMPLETE, this returns at once.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command).complete();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `repodex` or `repodex creds` alone: the help, as clap lays it out (what
            // cargo and git do), on stderr with the usage error's exit code.
            let _ = e.print();
            return ExitCode::from(exit::INPUT);
        }
        Err(e) => {
            errln!("repodex: {}", one_line_usage_error(&e));
            return ExitCode::from(exit::INPUT);
        }
    };
    let Globals {
        registry,
        offline,
        quiet,
    } = cli.globals;
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
    let ctx = match Context::from_env(registry.as_deref(), offline) {
        Ok(ctx) => ctx,
        Err(error) => {
            errln!("repodex: error: {}", render::text(&error.to_string()));
            return ExitCode::from(exit::FAILURE);
        }
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Register(args) => register::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Info(args) => info::run(&ctx, args),
        Command::Resolve(args) => resolve::run(&ctx, args),
        Command::Which(args) => which::run(&ctx, args),
        Command::Pick(args) => pick::run(&ctx, args),
        Command::Jump(args) => jump::run(&ctx, args),
        Command::Open(args) => open::run(&ctx, args),
        Command::Refresh(args) => refresh::run(&ctx, args),
        Command::Config(args) => config::run(&ctx, args),
        Command::Log(args) => log::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Identity(args) => identity::run(&ctx, args),
        Command::Recipients(cmd) => recipients::run(&ctx, cmd),
        Command::Accept(args) => accept::run(&ctx, args),
        Command::Creds(cmd) => creds::run(&ctx, cmd),
        Command::Credential(args) => credential_helper::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Clone(args) => clone::run(&ctx, args),
        Command::Prune(args) => prune::run(&ctx, args),
        Command::Status(args) => status::run(&ctx, args),
        Command::Pull(args) => pull::run(&ctx, args),
        Command::Exec(args) => exec::run(&ctx, args),
        Command::GitSetup(args) => git_setup::run(&ctx, args),
        Command::Import(cmd) => import::run(&ctx, cmd),
        Command::Forget(args) => forget::run(&ctx, args),
        Command::Rename(args) => rename::run(&ctx, args),
        Command::Alias(cmd) => alias::run(&ctx, cmd),
        Command::Tag(cmd) => tag::run(&ctx, cmd),
        Command::Set(args) => set::run(&ctx, args),
        Command::Settings(args) => settings::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Migrate(args) => migrate::run(&ctx, args),
        Command::Remote(cmd) => remote::run(&ctx, cmd),
        Command::Sync(args) => sync::run(&ctx, args),
        Command::Registry(cmd) => registry::run(&ctx, cmd),
        Command::Mcp(args) => mcp::run(&ctx, args),
        Command::Completions(args) => complete::run(args),
        Command::ShellInit(args) => shell_init::run(args),
        Command::Man { dir } => {
            use clap::CommandFactory;
            match dir {
                Some(dir) => std::fs::create_dir_all(&dir)
                    .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
                    .map(|()| {
                        say!("repodex: wrote the man pages into {}", dir.display());
                        Outcome::Success
                    })
                    .map_err(|e| {
                        repodex::Error::io(
                            format!("cannot write man pages into {}", dir.display()),
                            e,
                        )
                    }),
                None => {
                    let _ = clap_mangen::Man::new(Cli::command()).render(&mut output::stdout());
                    Ok(Outcome::Success)
                }
            }
        }
    };
    // git-setup's file follows the registry's HEAD, whoever moved it. A command that
    // failed changed nothing, and its error stays the one line it prints.
    if result.is_ok() {
        if let Err(error) = repodex::ops::git_setup::keep_current(&ctx) {
            errln!(
                "repodex: warning: could not update git-setup's file: {}",
                render::text(&error.to_string())
            );
        }
    }
    // A reader that stopped reading ended the output, not the command; another
    // failure to write it is a failure underneath.
    let result = match (output::finish(), result) {
        (Some(failed), Ok(_)) => Err(repodex::Error::io("cannot write the output", failed)),
        (_, result) => result,
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Exit(code)) => ExitCode::from(code),
        Err(error) => {
            errln!("repodex: error: {}", render::text(&error.to_string()));
            ExitCode::from(match error.kind() {
                ErrorKind::Input => exit::INPUT,
                ErrorKind::NoMatch => exit::NO_MATCH,
                ErrorKind::Registry => exit::REGISTRY,
                ErrorKind::Network => exit::NETWORK,
                _ => exit::FAILURE,
            })
        }
    }
}

/// clap's usage errors span several lines (error, items, tip, usage); ours are one
/// line: the items after a line ending in ':' joined with spaces, the usage kept.
fn one_line_usage_error(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let mut parts: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("For more information") {
            continue;
        }
        let line = line.strip_prefix("tip: ").unwrap_or(line);
        let line = match line.strip_prefix("Usage: ") {
            Some(usage) => format!("usage: {usage}"),
            None => line.to_string(),
        };
        match parts.last_mut() {
            Some(last) if last.ends_with(':') => {
                last.push(' ');
                last.push_str(&line);
            }
            Some(last) if !line.starts_with("usage:") && last.contains(": <") => {
                last.push(' ');
                last.push_str(&line);
            }
            _ => parts.push(line),
        }
    }
    let mut line = format!("{}; see --help", parts.join("; "));
    // clap lists "did you mean" candidates nearest last; people read the first.
    use clap::error::{ContextKind, ContextValue};
    for kind in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        if let Some(ContextValue::Strings(names)) = error.get(kind) {
            let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
            let nearest_first: Vec<String> = quoted.iter().rev().cloned().collect();
            line = line.replace(&quoted.join(", "), &nearest_first.join(", "));
        }
    }
    line
}

type CmdResult = repodex::Result<Outcome>;

/// The notice for an identity created on first need.
fn note_identity_created(path: Option<&std::path::Path>) {
    if let Some(path) = path {
        say!(
            "repodex: created your identity at {}; `repodex identity` prints its public key",
            path.display()
        );
    }
}

/// The note shown when remote data comes from the cache:
/// `(cached, checked 3 days ago; remote unreachable: ...)`.
fn freshness_note(freshness: &repodex::ops::refresh::Freshness) -> Option<String> {
    use repodex::ops::refresh::Freshness;
    match freshness {
        Freshness::Fresh | Freshness::Refreshed => None,
        Freshness::Cached { checked, reason } => {
            let when = match checked {
                Some(t) => format!("checked {}", repodex::time::ago(*t, chrono::Utc::now())),
                None => "never checked".to_string(),
            };
            Some(format!("(cached, {when}; {})", render::text(reason)))
        }
    }
}

/// Print the freshness note, if any, on stderr.
fn note_freshness(freshness: Option<&repodex::ops::refresh::Freshness>) {
    if let Some(note) = freshness.and_then(freshness_note) {
        say!("repodex: {note}");
    }
}

/// Print what was changed in a URL as given (docs/references.md), one line each.
fn print_notices(notices: &[String]) {
    for notice in notices {
        say!("repodex: note: {}", render::text(notice));
    }
}

/// Print `value` as JSON, one document, on stdout.
fn print_json(value: &impl serde::Serialize) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).expect("reports serialize")
    );
}
