use super::{render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::settings::{self, Scope};

/// Show or change settings: the registry's shared ones and this machine's
///
/// Shared settings live in registry.toml (one commit per change; teammates get them
/// through sync); --machine ones in $XDG_CONFIG_HOME/repodex/config.toml. This machine's
/// limits bound the shared ones (docs/format.md).
#[derive(clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  repodex settings\n  repodex settings set refresh_ttl 2d\n  repodex settings set config_paths .minsky/config.yaml,.tool.toml\n  repodex settings set --machine timeout 10\n  repodex settings unset refresh_ttl"
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Set a setting (shared, or this machine's with --machine)
    #[command(
        after_help = "Examples:\n  repodex settings set refresh_ttl 2d\n  repodex settings set --machine mirror_depth 50"
    )]
    Set {
        /// This machine's setting, not the registry's
        #[arg(long)]
        machine: bool,
        /// The setting (`repodex settings` lists them)
        key: String,
        /// Its value
        value: String,
        /// Print JSON (docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Remove a setting, so that its default applies
    #[command(
        after_help = "Examples:\n  repodex settings unset refresh_ttl\n  repodex settings unset --machine timeout"
    )]
    Unset {
        /// This machine's setting, not the registry's
        #[arg(long)]
        machine: bool,
        /// The setting
        key: String,
        /// Print JSON (docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let (scope, key, value, json) = match args.command {
        None => {
            let all = settings::list(ctx)?;
            if args.json {
                super::print_json(&all);
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|s| {
                        vec![
                            s.key.to_string(),
                            match s.scope {
                                Scope::Shared => "shared".into(),
                                Scope::Machine => "machine".into(),
                            },
                            render::text(s.value.as_deref().unwrap_or("-")).to_string(),
                            // The default goes with the description, which wraps: the
                            // longest default alone is wider than a terminal.
                            format!(
                                "{} (default: {})",
                                s.about,
                                if s.default.is_empty() {
                                    "none".to_string()
                                } else {
                                    s.default.replace(',', ", ")
                                }
                            ),
                        ]
                    })
                    .collect();
                render::table_wrapped(&["KEY", "SCOPE", "VALUE", "WHAT"], &rows, render::WIDTH);
            }
            return Ok(Outcome::Success);
        }
        Some(Command::Set {
            machine,
            key,
            value,
            json,
        }) => (machine, key, Some(value), json),
        Some(Command::Unset { machine, key, json }) => (machine, key, None, json),
    };
    let scope = if scope { Scope::Machine } else { Scope::Shared };
    let changed = settings::set(ctx, scope, &key, value.as_deref(), &mut waiting_notice)?;
    if json {
        super::print_json(&changed);
    } else {
        match (&changed.value, &changed.commit) {
            (Some(v), Some(_)) => say!(
                "repodex: set {key} = {v} in {} (one commit; `repodex sync` shares it)",
                changed.file
            ),
            (Some(v), None) => say!("repodex: set {key} = {v} in {}", changed.file),
            (None, _) => say!(
                "repodex: unset {key} in {}; its default applies",
                changed.file
            ),
        }
    }
    Ok(Outcome::Success)
}
