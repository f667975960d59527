use super::{CmdResult, Context, Outcome};
use repodex::ops::open;

/// Open a repository's page in your browser
///
/// The page is its page on its forge: GitHub, GitLab, Codeberg and Gitea, Bitbucket,
/// sourcehut, or a server of your team's declared in the shared setting `hosts`. It
/// goes to $BROWSER, else to the system's opener (xdg-open, open), as one argument,
/// never through a shell.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex open mk\n  repodex open mk --print\n  BROWSER=firefox repodex open edobry/minsky"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// Print the page's URL instead of opening it
    #[arg(long)]
    print: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if args.print {
        outln!("{}", open::page(ctx, &args.reference)?.url);
        return Ok(Outcome::Success);
    }
    let page = open::open(ctx, &args.reference)?;
    say!(
        "repodex: opened {} with {}",
        page.url,
        page.opened_with.as_deref().unwrap_or("the browser")
    );
    Ok(Outcome::Success)
}
