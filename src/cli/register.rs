use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::vault::credential::{Credential, Kind};
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
    #[arg(long = "tag", value_name = "TAG", allow_hyphen_values = true)]
    tags: Vec<String>,
    /// One line about it
    #[arg(long)]
    description: Option<String>,
    /// Do not fetch the remote's default branch and configuration now
    #[arg(long)]
    no_fetch: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let parsed = repodex::registry::repository_location(&args.url)?;
    let url = parsed.url;
    let mut registry = ctx.open()?;
    // A secret in the URL goes to the vault, never into the entry.
    let identity = match &parsed.secret {
        Some(_) => Some(super::identity::load_or_create(&registry)?),
        None => None,
    };
    let mut tx = registry.transaction(waiting_notice)?;
    let entry = tx.register(
        &url,
        NewEntry {
            name: args.name,
            aliases: args.aliases,
            tags: args.tags,
            description: args.description,
        },
    )?;
    if let (Some(secret), Some(identity)) = (parsed.secret, &identity) {
        let credential = Credential {
            kind: if secret.username.is_some() {
                Kind::Password
            } else {
                Kind::Token
            },
            username: secret.username,
            secret: secret.secret,
            key_path: None,
            expires: None,
            note: Some("moved here from the URL given to `repodex register`".into()),
        };
        tx.set_credential(&entry.name, &credential, identity)?;
        eprintln!(
            "repodex: the URL carried a secret; it is stored encrypted in the vault ({}), and the entry has the URL without it",
            repodex::registry::layout::credential_path(&entry.name)
        );
    }
    tx.commit(&format!("register {}", entry.name))?;
    println!("{}", entry.name);
    if args.no_fetch {
        return Ok(Outcome::Success);
    }
    let network = ctx.network()?;
    if let Some(why) = &network.offline {
        eprintln!("repodex: registered without fetching (offline: {why}); `repodex refresh {}` fetches later", entry.name);
        return Ok(Outcome::Success);
    }
    let names = [entry.name.clone()];
    let report = repodex::remote::refresh::refresh(
        &mut registry,
        &names,
        &ctx.cache()?,
        &network,
        1,
        &mut |_| {},
        &mut waiting_notice,
    )?;
    if let Some((_, reason)) = report.failed.first() {
        eprintln!(
            "repodex: registered, but could not fetch: {reason}; `repodex refresh {}` tries again",
            entry.name
        );
    }
    Ok(Outcome::Success)
}
