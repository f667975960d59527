use super::{render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::accept;

/// Let this machine read what others changed: an entry's url and config_paths, or the
/// shared config_paths
///
/// For an entry someone else added or changed, this machine caches only the
/// configuration files repodex knows by name (.minsky/config.*, minsky.config.*), and
/// reads nothing of a repository on this machine, until you accept it here; the same
/// for a change of config_paths in registry.toml. Without arguments, lists what waits
/// (docs/security.md).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex accept                 # what waits for acceptance\n  repodex info team/lib && repodex accept team/lib\n  repodex settings && repodex accept --settings"
)]
pub struct Args {
    /// Entries (names, aliases, URLs or paths) whose url and config_paths to accept
    #[arg(add = super::complete::references())]
    references: Vec<String>,
    /// Accept the shared config_paths of registry.toml
    #[arg(long)]
    settings: bool,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if args.references.is_empty() && !args.settings {
        let pending = accept::pending(ctx)?;
        if args.json {
            super::print_json(&pending);
            return Ok(Outcome::Success);
        }
        for entry in &pending.entries {
            let what = if entry.local {
                format!("a repository on this machine ({})", entry.url)
            } else {
                entry.not_read.join(", ")
            };
            outln!(
                "{}: not read until you accept it: {}",
                entry.name,
                render::text(&what)
            );
        }
        if let Some(settings) = &pending.settings {
            outln!(
                "registry.toml config_paths: not read until you accept them: {}",
                render::text(&settings.not_read.join(", "))
            );
        }
        if pending.entries.is_empty() && pending.settings.is_none() {
            say!("repodex: nothing waits; this machine reads what it accepted");
        }
        return Ok(Outcome::Success);
    }
    let accepted = accept::accept(ctx, &args.references, args.settings, &mut waiting_notice)?;
    if args.json {
        super::print_json(&accepted);
        return Ok(Outcome::Success);
    }
    for name in &accepted.entries {
        say!("repodex: accepted {name}: its url and config_paths are read on this machine from now on");
    }
    if let Some(paths) = &accepted.settings {
        say!(
            "repodex: accepted registry.toml's config_paths: {}",
            render::text(&paths.join(", "))
        );
    }
    Ok(Outcome::Success)
}
