//! Finding the entry a reference names, for the commands that read one or change one.
//!
//! The reference rules themselves are the store's ([`crate::store::resolve`]); this
//! adds where to look (the user's registry, then the read-only layers), which entry a
//! working copy belongs to, and how fresh the entry's remote data is when shown.

use std::path::Path;

use serde::Serialize;

use super::refresh::{ensure_fresh, Freshness};
use crate::store::Registry;
use crate::Resolved;
use crate::{Context, Entry, Error, Result};

/// The name of the entry `reference` resolves to in the user's own registry, for
/// commands that change or fetch it. A reference that only a read-only layer knows is
/// refused with that said.
pub fn own_entry(registry: &Registry, reference: &str) -> Result<String> {
    match registry.resolve(reference) {
        Ok(found) => Ok(found.name),
        Err(miss @ Error::NotFound { .. }) => match registry.resolve_in_layers(reference) {
            Ok(Some(hit)) => Err(Error::InLayer {
                reference: reference.to_string(),
                name: hit.resolved.name,
                layer: hit.layer.name,
            }),
            _ => Err(miss),
        },
        Err(e) => Err(e),
    }
}

/// A reference resolved in the user's registry or, failing that, in a layer.
pub struct Found {
    /// The layer it was found in; `None` for the user's own registry.
    pub layer: Option<String>,
    /// The layer's registry, to read the entry from.
    pub layer_registry: Option<Registry>,
    pub resolved: Resolved,
}

/// Resolve `reference` in the user's registry, then in the layers in order (the
/// reference rules' own order inside each). Only a miss falls through to the layers.
pub fn find(registry: &Registry, reference: &str) -> Result<Found> {
    match registry.resolve(reference) {
        Ok(resolved) => Ok(Found {
            layer: None,
            layer_registry: None,
            resolved,
        }),
        Err(miss @ Error::NotFound { .. }) => match registry.resolve_in_layers(reference)? {
            Some(hit) => Ok(Found {
                layer: Some(hit.layer.name),
                layer_registry: Some(hit.registry),
                resolved: hit.resolved,
            }),
            None => Err(miss),
        },
        Err(e) => Err(e),
    }
}

/// An entry as it was at `at` (a registry revision or a time), or, without `at`, as
/// it is now, refreshed first when its remote data is stale.
pub fn entry_as_of(
    ctx: &Context,
    registry: &mut Registry,
    name: &str,
    at: Option<&str>,
    on_wait: &mut dyn FnMut(),
) -> Result<(Entry, Option<Freshness>)> {
    if let Some(at) = at {
        let commit = registry.commit_at(at)?;
        let entry = registry
            .entry_at(commit, name)
            .map_err(|_| Error::NotThen {
                name: name.to_string(),
                at: at.to_string(),
            })?;
        return Ok((entry, None));
    }
    let freshness = ensure_fresh(ctx, registry, name, on_wait)?;
    Ok((registry.entry(name)?, Some(freshness)))
}

/// One entry, shown: `info` and `config` read it.
#[derive(Serialize)]
pub struct Shown {
    #[serde(skip)]
    pub entry: Entry,
    /// The entry's file in its registry.
    pub path: String,
    /// The read-only layer it came from; `None` for the user's own registry.
    pub layer: Option<String>,
    /// How current its remote data is (`None` when shown as of a past revision, or
    /// from a layer).
    pub freshness: Option<Freshness>,
    /// Working copies of it on this machine that repodex knows of.
    pub local_clones: Vec<std::path::PathBuf>,
}

fn local_clones(registry: &Registry, entry: &Entry) -> Vec<std::path::PathBuf> {
    let clones = crate::import::scan::LocalClones::load(&registry.private_dir());
    match entry.git_url() {
        Ok(url) => clones.of(&url),
        Err(_) => Vec::new(),
    }
}

/// Every kind of value a tool may want for an entry: Minsky's `--repo` takes a URL to
/// clone, a local path, or a forge's `owner/repo`, depending on the command.
#[derive(Debug, Serialize)]
pub struct Ways {
    pub name: String,
    pub url: String,
    /// The read-only layer it came from; `None` for the user's own registry.
    pub layer: Option<String>,
    /// Working copies of it on this machine (recorded by `clone` and `import scan`), and,
    /// for a repository on this machine, its own folder.
    pub local_paths: Vec<std::path::PathBuf>,
    /// `owner/repo` on a known forge.
    pub forge: Option<String>,
    /// Its page in a browser, on a known forge.
    pub web_url: Option<String>,
}

/// The ways to name the entry `reference` resolves to (never touches the network).
pub fn ways(ctx: &Context, reference: &str) -> Result<Ways> {
    let own = ctx.open()?;
    let found = find(&own, reference)?;
    let registry = found.layer_registry.as_ref().unwrap_or(&own);
    let entry = registry.entry(&found.resolved.name)?;
    let url = entry.git_url()?;
    let mut local_paths = local_clones(registry, &entry);
    if let Some(path) = url.local_path() {
        local_paths.insert(0, path.into());
    }
    Ok(Ways {
        name: entry.name.clone(),
        url: entry.url.clone(),
        layer: found.layer,
        local_paths,
        forge: url.forge_path(),
        web_url: url.web_url(),
    })
}

/// The entry `reference` names (or, without one, the entry of the working copy that
/// contains `cwd`), as of `at` or now.
pub fn show(
    ctx: &Context,
    reference: Option<&str>,
    cwd: &Path,
    at: Option<&str>,
    on_wait: &mut dyn FnMut(),
) -> Result<Shown> {
    let mut registry = ctx.open()?;
    let name = match reference {
        Some(reference) => {
            let found = find(&registry, reference)?;
            if let (Some(layer), Some(mut layer_registry)) = (found.layer, found.layer_registry) {
                // A layer is read-only here: shown as its last sync left it.
                let entry = match at {
                    Some(_) => {
                        entry_as_of(ctx, &mut layer_registry, &found.resolved.name, at, on_wait)?.0
                    }
                    None => layer_registry.entry(&found.resolved.name)?,
                };
                return Ok(Shown {
                    path: layer_registry.entry_path(&entry.name)?,
                    local_clones: local_clones(&layer_registry, &entry),
                    entry,
                    layer: Some(layer),
                    freshness: None,
                });
            }
            found.resolved.name
        }
        None => registry
            .resolve_working_copy(cwd)?
            .ok_or(Error::NotInWorkingCopy)?,
    };
    let (entry, freshness) = entry_as_of(ctx, &mut registry, &name, at, on_wait)?;
    Ok(Shown {
        path: registry.entry_path(&entry.name)?,
        local_clones: local_clones(&registry, &entry),
        entry,
        layer: None,
        freshness,
    })
}
