//! `clone`: a working copy made from the cached mirror, with `origin` set to the real URL.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Serialize;

use super::error::Refused;
use crate::git::command;
use crate::git::fetch::Mirror;
use crate::import::scan::LocalClones;
use crate::{Context, Error, Result};

/// What to clone, and where.
#[derive(Debug, Clone)]
pub struct Request {
    /// A name, alias, URL or path of an entry of the user's registry.
    pub reference: String,
    /// Where to put it; the last segment of the name when `None`.
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
    pub freshness: super::refresh::Freshness,
    /// Whether the copy holds only the default branch's latest commits (the mirror is
    /// shallow); `git fetch --unshallow` brings the rest.
    pub shallow: bool,
}

/// Make the working copy `request` asks for. Without a mirror, fetches one first (when
/// online).
pub fn clone(ctx: &Context, request: Request, on_wait: &mut dyn FnMut()) -> Result<Report> {
    let mut registry = ctx.open()?;
    let name = super::lookup::own_entry(&registry, &request.reference)?;
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
    let dir = request
        .dir
        .unwrap_or_else(|| PathBuf::from(crate::store::name::last_segment(&name)));
    if let Some(root) = &request.root {
        root.check(&dir)?;
    }
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Refused::FolderNotEmpty { dir }.into());
    }
    let mirror = ctx.cache().mirror_path(&url);
    let fetched = !mirror.exists();
    let mut freshness = super::refresh::Freshness::Refreshed;
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
    let (default_branch, commit) = Mirror::open(&mirror)
        .and_then(|m| m.head())
        .and_then(|h| h.commit.map(|c| (h.default_branch, c)))
        .ok_or_else(|| Refused::MirrorDamaged { name: name.clone() })?;
    command::clone_from_mirror(
        &mirror,
        &default_branch,
        &commit.to_string(),
        &dir,
        &url.to_string(),
        request.branch.as_deref(),
    )?;
    // The new working copy is a local clone of the entry, as `import scan` records them
    // (`info` lists it, and a path inside it resolves to the entry).
    let path = dir.canonicalize().unwrap_or(dir);
    let shallow = path.join(".git").join("shallow").exists();
    let private = registry.private_dir();
    let mut clones = LocalClones::load(&private);
    clones.add(&url, &path);
    clones.save(&private)?;
    Ok(Report {
        name,
        path,
        url: url.to_string(),
        default_branch,
        branch: request.branch,
        fetched,
        freshness,
        shallow,
    })
}
