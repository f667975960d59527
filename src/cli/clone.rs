use std::path::PathBuf;

use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::Error;

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
    #[arg(add = super::complete::references(), allow_hyphen_values = true)]
    reference: String,
    /// Where to put it [default: the last segment of the name]
    dir: Option<PathBuf>,
    /// Start a new branch from the default branch
    #[arg(long, value_name = "NEW")]
    branch: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let mut registry = ctx.open()?;
    let name = super::own_entry(&registry, &args.reference)?;
    let entry = registry.entry(&name)?;
    let url = entry.git_url()?;
    if let Some(branch) = &args.branch {
        if !repodex::git::command::valid_branch_name(branch) {
            return Err(Error::Invalid(format!(
                "'{}' is not a valid branch name",
                branch.escape_debug()
            )));
        }
    }
    let dir = args
        .dir
        .unwrap_or_else(|| PathBuf::from(repodex::registry::name::last_segment(&name)));
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::Invalid(format!(
            "{} exists and is not empty; give another folder",
            dir.display()
        )));
    }
    let cache = ctx.cache()?;
    let mirror = cache.mirror_path(&url);
    if !mirror.exists() {
        let network = ctx.network()?;
        if let Some(why) = &network.offline {
            return Err(Error::Offline {
                what: format!("cloning '{name}', which has no mirror yet,"),
                why: why.clone(),
            });
        }
        let report = repodex::remote::refresh::refresh(
            &mut registry,
            std::slice::from_ref(&name),
            &cache,
            &network,
            1,
            &mut |_| {},
            &mut waiting_notice,
        )?;
        if let Some((_, reason)) = report.failed.first() {
            return Err(Error::Remote {
                url: url.to_string(),
                reason: reason.clone(),
            });
        }
    }
    let head = repodex::git::fetch::Mirror::open(&mirror)
        .and_then(|m| m.head())
        .and_then(|h| h.commit.map(|c| (h.default_branch, c)))
        .ok_or_else(|| Error::Invalid(format!("the mirror of '{name}' is empty or damaged; `repodex refresh {name}` makes it again")))?;
    repodex::git::command::clone_from_mirror(
        &mirror,
        &head.0,
        &head.1.to_string(),
        &dir,
        &url.to_string(),
        args.branch.as_deref(),
    )?;
    eprintln!(
        "repodex: cloned {name} into {} (origin: {url})",
        dir.display()
    );
    Ok(Outcome::Success)
}
