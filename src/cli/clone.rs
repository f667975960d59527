use std::path::PathBuf;

use super::{exit, render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::clone::{self, Request};
use repodex::ops::select::is_glob;

/// Make working copies from the cached mirrors (no network needed), origin set to the real URL
///
/// `clone REF` puts the copy in its place under the clone root (`clone_root` and
/// `clone_layout` in `repodex settings`; ~/src/{host}/{owner}/{repo} by default) and
/// prints its path; `clone REF DIR` puts it in DIR, as git clone does. Given a name glob
/// or a selection (--tag, --all, --layer), every selected repository that has no clone
/// here yet is cloned into the layout, several at once, and the others are listed as
/// skipped. Without a mirror, one is fetched first (when online).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex clone mk\n  cd \"$(repodex clone mk)\"\n  repodex clone mk ~/work/mk-task-42 --branch task-42\n  repodex clone --tag oss\n  repodex clone 'acme/*' --jobs 4 --json"
)]
pub struct Args {
    /// A name, alias, URL or path, and optionally the folder to clone it into; or name
    /// globs (acme/*) with a selection
    #[arg(value_name = "REF [DIR]", add = super::complete::references())]
    references: Vec<String>,
    #[command(flatten)]
    select: super::select::Args,
    /// Start a new branch from the default branch (one repository)
    #[arg(long, value_name = "NEW")]
    branch: Option<String>,
    /// How many repositories to fetch and clone at once
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Print the report as JSON on stdout (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let many = args.select.any() || args.references.iter().any(|r| is_glob(r));
    if many {
        if args.branch.is_some() {
            return Err(repodex::ops::error::Refused::Needs {
                flag: "--branch",
                needs: "one repository (`repodex clone REF [DIR] --branch NEW`)",
            }
            .into());
        }
        return run_many(ctx, args);
    }
    let (reference, dir) = match args.references.as_slice() {
        [reference] => (reference.clone(), None),
        [reference, dir] => (reference.clone(), Some(PathBuf::from(dir))),
        [] => return Err(repodex::ops::error::Refused::NothingSelected.into()),
        _ => {
            return Err(repodex::ops::error::Refused::Needs {
                flag: "a folder",
                needs: "one repository; to clone several, select them (`repodex clone --tag TAG`, `repodex clone 'acme/*'`)",
            }
            .into())
        }
    };
    let request = Request {
        reference,
        dir,
        branch: args.branch,
        root: None,
    };
    let report = clone::clone(ctx, request, &mut waiting_notice)?;
    if args.json {
        super::print_json(&report);
    } else {
        // The path on stdout, for `cd "$(repodex clone mk)"`; the rest is a notice.
        outln!("{}", report.path.display());
        if report.already {
            say!(
                "repodex: {} is cloned here already, at {}; `repodex clone {} DIR` makes another",
                report.name,
                report.path.display(),
                report.name
            );
            return Ok(Outcome::Success);
        }
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

fn run_many(ctx: &Context, args: Args) -> CmdResult {
    let selection = args.select.selection(args.references);
    let bar = render::progress_bar(args.json);
    let report = clone::clone_many(
        ctx,
        &selection,
        usize::from(args.jobs),
        &mut |p| render::advance(&bar, p),
        &mut waiting_notice,
    )?;
    bar.finish_and_clear();
    let home = &ctx.dirs().home;
    if args.json {
        super::print_json(&report);
    } else {
        for cloned in &report.cloned {
            outln!(
                "cloned  {}  {}",
                cloned.name,
                render::home_path(&cloned.path, home)
            );
            if let Some(note) = super::freshness_note(&cloned.freshness) {
                say!("repodex: {}: {note}", cloned.name);
            }
        }
        for skipped in &report.skipped {
            outln!(
                "skipped {}  {} (cloned already)",
                skipped.name,
                render::home_path(&skipped.path, home)
            );
        }
        for failed in &report.failed {
            errln!(
                "repodex: failed {}: {}",
                failed.name,
                render::text(&failed.reason)
            );
        }
        say!(
            "repodex: {} cloned, {} skipped (cloned already), {} failed",
            report.cloned.len(),
            report.skipped.len(),
            report.failed.len()
        );
    }
    // As `refresh`: a remote that failed is exit 5; any other failure is 1.
    use repodex::ops::clone::CloneFailure;
    Ok(if report.failed.is_empty() {
        Outcome::Success
    } else if report
        .failed
        .iter()
        .all(|f| f.cause == CloneFailure::Remote)
    {
        Outcome::Exit(exit::NETWORK)
    } else {
        Outcome::Exit(exit::FAILURE)
    })
}
