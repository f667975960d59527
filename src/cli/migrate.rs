use super::{render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::migrate;

/// Move the registry to the newest format, or to today's URL rules, as one commit
///
/// Format 2 (repodex 0.2) spreads entries over folders named by their name's hash,
/// `repos/ff/0/edobry+minsky.toml`, so that a commit stays small however many entries
/// there are. Registries made by repodex 0.2 are in format 2 already; older ones keep
/// format 1 until migrated, because everyone who syncs a registry needs a repodex that
/// knows its format. The files move unchanged, so `repodex log` of an entry is not
/// interrupted. A teammate's `repodex sync` follows a migration on its own.
///
/// With --urls, entries registered before today's URL rules (docs/references.md) are
/// brought up to them: a URL that reads otherwise today (`#readme`, a browser page,
/// `git+`) is rewritten, and entries that are one repository today (`Edobry/minsky` and
/// `edobry/minsky`) are merged into the oldest, whose aliases then include the others'
/// names and aliases, with their tags and credential. `repodex doctor` lists them first.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex migrate && repodex sync\n  repodex doctor; repodex migrate --urls"
)]
pub struct Args {
    /// Bring the entries up to today's URL rules instead
    #[arg(long)]
    urls: bool,
    /// Print the --urls report as JSON (docs/json.md)
    #[arg(long, requires = "urls")]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if args.urls {
        let report = migrate::urls(ctx, &mut waiting_notice)?;
        if args.json {
            super::print_json(&report);
            return Ok(Outcome::Success);
        }
        for r in &report.rewritten {
            outln!(
                "rewrote {}: {} -> {}",
                r.name,
                render::text(&r.from),
                render::text(&r.to)
            );
        }
        for m in &report.merged {
            outln!(
                "merged {} into {} (their names are its aliases)",
                m.from.join(", "),
                m.into
            );
        }
        for h in &report.held {
            say!(
                "repodex: left {} as it is: {}",
                h.name,
                render::text(&h.reason)
            );
        }
        if report.commit.is_none() {
            outln!("every entry follows today's URL rules already; nothing to do");
        }
        return Ok(Outcome::Success);
    }
    let done = migrate::format(ctx, &mut waiting_notice)?;
    match done.migrated {
        None => outln!(
            "the registry is in format {} already; nothing to do",
            repodex::store::layout::FORMAT
        ),
        Some(migrated) => {
            outln!(
                "migrated the registry from format {} to format {}: {}",
                migrated.from,
                migrated.to,
                migrated.files_moved()
            );
            if done.shared {
                say!(
                    "repodex: `repodex sync` sends it to the remote; teammates need repodex 0.2 or newer to sync it"
                );
            }
        }
    }
    Ok(Outcome::Success)
}
