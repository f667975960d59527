use super::{waiting_notice, CmdResult, Context, Outcome};

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
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(waiting_notice)?;
    let message = match command {
        Command::Add { reference, tags } => {
            let name = super::own_entry(tx.registry(), &reference)?;
            tx.add_tags(&name, &tags)?;
            format!("tag {name}: {}", tags.join(", "))
        }
        Command::Rm { reference, tags } => {
            let name = super::own_entry(tx.registry(), &reference)?;
            tx.remove_tags(&name, &tags)?;
            format!("untag {name}: {}", tags.join(", "))
        }
    };
    tx.commit(&message)?;
    Ok(Outcome::Success)
}
