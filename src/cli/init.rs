use super::{CmdResult, Context, Outcome};
use repodex::Registry;

/// Create the registry (optional: any command creates it on first use)
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  repodex init\n  repodex --registry ~/work/registry init")]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> CmdResult {
    let location = ctx.location()?;
    if Registry::create(location.path())? {
        eprintln!(
            "repodex: created a registry at {}",
            location.path().display()
        );
    } else {
        eprintln!(
            "repodex: a registry already exists at {}",
            location.path().display()
        );
    }
    println!("{}", location.path().display());
    Ok(Outcome::Success)
}
