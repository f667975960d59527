use super::{render, CmdResult, Context, Outcome};
use repodex::ops::resolve;

/// Print a repository's URL (or another way to name it), for scripts
///
/// Resolves REF by the reference rules: name, alias, URL in any spelling, local path,
/// unique last segment. Never touches the network. --print chooses what to print, for
/// tools that want a local path or a forge's owner/repo instead of a URL.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  git clone \"$(repodex resolve mk)\"\n  cd \"$(repodex resolve mk --print path)\"\n  repodex resolve mk --print path --all\n  minsky setup github-app --repo \"$(repodex resolve mk --print forge)\"\n  repodex resolve minsky --json"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// Print the whole entry as JSON (docs/json.md)
    #[arg(long, conflicts_with = "print")]
    json: bool,
    /// What to print: the URL; a local clone's path (the one under the clone root first);
    /// owner/repo on its forge; its web page
    #[arg(long, value_enum, value_name = "WHAT")]
    print: Option<Print>,
    /// With --print path: every folder of it on this machine, one a line, in that order
    #[arg(long)]
    all: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Print {
    Url,
    Path,
    Forge,
    Web,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if let Some(print) = args.print {
        let what = match print {
            Print::Url => resolve::Print::Url,
            Print::Path => resolve::Print::Path,
            Print::Forge => resolve::Print::Forge,
            Print::Web => resolve::Print::Web,
        };
        if args.all && what != resolve::Print::Path {
            return Err(repodex::ops::error::Refused::Needs {
                flag: "--all",
                needs: "--print path (the one value an entry can have several of)",
            }
            .into());
        }
        let values = resolve::print_all(ctx, &args.reference, what)?;
        let shown = if args.all { &values[..] } else { &values[..1] };
        for value in shown {
            outln!("{value}");
        }
    } else if args.all {
        return Err(repodex::ops::error::Refused::Needs {
            flag: "--all",
            needs: "--print path (the one value an entry can have several of)",
        }
        .into());
    } else if args.json {
        render::json(&resolve::view(ctx, &args.reference)?);
    } else {
        outln!("{}", resolve::url(ctx, &args.reference)?);
    }
    Ok(Outcome::Success)
}
