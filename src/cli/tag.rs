use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::edit;

/// Add or remove a repository's tags
#[derive(clap::Subcommand)]
pub enum Command {
    /// Tag a repository
    #[command(after_help = "Example:\n  repodex tag add mk work oss")]
    Add {
        /// A name, alias, URL or path
        #[arg(add = super::complete::references())]
        reference: String,
        /// The tags to add
        #[arg(required = true, add = super::complete::tags())]
        tags: Vec<String>,
    },
    /// Remove tags from a repository
    #[command(after_help = "Example:\n  repodex tag rm mk oss")]
    Rm {
        /// A name, alias, URL or path
        #[arg(add = super::complete::references())]
        reference: String,
        /// The tags to remove
        #[arg(required = true, add = super::complete::tags())]
        tags: Vec<String>,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::Add { reference, tags } => {
            edit::add_tags(ctx, &reference, &tags, &mut waiting_notice)?
        }
        Command::Rm { reference, tags } => {
            edit::remove_tags(ctx, &reference, &tags, &mut waiting_notice)?
        }
    };
    Ok(Outcome::Success)
}
