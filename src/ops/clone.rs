//! `clone`: working copies made from the cached mirrors, with `origin` set to the real
//! URL: one into a folder of the user's choice, or every selected repository that has
//! no clone yet into the clone root's layout ([`super::clone_root`]), several at once.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;

use super::clone_root::CloneRoot;
use super::error::Refused;
use super::refresh::Freshness;
use super::select::{self, Scope, Selection, WhenEmpty};
use crate::git::command;
use crate::git::mirror::Mirror;
use crate::remote::Progress;
use crate::store::Registry;
use crate::url::GitUrl;
use crate::{Context, Error, Result};

/// What to clone, and where.
#[derive(Debug, Clone)]
pub struct Request {
    /// A name, alias, URL or path of an entry of the user's registry.
    pub reference: String,
    /// Where to put it; its place in the clone root's layout when `None`.
    pub dir: Option<PathBuf>,
    /// A new branch to start from the default branch.
    pub branch: Option<String>,
    /// The folder the working copy must be made under, when the caller confines it
    /// (the MCP server: an agent can be talked into any path); `None`: anywhere.
    pub root: Option<Root>,
}

/// A folder clones are confined to.
#[derive(Debug, Clone)]
pub struct Root {
    /// The folder (canonical).
    pub path: PathBuf,
    /// How the user lets clones go elsewhere, for the refusal.
    pub to_change: &'static str,
}

impl Root {
    /// Refuse `dir` unless it is strictly below this root once symbolic links are
    /// followed: the deepest part of it that exists is resolved, and what remains may
    /// not climb (`..`).
    fn check(&self, dir: &Path) -> Result<()> {
        let refused = || -> Error {
            Refused::OutsideCloneRoot {
                dir: dir.to_path_buf(),
                root: self.path.clone(),
                to_change: self.to_change,
            }
            .into()
        };
        let absolute = std::path::absolute(dir).map_err(|_| refused())?;
        let mut existing = absolute.as_path();
        let mut rest = Vec::new();
        while !existing.exists() {
            let Some(parent) = existing.parent() else {
                return Err(refused());
            };
            rest.push(existing.file_name().ok_or_else(refused)?.to_os_string());
            existing = parent;
        }
        if rest.iter().any(|part| part == "..") {
            return Err(refused());
        }
        let mut real = existing.canonicalize().map_err(|_| refused())?;
        real.extend(rest.iter().rev());
        if real != self.path && real.starts_with(&self.path) {
            Ok(())
        } else {
            Err(refused())
        }
    }
}

/// What `clone` made (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    pub name: String,
    pub path: PathBuf,
    /// `origin`'s URL.
    pub url: String,
    /// The default branch it was made from.
    pub default_branch: String,
    /// The branch checked out, when a new one was started.
    pub branch: Option<String>,
    /// Whether the mirror had to be fetched first.
    pub fetched: bool,
    /// How current the mirror it was made from is: refreshed first when it was older
    /// than the registry's time-to-live and the network allows, else its age.
    pub freshness: Freshness,
    /// Whether the copy holds only the default branch's latest commits (the mirror is
    /// shallow); `git fetch --unshallow` brings the rest.
    pub shallow: bool,
    /// Whether it was there already: `clone REF` without a folder answers with the
    /// entry's clone when it has one, and makes none.
    pub already: bool,
}

