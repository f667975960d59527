use super::{render, waiting_notice, CmdResult, Context, Outcome};

/// Forget recorded clones whose folder is gone (deleted or moved)
///
/// `list`, `info` and `status` show such a clone as gone until it is forgotten. A clone
/// that moved is recorded again by `repodex import scan` of its new place.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  repodex prune\n  repodex prune --json")]
pub struct Args {
    /// Print what was forgotten as JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let pruned = repodex::ops::clones::prune(ctx, &mut waiting_notice)?;
    if args.json {
        super::print_json(&pruned);
        return Ok(Outcome::Success);
    }
    for forgotten in &pruned.forgotten {
        outln!(
            "forgot {}{}",
            render::home_path(&forgotten.path, &ctx.dirs().home),
            match &forgotten.name {
                Some(name) => format!(" (a clone of {name})"),
                None => String::new(),
            }
        );
    }
    say!(
        "repodex: {} gone clone(s) forgotten, {} recorded clone(s) kept",
        pruned.forgotten.len(),
        pruned.kept
    );
    Ok(Outcome::Success)
}
