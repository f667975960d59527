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
    let edited =
        repodex::ops::edit::rename(ctx, &args.reference, &args.new_name, &mut waiting_notice)?;
    outln!("{}", edited.name);
    Ok(Outcome::Success)
}