/// Make the working copy `request` asks for. Without a mirror, fetches one first (when
/// online). Without a folder, it goes to its place under the clone root.
pub fn clone(ctx: &Context, request: Request, on_wait: &mut dyn FnMut()) -> Result<Report> {
    let mut registry = ctx.open()?;
    let name = super::find::own_entry(&registry, &request.reference)?;
    let entry = registry.entry(&name)?;
    let url = entry.git_url()?;
    if let Some(branch) = &request.branch {
        if !command::valid_branch_name(branch) {
            return Err(Refused::BadBranchName {
                branch: branch.clone(),
            }
            .into());
        }
    }
    // The record the new clone goes into must be readable before anything is made.
    let recorded = registry.clones()?;
    let dir = match request.dir {
        Some(dir) => dir,
        None => {
            let clones = registry.clones_of(&recorded, &name);
            if let Some(existing) = clones.iter().find(|c| c.path.join(".git").exists()) {
                if request.branch.is_none() {
                    return Ok(Report {
                        name,
                        path: existing.path.clone(),
                        url: url.to_string(),
                        default_branch: entry.remote.default_branch.clone().unwrap_or_default(),
                        branch: None,
                        fetched: false,
                        freshness: Freshness::Fresh,
                        shallow: existing.path.join(".git").join("shallow").exists(),
                        already: true,
                    });
                }
            }
            // Under a root the caller confines clones to, the layout is laid out there.
            let mut layout = CloneRoot::of(ctx)?;
            if let Some(root) = &request.root {
                layout.root = root.path.clone();
            }
            layout.path_for(&name, &url)
        }
    };
    if let Some(root) = &request.root {
        root.check(&dir)?;
    }
    check_empty(&dir)?;
    let mirror = ctx.cache().mirror_path(&url);
    let fetched = !mirror.exists();
    let mut freshness = Freshness::Refreshed;
    if !fetched {
        // A stale mirror is refreshed first when online; offline, its age is reported.
        freshness = super::refresh::ensure_fresh(ctx, &mut registry, &name, on_wait)?;
    }
    if fetched {
        let network = ctx.network()?;
        if let Some(why) = &network.offline {
            return Err(Error::Offline {
                what: format!("cloning '{name}', which has no mirror yet,"),
                why: why.clone(),
            });
        }
        let report = super::refresh::refresh_one(ctx, &mut registry, &name, &network, on_wait)?;
        if let Some(failed) = report.failed.first() {
            return Err(Error::FetchFailed {
                name: name.clone(),
                reason: failed.reason.clone(),
            });
        }
    }
    let made = from_mirror(&mirror, &name, &url, &dir, request.branch.as_deref())?;
    record(&registry, &[(made.path.clone(), name.clone())], on_wait)?;
    Ok(Report {
        name,
        path: made.path,
        url: url.to_string(),
        default_branch: made.default_branch,
        branch: request.branch,
        fetched,
        freshness,
        shallow: made.shallow,
        already: false,
    })
}

/// A folder is a place for a clone when it does not exist or is empty.
fn check_empty(dir: &Path) -> Result<()> {
    let taken = dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true);
    if taken {
        return Err(Refused::FolderNotEmpty {
            dir: dir.to_path_buf(),
        }
        .into());
    }
    Ok(())
}

/// A working copy made from a mirror.
struct Made {
    path: PathBuf,
    default_branch: String,
    shallow: bool,
}

/// Make a working copy of the mirror at `mirror` in `dir` (created with its parents;
/// whatever this created is removed again when it fails).
fn from_mirror(
    mirror: &Path,
    name: &str,
    url: &GitUrl,
    dir: &Path,
    branch: Option<&str>,
) -> Result<Made> {
    let (default_branch, commit) = Mirror::open(mirror)
        .and_then(|m| m.head())
        .and_then(|h| h.commit.map(|c| (h.default_branch, c)))
        .ok_or_else(|| Refused::MirrorDamaged {
            name: name.to_string(),
        })?;
    // The first folder on the way that does not exist yet: removed on failure, so a
    // clone that fails under the clone root leaves no empty `host/owner/` behind.
    let first_new = dir
        .ancestors()
        .take_while(|a| !a.exists())
        .last()
        .map(Path::to_path_buf);
    let made = command::clone_from_mirror(
        mirror,
        &default_branch,
        &commit.to_string(),
        dir,
        &url.to_string(),
        branch,
    );
    if let Err(error) = made {
        if let Some(first_new) = first_new {
            let _ = std::fs::remove_dir_all(first_new);
        }
        return Err(error);
    }
    let path = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    Ok(Made {
        shallow: path.join(".git").join("shallow").exists(),
        path,
        default_branch,
    })
}

