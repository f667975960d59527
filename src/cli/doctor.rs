use super::{exit, CmdResult, Context, Outcome};

/// Check the whole registry: every file parses, names match paths, nothing collides
///
/// Exits with 4 when it finds problems; warnings (such as uncommitted hand edits, git
/// not finding git-remote-repodex after git-setup, or a saved completion script that
/// registers another command than repodex) do not change the exit code.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  repodex doctor && echo healthy")]
pub struct Args {
    /// Print the findings as JSON (docs/json.md); the exit code is the same
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let registry = ctx.open()?;
    let report = repodex::ops::doctor::doctor(ctx, &registry)?;
    if args.json {
        super::print_json(&report);
        return Ok(if report.is_healthy() {
            Outcome::Success
        } else {
            Outcome::Exit(exit::REGISTRY)
        });
    }
    // A message that already starts with its file's path is shown once.
    let shown = |f: &repodex::store::doctor::Finding| {
        if f.message.starts_with(&f.path) {
            f.message.clone()
        } else {
            format!("{}: {}", f.path, f.message)
        }
    };
    for finding in &report.warnings {
        errln!("repodex: warning: {}", shown(finding));
    }
    for finding in &report.problems {
        outln!("problem: {}", shown(finding));
    }
    let store = &report.store;
    let store = format!(
        "object store: {} pack(s), {} loose object(s), {:.1} MB",
        store.packs,
        store.loose_objects,
        store.bytes as f64 / (1 << 20) as f64
    );
    if report.is_healthy() {
        outln!(
            "ok: {} entries, no problems ({})",
            report.entries,
            registry.root().display()
        );
        outln!("{store}");
        Ok(Outcome::Success)
    } else {
        outln!(
            "{} problem(s) in {}",
            report.problems.len(),
            registry.root().display()
        );
        outln!("{store}");
        Ok(Outcome::Exit(exit::REGISTRY))
    }
}
