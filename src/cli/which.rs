use super::{CmdResult, Context, Outcome};
use repodex::Rule;

/// Explain how a reference resolves: which registry layer, and which rule
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex which mk\n  repodex which https://github.com/edobry/minsky"
)]
pub struct Args {
    /// A name, alias, URL or path
    #[arg(add = super::complete::references())]
    reference: String,
    /// Print it as JSON: name, layer, rule (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let found = repodex::ops::lookup::which(ctx, &args.reference)?;
    if args.json {
        super::print_json(&found);
        return Ok(Outcome::Success);
    }
    let rule = match found.rule {
        Rule::Name => "rule 1, its name",
        Rule::Alias => "rule 2, one of its aliases",
        Rule::Url => "rule 3, a URL of it",
        Rule::Path => "rule 4, a local path of it",
        Rule::LastSegment => "rule 5, the unique last segment of its name",
    };
    let layer = match &found.layer {
        None => "your registry".to_string(),
        Some(layer) => format!("layer '{layer}' (read-only)"),
    };
    outln!(
        "'{}' is '{}' in {layer}, matched by {rule}",
        args.reference.escape_debug(),
        found.name
    );
    Ok(Outcome::Success)
}
