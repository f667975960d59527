use super::{waiting_notice, CmdResult, Context, Outcome};

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
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(waiting_notice)?;
    let message = match command {
        Command::Add { reference, aliases } => {
            let name = super::own_entry(tx.registry(), &reference)?;
            for alias in &aliases {
                tx.add_alias(&name, alias)?;
            }
            format!("alias {name} as {}", aliases.join(", "))
        }
        Command::Rm { aliases } => {
            let mut owners = Vec::new();
            for alias in &aliases {
                let owner = tx.remove_alias(alias)?;
                owners.push(format!("{alias} (of {owner})"));
            }
            format!("remove alias {}", owners.join(", "))
        }
    };
    tx.commit(&message)?;
    Ok(Outcome::Success)
}
