use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::sync::{self, Outcome as Synced};

/// Send and receive registry changes: fetch the remote, merge entry by entry, push
///
/// Only committed changes travel; a hand edit not yet committed stays as it is. Changes
/// to one entry on both sides merge field by field, and a clash no rule can settle stops
/// the sync with the registry unchanged and says what to do. Layers mounted with
/// `repodex registry add` are brought up to date too.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex remote set git@github.com:acme/registry.git\n  repodex sync\n  repodex sync --json"
)]
pub struct Args {
    /// Print the report as JSON on stdout (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let report = sync::sync(ctx, &mut waiting_notice)?;
    let failed = report.layers.iter().any(|l| l.error.is_some());
    if args.json {
        super::print_json(&report);
    } else {
        render(&report);
    }
    Ok(if failed {
        Outcome::Exit(super::exit::NETWORK)
    } else {
        Outcome::Success
    })
}

fn render(report: &sync::Report) {
    if let Some(migrated) = &report.migrated {
        say!(
            "repodex: the remote is in format {}: migrated this registry to it first ({})",
            migrated.to,
            migrated.files_moved()
        );
    }
    for change in &report.received {
        say!("  {change}");
    }
    for decision in &report.decisions {
        say!("repodex: {}", super::render::text(&decision.to_string()));
    }
    for notice in &report.not_accepted {
        say!("repodex: {}", super::render::text(&notice.to_string()));
    }
    for path in &report.uncommitted {
        say!("repodex: {path} has uncommitted changes, which were not synced; commit them with git to send them");
    }
    let received = report.received.len();
    let what = match report.outcome {
        Synced::Received => format!("received {received} change(s)"),
        Synced::Merged => format!("merged {received} change(s) from the remote and sent yours"),
        Synced::Sent => "sent your changes".to_string(),
        Synced::UpToDate => "already up to date".to_string(),
    };
    let retries = match report.attempts {
        0 | 1 => String::new(),
        n => format!(" (after {} pushes overtaken by others)", n - 1),
    };
    say!("repodex: synced: {what}{retries}");
    for layer in &report.layers {
        match (&layer.error, layer.updated) {
            (Some(error), _) => say!(
                "repodex: layer {}: {}",
                layer.name,
                super::render::text(error)
            ),
            (None, true) => say!("repodex: layer {}: updated", layer.name),
            (None, false) => {}
        }
    }
}
