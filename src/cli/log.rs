use super::{CmdResult, Context, Outcome};

/// List the registry's changes, or one repository's, newest first
///
/// One repository's changes follow it back across its renames.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex log\n  repodex log mk -n 5\n  repodex log mk --since 2w --json"
)]
pub struct Args {
    /// A name, alias, URL or path [default: the whole registry]
    #[arg(add = super::complete::references())]
    reference: Option<String>,
    /// At most this many changes
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    max_count: Option<usize>,
    /// Only changes after a registry revision (HEAD~2, a hash) or time (2026-11-20, 3d)
    #[arg(long, value_name = "REV-or-DATE", allow_hyphen_values = true)]
    since: Option<String>,
    /// Print the changes as JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let changes = repodex::ops::history::log(
        ctx,
        &repodex::ops::history::Request {
            reference: args.reference,
            max_count: args.max_count,
            since: args.since,
        },
    )?;
    if args.json {
        super::print_json(&changes);
        return Ok(Outcome::Success);
    }
    for change in changes {
        let short = change.commit.to_hex_with_len(8).to_string();
        let date = change.time.format("%Y-%m-%d %H:%M");
        outln!("{date}  {short}  {}", super::render::text(&change.summary));
        for line in change.body.lines().filter(|l| !l.is_empty()) {
            if change
                .entry
                .as_deref()
                .is_none_or(|n| line.starts_with(&format!("{n}:")))
            {
                outln!("                          {}", super::render::text(line));
            }
        }
    }
    Ok(Outcome::Success)
}
