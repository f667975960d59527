use super::{waiting_notice, CmdResult, Context, Outcome};

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
    let mut registry = ctx.open()?;
    match command {
        Command::List { json } => {
            let mine =
                repodex::ops::identity::existing(ctx, &registry).map(|i| i.public().to_string());
            if json {
                let keys: Vec<serde_json::Value> = registry
                    .recipients()?
                    .map(|r| r.keys().to_vec())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|key| {
                        serde_json::json!({"key": key, "yours": mine.as_deref() == Some(key.as_str())})
                    })
                    .collect();
                super::print_json(&keys);
                return Ok(Outcome::Success);
            }
            match registry.recipients()? {
                None => {
                    say!("repodex: no recipients yet; the first `repodex creds set` adds your key")
                }
                Some(recipients) => {
                    for key in recipients.keys() {
                        let you = if mine.as_deref() == Some(key.as_str()) {
                            "  (you)"
                        } else {
                            ""
                        };
                        outln!("{key}{you}");
                    }
                }
            }
        }
        Command::Add { key } => {
            let identity = super::load_identity(ctx, &registry)?;
            let mut tx = registry.transaction(waiting_notice)?;
            tx.add_recipient(&key, &identity)?;
            tx.commit("add a recipient to the vault")?;
            say!("repodex: added the recipient; every credential is now encrypted to it too");
        }
        Command::Rm { key } => {
            let identity = super::load_identity(ctx, &registry)?;
            let mut tx = registry.transaction(waiting_notice)?;
            let readable = tx.remove_recipient(&key, &identity)?;
            tx.commit("remove a recipient from the vault")?;
            say!("repodex: removed the recipient; new versions of the credentials are not encrypted to it");
            if !readable.is_empty() {
                say!(
                    "repodex: that key could read these credentials, which stay readable to it in the registry's history: {}; rotate them at their source",
                    readable.join(", ")
                );
            }
        }
        Command::Accept => {
            let changes = registry.accept_recipients()?;
            if changes.is_empty() {
                say!("repodex: nothing to accept; the recipients are as this machine last accepted them");
            } else {
                say!("repodex: accepted: {}", changes.join(", "));
            }
        }
    }
    Ok(Outcome::Success)
}
