use super::{render, CmdResult, Context, Outcome};
use repodex::ops::list::{self, Filter, Item};
use repodex::ops::sources::{self, Sources};
use repodex::RawRecord;

/// List registered repositories
///
/// PATTERN is a glob (`edobry/*`) matched against names and aliases, or, without
/// wildcards, text looked for in names, aliases, URLs and descriptions.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex list\n  repodex list 'edobry/*' --tag work\n  repodex list --host github.com --sort url\n  repodex list --columns name,description\n  repodex list --names | xargs -n1 repodex refresh\n  repodex list --json | jq -r '.[].name'"
)]
pub struct Args {
    /// Only entries that match this glob or contain this text
    pattern: Option<String>,
    /// Only entries whose tags satisfy EXPR: `work`, `work,oss` (or), `work+rust` (and),
    /// `^archived` (not); repeatable, all must hold
    #[arg(long = "tag", value_name = "EXPR", add = super::complete::tags())]
    tags: Vec<String>,
    /// Only entries with a clone recorded on this machine
    #[arg(long)]
    cloned: bool,
    /// Only entries whose URL is on this host
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Only entries of this mounted layer (`repodex registry list`)
    #[arg(long, value_name = "LAYER", add = super::complete::layers())]
    layer: Option<String>,
    /// The columns to show, in order [default: name,aliases,url,branch,tags,path, and layer
    /// when layers are mounted]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "COLUMNS")]
    columns: Vec<Column>,
    /// The order of the rows (and of the JSON)
    #[arg(long, value_enum, default_value_t = Sort::Name)]
    sort: Sort,
    /// Print only the names, one per line (for scripts)
    #[arg(long, conflicts_with_all = ["json", "columns"])]
    names: bool,
    /// Print JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

/// A column of `list`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Column {
    Name,
    Aliases,
    Url,
    Host,
    Branch,
    Tags,
    Description,
    Layer,
    Path,
}

impl Column {
    fn header(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Aliases => "ALIASES",
            Column::Url => "URL",
            Column::Host => "HOST",
            Column::Branch => "BRANCH",
            Column::Tags => "TAGS",
            Column::Description => "DESCRIPTION",
            Column::Layer => "LAYER",
            Column::Path => "PATH",
        }
    }

    fn cell(
        self,
        summary: &repodex::Summary,
        layer: Option<&str>,
        clones: &[repodex::ops::clones::Clone],
        home: &std::path::Path,
    ) -> String {
        let or_dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
        match self {
            Column::Name => summary.name.clone(),
            Column::Aliases => or_dash(summary.aliases.join(",")),
            Column::Url => summary.url.clone(),
            Column::Host => list::host_of(&summary.url).unwrap_or_else(|| "(local)".into()),
            Column::Branch => summary.default_branch.clone().unwrap_or_else(|| "-".into()),
            Column::Tags => summary.tags.join(","),
            Column::Description => or_dash(
                render::text(summary.description.as_deref().unwrap_or_default()).to_string(),
            ),
            Column::Layer => layer.unwrap_or("(yours)").to_string(),
            Column::Path => render::clones_cell(clones, home),
        }
    }
}

/// The order of `list`'s rows.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Sort {
    /// By name (the registry's own order)
    Name,
    /// By URL
    Url,
    /// By host, then name
    Host,
    /// By default branch, then name
    Branch,
}

fn sort(items: &mut [Item], by: Sort) {
    let key = |item: &Item| -> (String, String) {
        match item {
            Item::Entry { summary: s, .. } => (
                match by {
                    Sort::Name => String::new(),
                    Sort::Url => s.url.clone(),
                    Sort::Host => list::host_of(&s.url).unwrap_or_default(),
                    Sort::Branch => s.default_branch.clone().unwrap_or_default(),
                },
                s.name.clone(),
            ),
            Item::Broken { name, .. } => (String::new(), name.clone()),
        }
    };
    if by != Sort::Name {
        items.sort_by_key(key);
    }
}

