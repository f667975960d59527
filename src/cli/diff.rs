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
    #[arg(add = super::complete::references())]
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
    let report = repodex::ops::diff::diff(ctx, &args.reference, args.since.as_deref())?;
    let name = &report.name;
    if let Some((old, new)) = &report.default_branch {
        outln!(
            "default branch: {} -> {}",
            old.as_deref().unwrap_or("(unknown)"),
            new.as_deref().unwrap_or("(unknown)")
        );
    }
    for file in &report.files {
        let (old, new) = (
            file.before.as_deref().unwrap_or(""),
            file.after.as_deref().unwrap_or(""),
        );
        let from = match file.before {
            Some(_) => format!("a/{}", file.path),
            None => "/dev/null".into(),
        };
        let to = match file.after {
            Some(_) => format!("b/{}", file.path),
            None => "/dev/null".into(),
        };
        let diff = similar::TextDiff::from_lines(old, new);
        out!(
            "{}",
            diff.unified_diff().context_radius(3).header(&from, &to)
        );
    }
    if !report.existed {
        say!("repodex: '{name}' was not in the registry then; compared with nothing");
    }
    if report.default_branch.is_none() && report.files.is_empty() {
        let since = args.since.as_deref().unwrap_or("its previous version");
        say!("repodex: no configuration changes for '{name}' since {since}");
    }
    Ok(Outcome::Success)
}
