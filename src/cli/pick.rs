use super::picker::{self, Picked};
use super::{CmdResult, Context, Outcome};
use repodex::ops::error::Refused;
use repodex::ops::pick;

/// Choose a repository from a list as you type (fuzzy, as fzf), and print it
///
/// Matches names, aliases, #tags and descriptions, with fzf's syntax (words in any
/// order, ^prefix, suffix$, 'exact, !not), ranked by the match and by how often and how
/// lately you went to each on this machine; `*` marks those with a folder here. Enter
/// prints the choice on stdout; Esc or Ctrl-C prints nothing and exits with 130. It
/// draws on the terminal (/dev/tty), so it works inside $(...); --filter prints the
/// matches without one.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex pick\n  cd \"$(repodex pick --print path)\"\n  git clone \"$(repodex pick --tag work --print url)\"\n  repodex pick --filter mins"
)]
pub struct Args {
    /// Choose among these: references or name globs (acme/*); every repository without
    #[arg(value_name = "REF", add = super::complete::references())]
    references: Vec<String>,
    #[command(flatten)]
    select: super::select::Args,
    /// What to print of the choice: its name, its folder here (the one under the clone
    /// root first), its URL
    #[arg(long, value_enum, value_name = "WHAT", default_value = "name")]
    print: Print,
    /// Start with QUERY typed
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// No list: print every match of QUERY, best first, one a line (as fzf --filter);
    /// with --print path, those without a folder here are left out
    #[arg(long, short, value_name = "QUERY", conflicts_with = "query")]
    filter: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Print {
    Name,
    Path,
    Url,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let print = match args.print {
        Print::Name => pick::Print::Name,
        Print::Path => pick::Print::Path,
        Print::Url => pick::Print::Url,
    };
    let mut picker = pick::candidates(ctx, &args.select.selection(args.references))?;
    if let Some(query) = args.filter {
        let ranked = picker.rank(&query);
        if ranked.is_empty() {
            return Err(Refused::NothingMatches { query }.into());
        }
        for found in ranked {
            if let Some(value) = picker.candidates[found.index].shown(print) {
                outln!("{value}");
            }
        }
        return Ok(Outcome::Success);
    }
    let index = match picker::pick(&mut picker, args.query.as_deref().unwrap_or(""), "pick")? {
        Picked::Chose(index) => index,
        Picked::Cancelled => return Ok(Outcome::Exit(super::exit::INTERRUPTED)),
    };
    let (value, recorded) = pick::chosen(ctx, &picker.candidates[index], print)?;
    if let Err(e) = recorded {
        errln!(
            "repodex: warning: could not record this use: {}",
            super::render::text(&e.to_string())
        );
    }
    outln!("{value}");
    Ok(Outcome::Success)
}
