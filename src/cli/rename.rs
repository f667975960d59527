use super::{waiting_notice, CmdResult, Context, Outcome};

/// Give a repository a new name
#[derive(clap::Args)]
#[command(after_help = "Example:\n  repodex rename edobry/minsky minsky")]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// The new name
    new_name: String,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(waiting_notice)?;
    let name = super::own_entry(tx.registry(), &args.reference)?;
    tx.rename(&name, &args.new_name)?;
    tx.commit(&format!("rename {name} to {}", args.new_name))?;
    outln!("{}", args.new_name);
    Ok(Outcome::Success)
}
