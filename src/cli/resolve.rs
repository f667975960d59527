use super::{render, CmdResult, Context, Outcome};
use repodex::ops::error::Refused;

/// Print a repository's URL (or another way to name it), for scripts
///
/// Resolves REF by the reference rules: name, alias, URL in any spelling, local path,
/// unique last segment. Never touches the network. --print chooses what to print, for
/// tools that want a local path or a forge's owner/repo instead of a URL.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  git clone \"$(repodex resolve mk)\"\n  cd \"$(repodex resolve mk --print path)\"\n  minsky session pr --github-repo \"$(repodex resolve mk --print forge)\"\n  repodex resolve minsky --json"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// Print the whole entry as JSON (docs/json.md)
    #[arg(long, conflicts_with = "print")]
    json: bool,
    /// What to print: the URL; a local clone's path; owner/repo on its forge; its web page
    #[arg(long, value_enum, value_name = "WHAT")]
    print: Option<Print>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Print {
    Url,
    Path,
    Forge,
    Web,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if let Some(print) = args.print {
        let ways = repodex::ops::lookup::ways(ctx, &args.reference)?;
        let name = &ways.name;
        let value = match print {
            Print::Path => ways
                .local_paths
                .first()
                .map(|p| p.display().to_string())
                .ok_or_else(|| Refused::NoLocalPath { name: name.clone() })?,
            Print::Forge => ways.forge.clone().ok_or_else(|| Refused::NotOnAForge {
                name: name.clone(),
                url: ways.url.clone(),
            })?,
            Print::Web => ways.web_url.clone().ok_or_else(|| Refused::NotOnAForge {
                name: name.clone(),
                url: ways.url.clone(),
            })?,
            Print::Url => ways.url.clone(),
        };
        outln!("{value}");
        return Ok(Outcome::Success);
    }
    let own = ctx.open()?;
    let found = super::resolve_anywhere(&own, &args.reference)?;
    let registry = found.layer_registry.as_ref().unwrap_or(&own);
    let layer = found.layer.clone();
    let found = found.resolved;
    if args.json {
        let entry = registry.entry(&found.name)?;
        let path = registry.entry_path(&entry.name)?;
        render::json(&render::EntryView::new(&entry, path, layer));
    } else {
        match registry.record(&found.name) {
            Some(repodex::Record::Entry(summary)) => outln!("{}", summary.url),
            _ => outln!("{}", registry.entry(&found.name)?.url),
        }
    }
    Ok(Outcome::Success)
}
