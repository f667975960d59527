use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::register::{self, Fetch, Request};
use repodex::NewEntry;

/// Register a repository, by URL or local path, under a short name
///
/// Prints the entry's name. The name is made from the URL (`owner/repo`) unless --name
/// gives one; a repository that is registered already, under any spelling of its URL,
/// is refused with the existing entry's name.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    repodex register https://github.com/edobry/minsky.git --alias mk --tag work\n  \
    repodex register git@github.com:edobry/minsky.git --name minsky\n  \
    repodex register ~/src/tool --description \"my scratch tool\"")]
pub struct Args {
    /// The repository: an https://, ssh://, git:// or file:// URL, user@host:path, or a local path
    #[arg(allow_hyphen_values = true)]
    url: String,
    /// The entry's name [default: made from the URL]
    #[arg(long, allow_hyphen_values = true)]
    name: Option<String>,
    /// Another name for it (repeatable)
    #[arg(long = "alias", value_name = "ALIAS", allow_hyphen_values = true)]
    aliases: Vec<String>,
    /// A tag (repeatable)
    #[arg(long = "tag", value_name = "TAG", allow_hyphen_values = true, add = super::complete::tags())]
    tags: Vec<String>,
    /// One line about it
    #[arg(long)]
    description: Option<String>,
    /// Do not fetch the remote's default branch and configuration now
    #[arg(long)]
    no_fetch: bool,
    /// Print the report as JSON (docs/json.md): the name, and whether the fetch worked
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let request = Request {
        repository: args.url,
        entry: NewEntry {
            name: args.name,
            aliases: args.aliases,
            tags: args.tags,
            description: args.description,
        },
        fetch: !args.no_fetch,
    };
    let report = register::register(ctx, request, &mut waiting_notice)?;
    // A fetch that was tried and failed is exit code 5, as `refresh` with a failed
    // remote: the entry is registered (and stays), and a script can tell that its
    // remote data is missing (docs/exit-codes.md).
    let outcome = match &report.fetch {
        Fetch::Failed { .. } => Outcome::Exit(super::exit::NETWORK),
        _ => Outcome::Success,
    };
    if args.json {
        super::print_json(&report);
        return Ok(outcome);
    }
    super::print_notices(&report.notices);
    super::note_identity_created(report.identity_created.as_deref());
    if let Some(path) = &report.secret_stored_in {
        say!(
            "repodex: the URL carried a secret; it is stored encrypted in the vault ({path}), and the entry has the URL without it"
        );
    }
    outln!("{}", report.name);
    let name = &report.name;
    match &report.fetch {
        Fetch::NotAsked => {}
        Fetch::Fetched { refresh } => {
            for skipped in &refresh.skipped {
                say!(
                    "skipped {}: {}: {}",
                    skipped.name,
                    super::render::text(&skipped.path),
                    super::render::text(&skipped.reason)
                );
            }
        }
        Fetch::Offline { why } => say!(
            "repodex: registered without fetching (offline: {why}); `repodex refresh {name}` fetches later"
        ),
        Fetch::Failed { reason } => errln!(
            "repodex: warning: registered {name}, but could not fetch: {}; `repodex refresh {name}` tries again",
            super::render::text(reason)
        ),
    }
    Ok(outcome)
}
