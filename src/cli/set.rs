use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::edit;

/// Change a repository's URL (it moved) or description
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex set mk --url https://github.com/new-owner/minsky.git\n  repodex set mk --description \"Minsky CLI\"\n  repodex set mk --description ''   # clear it"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// The repository's new URL or path
    #[arg(long, allow_hyphen_values = true)]
    url: Option<String>,
    /// The new description (empty to clear it)
    #[arg(long)]
    description: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let change = edit::Settable {
        url: args.url,
        description: args.description,
    };
    let edited = edit::set(ctx, &args.reference, change, &mut waiting_notice)?;
    super::print_notices(&edited.notices);
    Ok(Outcome::Success)
}
