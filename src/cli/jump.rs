use super::picker::{self, Picked};
use super::{render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::jump;

/// Print the folder to go to for a repository, cloning it first when it has none
///
/// This is what the shell function of `repodex shell-init` runs, then goes to the
/// folder printed. The folder is the repository's clone under the clone root, else its
/// first other folder here (`resolve REF --print path --all` lists them in that order);
/// WORD picks the first whose path contains it. A repository with no clone here is
/// cloned into the clone root first. Without REF, it is picked from a list (as `repodex
/// pick`). Each jump counts as a use, which ranks the repository higher in the list.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  cd \"$(repodex jump mk)\"\n  repodex jump mk mk-42\n  eval \"$(repodex shell-init bash)\"   # then: rcd mk"
)]
pub struct Args {
    /// A name, alias, URL or path; pick it from a list without
    #[arg(add = super::complete::references())]
    reference: Option<String>,
    /// Text of the path of the folder to go to, when there are several
    word: Option<String>,
    /// The shell function's name, for the notes that say how to go elsewhere
    #[arg(long, value_name = "NAME", default_value = "rcd")]
    cmd: String,
    /// Print the names and aliases that start with PREFIX (the shell function's
    /// completion)
    #[arg(long, value_name = "PREFIX", hide = true, conflicts_with_all = ["reference", "word"])]
    complete: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    if let Some(prefix) = args.complete {
        for name in jump::completions(ctx, &prefix)? {
            outln!("{name}");
        }
        return Ok(Outcome::Success);
    }
    let reference = match args.reference {
        Some(reference) => reference,
        None => {
            let mut picker = repodex::ops::pick::candidates(ctx, &Default::default())?;
            match picker::pick(&mut picker, "", "a jump without a reference")? {
                Picked::Chose(index) => picker.candidates.swap_remove(index).name,
                Picked::Cancelled => return Ok(Outcome::Exit(super::exit::INTERRUPTED)),
            }
        }
    };
    let jump = jump::jump(ctx, &reference, args.word.as_deref(), &mut waiting_notice)?;
    let home = &ctx.dirs().home;
    if let Some(cloned) = &jump.cloned {
        say!(
            "repodex: {} had no clone here; cloned it into {}",
            jump.name,
            render::home_path(&cloned.path, home)
        );
        super::note_freshness(Some(&cloned.freshness));
    }
    if !jump.others.is_empty() {
        let others: Vec<String> = jump
            .others
            .iter()
            .map(|o| {
                format!(
                    "`{} {reference} {}` goes to {}",
                    args.cmd,
                    o.word,
                    render::home_path(&o.path, home)
                )
            })
            .collect();
        say!(
            "repodex: {} has {} folders here; this is the first; {}",
            jump.name,
            jump.others.len() + 1,
            others.join(", ")
        );
    }
    if let Some(why) = &jump.unrecorded {
        errln!(
            "repodex: warning: could not record this use: {}",
            render::text(why)
        );
    }
    outln!("{}", jump.path.display());
    Ok(Outcome::Success)
}
