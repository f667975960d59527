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
