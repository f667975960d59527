use super::{render, CmdResult, Context, Outcome};
use repodex::ops::list::{self, Filter, Item, Sources};
use repodex::RawRecord;

/// List registered repositories
///
/// PATTERN is a glob (`edobry/*`) matched against names and aliases, or, without
/// wildcards, text looked for in names, aliases, URLs and descriptions.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex list\n  repodex list 'edobry/*' --tag work\n  repodex list --json | jq -r '.[].name'"
)]
pub struct Args {
    /// Only entries that match this glob or contain this text
    pattern: Option<String>,
    /// Only entries with this tag (repeatable: all must match)
    #[arg(long = "tag", value_name = "TAG", add = super::complete::tags())]
    tags: Vec<String>,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

/// `list --json` of everything: the catalog's summaries go out as stored, one line per
/// entry, with no parsing and no re-encoding, so it costs about what reading the
/// catalog costs. Returns how many files could not be read.
fn stream_json(sources: &Sources) -> usize {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut broken = 0;
    let mut first = true;
    let _ = out.write_all(b"[");
    for (layer, registry) in sources.each() {
        let layer_json = serde_json::to_string(&layer).expect("a layer name serializes");
        for record in registry.raw_records() {
            let _ = out.write_all(if first { b"\n  " } else { b",\n  " });
            first = false;
            match record {
                RawRecord::Entry { json } => {
                    // `{...}` becomes `{...,"layer":...}`.
                    let _ = out.write_all(&json[..json.len().saturating_sub(1)]);
                    let _ = write!(out, ",\"layer\":{layer_json}}}");
                }
                RawRecord::Broken { name, error } => {
                    broken += 1;
                    let item = Item::Broken {
                        name: String::from_utf8_lossy(name).into_owned(),
                        error: String::from_utf8_lossy(error).into_owned(),
                    };
                    let _ = serde_json::to_writer(&mut out, &item);
                    if let Item::Broken { error, .. } = &item {
                        eprintln!("repodex: warning: {error}");
                    }
                }
            }
        }
    }
    let _ = out.write_all(if first { b"]\n" } else { b"\n]\n" });
    broken
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let filter = Filter::new(args.pattern.as_deref(), args.tags)?;
    let sources = list::sources(ctx)?;
    if args.json && filter.is_everything() {
        let broken = stream_json(&sources);
        return Ok(broken_warning(broken));
    }
    let items = list::select(&sources, &filter);
    let broken = items
        .iter()
        .filter(|i| matches!(i, Item::Broken { .. }))
        .count();
    let with_layers = !sources.layers.is_empty();
    if items.is_empty() && !filter.is_everything() && !args.json {
        // A header over nothing reads as a broken listing; say what happened instead.
        say!(
            "repodex: no entry matches{}; `repodex list` shows them all",
            match &args.pattern {
                Some(p) => format!(" '{}'", render::text(p)),
                None => " those tags".to_string(),
            }
        );
        return Ok(Outcome::Success);
    }
    if args.json {
        render::json_lines(&items);
    } else {
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|item| match item {
                Item::Entry { summary: s, layer } => {
                    let mut row = vec![
                        s.name.clone(),
                        s.url.clone(),
                        s.default_branch.clone().unwrap_or_else(|| "-".into()),
                        s.tags.join(","),
                    ];
                    if with_layers {
                        row.insert(1, layer.clone().unwrap_or_else(|| "(yours)".into()));
                    }
                    row
                }
                Item::Broken { name, .. } => {
                    let mut row = vec![
                        name.clone(),
                        "(unreadable: see below)".into(),
                        "-".into(),
                        String::new(),
                    ];
                    if with_layers {
                        row.insert(1, "-".into());
                    }
                    row
                }
            })
            .collect();
        if with_layers {
            render::table(&["NAME", "LAYER", "URL", "BRANCH", "TAGS"], &rows);
        } else {
            render::table(&["NAME", "URL", "BRANCH", "TAGS"], &rows);
        }
    }
    for item in &items {
        if let Item::Broken { error, .. } = item {
            eprintln!("repodex: warning: {error}");
        }
    }
    Ok(broken_warning(broken))
}

fn broken_warning(broken: usize) -> Outcome {
    if broken > 0 {
        eprintln!("repodex: warning: {broken} entry file(s) could not be read; `repodex doctor` lists every problem");
    }
    Outcome::Success
}
