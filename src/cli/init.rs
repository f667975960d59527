use super::{CmdResult, Context, Outcome};
use repodex::Registry;

/// Create the registry (optional: any command creates it on first use)
///
/// With --from, make it from a team's registry: a clone of its remote, which
/// `repodex sync` then keeps in step.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex init\n  repodex --registry ~/work/registry init\n  repodex init --from git@github.com:acme/registry.git"
)]
pub struct Args {
    /// The git URL or path of a registry to start from
    #[arg(long, value_name = "URL", allow_hyphen_values = true)]
    from: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let location = ctx.location()?;
    if let Some(from) = args.from {
        let url = repodex::registry::repository_url(&from)?;
        let registry = repodex::sync::clone_registry(&url, location.path(), &ctx.network()?)?;
        eprintln!(
            "repodex: created a registry at {} from {url} ({} entries); `repodex sync` keeps it in step",
            location.path().display(),
            registry.records().count()
        );
        if registry.recipients()?.is_some() {
            eprintln!("repodex: it has a vault: check its keys with `repodex recipients list`, then run `repodex recipients accept`");
        }
    } else if Registry::create(location.path())? {
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
