//! The clones of this machine as users see them: where each entry's working copies are,
//! which of them are gone, and forgetting those (`repodex prune`). The record itself is
//! the store's ([`crate::store::clones`]).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use crate::store::clones::Recorded;
use crate::{Context, Result};

/// A recorded clone (docs/json.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Clone {
    pub path: PathBuf,
    /// Whether the folder is still there; a clone deleted or moved is `false` until
    /// `repodex prune` forgets it.
    pub exists: bool,
}

impl Clone {
    pub fn of(record: &Recorded) -> Clone {
        Clone {
            exists: record.path.join(".git").exists(),
            path: record.path.clone(),
        }
    }
}

/// The clones of `records`, as shown.
pub fn shown(records: &[Recorded]) -> Vec<Clone> {
    records.iter().map(Clone::of).collect()
}

/// The folders of one repository on this machine in the order a jump (and `resolve
/// --print path`) takes them: its place in the clone root's layout, then any other
/// folder under the clone root, then the repository's own folder (a repository on this
/// machine), then the rest; by path within each. `clones` are its existing clones,
/// `own_folder` the path of a local repository; `root` is this machine's clone root
/// (`None` when its setting does not read: then by path).
pub fn in_order(
    clones: Vec<PathBuf>,
    own_folder: Option<PathBuf>,
    root: Option<&super::clone_root::CloneRoot>,
    name: &str,
    url: &crate::url::GitUrl,
) -> Vec<PathBuf> {
    let place = root.map(|r| r.path_for(name, url));
    let rank = |path: &PathBuf| {
        if Some(path) == place.as_ref() {
            0
        } else if root.is_some_and(|r| path.starts_with(&r.root) && *path != r.root) {
            1
        } else if Some(path) == own_folder.as_ref() {
            2
        } else {
            3
        }
    };
    let mut paths = clones;
    if let Some(own) = &own_folder {
        if !paths.contains(own) {
            paths.push(own.clone());
        }
    }
    paths.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    paths
}

/// What `prune` forgot.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Pruned {
    /// Recorded clones whose folder is gone, now forgotten.
    pub forgotten: Vec<Forgotten>,
    /// Recorded clones still there.
    pub kept: usize,
}

/// A clone forgotten, and the entry it was of.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Forgotten {
    pub path: PathBuf,
    /// The entry it belonged to; `None` when no entry has it any more.
    pub name: Option<String>,
}

/// Forget every recorded clone whose folder is gone (deleted or moved). A clone that
/// moved is recorded again by `repodex import scan` of its new place.
pub fn prune(ctx: &Context, on_wait: &mut dyn FnMut()) -> Result<Pruned> {
    let registry = ctx.open()?;
    registry.update_clones(on_wait, |clones| {
        let gone: Vec<Recorded> = clones
            .records()
            .iter()
            .filter(|r| !Clone::of(r).exists)
            .cloned()
            .collect();
        let forgotten = gone
            .iter()
            .map(|r| {
                clones.forget(&r.path);
                Forgotten {
                    path: r.path.clone(),
                    name: registry.entry_of_clone(r),
                }
            })
            .collect();
        Pruned {
            forgotten,
            kept: clones.records().len(),
        }
    })
}
