//! Keeping the registry's object store packed, so that the ten-thousandth sync costs
//! what the first did.
//!
//! gix writes a pack for every fetch and never repacks, and every commit adds loose
//! objects: a registry that syncs daily would gather thousands of packs. When the store
//! has grown past git's own thresholds ([`crate::git::objects`]: more than 50 packs,
//! about 6,700 loose objects), repodex has git pack it (`git gc --auto`, in the
//! foreground), as git does after its own commands, under these rules:
//!
//! - under the registry's lock, so that no repodex commit runs meanwhile, and under the
//!   sync lock, so that no sync or layer update writes a pack or a tracking ref
//!   meanwhile: a sync packs at its end (it holds the sync lock and takes the registry's
//!   lock); any other commit packs before it releases the registry's lock, when no sync
//!   holds the sync lock (a sync that does packs at its own end);
//! - never while one of git's lock files exists (a git command at work in the registry,
//!   or one a dead process left): the next change tries again;
//! - packing is upkeep: when it is put off or fails, the command that asked has still
//!   done its work, and `doctor` shows the store's state.

use std::path::Path;

use super::transaction::{take_named_lock, try_named_lock, LOCK, SYNC_LOCK};
use super::Registry;
use crate::git::objects::{self, StoreState};
use crate::git::{command, Repo};
use crate::Result;

/// What became of packing the object store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packing {
    /// The store is within git's thresholds.
    NotNeeded,
    /// git packed it.
    Packed,
    /// It is due, and waits for the next change: why.
    PutOff(String),
}

/// Pack `repo`'s object store when it is due, the caller holding both of the locks
/// (the registry's and the sync lock).
fn pack_now(repo: &Repo) -> Packing {
    if !objects::needs_packing(repo.git_dir()) {
        return Packing::NotNeeded;
    }
    if let Some(lock) = objects::git_lock_held(repo.git_dir()) {
        return Packing::PutOff(format!("{} exists: git is at work", lock.display()));
    }
    match command::pack_objects(repo.workdir()) {
        Ok(()) => Packing::Packed,
        Err(e) => Packing::PutOff(e.to_string()),
    }
}

/// After a commit, with the registry's lock held and git's lock files of the commit
/// released: pack when due, unless a sync holds the sync lock (it packs at its end).
pub(crate) fn after_commit(repo: &Repo, private: &Path) -> Packing {
    if !objects::needs_packing(repo.git_dir()) {
        return Packing::NotNeeded;
    }
    match try_named_lock(private, SYNC_LOCK) {
        Ok(Some(_sync_lock)) => pack_now(repo),
        Ok(None) => Packing::PutOff("a sync is at work; it packs at its end".into()),
        Err(e) => Packing::PutOff(e.to_string()),
    }
}

impl Registry {
    /// Pack the object store when it is due, the caller holding the sync lock (a sync
    /// at its end, a layer's update); waits for the registry's lock.
    pub(crate) fn pack_holding_sync_lock(&self, on_wait: &mut dyn FnMut()) -> Result<Packing> {
        if !objects::needs_packing(self.repo().git_dir()) {
            return Ok(Packing::NotNeeded);
        }
        let _lock = take_named_lock(&self.private_dir(), LOCK, on_wait)?;
        Ok(pack_now(self.repo()))
    }

    /// What the object store holds (for `doctor`), and whether it is due to be packed.
    pub fn store_state(&self) -> (StoreState, bool) {
        let git_dir = self.repo().git_dir();
        (StoreState::of(git_dir), objects::needs_packing(git_dir))
    }
}
