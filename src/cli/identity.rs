use super::{CmdResult, Context, Outcome};
use repodex::vault::identity::Identity;

/// Print your public key, to give to teammates (creates your identity on first use)
///
/// The identity is an age key at $XDG_CONFIG_HOME/repodex/identity.txt (or
/// REPODEX_IDENTITY; an unencrypted ssh-ed25519 key works too). It never leaves this machine.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  repodex identity    # then a teammate runs: repodex recipients add <that key>"
)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> CmdResult {
    let registry = ctx.open()?;
    let path = Identity::default_path()?;
    let (identity, created) = Identity::load_or_create(&path, registry.root())?;
    if created {
        eprintln!(
            "repodex: created your identity at {} (keep it safe; it is never pushed)",
            path.display()
        );
    }
    println!("{}", identity.public());
    Ok(Outcome::Success)
}

/// The user's identity, created on first need, with a notice when it was.
pub fn load_or_create(registry: &repodex::Registry) -> repodex::Result<Identity> {
    let path = Identity::default_path()?;
    let (identity, created) = Identity::load_or_create(&path, registry.root())?;
    if created {
        eprintln!(
            "repodex: created your identity at {}; `repodex identity` prints its public key",
            path.display()
        );
    }
    Ok(identity)
}
