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
    let shown = repodex::ops::lookup::config_files(
        ctx,
        &mut ctx.open()?,
        &args.reference,
        args.path.as_deref(),
        args.at.as_deref(),
        &mut super::waiting_notice,
    )?;
    super::note_freshness(shown.freshness.as_ref());
    let name = &shown.name;
    if shown.files.is_empty() {
        match &shown.read_at {
            None => say!("repodex: '{name}' has no cached configuration files yet (`repodex refresh {name}` fetches them)"),
            Some(at) => say!("repodex: '{name}' has none of the configuration files repodex caches (read {at}; `config_paths` in registry.toml says which)"),
        }
    }
    let single = args.path.is_some();
    for (i, file) in shown.files.iter().enumerate() {
        if single {
            out!("{}", file.text);
            continue;
        }
        if i > 0 {
            outln!();
        }
        outln!("==> {} <==", file.path);
        out!("{}", file.text);
        if !file.text.ends_with('\n') {
            outln!();
        }
    }
    Ok(Outcome::Success)
}
