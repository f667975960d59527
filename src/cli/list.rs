use super::{render, CmdResult, Context, Outcome};
use repodex::{RawRecord, Record, Summary};
use serde::Serialize;

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
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

/// A matcher for PATTERN.
enum Filter {
    All,
    Glob(glob::Pattern),
    Text(String),
}

impl Filter {
    fn new(pattern: Option<&str>) -> repodex::Result<Filter> {
        Ok(match pattern {
            None => Filter::All,
            Some(p) if p.contains(['*', '?', '[']) => {
                Filter::Glob(glob::Pattern::new(&p.to_lowercase()).map_err(|e| {
                    repodex::Error::Invalid(format!("the pattern '{p}' is not a valid glob: {e}"))
                })?)
            }
            Some(p) => Filter::Text(p.to_lowercase()),
        })
    }

    fn matches(&self, s: &Summary) -> bool {
        match self {
            Filter::All => true,
            Filter::Glob(g) => g.matches(&s.name) || s.aliases.iter().any(|a| g.matches(a)),
            Filter::Text(t) => {
                s.name.contains(t.as_str())
                    || s.aliases.iter().any(|a| a.contains(t.as_str()))
                    || s.url.to_lowercase().contains(t.as_str())
                    || s.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(t.as_str()))
            }
        }
    }
}

/// A `list --json` item: an entry's summary, or a file that could not be read.
#[derive(Serialize)]
#[serde(untagged)]
enum Item {
    Entry {
        #[serde(flatten)]
        summary: Summary,
        /// The layer it comes from; null for the user's own registry.
        layer: Option<String>,
    },
    Broken {
        name: String,
        error: String,
    },
}

/// `list --json` of everything: the catalog's summaries go out as stored, one line per
/// entry, with no parsing and no re-encoding, so it costs about what reading the
/// catalog costs. Returns how many files could not be read.
fn stream_json(
    sources: &[(Option<String>, Option<repodex::Registry>)],
    registry: &repodex::Registry,
) -> usize {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut broken = 0;
    let mut first = true;
    let _ = out.write_all(b"[");
    for (layer, layer_registry) in sources {
        let layer_json = serde_json::to_string(layer).expect("a layer name serializes");
        for record in layer_registry.as_ref().unwrap_or(registry).raw_records() {
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
    let registry = ctx.open()?;
    let filter = Filter::new(args.pattern.as_deref())?;
    let mut items = Vec::new();
    let mut broken = 0;
    let layers = registry.layers()?;
    let mut sources = vec![(None, None)];
    for layer in layers {
        let layer_registry = registry.open_layer(&layer)?;
        sources.push((Some(layer.name), Some(layer_registry)));
    }
    if args.json && matches!(filter, Filter::All) && args.tags.is_empty() {
        let broken = stream_json(&sources, &registry);
        return Ok(broken_warning(broken));
    }
    for (layer, layer_registry) in &sources {
        for record in layer_registry.as_ref().unwrap_or(&registry).records() {
            match record {
                Record::Entry(s)
                    if filter.matches(&s) && args.tags.iter().all(|t| s.tags.contains(t)) =>
                {
                    items.push(Item::Entry {
                        summary: s,
                        layer: layer.clone(),
                    })
                }
                Record::Entry(_) => {}
                Record::Broken { name, error } => {
                    broken += 1;
                    items.push(Item::Broken { name, error });
                }
            }
        }
    }
    let with_layers = sources.len() > 1;
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
