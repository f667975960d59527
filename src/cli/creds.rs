use std::io::{IsTerminal, Read};

use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::vault::credential::{Credential, Kind};
use repodex::Error;

/// Store credentials for a repository, encrypted to the registry's recipients
#[derive(clap::Subcommand)]
pub enum Command {
    /// Set a repository's credential; the secret comes from stdin or a no-echo prompt
    #[command(after_help = "Examples:\n  \
        repodex creds set mk                               # prompts for a token\n  \
        printf %s \"$TOKEN\" | repodex creds set mk --username alice\n  \
        repodex creds set mk --kind password --username alice\n  \
        repodex creds set mk --kind ssh-key --key-path ~/.ssh/id_ed25519 </dev/null")]
    Set {
        /// A name, alias, URL or path
        #[arg(add = super::complete::references(), allow_hyphen_values = true)]
        reference: String,
        /// What the secret is
        #[arg(long, value_enum, default_value_t = KindArg::Token)]
        kind: KindArg,
        /// The username to send (tokens default to x-access-token)
        #[arg(long)]
        username: Option<String>,
        /// For --kind ssh-key: the private key's path
        #[arg(long)]
        key_path: Option<String>,
        /// When the secret expires (a date)
        #[arg(long)]
        expires: Option<String>,
        /// A note for teammates (where it came from, who owns it)
        #[arg(long)]
        note: Option<String>,
    },
    /// Show a credential's kind, username, expiry and note (the secret only with --reveal)
    #[command(after_help = "Example:\n  repodex creds show mk")]
    Show {
        #[arg(add = super::complete::references(), allow_hyphen_values = true)]
        reference: String,
        /// Print the secret too
        #[arg(long)]
        reveal: bool,
    },
    /// List the repositories that have credentials
    #[command(after_help = "Example:\n  repodex creds list")]
    List,
    /// Remove a repository's credential
    #[command(after_help = "Example:\n  repodex creds rm mk")]
    Rm {
        #[arg(add = super::complete::references(), allow_hyphen_values = true)]
        reference: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum KindArg {
    Token,
    Password,
    SshKey,
}

/// Read the secret: from stdin when it is not a terminal, else at a prompt that does not echo.
fn read_secret(prompt: &str) -> repodex::Result<String> {
    let stdin = std::io::stdin();
    let secret = if stdin.is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| Error::Invalid(format!("cannot read the secret: {e}")))?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| Error::Invalid(format!("cannot read the secret from stdin: {e}")))?;
        text
    };
    Ok(secret.trim_end_matches(['\n', '\r']).to_string())
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    let mut registry = ctx.open()?;
    match command {
        Command::Set {
            reference,
            kind,
            username,
            key_path,
            expires,
            note,
        } => {
            let name = super::own_entry(&registry, &reference)?;
            let kind = match kind {
                KindArg::Token => Kind::Token,
                KindArg::Password => Kind::Password,
                KindArg::SshKey => Kind::SshKey,
            };
            if kind == Kind::SshKey && key_path.is_none() {
                return Err(Error::Invalid(
                    "--kind ssh-key needs --key-path PATH".into(),
                ));
            }
            if kind == Kind::Password && username.is_none() {
                return Err(Error::Invalid(
                    "--kind password needs --username NAME".into(),
                ));
            }
            let prompt = match kind {
                Kind::Token => format!("token for {name}: "),
                Kind::Password => format!("password for {name}: "),
                Kind::SshKey => format!(
                    "passphrase of {} (empty for none): ",
                    key_path.as_deref().unwrap_or_default()
                ),
            };
            let secret = read_secret(&prompt)?;
            let credential = Credential {
                kind,
                username,
                secret,
                key_path,
                expires,
                note,
            };
            let identity = super::load_identity(ctx, &registry)?;
            let mut tx = registry.transaction(waiting_notice)?;
            let changed = tx.set_credential(&name, &credential, &identity)?;
            tx.commit(&format!("set the credential of {name}"))?;
            if !changed {
                eprintln!("repodex: the credential of {name} is unchanged");
            }
        }
        Command::Show { reference, reveal } => {
            let name = super::own_entry(&registry, &reference)?;
            let identity = super::load_identity(ctx, &registry)?;
            let credential = registry.credential(&name, &identity)?.ok_or_else(|| {
                Error::Invalid(format!(
                    "'{name}' has no credential; `repodex creds set {name}` stores one"
                ))
            })?;
            let mut fields = vec![
                ("kind", credential.kind.as_str().to_string()),
                (
                    "username",
                    credential.username.clone().unwrap_or_else(|| "-".into()),
                ),
            ];
            if let Some(path) = &credential.key_path {
                fields.push(("key path", path.clone()));
            }
            fields.push((
                "expires",
                credential.expires.clone().unwrap_or_else(|| "-".into()),
            ));
            fields.push((
                "note",
                credential.note.clone().unwrap_or_else(|| "-".into()),
            ));
            fields.push((
                "secret",
                if reveal {
                    credential.secret.clone()
                } else {
                    "(hidden; --reveal shows it)".into()
                },
            ));
            super::render::fields(&fields);
        }
        Command::List => {
            for name in registry.credential_names()? {
                println!("{name}");
            }
        }
        Command::Rm { reference } => {
            let name = super::own_entry(&registry, &reference)?;
            let mut tx = registry.transaction(waiting_notice)?;
            if !tx.remove_credential(&name)? {
                return Err(Error::Invalid(format!("'{name}' has no credential")));
            }
            tx.commit(&format!("remove the credential of {name}"))?;
            eprintln!("repodex: removed the credential of {name}; it stays readable in history, so rotate it at its source");
        }
    }
    Ok(Outcome::Success)
}
