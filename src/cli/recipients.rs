use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::recipients;

/// Manage who can read the registry's credentials (.age-recipients)
#[derive(clap::Subcommand)]
pub enum Command {
    /// List the public keys credentials are encrypted to
    #[command(after_help = "Example:\n  repodex recipients list")]
    List {
        /// Print JSON (docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Add a teammate's public key and re-encrypt every credential to it
    #[command(
        after_help = "Example:\n  repodex recipients add age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"
    )]
    Add {
        /// An age X25519 (age1…), ssh-ed25519 or ssh-rsa public key
        key: String,
    },
    /// Remove a public key and re-encrypt every credential without it
    #[command(after_help = "Example:\n  repodex recipients rm age1qyqs…")]
    Rm {
        /// The public key to remove
        key: String,
    },
    /// Accept a recipient change made elsewhere (after a pull or a hand edit)
    #[command(after_help = "Example:\n  repodex recipients accept")]
    Accept,
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::List { json } => {
            let keys = recipients::list(ctx)?;
            if json {
                super::print_json(&keys.unwrap_or_default());
                return Ok(Outcome::Success);
            }
            match keys {
                None => {
                    say!("repodex: no recipients yet; the first `repodex creds set` adds your key")
                }
                Some(keys) => {
                    for key in keys {
                        let you = if key.yours { "  (you)" } else { "" };
                        outln!("{}{you}", key.key);
                    }
                }
            }
        }
        Command::Add { key } => {
            let changed = recipients::add(ctx, &key, &mut waiting_notice)?;
            super::note_identity_created(changed.identity_created.as_deref());
            say!("repodex: added the recipient; every credential is now encrypted to it too");
        }
        Command::Rm { key } => {
            let changed = recipients::remove(ctx, &key, &mut waiting_notice)?;
            super::note_identity_created(changed.identity_created.as_deref());
            say!("repodex: removed the recipient; new versions of the credentials are not encrypted to it");
            if !changed.still_readable.is_empty() {
                say!(
                    "repodex: that key could read these credentials, which stay readable to it in the registry's history: {}; rotate them at their source",
                    changed.still_readable.join(", ")
                );
            }
        }
        Command::Accept => {
            let changes = recipients::accept(ctx, waiting_notice)?;
            if changes.is_empty() {
                say!("repodex: nothing to accept; the recipients are as this machine last accepted them");
            } else {
                say!("repodex: accepted: {}", changes.join(", "));
            }
        }
    }
    Ok(Outcome::Success)
}
