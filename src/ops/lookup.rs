//! Finding the entry a reference names, for the commands that read one or change one.
//!
//! The reference rules themselves are the store's ([`crate::store::resolve`]); this
//! adds where to look (the user's registry, then the read-only layers), which entry a
//! working copy belongs to, and how fresh the entry's remote data is when shown.

use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

use super::find::{find, own_entry};
use super::refresh::{ensure_fresh, Freshness};
use crate::store::Registry;
use crate::{Context, Entry, Error, Result};

/// How a reference resolves (`repodex which`): the entry, the layer, the rule.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Which {
    pub name: String,
    /// The read-only layer it was found in; `None` for the user's own registry.
    pub layer: Option<String>,
    pub rule: crate::Rule,
}

/// Which entry `reference` names, in which layer, by which reference rule.
pub fn which(ctx: &Context, reference: &str) -> Result<Which> {
    let found = find(&ctx.open()?, reference)?;
    Ok(Which {
        name: found.resolved.name,
        layer: found.layer,
        rule: found.resolved.rule,
    })
}

/// What `repodex resolve REF` prints when the catalog alone resolves REF in the user's
/// registry (a name, an alias, a last segment; [`crate::store::resolve::url_unopened`])
/// and nothing has to be done first, read without opening the registry (the front
/// program's answer; docs/design.md, "Scale"). `None` when something must: the catalog
/// or git-setup's file brought up to date, a half-done commit finished, another rule,
/// a miss or an ambiguity; the whole program does that. A reference the user's own
/// registry resolves is never looked up in a layer, so layers are not looked at.
pub fn quick_url(ctx: &Context, reference: &str) -> Option<String> {
    let root = ctx.location().path();
    let (head, url) = crate::store::resolve::url_unopened(root, reference)?;
    if super::git_setup::GitSetup::locate(ctx).is_behind(root, head) {
        return None;
    }
    Some(url)
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

/// One entry, shown: `info` reads it.
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
    /// Working copies of it recorded on this machine (gone ones included, marked).
    pub clones: Vec<super::clones::Clone>,
    /// The paths it lists that this machine does not read until accepted, and why
    /// (empty as of a past revision, or from a layer).
    #[serde(skip)]
    pub not_accepted: Vec<(String, crate::store::accepted::Held)>,
}

/// The recorded clones of the entry `name` of `registry` (none for a layer's).
fn clones_of(registry: &Registry, name: &str, layer: bool) -> Result<Vec<super::clones::Clone>> {
    if layer {
        return Ok(Vec::new());
    }
    let records = registry.clones_of(&registry.clones()?, name);
    Ok(super::clones::shown(&records))
}

/// Every kind of value a tool may want for an entry: Minsky's `--repo` takes a URL to
/// clone, a local path, or a forge's `owner/repo`, depending on the command.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Ways {
    pub name: String,
    pub url: String,
    /// The read-only layer it came from; `None` for the user's own registry.
    pub layer: Option<String>,
    /// Working copies of it on this machine (recorded by `clone` and `import scan`), and,
    /// for a repository on this machine, its own folder; the one a jump goes to first
    /// ([`super::clones::in_order`]).
    pub local_paths: Vec<std::path::PathBuf>,
    /// `owner/repo` on a known forge, or on a server the registry declares one.
    pub forge: Option<String>,
    /// Its page in a browser, on a known forge or a declared server.
    pub web_url: Option<String>,
}

/// The ways to name the entry `reference` resolves to (never touches the network).
pub fn ways(ctx: &Context, reference: &str) -> Result<Ways> {
    let root = super::clone_root::CloneRoot::of(ctx).ok();
    ways_in(&ctx.open()?, reference, root.as_ref())
}

/// [`ways`] in an open registry (and its layers); `root`, this machine's clone root,
/// orders the local paths.
pub fn ways_in(
    own: &Registry,
    reference: &str,
    root: Option<&super::clone_root::CloneRoot>,
) -> Result<Ways> {
    let found = find(own, reference)?;
    let registry = found.layer_registry.as_ref().unwrap_or(own);
    let entry = registry.entry(&found.resolved.name)?;
    let url = entry.git_url()?;
    let clones: Vec<std::path::PathBuf> = clones_of(registry, &entry.name, found.layer.is_some())?
        .into_iter()
        .filter(|c| c.exists)
        .map(|c| c.path)
        .collect();
    let own_folder = url.local_path().map(std::path::PathBuf::from);
    let local_paths = super::clones::in_order(clones, own_folder, root, &entry.name, &url);
    // A layer's entry is on a server its team declares, or, failing that, the user's.
    let rules = match found.layer {
        Some(_) => registry.url_rules()?.or(&own.url_rules()?),
        None => registry.url_rules()?,
    };
    Ok(Ways {
        name: entry.name.clone(),
        url: entry.url.clone(),
        layer: found.layer,
        local_paths,
        forge: url.forge_path_in(&rules),
        web_url: url.web_url_in(&rules),
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
    show_in(ctx, &mut ctx.open()?, reference, cwd, at, on_wait)
}

/// [`show`] in an open registry.
pub fn show_in(
    ctx: &Context,
    registry: &mut Registry,
    reference: Option<&str>,
    cwd: &Path,
    at: Option<&str>,
    on_wait: &mut dyn FnMut(),
) -> Result<Shown> {
    let name = match reference {
        Some(reference) => {
            let found = find(registry, reference)?;
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
                    clones: Vec::new(),
                    entry,
                    layer: Some(layer),
                    freshness: None,
                    not_accepted: Vec::new(),
                });
            }
            found.resolved.name
        }
        None => registry
            .resolve_working_copy(cwd)?
            .ok_or(Error::NotInWorkingCopy)?,
    };
    let (entry, freshness) = entry_as_of(ctx, registry, &name, at, on_wait)?;
    let not_accepted = match at {
        Some(_) => Vec::new(),
        None => super::accept::not_read(registry, &entry, &registry.settings()?)?.0,
    };
    Ok(Shown {
        path: registry.entry_path(&entry.name)?,
        clones: clones_of(registry, &entry.name, false)?,
        entry,
        layer: None,
        freshness,
        not_accepted,
    })
}

