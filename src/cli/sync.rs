use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::vault::identity::Identity;

/// Send and receive registry changes: fetch the remote, merge entry by entry, push
///
/// Only committed changes travel; a hand edit not yet committed stays as it is. Changes
/// to one entry on both sides merge field by field, and a clash no rule can settle stops
/// the sync with the registry unchanged and says what to do. Layers mounted with
/// `repodex registry add` are brought up to date too.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex remote set git@github.com:acme/registry.git\n  repodex sync"
)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> CmdResult {
    let network = ctx.network()?;
    network.require("sync")?;
    let mut registry = ctx.open()?;
    // Merging a credential changed on both sides needs this machine's key, if it has one.
    let identity = Identity::default_path()
        .ok()
        .and_then(|path| Identity::load(&path, registry.root()).ok());
    let report = repodex::sync::sync(
        &mut registry,
        &network,
        identity.as_ref(),
        &mut waiting_notice,
    )?;
    if let Some(migrated) = &report.migrated {
        eprintln!(
            "repodex: the remote is in format {}: migrated this registry to it first ({})",
            migrated.to,
            migrated.files_moved()
        );
    }
    for change in &report.merged.changes {
        eprintln!("  {change}");
    }
    for note in &report.merged.notes {
        eprintln!("repodex: {note}");
    }
    for path in &report.uncommitted {
        eprintln!("repodex: {path} has uncommitted changes, which were not synced; commit them with git to send them");
    }
    let received = report.merged.changes.len();
    let what = match (
        report.fast_forwarded,
        report.merge_commit.is_some(),
        report.pushed,
    ) {
        (true, _, _) => format!("received {received} change(s)"),
        (_, true, _) => format!("merged {received} change(s) from the remote and sent yours"),
        (_, _, true) => "sent your changes".to_string(),
        _ => "already up to date".to_string(),
    };
    let retries = match report.attempts {
        0 | 1 => String::new(),
        n => format!(" (after {} pushes overtaken by others)", n - 1),
    };
    eprintln!("repodex: synced: {what}{retries}");
    let mut failed = false;
    for layer in registry.layers()? {
        match registry.update_layer(&layer, &network) {
            Ok(repodex::sync::layers::LayerUpdate::Updated) => {
                eprintln!("repodex: layer {}: updated", layer.name)
            }
            Ok(repodex::sync::layers::LayerUpdate::Unchanged) => {}
            Err(e) => {
                failed = true;
                eprintln!("repodex: layer {}: {e}", layer.name);
            }
        }
    }
    Ok(if failed {
        Outcome::Exit(super::exit::NETWORK)
    } else {
        Outcome::Success
    })
}
