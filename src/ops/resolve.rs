//! `resolve`: what a script gets for a reference: the entry's URL, another way to name
//! it (a local clone's path, `owner/repo` on its forge, its web page), or the entry as
//! JSON. Never touches the network.

use super::error::Refused;
use super::lookup::{find, ways, View};
use crate::{Context, Result};

/// What `resolve --print` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Print {
    /// The URL (what `resolve` prints without `--print`).
    Url,
    /// The path of a working copy on this machine.
    Path,
    /// `owner/repo` on its forge.
    Forge,
    /// Its page in a browser.
    Web,
}

/// The URL of the entry `reference` names, in the user's registry or a layer.
pub fn url(ctx: &Context, reference: &str) -> Result<String> {
    let own = ctx.open()?;
    let found = find(&own, reference)?;
    let registry = found.layer_registry.as_ref().unwrap_or(&own);
    // The catalog's summary holds the URL; the entry file is read only without one.
    match registry.record(&found.resolved.name) {
        Some(crate::Record::Entry(summary)) => Ok(summary.url),
        _ => Ok(registry.entry(&found.resolved.name)?.url),
    }
}

/// The entry `reference` names, as `resolve --json` shows it (docs/json.md).
pub fn view(ctx: &Context, reference: &str) -> Result<View> {
    let own = ctx.open()?;
    let found = find(&own, reference)?;
    let registry = found.layer_registry.as_ref().unwrap_or(&own);
    let entry = registry.entry(&found.resolved.name)?;
    let path = registry.entry_path(&entry.name)?;
    let clones = match found.layer {
        Some(_) => Vec::new(),
        None => super::clones::shown(&own.clones_of(&own.clones()?, &entry.name)),
    };
    Ok(View::new(&entry, path, found.layer, clones))
}

/// What `resolve --print WHAT` prints for `reference`; refused, with what would make it
/// work, when the entry has no such thing.
///
/// An entry has one URL, one `owner/repo` and one web page, but may have several
/// folders on this machine: `path` is the first of [`all`]'s.
pub fn print(ctx: &Context, reference: &str, what: Print) -> Result<String> {
    Ok(all(ctx, reference, what)?.remove(0))
}

/// Every value of the kind `what` that the entry `reference` has, never empty (refused,
/// with what would make it work, when it has none): for `path`, the repository's own
/// folder when it is one on this machine, then its recorded clones that still exist:
/// first the one at the place `repodex clone` gives it under the clone root, then the
/// others in path order (`resolve --print path --all`).
pub fn all(ctx: &Context, reference: &str, what: Print) -> Result<Vec<String>> {
    let ways = ways(ctx, reference)?;
    let not_on_a_forge = |what: &'static str| not_on_a_forge(&ways.name, &ways.url, what);
    Ok(match what {
        Print::Url => vec![ways.url.clone()],
        Print::Path => {
            let paths: Vec<String> = ways
                .local_paths
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            if paths.is_empty() {
                return Err(Refused::NoLocalPath {
                    name: ways.name.clone(),
                }
                .into());
            }
            paths
        }
        Print::Forge => vec![ways
            .forge
            .clone()
            .ok_or_else(|| not_on_a_forge("owner/repo on a forge"))?],
        Print::Web => vec![ways
            .web_url
            .clone()
            .ok_or_else(|| not_on_a_forge("web page on a forge"))?],
    })
}

/// Why the entry `name` at `url` has no `what` (`owner/repo`, a web page): on this
/// machine, on a host that is not a forge repodex knows, or not at a repository's path.
fn not_on_a_forge(name: &str, url: &str, what: &'static str) -> Refused {
    let name = name.to_string();
    let parsed = crate::url::GitUrl::parse(url).ok().map(|p| p.url);
    let host = parsed.as_ref().and_then(|u| u.host().map(str::to_string));
    match (parsed, host) {
        (Some(parsed), Some(host))
            if crate::url::Forge::at(&host.to_ascii_lowercase()).is_some()
                && !parsed.is_local() =>
        {
            Refused::NotAForgePath {
                name,
                host,
                url: url.to_string(),
                what,
            }
        }
        (Some(parsed), Some(host)) if !parsed.is_local() => {
            Refused::NotOnAForge { name, host, what }
        }
        _ => Refused::LocalNotOnAForge {
            name,
            url: url.to_string(),
            what,
        },
    }
}
