use std::path::PathBuf;

use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::clone::{self, Request};

/// Make a working copy from the cached mirror (no network needed), origin set to the real URL
///
/// Without a mirror, fetches one first (when online). The default branch is checked
/// out; --branch starts a new branch from it, the way a Minsky task session starts.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex clone mk\n  repodex clone mk ~/work/mk-task-42 --branch task-42"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// Where to put it [default: the last segment of the name]
    dir: Option<PathBuf>,
    /// Start a new branch from the default branch
    #[arg(long, value_name = "NEW")]
    branch: Option<String>,
    /// Print the report as JSON on stdout (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let request = Request {
        reference: args.reference,
        dir: args.dir,
        branch: args.branch,
        root: None,
    };
    let report = clone::clone(ctx, request, &mut waiting_notice)?;
    if args.json {
        super::print_json(&report);
    } else {
        // The path on stdout, for `cd "$(repodex clone mk)"`; the rest is a notice.
        println!("{}", report.path.display());
        say!(
            "repodex: cloned {} into {} (origin: {})",
            report.name,
            report.path.display(),
            report.url
        );
        super::note_freshness(Some(&report.freshness));
        if report.shallow {
            say!(
                "repodex: the copy is shallow (mirror_depth in this machine's config keeps the mirror short); `git fetch --unshallow` in it brings the history"
            );
        }
    }
    Ok(Outcome::Success)
}
