//! Shell completion: registry names and aliases wherever a REF is expected.
//!
//! Completion is dynamic (clap_complete's engine): the shell asks `repodex` itself,
//! which reads the catalog, so new names complete at once. Set it up with
//! `source <(COMPLETE=bash repodex)` (or zsh, fish); docs/guide.md has the details.

use std::ffi::OsStr;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::EnvCompleter;

use super::{CmdResult, Outcome};
use repodex::context::FRONT_PROGRAM;

/// Print the shell code that completes repodex: names, aliases and tags from the registry
///
/// The code asks `repodex` for candidates as you type, so new names complete at once.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  echo 'source <(repodex completions bash)' >> ~/.bashrc\n  echo 'source <(repodex completions zsh)' >> ~/.zshrc\n  repodex completions fish > ~/.config/fish/completions/repodex.fish"
)]
pub struct Args {
    /// The shell
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// What `COMPLETE=<shell> repodex` prints, as a command.
pub fn run(args: Args) -> CmdResult {
    let completer: &dyn EnvCompleter = match args.shell {
        Shell::Bash => &clap_complete::env::Bash,
        Shell::Zsh => &clap_complete::env::Zsh,
        Shell::Fish => &clap_complete::env::Fish,
        Shell::Elvish => &clap_complete::env::Elvish,
        Shell::Powershell => &clap_complete::env::Powershell,
    };
    // The code completes the command a user types, `repodex`, wherever this program
    // was run from (a registration for `/home/me/.cargo/bin/repodex` never fires for
    // `repodex`). It asks for candidates the way this program was run, as `COMPLETE=<shell>
    // repodex` does: `repodex` from PATH, or the path it was run by.
    let run_as = std::env::args_os().next().unwrap_or_default();
    let asks = if std::path::Path::new(&run_as).components().count() == 1 {
        run_as.to_string_lossy().into_owned()
    } else {
        repodex::context::front_program()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| FRONT_PROGRAM.into())
    };
    let mut out = super::output::stdout();
    completer
        .write_registration("COMPLETE", FRONT_PROGRAM, FRONT_PROGRAM, &asks, &mut out)
        .map_err(|e| repodex::Error::io("cannot print the completion code", e))?;
    Ok(Outcome::Success)
}

/// The completer for REF arguments.
pub fn references() -> ArgValueCompleter {
    ArgValueCompleter::new(complete_reference)
}

fn complete_reference(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let current = current.to_lowercase();
    let Some(sources) = existing_sources() else {
        return Vec::new();
    };
    let mut candidates = Vec::new();
    for (layer, registry) in sources.each() {
        for record in registry.records() {
            let repodex::Record::Entry(summary) = record else {
                continue;
            };
            for name in std::iter::once(&summary.name).chain(&summary.aliases) {
                if name.starts_with(&current) {
                    let help = match layer {
                        None => summary.url.clone(),
                        Some(layer) => format!("{} (layer {layer})", summary.url),
                    };
                    candidates.push(CompletionCandidate::new(name).help(Some(help.into())));
                }
            }
        }
    }
    candidates
}

/// The completer for TAG arguments: the tags in use.
pub fn tags() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(current) = current.to_str() else {
            return Vec::new();
        };
        let Some(sources) = existing_sources() else {
            return Vec::new();
        };
        let mut tags = std::collections::BTreeSet::new();
        for (_, registry) in sources.each() {
            for record in registry.records() {
                if let repodex::Record::Entry(summary) = record {
                    tags.extend(summary.tags.into_iter().filter(|t| t.starts_with(current)));
                }
            }
        }
        tags.into_iter().map(CompletionCandidate::new).collect()
    })
}

/// The completer for layer names (`registry rm`, `registry update`).
pub fn layers() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(current) = current.to_str() else {
            return Vec::new();
        };
        let Some(sources) = existing_sources() else {
            return Vec::new();
        };
        sources
            .layers
            .iter()
            .map(|(name, _)| name)
            .filter(|name| name.starts_with(current))
            .map(CompletionCandidate::new)
            .collect()
    })
}

/// `--registry DIR` as typed on the command line being completed: clap's completion
/// calls `repodex -- repodex <the words typed>`, and the completers see only the word
/// at the cursor.
fn registry_on_line() -> Option<std::path::PathBuf> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut words = args.iter().skip_while(|a| *a != "--").skip(1);
    let mut found = None;
    while let Some(word) = words.next() {
        if word == "--registry" {
            found = words.next().map(std::path::PathBuf::from);
        } else if let Some(dir) = word.to_str().and_then(|w| w.strip_prefix("--registry=")) {
            found = Some(dir.into());
        }
    }
    found
}

/// The registry (the one typed on the line, else the usual one) and its layers, for
/// completion: offline, and never created by it.
fn existing_sources() -> Option<repodex::ops::sources::Sources> {
    let ctx = repodex::Context::from_env(registry_on_line().as_deref(), true).ok()?;
    ctx.open_existing().ok().flatten()?;
    repodex::ops::sources::sources(&ctx).ok()
}
