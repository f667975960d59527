//! `registry add|list|rm`: the read-only registries mounted after the user's own, for
//! lookups (an organisation's registry). Which layers a machine mounts is this
//! machine's state, never pushed.

use crate::sync::layers::Layer;
use crate::{Context, Result};

/// A layer mounted, with what it holds.
pub struct Mounted {
    pub layer: Layer,
    /// Its entries, as fetched.
    pub entries: usize,
    /// What was changed in the URL as given (docs/references.md), one line each.
    pub notices: Vec<String>,
}

/// Mount the registry at `url` (a URL, a path, or `repodex:<name>` of an entry) as the
/// layer `name`, fetched now.
pub fn add(ctx: &Context, name: &str, url: &str) -> Result<Mounted> {
    let registry = ctx.open()?;
    let parsed = super::lookup::repository_url_or_entry(&registry, url)?;
    let layer = registry.add_layer(name, &parsed.url, &ctx.network()?)?;
    Ok(Mounted {
        entries: registry.open_layer(&layer)?.records().count(),
        layer,
        notices: parsed.notices,
    })
}

/// The layers, in the order lookups read them.
pub fn list(ctx: &Context) -> Result<Vec<Layer>> {
    ctx.open()?.layers()
}

/// Unmount the layer `name` and delete its local copy.
pub fn remove(ctx: &Context, name: &str) -> Result<Layer> {
    ctx.open()?.remove_layer(name)
}
