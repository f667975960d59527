use super::{waiting_notice, CmdResult, Context, Outcome};

/// Remove a repository from the registry (its history stays in git)
#[derive(clap::Args)]
#[command(after_help = "Example:\n  repodex forget edobry/minsky")]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(waiting_notice)?;
    let name = super::own_entry(tx.registry(), &args.reference)?;
    let entry = tx.forget(&name)?;
    tx.commit(&format!("forget {name}"))?;
    say!("repodex: forgot {name} ({})", entry.url);
    Ok(Outcome::Success)
}