/// `list --json` of everything: the catalog's summaries go out as stored, one line per
/// entry, with no parsing and no re-encoding, so it costs about what reading the
/// catalog costs. Returns how many files could not be read.
fn stream_json(sources: &Sources) -> repodex::Result<usize> {
    use std::io::Write;
    let mut out = super::output::stdout();
    let mut broken = 0;
    let mut first = true;
    let _ = out.write_all(b"[");
    for (layer, registry) in sources.each() {
        let layer_json = serde_json::to_string(&layer).expect("a layer name serializes");
        let clones = list::clones_by_name(registry, layer)?;
        for record in registry.raw_records() {
            let _ = out.write_all(if first { b"\n  " } else { b",\n  " });
            first = false;
            match record {
                RawRecord::Entry { name, json } => {
                    // `{...}` becomes `{...,"layer":...,"clones":[...]}`.
                    let _ = out.write_all(&json[..json.len().saturating_sub(1)]);
                    let _ = write!(out, ",\"layer\":{layer_json},\"clones\":");
                    let shown = match clones.get(std::str::from_utf8(name).unwrap_or_default()) {
                        Some(records) => repodex::ops::clones::shown(records),
                        None => Vec::new(),
                    };
                    let _ = serde_json::to_writer(&mut out, &shown);
                    let _ = out.write_all(b"}");
                }
                RawRecord::Broken { name, error } => {
                    broken += 1;
                    let item = Item::Broken {
                        name: String::from_utf8_lossy(name).into_owned(),
                        error: String::from_utf8_lossy(error).into_owned(),
                    };
                    let _ = serde_json::to_writer(&mut out, &item);
                    if let Item::Broken { error, .. } = &item {
                        errln!("repodex: warning: {error}");
                    }
                }
            }
        }
    }
    let _ = out.write_all(if first { b"]\n" } else { b"\n]\n" });
    Ok(broken)
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let filter = Filter::new(args.pattern.as_deref(), &args.tags)?
        .cloned(args.cloned)
        .on_host(args.host.clone())
        .in_layer(args.layer.clone());
    let sources = sources::sources(ctx)?;
    if let Some(layer) = &args.layer {
        if !sources.layers.iter().any(|(name, _)| name == layer) {
            return Err(repodex::sync::error::SyncError::NoSuchLayer {
                name: layer.clone(),
            }
            .into());
        }
    }
    if args.json && filter.is_everything() && args.sort == Sort::Name {
        let broken = stream_json(&sources)?;
        return Ok(broken_warning(broken));
    }
    let shows_paths = args.json || args.columns.is_empty() || args.columns.contains(&Column::Path);
    let filter = filter.with_clones(shows_paths);
    let mut items = list::select(&sources, &filter)?;
    sort(&mut items, args.sort);
    let broken = items
        .iter()
        .filter(|i| matches!(i, Item::Broken { .. }))
        .count();
    if items.is_empty() && !filter.is_everything() && !args.json {
        // A header over nothing reads as a broken listing; say what happened instead.
        say!(
            "repodex: no entry matches{}; `repodex list` shows them all",
            match &args.pattern {
                Some(p) => format!(" '{}'", render::text(p)),
                None => " those filters".to_string(),
            }
        );
        return Ok(Outcome::Success);
    }
    if args.json {
        render::json_lines(&items);
    } else if args.names {
        for item in &items {
            match item {
                Item::Entry { summary, .. } => outln!("{}", summary.name),
                Item::Broken { name, .. } => outln!("{name}"),
            }
        }
    } else {
        let columns = if args.columns.is_empty() {
            let mut columns = vec![
                Column::Name,
                Column::Aliases,
                Column::Url,
                Column::Branch,
                Column::Tags,
                Column::Path,
            ];
            if !sources.layers.is_empty() {
                columns.insert(1, Column::Layer);
            }
            columns
        } else {
            args.columns.clone()
        };
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|item| match item {
                Item::Entry {
                    summary,
                    layer,
                    clones,
                } => columns
                    .iter()
                    .map(|c| c.cell(summary, layer.as_deref(), clones, &ctx.dirs().home))
                    .collect(),
                Item::Broken { name, .. } => columns
                    .iter()
                    .map(|c| match c {
                        Column::Name => name.clone(),
                        Column::Url => "(unreadable: see below)".into(),
                        _ => "-".into(),
                    })
                    .collect(),
            })
            .collect();
        let headers: Vec<&str> = columns.iter().map(|c| c.header()).collect();
        render::table(&headers, &rows);
    }
    for item in &items {
        if let Item::Broken { error, .. } = item {
            errln!("repodex: warning: {error}");
        }
    }
    Ok(broken_warning(broken))
}

fn broken_warning(broken: usize) -> Outcome {
    if broken > 0 {
        errln!("repodex: warning: {broken} entry file(s) could not be read; `repodex doctor` lists every problem");
    }
    Outcome::Success
}
