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
    let edited = repodex::ops::edit::forget(ctx, &args.reference, &mut waiting_notice)?;
    say!(
        "repodex: forgot {} ({})",
        edited.name,
        edited.url.as_deref().unwrap_or_default()
    );
    Ok(Outcome::Success)
}