/// Record `(path, entry name)` pairs as clones, by the entries' URLs.
fn record(
    registry: &Registry,
    made: &[(PathBuf, String)],
    on_wait: &mut dyn FnMut(),
) -> Result<()> {
    let keyed: Vec<(PathBuf, String, String)> = made
        .iter()
        .map(|(path, name)| {
            let key = registry.url_key_of(name).unwrap_or_default();
            (path.clone(), name.clone(), key)
        })
        .collect();
    registry.update_clones(on_wait, |clones| {
        for (path, name, key) in &keyed {
            clones.record(path, name, key);
        }
    })
}

/// What `clone SELECTION` did (docs/json.md).
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct ManyReport {
    /// The working copies made, in selection order.
    pub cloned: Vec<Cloned>,
    /// Selected repositories that have a clone here already.
    pub skipped: Vec<Skipped>,
    /// Those that could not be cloned (no folder was left behind).
    pub failed: Vec<FailedClone>,
    /// How many mirrors had to be fetched first.
    pub fetched: usize,
}

/// A working copy made.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Cloned {
    pub name: String,
    pub path: PathBuf,
    pub url: String,
    pub default_branch: String,
    /// How current the mirror was (its age, when it could not be refreshed).
    pub freshness: Freshness,
}

/// A selected repository left alone, because it has a clone here.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Skipped {
    pub name: String,
    /// Its clone.
    pub path: PathBuf,
}

/// A selected repository that could not be cloned.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailedClone {
    pub name: String,
    /// Where it would have gone.
    pub path: PathBuf,
    pub cause: CloneFailure,
    /// The one-line error.
    pub reason: String,
}

/// Why a repository was not cloned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CloneFailure {
    /// Its mirror could not be fetched (offline, or the remote failed).
    Remote,
    /// Its place under the clone root is taken by a folder that is not empty.
    Folder,
    /// Making the working copy failed (its URL, the mirror, git).
    Clone,
}

/// Clone every repository `selection` selects that has no clone on this machine yet
/// into its place under the clone root: mirrors missing or older than the registry's
/// time-to-live are fetched first (up to `jobs` remotes at once, with refresh's limits
/// per host), then the working copies are made from them, up to `jobs` at once. One
/// failure never stops the others.
pub fn clone_many(
    ctx: &Context,
    selection: &Selection,
    jobs: usize,
    on_progress: &mut dyn FnMut(Progress),
    on_wait: &mut dyn FnMut(),
) -> Result<ManyReport> {
    let selected = select::select(ctx, selection, WhenEmpty::Refuse, Scope::Own)?;
    let root = CloneRoot::of(ctx)?;
    let mut registry = ctx.open()?;
    let mut report = ManyReport::default();
    // Which to clone, and where.
    let mut wanted: Vec<(String, GitUrl, PathBuf)> = Vec::new();
    for item in &selected {
        if let Some(existing) = item.clones.iter().find(|c| c.path.join(".git").exists()) {
            report.skipped.push(Skipped {
                name: item.name().to_string(),
                path: existing.path.clone(),
            });
            continue;
        }
        let url = match GitUrl::parse(&item.summary.url) {
            Ok(parsed) => parsed.url,
            Err(e) => {
                report.failed.push(FailedClone {
                    name: item.name().to_string(),
                    path: PathBuf::new(),
                    cause: CloneFailure::Clone,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let path = root.path_for(item.name(), &url);
        if let Err(error) = check_empty(&path) {
            report.failed.push(FailedClone {
                name: item.name().to_string(),
                path,
                cause: CloneFailure::Folder,
                reason: error.to_string(),
            });
            continue;
        }
        wanted.push((item.name().to_string(), url, path));
    }
    // Mirrors first: those missing, or older than the time-to-live, in one refresh.
    let freshness = mirrors_for(ctx, &mut registry, &wanted, jobs, &mut report, on_wait)?;
    let total = wanted.len();
    let mut made: Vec<(PathBuf, String)> = Vec::new();
    let cache = ctx.cache();
    let todo: Vec<_> = wanted
        .into_iter()
        .filter(|(name, ..)| !report.failed.iter().any(|f| &f.name == name))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(total - todo.len());
    let (sender, receiver) = std::sync::mpsc::channel::<(String, bool)>();
    let results = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let sender = sender;
            crate::parallel::each(&todo, jobs, |(name, url, path)| {
                let result = from_mirror(&cache.mirror_path(url), name, url, path, None);
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _ = sender.send((name.clone(), result.is_ok()));
                result
            })
        });
        for (name, ok) in receiver {
            on_progress(Progress {
                done: done.load(std::sync::atomic::Ordering::Relaxed),
                total,
                name,
                ok,
            });
        }
        worker.join().expect("the clone workers do not panic")
    });
    for ((name, url, path), result) in todo.iter().zip(results) {
        match result {
            Ok(clone) => {
                made.push((clone.path.clone(), name.clone()));
                report.cloned.push(Cloned {
                    name: name.clone(),
                    path: clone.path,
                    url: url.to_string(),
                    default_branch: clone.default_branch,
                    freshness: freshness
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, f)| f.clone())
                        .unwrap_or(Freshness::Fresh),
                });
            }
            Err(error) => report.failed.push(FailedClone {
                name: name.clone(),
                path: path.clone(),
                cause: CloneFailure::Clone,
                reason: error.to_string(),
            }),
        }
    }
    record(&registry, &made, on_wait)?;
    Ok(report)
}

