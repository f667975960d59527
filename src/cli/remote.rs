use super::{CmdResult, Context, Outcome};
use repodex::ops::sync;

/// Set or show the git remote the registry syncs with
#[derive(clap::Subcommand)]
pub enum Command {
    /// Make URL the registry's remote (`origin`), the one `repodex sync` pushes to
    #[command(
        after_help = "Examples:\n  repodex remote set git@github.com:acme/registry.git\n  repodex remote set /srv/git/registry.git"
    )]
    Set {
        /// A git URL or the path of a bare repository the team can push to
        #[arg(allow_hyphen_values = true)]
        url: String,
    },
    /// Print the remote's URL
    #[command(after_help = "Example:\n  repodex remote show")]
    Show {
        /// Print JSON (docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::Set { url } => {
            let set = sync::set_remote(ctx, &url)?;
            super::print_notices(&set.notices);
            say!(
                "repodex: the registry syncs with {} now; `repodex sync` sends and receives changes",
                set.remote.url
            );
        }
        Command::Show { json } => {
            let remote = sync::remote(ctx)?;
            if json {
                super::print_json(&serde_json::json!({
                    "name": remote.name,
                    "url": remote.url.to_string(),
                }));
            } else {
                outln!("{}", remote.url);
            }
        }
    }
    Ok(Outcome::Success)
}
