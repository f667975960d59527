//! `resolve`: what a script gets for a reference: the entry's URL, another way to name
//! it (a local clone's path, `owner/repo` on its forge, its web page), or the entry as
//! JSON. Never touches the network.

use super::error::Refused;
use super::find::find;
use super::lookup::{View, Ways};
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
/// work, when the entry has no such thing. With `--print path`, the first of the
/// entry's folders in [`super::clones::in_order`]'s order.
pub fn print(ctx: &Context, reference: &str, what: Print) -> Result<String> {
    let mut all = print_all(ctx, reference, what)?;
    Ok(all.remove(0))
}

/// [`print()`], every value: for `--print path`, each of the entry's folders on this
/// machine in order (`resolve --print path --all`); one value for the others.
pub fn print_all(ctx: &Context, reference: &str, what: Print) -> Result<Vec<String>> {
    let root = super::clone_root::CloneRoot::of(ctx).ok();
    let own = ctx.open()?;
    let ways = super::lookup::ways_in(&own, reference, root.as_ref())?;
    Ok(match what {
        Print::Url => vec![ways.url.clone()],
        Print::Path if ways.local_paths.is_empty() => {
            return Err(Refused::NoLocalPath { name: ways.name }.into())
        }
        Print::Path => ways
            .local_paths
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        Print::Forge => vec![ways.forge.clone().ok_or_else(|| no_page(&own, &ways))?],
        Print::Web => vec![ways.web_url.clone().ok_or_else(|| no_page(&own, &ways))?],
    })
}

/// Why the entry of `ways` has no page or `owner/repo`, with what would give it one:
/// for a server the registry does not declare, the `settings set hosts` that would.
pub fn no_page(registry: &crate::store::Registry, ways: &Ways) -> crate::Error {
    let url = crate::url::GitUrl::parse_clean(&ways.url).ok();
    let host = url.as_ref().and_then(|u| u.host()).map(str::to_string);
    let Some(host) = host else {
        return Refused::OnThisMachine {
            name: ways.name.clone(),
            url: ways.url.clone(),
        }
        .into();
    };
    let rules = registry.url_rules().unwrap_or_default();
    match rules.kind_of(&host) {
        // Declared as a forge, but the URL is not one of that forge's repositories.
        Some(kind) if kind != crate::url::HostKind::CaseInsensitive => Refused::NotOnAForge {
            name: ways.name.clone(),
            url: ways.url.clone(),
        }
        .into(),
        _ => {
            let mut declared: Vec<String> = registry
                .settings()
                .map(|s| s.hosts)
                .unwrap_or_default()
                .into_iter()
                .filter(|(h, _)| h.to_ascii_lowercase() != host)
                .map(|(h, kind)| format!("{h}={kind}"))
                .collect();
            declared.push(format!("{host}=KIND"));
            Refused::UndeclaredHost {
                name: ways.name.clone(),
                host,
                url: ways.url.clone(),
                declare: declared.join(","),
            }
            .into()
        }
    }
}
