use super::{CmdResult, Context, Outcome};
use repodex::store::layout::{Layout, FORMAT, OLDEST_FORMAT};
use repodex::{Error, Registry};

/// Create the registry (optional: any command creates it on first use)
///
/// With --from, make it from a team's registry: a clone of its remote, which
/// `repodex sync` then keeps in step.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex init\n  repodex --registry ~/work/registry init\n  repodex init --from git@github.com:acme/registry.git\n  repodex init --format 1"
)]
pub struct Args {
    /// The git URL or path of a registry to start from
    #[arg(long, value_name = "URL", allow_hyphen_values = true)]
    from: Option<String>,

    /// The registry format: 2 (the default), or 1 for a team that still has repodex 0.1
    /// (`repodex migrate` moves it to 2 later)
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "from",
        allow_negative_numbers = true
    )]
    format: Option<i64>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let location = ctx.location();
    if let Some(from) = args.from {
        let url = super::noted(repodex::store::repository_url(&from)?);
        let registry = repodex::sync::clone_registry(&url, location.path(), &ctx.network()?)?;
        say!(
            "repodex: created a registry at {} from {url} ({} entries); `repodex sync` keeps it in step",
            location.path().display(),
            registry.records().count()
        );
        if registry.recipients()?.is_some() {
            say!("repodex: it has a vault: check its keys with `repodex recipients list`, then run `repodex recipients accept`");
        }
    } else if Registry::create_in_format(location.path(), layout(args.format)?)? {
        say!(
            "repodex: created a registry at {}",
            location.path().display()
        );
    } else {
        say!(
            "repodex: a registry already exists at {}",
            location.path().display()
        );
    }
    outln!("{}", location.path().display());
    Ok(Outcome::Success)
}

/// The layout of `--format N`.
fn layout(format: Option<i64>) -> repodex::Result<Layout> {
    let Some(format) = format else {
        return Ok(Layout::NEWEST);
    };
    Layout::for_format(format).ok_or_else(|| {
        Error::from(repodex::ops::error::Refused::UnknownFormat {
            format,
            oldest: OLDEST_FORMAT,
            newest: FORMAT,
        })
    })
}
