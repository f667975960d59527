//! Shell completion: registry names and aliases wherever a REF is expected.
//!
//! Completion is dynamic (clap_complete's engine): the shell asks `repodex` itself,
//! which reads the catalog, so new names complete at once. Set it up with
//! `source <(COMPLETE=bash repodex)` (or zsh, fish); docs/guide.md has the details.

use std::ffi::OsStr;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

/// The completer for REF arguments.
pub fn references() -> ArgValueCompleter {
    ArgValueCompleter::new(complete_reference)
}

fn complete_reference(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    let current = current.to_lowercase();
    // Completion never creates a registry.
    let Ok(ctx) = repodex::Context::from_env(None, true) else {
        return Vec::new();
    };
    let Ok(Some(registry)) = ctx.open_existing() else {
        return Vec::new();
    };
    let mut candidates = Vec::new();
    for record in registry.records() {
        let repodex::Record::Entry(summary) = record else {
            continue;
        };
        for name in std::iter::once(&summary.name).chain(&summary.aliases) {
            if name.starts_with(&current) {
                candidates
                    .push(CompletionCandidate::new(name).help(Some(summary.url.clone().into())));
            }
        }
    }
    candidates
}
