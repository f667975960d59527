use super::{waiting_notice, CmdResult, Context, Outcome};

/// Move the registry to the newest format, as one commit
///
/// Format 2 (repodex 0.2) spreads entries over folders named by their name's hash,
/// `repos/ff/0/edobry+minsky.toml`, so that a commit stays small however many entries
/// there are. Registries made by repodex 0.2 are in format 2 already; older ones keep
/// format 1 until migrated, because everyone who syncs a registry needs a repodex that
/// knows its format. The files move unchanged, so `repodex log` of an entry is not
/// interrupted. A teammate's `repodex sync` follows a migration on its own.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  repodex migrate && repodex sync")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> CmdResult {
    let mut registry = ctx.open()?;
    match registry.migrate(waiting_notice)? {
        None => println!(
            "the registry is in format {} already; nothing to do",
            repodex::store::layout::FORMAT
        ),
        Some(migrated) => {
            println!(
                "migrated the registry from format {} to format {}: {}",
                migrated.from,
                migrated.to,
                migrated.files_moved()
            );
            if registry.sync_remote()?.is_some() {
                eprintln!(
                    "repodex: `repodex sync` sends it to the remote; teammates need repodex 0.2 or newer to sync it"
                );
            }
        }
    }
    Ok(Outcome::Success)
}
