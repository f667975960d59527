use super::{exit, render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::pull::{self, Outcome as Pulled, Reason, Request, Via};

/// Bring your clones up to date with their upstreams, by fast-forward only
///
/// Every recorded clone, or those of the repositories selected. Each clone's current
/// branch moves forward to its upstream when it can; nothing is ever merged, rebased
/// or stashed: a clone whose branch diverged, whose local changes are in the way (git's
/// own rule for `git merge --ff-only`), that is detached, has no upstream or is in the
/// middle of a rebase or merge is left exactly as it was, and said why. Each repository
/// is fetched once, without prompts; an upstream that is the entry's own repository
/// comes from repodex's mirror, refreshed first.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex pull\n  repodex pull --tag work\n  repodex pull 'acme/*' --jobs 4 --json"
)]
pub struct Args {
    /// Names, aliases, URLs, paths or name globs (acme/*) [default: every clone]
    #[arg(add = super::complete::references())]
    references: Vec<String>,
    #[command(flatten)]
    select: super::select::Args,
    /// How many clones to fetch and update at once (at most 4 to one host)
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Print the report as JSON on stdout (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let request = Request {
        selection: args.select.selection(args.references),
        jobs: usize::from(args.jobs),
    };
    let bar = render::progress_bar(args.json);
    let report = pull::pull(
        ctx,
        &request,
        &|p| render::advance(&bar, p),
        &mut waiting_notice,
    )?;
    bar.finish_and_clear();
    if args.json {
        super::print_json(&report);
    } else {
        let home = &ctx.dirs().home;
        for row in &report.clones {
            let path = render::home_path(&row.path, home);
            let branch = row.branch.as_deref().unwrap_or("-");
            match &row.outcome {
                Pulled::UpToDate => outln!("up to date    {}  {branch}  {path}", row.name),
                Pulled::FastForwarded {
                    from,
                    to,
                    commits,
                    via,
                } => outln!(
                    "fast-forward  {}  {branch} {}..{} ({commits} commit{}{})  {path}",
                    row.name,
                    &from[..7],
                    &to[..7],
                    if *commits == 1 { "" } else { "s" },
                    if *via == Via::Mirror {
                        ", from repodex's mirror"
                    } else {
                        ""
                    }
                ),
                Pulled::Skipped { reason, detail } => {
                    let what = match reason {
                        Reason::Detached => "detached    ",
                        Reason::NoUpstream => "no upstream ",
                        _ => "left as is  ",
                    };
                    outln!("{what}  {}  {branch}  {path}", row.name);
                    errln!("repodex: {} ({path}): {}", row.name, render::text(detail));
                }
                Pulled::Failed { detail } => {
                    outln!("failed        {}  {branch}  {path}", row.name);
                    errln!("repodex: {} ({path}): {}", row.name, render::text(detail));
                }
            }
        }
        let count = |f: fn(&Pulled) -> bool| report.clones.iter().filter(|r| f(&r.outcome)).count();
        say!(
            "repodex: {} fast-forwarded, {} up to date, {} left as they were, {} failed",
            count(|o| matches!(o, Pulled::FastForwarded { .. })),
            count(|o| matches!(o, Pulled::UpToDate)),
            count(|o| matches!(o, Pulled::Skipped { .. })),
            count(|o| matches!(o, Pulled::Failed { .. }))
        );
    }
    if let Some(error) = &report.mirrors_error {
        errln!("repodex: error: {}", render::text(error));
        return Ok(Outcome::Exit(exit::FAILURE));
    }
    // docs/exit-codes.md: a clone that follows an upstream and was not brought up to it
    // is a non-zero exit; 5 when every one of them failed to fetch, as for refresh. A
    // detached HEAD or a branch without upstream has nothing to pull.
    let behind: Vec<&Pulled> = report
        .clones
        .iter()
        .map(|r| &r.outcome)
        .filter(|o| !o.is_success() && !o.follows_nothing())
        .collect();
    Ok(if behind.is_empty() {
        Outcome::Success
    } else if behind.iter().all(|o| matches!(o, Pulled::Failed { .. })) {
        Outcome::Exit(exit::NETWORK)
    } else {
        Outcome::Exit(exit::FAILURE)
    })
}
