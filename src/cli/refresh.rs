use super::{exit, render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::refresh::{self, Which};

/// Learn each repository's default branch and configuration files from its remote
///
/// Lists the remote's refs; fetches a mirror of the default branch (with its history)
/// into the cache when the head moved (or there is no mirror); reads the configured files. Commits once for the whole run,
/// and only when a default branch or a file changed.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex refresh mk\n  repodex refresh --all --jobs 8\n  repodex refresh --all --json"
)]
pub struct Args {
    /// Names, aliases, URLs or paths
    #[arg(add = super::complete::references(), required_unless_present = "all")]
    references: Vec<String>,
    /// Every registered repository
    #[arg(long, conflicts_with = "references")]
    all: bool,
    /// How many remotes to talk to at once
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Print the report as JSON on stdout (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let bar = render::progress_bar(false);
    let which = if args.all {
        Which::All
    } else {
        Which::These(&args.references)
    };
    let report = refresh::run(
        ctx,
        which,
        usize::from(args.jobs),
        &mut |p| render::advance(&bar, p),
        &mut waiting_notice,
    )?;
    bar.finish_and_clear();
    if args.json {
        super::print_json(&report);
    } else {
        for updated in &report.updated {
            let words: Vec<String> = updated.changes.iter().map(|c| c.to_string()).collect();
            outln!("updated {}: {}", updated.name, words.join(", "));
        }
        for skipped in &report.skipped {
            say!(
                "skipped {}: {}: {}",
                skipped.name,
                render::text(&skipped.path),
                render::text(&skipped.reason)
            );
        }
        for failed in &report.failed {
            errln!("failed {}: {}", failed.name, render::text(&failed.reason));
        }
        outln!(
            "{} updated, {} unchanged, {} failed",
            report.updated.len(),
            report.unchanged.len(),
            report.failed.len()
        );
    }
    Ok(if report.failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::Exit(exit::NETWORK)
    })
}
