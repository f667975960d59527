use super::{CmdResult, Context, Outcome};

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
    let loaded = repodex::ops::identity::load_or_create(ctx, &registry)?;
    if let Some(path) = &loaded.created {
        say!(
            "repodex: created your identity at {} (keep it safe; it is never pushed)",
            path.display()
        );
    }
    outln!("{}", loaded.identity.public());
    Ok(Outcome::Success)
}
