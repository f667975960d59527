use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::edit;

/// Add or remove other names for a repository
#[derive(clap::Subcommand)]
pub enum Command {
    /// Give a repository another name
    #[command(after_help = "Example:\n  repodex alias add edobry/minsky mk")]
    Add {
        /// A name, alias, URL or path
        #[arg(add = super::complete::references())]
        reference: String,
        /// The aliases to add
        #[arg(required = true)]
        aliases: Vec<String>,
    },
    /// Remove aliases, from whichever repository has them
    #[command(after_help = "Example:\n  repodex alias rm mk")]
    Rm {
        /// The aliases to remove
        #[arg(required = true)]
        aliases: Vec<String>,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::Add { reference, aliases } => {
            edit::add_aliases(ctx, &reference, &aliases, &mut waiting_notice)?
        }
        Command::Rm { aliases } => edit::remove_aliases(ctx, &aliases, &mut waiting_notice)?,
    };
    Ok(Outcome::Success)
}
