use super::{waiting_notice, CmdResult, Context, Outcome};

/// Change a repository's URL (it moved) or description
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex set mk --url https://github.com/new-owner/minsky.git\n  repodex set mk --description \"Minsky CLI\"\n  repodex set mk --description ''   # clear it"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// The repository's new URL or path
    #[arg(long, allow_hyphen_values = true)]
    url: Option<String>,
    /// The new description (empty to clear it)
    #[arg(long)]
    description: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if args.url.is_none() && args.description.is_none() {
        return Err(repodex::ops::error::Refused::NothingToSet.into());
    }
    let url = args
        .url
        .as_deref()
        .map(repodex::store::repository_url)
        .transpose()?
        .map(super::noted);
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(waiting_notice)?;
    let name = super::own_entry(tx.registry(), &args.reference)?;
    let mut what = Vec::new();
    if let Some(url) = &url {
        tx.set_url(&name, url)?;
        what.push(format!("url to {url}"));
    }
    if let Some(description) = args.description {
        what.push(if description.is_empty() {
            "no description".to_string()
        } else {
            "description".to_string()
        });
        tx.set_description(&name, Some(description))?;
    }
    tx.commit(&format!("set {name} {}", what.join(", ")))?;
    Ok(Outcome::Success)
}
