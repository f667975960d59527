use super::{CmdResult, Context, Outcome};

/// Print a repository's cached configuration files, as they are or were
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex config mk\n  repodex config mk .minsky/config.yaml --at 2026-11-01\n  repodex config mk --at HEAD~3"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// One file (by its path in the repository) instead of all
    path: Option<String>,
    /// As it was at a registry revision (HEAD~2, a hash) or time (2026-11-20, 3d)
    #[arg(long, value_name = "REV-or-DATE", allow_hyphen_values = true)]
    at: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let mut registry = ctx.open()?;
    let name = super::own_entry(&registry, &args.reference)?;
    let (entry, freshness) = repodex::ops::lookup::entry_as_of(
        ctx,
        &mut registry,
        &name,
        args.at.as_deref(),
        &mut super::waiting_notice,
    )?;
    super::note_freshness(freshness.as_ref());
    let files = &entry.config.files;
    match &args.path {
        Some(path) => match files.get(path) {
            Some(text) => print!("{text}"),
            None => {
                return Err(repodex::ops::error::Refused::NoCachedFile {
                    name,
                    path: path.clone(),
                    cached: files.keys().cloned().collect(),
                }
                .into());
            }
        },
        None if files.is_empty() => {
            eprintln!("repodex: '{name}' has no cached configuration files (`repodex refresh {name}` fetches them)")
        }
        None => {
            for (i, (path, text)) in files.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                println!("==> {path} <==");
                print!("{text}");
                if !text.ends_with('\n') {
                    println!();
                }
            }
        }
    }
    Ok(Outcome::Success)
}
