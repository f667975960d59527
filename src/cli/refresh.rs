use std::io::IsTerminal;

use super::{exit, waiting_notice, CmdResult, Context, Outcome};
use repodex::Error;

/// Learn each repository's default branch and configuration files from its remote
///
/// Lists the remote's refs; fetches a depth-1 mirror into the cache when the head moved
/// (or there is no mirror); reads the configured files. Commits once for the whole run,
/// and only when a default branch or a file changed.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  repodex refresh mk\n  repodex refresh --all --jobs 8")]
pub struct Args {
    /// Names, aliases, URLs or paths
    #[arg(add = super::complete::references(), allow_hyphen_values = true, required_unless_present = "all")]
    references: Vec<String>,
    /// Every registered repository
    #[arg(long, conflicts_with = "references")]
    all: bool,
    /// How many remotes to talk to at once
    #[arg(long, short, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let network = ctx.network()?;
    network.require("refresh")?;
    let mut registry = ctx.open()?;
    let names: Vec<String> = if args.all {
        registry
            .records()
            .filter(|r| !r.is_broken())
            .map(|r| r.name().to_string())
            .collect()
    } else {
        let mut names = Vec::new();
        for reference in &args.references {
            let name = super::own_entry(&registry, reference)?;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    };
    if names.is_empty() {
        return Err(Error::Invalid(
            "the registry is empty; register a repository first".into(),
        ));
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(names.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                .expect("a valid template"),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let report = repodex::remote::refresh::refresh(
        &mut registry,
        &names,
        &ctx.cache()?,
        &network,
        usize::from(args.jobs),
        &mut |p| {
            bar.set_position(p.done as u64);
            bar.set_message(p.name);
        },
        &mut waiting_notice,
    )?;
    bar.finish_and_clear();
    for (name, changes) in &report.updated {
        eprintln!("updated {name}: {}", changes.join(", "));
    }
    for (name, path, reason) in &report.skipped {
        eprintln!("skipped {name}: {path}: {reason}");
    }
    for (name, reason) in &report.failed {
        eprintln!("failed {name}: {reason}");
    }
    eprintln!(
        "{} updated, {} unchanged, {} failed",
        report.updated.len(),
        report.unchanged.len(),
        report.failed.len()
    );
    Ok(if report.failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::Exit(exit::NETWORK)
    })
}
