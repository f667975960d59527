//! The options every command that takes many repositories shares (docs/guide.md,
//! "Selecting repositories"); the grammar itself is the library's
//! ([`repodex::ops::select`]).

use repodex::ops::select::Selection;

/// Which repositories: flattened into `clone`, `status`, `pull`, `exec` and `refresh`
/// beside their own positional references.
#[derive(clap::Args, Debug, Clone, Default)]
#[group(skip)]
pub struct Args {
    /// Only repositories whose tags satisfy EXPR: `work`, `work,oss` (or), `work+rust`
    /// (and), `^archived` (not); repeatable, all must hold
    #[arg(long = "tag", value_name = "EXPR", add = super::complete::tags())]
    pub tags: Vec<String>,
    /// Only repositories of this mounted layer
    #[arg(long, value_name = "LAYER", add = super::complete::layers())]
    pub layer: Option<String>,
    /// Every registered repository
    #[arg(long)]
    pub all: bool,
    /// Only repositories with a clone on this machine
    #[arg(long)]
    pub cloned: bool,
}

impl Args {
    /// The selection of these options and the positional `references` (names, aliases,
    /// URLs, paths or name globs).
    pub fn selection(&self, references: Vec<String>) -> Selection {
        Selection {
            references,
            tags: self.tags.clone(),
            layer: self.layer.clone(),
            all: self.all,
            cloned: self.cloned,
        }
    }

    /// Does it select beyond positional references?
    pub fn any(&self) -> bool {
        !self.tags.is_empty() || self.layer.is_some() || self.all || self.cloned
    }
}