/// Fetch the mirrors `wanted` lacks, and refresh those older than the time-to-live,
/// in one refresh; what could not be fetched goes to `report.failed`. Returns each
/// entry's freshness for those that were not refreshed.
fn mirrors_for(
    ctx: &Context,
    registry: &mut Registry,
    wanted: &[(String, GitUrl, PathBuf)],
    jobs: usize,
    report: &mut ManyReport,
    on_wait: &mut dyn FnMut(),
) -> Result<Vec<(String, Freshness)>> {
    let network = ctx.network()?;
    let cache = ctx.cache();
    let stale = super::refresh::stale(ctx, registry, wanted.iter().map(|(n, ..)| n.as_str()))?;
    let mut freshness = Vec::new();
    let mut to_fetch = Vec::new();
    for (name, url, path) in wanted {
        let missing = !cache.mirror_path(url).exists();
        let old = stale.iter().find(|(n, _)| n == name).map(|(_, c)| c);
        match (&network.offline, missing) {
            (Some(why), true) => report.failed.push(FailedClone {
                name: name.clone(),
                path: path.clone(),
                cause: CloneFailure::Remote,
                reason: Error::Offline {
                    what: format!("cloning '{name}', which has no mirror yet,"),
                    why: why.clone(),
                }
                .to_string(),
            }),
            (Some(why), false) => {
                if let Some(checked) = old {
                    freshness.push((
                        name.clone(),
                        Freshness::Cached {
                            checked: *checked,
                            reason: format!("offline: {why}"),
                        },
                    ));
                }
            }
            (None, _) if missing || old.is_some() => to_fetch.push(name.clone()),
            (None, _) => {}
        }
    }
    if to_fetch.is_empty() {
        return Ok(freshness);
    }
    let refreshed = super::refresh::refresh(
        ctx,
        registry,
        &to_fetch,
        &network,
        jobs,
        true,
        &mut |_| {},
        on_wait,
    )?;
    report.fetched = refreshed.fetched;
    for failed in refreshed.failed {
        let Some((_, url, path)) = wanted.iter().find(|(n, ..)| *n == failed.name) else {
            continue;
        };
        if cache.mirror_path(url).exists() {
            // An old mirror still makes a clone; say how old.
            freshness.push((
                failed.name.clone(),
                Freshness::Cached {
                    checked: None,
                    reason: format!("remote unreachable: {}", failed.reason),
                },
            ));
        } else {
            report.failed.push(FailedClone {
                name: failed.name,
                path: path.clone(),
                cause: CloneFailure::Remote,
                reason: failed.reason,
            });
        }
    }
    Ok(freshness)
}
