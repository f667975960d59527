use super::{render, CmdResult, Context, Outcome};

/// Show everything known about one repository
///
/// Without REF, shows the repository of the working copy you are in.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex info mk\n  repodex info git@github.com:edobry/minsky.git --json\n  cd ~/src/minsky && repodex info"
)]
pub struct Args {
    /// A name, alias, URL or path [default: the working copy you are in]
    #[arg(add = super::complete::references())]
    reference: Option<String>,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
    /// As it was at a registry revision (HEAD~2, a hash) or time (2026-11-20, 3d)
    #[arg(long, value_name = "REV-or-DATE", allow_hyphen_values = true)]
    at: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let cwd = std::env::current_dir()
        .map_err(|e| repodex::Error::io("cannot read the current folder", e))?;
    let shown = repodex::ops::lookup::show(
        ctx,
        args.reference.as_deref(),
        &cwd,
        args.at.as_deref(),
        &mut super::waiting_notice,
    )?;
    if let Some(layer) = &shown.layer {
        say!("repodex: from layer '{layer}' (read-only)");
    }
    super::note_freshness(shown.freshness.as_ref());
    if !shown.not_accepted.is_empty() {
        let name = &shown.entry.name;
        let paths: Vec<&str> = shown.not_accepted.iter().map(|(p, _)| p.as_str()).collect();
        let by_entry = shown
            .not_accepted
            .iter()
            .any(|(_, why)| *why == repodex::store::accepted::Held::Entry);
        let how = if by_entry {
            format!("check its url and config_paths, then `repodex accept {name}`")
        } else {
            "check them with `repodex settings`, then `repodex accept --settings`".to_string()
        };
        say!(
            "repodex: {name}: not accepted on this machine: {}; {how}",
            render::text(&paths.join(", "))
        );
    }
    show(&shown, args.json)
}

fn show(shown: &repodex::ops::lookup::Shown, json: bool) -> CmdResult {
    let entry = &shown.entry;
    let view = render::EntryView::new(
        entry,
        shown.path.clone(),
        shown.layer.clone(),
        shown.clones.clone(),
    );
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
            let paths: Vec<String> = shown
                .clones
                .iter()
                .map(|c| match c.exists {
                    true => c.path.display().to_string(),
                    false => format!("{} (gone; `repodex prune` forgets it)", c.path.display()),
                })
                .collect();
            list(&paths)
        }),
        ("file", view.path.clone()),
    ]);
    Ok(Outcome::Success)
}
