use super::{render, CmdResult, Context, Outcome};
use repodex::Error;

/// Show everything known about one repository
///
/// Without REF, shows the repository of the working copy you are in.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex info mk\n  repodex info git@github.com:edobry/minsky.git --json\n  cd ~/src/minsky && repodex info"
)]
pub struct Args {
    /// A name, alias, URL or path [default: the working copy you are in]
    #[arg(add = super::complete::references(), allow_hyphen_values = true)]
    reference: Option<String>,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
    /// As it was at a registry revision (HEAD~2, a hash) or time (2026-11-20, 3d)
    #[arg(long, value_name = "REV-or-DATE", allow_hyphen_values = true)]
    at: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let mut registry = ctx.open()?;
    let name = match &args.reference {
        Some(reference) => {
            let found = super::resolve_anywhere(&registry, reference)?;
            match (found.layer, found.layer_registry) {
                (Some(layer), Some(layer_registry)) => {
                    // A layer is read-only here: shown as its last sync left it.
                    registry = layer_registry;
                    eprintln!("repodex: from layer '{layer}' (read-only)");
                    let entry = match args.at.as_deref() {
                        Some(at) => {
                            super::entry_as_of(ctx, &mut registry, &found.resolved.name, Some(at))?
                        }
                        None => registry.entry(&found.resolved.name)?,
                    };
                    return show(&registry, &entry, args.json);
                }
                _ => found.resolved.name,
            }
        }
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::Invalid(format!("cannot read the current folder: {e}")))?;
            registry.resolve_working_copy(&cwd)?.ok_or_else(|| {
                Error::Invalid(
                    "no REF given, and the current folder is not in a working copy of a registered repository; give a name, alias, URL or path".into(),
                )
            })?
        }
    };
    let entry = super::entry_as_of(ctx, &mut registry, &name, args.at.as_deref())?;
    show(&registry, &entry, args.json)
}

fn show(registry: &repodex::Registry, entry: &repodex::Entry, json: bool) -> CmdResult {
    let view = render::EntryView::new(entry, registry.entry_path(&entry.name)?);
    if json {
        render::json(&view);
        return Ok(Outcome::Success);
    }
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(", ")
        }
    };
    render::fields(&[
        ("name", entry.name.clone()),
        ("url", entry.url.clone()),
        ("aliases", list(&entry.aliases)),
        ("tags", list(&entry.tags)),
        (
            "description",
            entry.description.clone().unwrap_or_else(|| "-".into()),
        ),
        ("added", view.added.clone()),
        (
            "default branch",
            entry
                .remote
                .default_branch
                .clone()
                .unwrap_or_else(|| "(not fetched yet)".into()),
        ),
        ("config files", {
            let files: Vec<String> = entry.config.files.keys().cloned().collect();
            list(&files)
        }),
        ("local clones", {
            let clones = repodex::import::scan::LocalClones::load(&registry.private_dir());
            let paths: Vec<String> = match entry.git_url() {
                Ok(url) => clones
                    .of(&url)
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect(),
                Err(_) => Vec::new(),
            };
            list(&paths)
        }),
        ("file", view.path.clone()),
    ]);
    Ok(Outcome::Success)
}
