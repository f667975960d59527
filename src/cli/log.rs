use super::{CmdResult, Context, Outcome};

/// List the registry's changes, or one repository's, newest first
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  repodex log\n  repodex log mk")]
pub struct Args {
    /// A name, alias, URL or path [default: the whole registry]
    #[arg(add = super::complete::references())]
    reference: Option<String>,
    /// Print the changes as JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let registry = ctx.open()?;
    let name = match &args.reference {
        Some(reference) => Some(super::own_entry(&registry, reference)?),
        None => None,
    };
    let changes = registry.log(name.as_deref())?;
    if args.json {
        super::print_json(&changes);
        return Ok(Outcome::Success);
    }
    for change in changes {
        let short = change.commit.to_hex_with_len(8).to_string();
        let date = change.time.format("%Y-%m-%d %H:%M");
        println!("{date}  {short}  {}", super::render::text(&change.summary));
        for line in change.body.lines().filter(|l| !l.is_empty()) {
            if name
                .as_deref()
                .is_none_or(|n| line.starts_with(&format!("{n}:")))
            {
                println!("                          {}", super::render::text(line));
            }
        }
    }
    Ok(Outcome::Success)
}
