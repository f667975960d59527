use super::{CmdResult, Context, Outcome};

/// Show how a repository's cached configuration changed
///
/// Compares the entry now with the entry at --since; without it, with the entry before
/// its latest change.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex diff mk\n  repodex diff mk --since 2w\n  repodex diff mk --since 2026-11-01"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references(), allow_hyphen_values = true)]
    reference: String,
    /// From a duration back (3d, 2w), a date, or a registry revision
    #[arg(
        long,
        value_name = "DURATION-or-DATE-or-REV",
        allow_hyphen_values = true
    )]
    since: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let registry = ctx.open()?;
    let name = super::own_entry(&registry, &args.reference)?;
    let now = registry.entry(&name)?;
    let before_commit = match &args.since {
        Some(since) => Some(registry.commit_at(since)?),
        None => match registry.log(Some(&name))?.first() {
            Some(latest) => registry.parent_of(latest.commit)?,
            None => None,
        },
    };
    let before = before_commit.and_then(|c| registry.entry_at(c, &name).ok());
    let empty = std::collections::BTreeMap::new();
    let old_files = before.as_ref().map_or(&empty, |e| &e.config.files);
    let old_branch = before
        .as_ref()
        .and_then(|e| e.remote.default_branch.clone());
    let mut printed = false;
    if old_branch != now.remote.default_branch {
        println!(
            "default branch: {} -> {}",
            old_branch.as_deref().unwrap_or("(unknown)"),
            now.remote.default_branch.as_deref().unwrap_or("(unknown)")
        );
        printed = true;
    }
    let paths: std::collections::BTreeSet<&String> =
        old_files.keys().chain(now.config.files.keys()).collect();
    for path in paths {
        let old = old_files.get(path).map(String::as_str).unwrap_or("");
        let new = now.config.files.get(path).map(String::as_str).unwrap_or("");
        if old == new {
            continue;
        }
        let diff = similar::TextDiff::from_lines(old, new);
        let (from, to) = (
            if old_files.contains_key(path) {
                format!("a/{path}")
            } else {
                "/dev/null".into()
            },
            if now.config.files.contains_key(path) {
                format!("b/{path}")
            } else {
                "/dev/null".into()
            },
        );
        print!(
            "{}",
            diff.unified_diff().context_radius(3).header(&from, &to)
        );
        printed = true;
    }
    if before.is_none() {
        eprintln!("repodex: '{name}' was not in the registry then; compared with nothing");
    }
    if !printed {
        let since = args.since.as_deref().unwrap_or("its previous version");
        eprintln!("repodex: no configuration changes for '{name}' since {since}");
    }
    Ok(Outcome::Success)
}
