use std::io::{IsTerminal, Read};

use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::creds;
use repodex::vault::credential::Kind;
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
        #[arg(add = super::complete::references())]
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
        #[arg(add = super::complete::references())]
        reference: String,
        /// Print the secret too
        #[arg(long)]
        reveal: bool,
    },
    /// List the repositories that have credentials
    #[command(after_help = "Example:\n  repodex creds list")]
    List {
        /// Print JSON (docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Bind a repository's credential to the server its URL names now
    ///
    /// A credential is only ever sent to the server (scheme, host, port and path) it was
    /// stored for. After a repository really moved (`repodex set NAME --url`), or for a
    /// credential stored by repodex 0.2 or earlier, this binds it to the entry's URL.
    #[command(
        after_help = "Example:\n  repodex set mk --url https://git.new.example/team/mk.git && repodex creds rebind mk"
    )]
    Rebind {
        /// A name, alias, URL or path
        #[arg(add = super::complete::references())]
        reference: String,
    },
    /// Remove a repository's credential
    #[command(after_help = "Example:\n  repodex creds rm mk")]
    Rm {
        #[arg(add = super::complete::references())]
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
        rpassword::prompt_password(prompt).map_err(|e| Error::io("cannot read the secret", e))?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .take(repodex::vault::credential::MAX_SECRET_SIZE as u64 + 2)
            .read_to_string(&mut text)
            .map_err(|e| Error::io("cannot read the secret from stdin", e))?;
        text
    };
    Ok(secret.trim_end_matches(['\n', '\r']).to_string())
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::Set {
            reference,
            kind,
            username,
            key_path,
            expires,
            note,
        } => {
            let request = creds::Request {
                reference,
                kind: match kind {
                    KindArg::Token => Kind::Token,
                    KindArg::Password => Kind::Password,
                    KindArg::SshKey => Kind::SshKey,
                },
                username,
                key_path,
                expires,
                note,
            };
            // Everything is checked before the secret is asked for.
            let name = creds::check(ctx, &request)?;
            let prompt = match request.kind {
                Kind::Token => format!("token for {name}: "),
                Kind::Password => format!("password for {name}: "),
                Kind::SshKey => format!(
                    "passphrase of {} (empty for none): ",
                    request.key_path.as_deref().unwrap_or_default()
                ),
            };
            let secret = read_secret(&prompt)?;
            let report = creds::set(ctx, request, secret, &mut waiting_notice)?;
            super::note_identity_created(report.identity_created.as_deref());
            if !report.changed {
                say!("repodex: the credential of {} is unchanged", report.name);
            }
        }
        Command::Show { reference, reveal } => {
            let (_, credential) = creds::show(ctx, &reference)?;
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
                "bound to",
                credential
                    .origin
                    .clone()
                    .unwrap_or_else(|| "(no server: `repodex creds rebind` binds it)".into()),
            ));
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
        Command::List { json } => {
            let names = ctx.open()?.credential_names()?;
            if json {
                super::print_json(&names);
            } else {
                for name in names {
                    outln!("{name}");
                }
            }
        }
        Command::Rebind { reference } => {
            let report = creds::rebind(ctx, &reference, &mut waiting_notice)?;
            say!(
                "repodex: the credential of {} is bound to {} (it was bound to {})",
                report.name,
                report.to.as_deref().unwrap_or("its URL"),
                report.from.as_deref().unwrap_or("no server")
            );
        }
        Command::Rm { reference } => {
            let name = creds::remove(ctx, &reference, &mut waiting_notice)?;
            say!("repodex: removed the credential of {name}; it stays readable in history, so rotate it at its source");
        }
    }
    Ok(Outcome::Success)
}
