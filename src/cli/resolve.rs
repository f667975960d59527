use super::{render, CmdResult, Context, Outcome};

/// Print a repository's URL, for scripts
///
/// Resolves REF by the reference rules: name, alias, URL in any spelling, local path,
/// unique last segment. Never touches the network.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  git clone \"$(repodex resolve mk)\"\n  repodex resolve minsky --json"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references(), allow_hyphen_values = true)]
    reference: String,
    /// Print the whole entry as JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let own = ctx.open()?;
    let found = super::resolve_anywhere(&own, &args.reference)?;
    let registry = found.layer_registry.as_ref().unwrap_or(&own);
    let found = found.resolved;
    if args.json {
        let entry = registry.entry(&found.name)?;
        let path = registry.entry_path(&entry.name)?;
        render::json(&render::EntryView::new(&entry, path));
    } else {
        match registry.record(&found.name) {
            Some(repodex::Record::Entry(summary)) => println!("{}", summary.url),
            _ => println!("{}", registry.entry(&found.name)?.url),
        }
    }
    Ok(Outcome::Success)
}
