//! `list`: which entries a pattern and tags select, from the user's registry and its
//! read-only layers.

use schemars::JsonSchema;
use serde::Serialize;

use super::clones::Clone;
use super::error::Refused;
use super::select::TagExpr;
use super::sources::Sources;
use crate::store::clones::Recorded;
use crate::store::Registry;
use crate::{Record, Result, Summary};

/// A matcher for `list PATTERN`: a glob (`edobry/*`) against names and aliases, or,
/// without wildcards, text looked for in names, aliases, URLs and descriptions; and
/// tag expressions ([`TagExpr`]), all of which an entry must satisfy.
pub struct Filter {
    pattern: Pattern,
    tags: Vec<TagExpr>,
    /// Only entries with a clone recorded on this machine.
    cloned: bool,
    /// Whether the items carry their clones (reading this machine's record of them).
    with_clones: bool,
    /// Only entries whose URL has this host (any case).
    host: Option<String>,
    /// Only entries of this layer.
    layer: Option<String>,
}

enum Pattern {
    All,
    Glob(glob::Pattern),
    Text(String),
}

impl Filter {
    /// `tags` are tag expressions, as every selection takes them (`work+^archived`).
    pub fn new(pattern: Option<&str>, tags: &[String]) -> Result<Filter> {
        let tags = tags
            .iter()
            .map(|t| TagExpr::parse(t))
            .collect::<Result<Vec<_>>>()?;
        let pattern = match pattern {
            None => Pattern::All,
            Some(p) if p.contains(['*', '?', '[']) => {
                Pattern::Glob(glob::Pattern::new(&p.to_lowercase()).map_err(|e| {
                    Refused::BadGlob {
                        pattern: p.to_string(),
                        reason: e.to_string(),
                    }
                })?)
            }
            Some(p) => Pattern::Text(p.to_lowercase()),
        };
        Ok(Filter {
            pattern,
            tags,
            cloned: false,
            with_clones: true,
            host: None,
            layer: None,
        })
    }

    /// Only entries with a clone recorded on this machine.
    pub fn cloned(mut self, cloned: bool) -> Filter {
        self.cloned = cloned;
        self
    }

    /// Whether the items carry their clones (the default); a listing that shows no
    /// paths leaves this machine's record of clones unread.
    pub fn with_clones(mut self, with: bool) -> Filter {
        self.with_clones = with;
        self
    }

    /// Only entries whose URL's host is `host`.
    pub fn on_host(mut self, host: Option<String>) -> Filter {
        self.host = host.map(|h| h.to_lowercase());
        self
    }

    /// Only entries from the layer named `layer`.
    pub fn in_layer(mut self, layer: Option<String>) -> Filter {
        self.layer = layer;
        self
    }

    /// Does it select every entry (so that a listing can be streamed as stored)?
    pub fn is_everything(&self) -> bool {
        matches!(self.pattern, Pattern::All)
            && self.tags.is_empty()
            && !self.cloned
            && self.host.is_none()
            && self.layer.is_none()
    }

    pub fn matches(&self, s: &Summary) -> bool {
        let pattern = match &self.pattern {
            Pattern::All => true,
            Pattern::Glob(g) => g.matches(&s.name) || s.aliases.iter().any(|a| g.matches(a)),
            Pattern::Text(t) => {
                s.name.contains(t.as_str())
                    || s.aliases.iter().any(|a| a.contains(t.as_str()))
                    || s.url.to_lowercase().contains(t.as_str())
                    || s.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(t.as_str()))
            }
        };
        pattern
            && self.tags.iter().all(|t| t.matches(&s.tags))
            && self
                .host
                .as_deref()
                .is_none_or(|h| host_of(&s.url).as_deref() == Some(h))
    }
}

/// The host of an entry's URL, lowercase; `None` for a local path.
pub fn host_of(url: &str) -> Option<String> {
    crate::url::GitUrl::parse(url)
        .ok()?
        .url
        .host()
        .map(|h| h.to_lowercase())
}

/// A listed item: an entry's summary, or a file that could not be read (`list --json`,
/// the MCP tool `list`).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Item {
    Entry {
        #[serde(flatten)]
        summary: Summary,
        /// The layer it comes from; null for the user's own registry.
        layer: Option<String>,
        /// Its clones recorded on this machine.
        clones: Vec<Clone>,
    },
    Broken {
        name: String,
        error: String,
    },
}

/// The items `filter` selects from `sources`, in order: the user's registry, then each
/// layer; unreadable files are always listed, so that a listing never hides them. A
/// tag no entry has is refused with the nearest ones.
pub fn select(sources: &Sources, filter: &Filter) -> Result<Vec<Item>> {
    super::select::check_tags(sources, &filter.tags, super::select::Scope::WithLayers)?;
    let mut items = Vec::new();
    for (layer, registry) in sources.each() {
        if filter.layer.is_some() && filter.layer.as_deref() != layer {
            continue;
        }
        let mut clones: std::collections::HashMap<String, Vec<Clone>> = Default::default();
        if filter.with_clones || filter.cloned {
            // Whether each clone is still there is one stat each: on every core.
            let recorded: Vec<(String, Vec<Recorded>)> =
                clones_by_name(registry, layer)?.into_iter().collect();
            let jobs = std::thread::available_parallelism().map_or(2, usize::from);
            let shown = crate::parallel::each(&recorded, jobs, |(_, c)| super::clones::shown(c));
            clones = recorded
                .into_iter()
                .map(|(name, _)| name)
                .zip(shown)
                .collect();
        }
        for record in registry.records() {
            match record {
                Record::Entry(s) if filter.matches(&s) => {
                    let clones = clones.remove(&s.name);
                    if filter.cloned && clones.is_none() {
                        continue;
                    }
                    items.push(Item::Entry {
                        summary: s,
                        layer: layer.map(str::to_string),
                        clones: clones.unwrap_or_default(),
                    })
                }
                Record::Entry(_) => {}
                Record::Broken { name, error } => items.push(Item::Broken { name, error }),
            }
        }
    }
    Ok(items)
}

/// The recorded clones of the entries of `registry`, by entry name (none for a layer's:
/// clones are recorded for the user's own entries).
pub fn clones_by_name(
    registry: &Registry,
    layer: Option<&str>,
) -> Result<std::collections::BTreeMap<String, Vec<Recorded>>> {
    if layer.is_some() {
        return Ok(Default::default());
    }
    Ok(registry
        .clones_by_entry(&registry.clones()?)
        .into_iter()
        .filter_map(|(name, clones)| Some((name?, clones)))
        .collect())
}
