use super::{CmdResult, Context, Outcome};
use repodex::ops::git_setup::{GitSetup, Installed};

/// Make registry names work in plain git: `git clone repodex:<name>`
///
/// Writes a git config file with one rule, `url."repodex::".insteadOf = repodex:`, that
/// hands every `repodex:<name>` URL to git-remote-repodex (which must be where git looks
/// for it: git's exec-path or PATH), and includes it from your global git config, with
/// repodex as the credential helper for the repositories that have stored credentials
/// (every other repository keeps your own helpers). The file is kept current after every
/// registry change.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex git-setup && git clone repodex:mk\n  repodex git-setup --undo"
)]
pub struct Args {
    /// Remove what git-setup added, and nothing else
    #[arg(long)]
    undo: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let setup = GitSetup::locate(ctx);
    if args.undo {
        if setup.undo()? {
            say!("repodex: removed the git-setup include and its file");
        } else {
            say!("repodex: git-setup was not set up; nothing to undo");
        }
        return Ok(Outcome::Success);
    }
    // Before anything is written: plain git must be able to run the helper.
    repodex::ops::git_setup::helper_git_finds(ctx).map_err(|missing| missing.refusal())?;
    let registry = ctx.open()?;
    match setup.install(&registry, &repodex::context::front_program()?)? {
        Installed::Added => say!(
            "repodex: plain git now knows repodex:<name> (config: {})",
            setup.generated().display()
        ),
        Installed::Current => {
            say!("repodex: git-setup was already in place; its file is up to date")
        }
        Installed::Moved => say!(
            "repodex: plain git's repodex:<name> now names entries of {} (config: {})",
            registry.root().display(),
            setup.generated().display()
        ),
    }
    Ok(Outcome::Success)
}