/// An entry as `info --json`, `resolve --json` and the MCP tool `show` give it
/// (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct View {
    /// The fields every listing shows, first (`list --json`'s item).
    #[serde(flatten)]
    pub summary: crate::Summary,
    /// When it was registered (RFC 3339, UTC).
    pub added: String,
    pub remote: RemoteView,
    /// The configuration files cached from its remote, by path in the repository.
    pub config_files: Vec<String>,
    /// The entry's file in its registry.
    pub path: String,
    /// The read-only layer the entry comes from; null for the user's own registry.
    pub layer: Option<String>,
    /// Its working copies recorded on this machine.
    pub clones: Vec<super::clones::Clone>,
}

/// The `remote` object of [`View`].
#[derive(Debug, Serialize, JsonSchema)]
pub struct RemoteView {
    pub default_branch: Option<String>,
    /// The commit the cached configuration files were read at.
    pub config_commit: Option<String>,
    /// When they were read (RFC 3339, UTC).
    pub config_fetched: Option<String>,
}

impl View {
    /// `path` is the entry's file in its registry ([`Registry::entry_path`]).
    pub fn new(
        entry: &Entry,
        path: String,
        layer: Option<String>,
        clones: Vec<super::clones::Clone>,
    ) -> View {
        let time = |t: &chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        View {
            summary: entry.summary(),
            added: time(&entry.added),
            remote: RemoteView {
                default_branch: entry.remote.default_branch.clone(),
                config_commit: entry.remote.config_commit.clone(),
                config_fetched: entry.remote.config_fetched.as_ref().map(time),
            },
            config_files: entry.config.files.keys().cloned().collect(),
            path,
            layer,
            clones,
        }
    }
}

/// An entry's cached configuration files, as they are or were: `config` prints them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConfigFiles {
    pub name: String,
    /// Each file, by its path in the repository, in path order.
    pub files: Vec<ConfigFile>,
    /// How current they are (`None` when read as of a past revision).
    pub freshness: Option<Freshness>,
    /// When the files were last read from the remote (RFC 3339); `None` when they
    /// never were.
    pub read_at: Option<String>,
}

/// One cached configuration file.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConfigFile {
    pub path: String,
    pub text: String,
}

/// The cached configuration files of the entry `reference` names in the user's
/// registry, all of them or the one at `path`, as of `at` or now (refreshed first when
/// stale and the network allows).
pub fn config_files(
    ctx: &Context,
    registry: &mut Registry,
    reference: &str,
    path: Option<&str>,
    at: Option<&str>,
    on_wait: &mut dyn FnMut(),
) -> Result<ConfigFiles> {
    let name = own_entry(registry, reference)?;
    let (entry, freshness) = entry_as_of(ctx, registry, &name, at, on_wait)?;
    let read_at = entry
        .remote
        .config_fetched
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let mut files = entry.config.files;
    if let Some(path) = path {
        match files.remove(path) {
            Some(text) => {
                files.clear();
                files.insert(path.to_string(), text);
            }
            None => {
                return Err(super::error::Refused::NoCachedFile {
                    name,
                    path: path.to_string(),
                    cached: files.keys().cloned().collect(),
                }
                .into());
            }
        }
    }
    Ok(ConfigFiles {
        name,
        files: files
            .into_iter()
            .map(|(path, text)| ConfigFile { path, text })
            .collect(),
        freshness,
        read_at,
    })
}

/// The repository `input` names, for commands that take another repository's URL (a
/// sync remote, a layer): a URL or path as [`crate::store::repository_url`] reads it,
/// or `repodex:<name>`, resolved to that entry's URL.
pub fn repository_url_or_entry(registry: &Registry, input: &str) -> Result<crate::ParsedUrl> {
    match crate::url::entry_reference(input) {
        Some(reference) => {
            let found = find(registry, reference)?;
            let holder = found.layer_registry.as_ref().unwrap_or(registry);
            let url = holder.entry(&found.resolved.name)?.git_url()?;
            Ok(crate::ParsedUrl {
                notices: vec![format!("repodex:{reference} is {url}")],
                url,
                secret: None,
            })
        }
        None => crate::store::repository_url(input),
    }
}
