use super::{CmdResult, Context, Outcome};
use repodex::import::file::{export, Format};

/// Write the whole registry (no secrets) to stdout, for backups and other machines
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex export > registry.json\n  repodex export --format toml > registry.toml"
)]
pub struct Args {
    /// The document's format
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Json,
    Toml,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let registry = ctx.open()?;
    let format = match args.format {
        FormatArg::Json => Format::Json,
        FormatArg::Toml => Format::Toml,
    };
    out!("{}", export(&registry, format)?);
    Ok(Outcome::Success)
}
