use super::{CmdResult, Context, Outcome};
use repodex::ops::init::{self, Request};

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
    let request = match args.from {
        Some(url) => Request::From { url },
        None => Request::New {
            format: args.format,
        },
    };
    let report = init::init(ctx, request)?;
    super::print_notices(&report.notices);
    let path = report.path.display();
    match &report.from {
        Some(from) => {
            say!(
                "repodex: created a registry at {path} from {from} ({} entries); `repodex sync` keeps it in step",
                report.entries
            );
            if report.vault {
                say!("repodex: it has a vault: check its keys with `repodex recipients list`, then run `repodex recipients accept`");
            }
        }
        None if report.created => say!("repodex: created a registry at {path}"),
        None => say!("repodex: a registry already exists at {path}"),
    }
    outln!("{path}");
    Ok(Outcome::Success)
}
