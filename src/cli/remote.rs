use super::{CmdResult, Context, Outcome};

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
    let registry = ctx.open()?;
    match command {
        Command::Set { url } => {
            let url = super::noted(repodex::ops::lookup::repository_url_or_entry(
                &registry, &url,
            )?);
            let remote = registry.set_sync_remote(&url)?;
            say!(
                "repodex: the registry syncs with {} now; `repodex sync` sends and receives changes",
                remote.url
            );
        }
        Command::Show { json } => match registry.sync_remote()? {
            Some(remote) if json => super::print_json(&serde_json::json!({
                "name": remote.name,
                "url": remote.url.to_string(),
            })),
            Some(remote) => outln!("{}", remote.url),
            None => return Err(repodex::ops::error::Refused::NoSyncRemote.into()),
        },
    }
    Ok(Outcome::Success)
}
