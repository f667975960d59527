//! `sync`: send and receive registry changes, then bring the read-only layers up to date.

use serde::Serialize;

use crate::store::migrate::Migrated;
use crate::sync::layers::LayerUpdate;
use crate::sync::merge::{Decision, EntryChange};
use crate::sync::RegistryRemote;
use crate::{Context, Result};

/// What a sync did (docs/json.md).
#[derive(Debug, Serialize)]
pub struct Report {
    pub outcome: Outcome,
    /// What the remote brought, entry by entry.
    pub received: Vec<EntryChange>,
    /// Decisions the merge made by rule.
    pub decisions: Vec<Decision>,
    /// The merge commit, when one was made.
    pub merge_commit: Option<String>,
    /// Whether the remote received this registry's commits.
    pub pushed: bool,
    /// Fetch-merge-push rounds (more than one when someone pushed in between).
    pub attempts: usize,
    /// Registry files with uncommitted edits, which were neither committed nor sent.
    pub uncommitted: Vec<String>,
    /// This registry was migrated to the remote's newer format first.
    pub migrated: Option<Migrated>,
    /// Each layer, after its update.
    pub layers: Vec<Layer>,
    /// What the remote changed that this machine does not read until accepted
    /// (`repodex accept`).
    pub not_accepted: Vec<super::accept::NotAccepted>,
}

/// How the registry and its remote ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Nothing to send or receive.
    UpToDate,
    /// The remote's changes were taken (a fast-forward).
    Received,
    /// The remote's changes were merged with ours, and the merge was sent.
    Merged,
    /// Our changes were sent.
    Sent,
}

/// A layer's update.
#[derive(Debug, Clone, Serialize)]
pub struct Layer {
    pub name: String,
    pub updated: bool,
    /// Why it could not be updated.
    pub error: Option<String>,
}

/// Sync the registry of `ctx` with its remote, then update its layers.
pub fn sync(ctx: &Context, on_wait: &mut dyn FnMut()) -> Result<Report> {
    let network = ctx.network()?;
    network.require("sync")?;
    let mut registry = ctx.open()?;
    // Merging a credential changed on both sides needs this machine's key, if it has one.
    let identity = super::identity::existing(ctx, &registry);
    let before = registry.head();
    let done = crate::sync::sync(&mut registry, &network, identity.as_ref(), &mut *on_wait)?;
    let not_accepted = super::accept::brought_by_sync(&registry, before, &done.merged.changes)?;
    // Renames and moves that came from teammates: the record of clones follows them
    // (a damaged record is for the commands that read it to report).
    let _ = registry.update_clones(on_wait, |_| ());
    let outcome = match (
        done.fast_forwarded,
        done.merge_commit.is_some(),
        done.pushed,
    ) {
        (true, _, _) => Outcome::Received,
        (_, true, _) => Outcome::Merged,
        (_, _, true) => Outcome::Sent,
        _ => Outcome::UpToDate,
    };
    let mut layers = Vec::new();
    for layer in registry.layers()? {
        let (updated, error) = match registry.update_layer(&layer, &network) {
            Ok(LayerUpdate::Updated) => (true, None),
            Ok(LayerUpdate::Unchanged) => (false, None),
            Err(e) => (false, Some(e.to_string())),
        };
        layers.push(Layer {
            name: layer.name,
            updated,
            error,
        });
    }
    Ok(Report {
        outcome,
        received: done.merged.changes,
        decisions: done.merged.notes,
        merge_commit: done.merge_commit.map(|c| c.to_string()),
        pushed: done.pushed,
        attempts: done.attempts,
        uncommitted: done.uncommitted,
        migrated: done.migrated,
        layers,
        not_accepted,
    })
}

/// The remote the registry syncs with (`repodex remote show`); refused when it has none.
pub fn remote(ctx: &Context) -> Result<RegistryRemote> {
    ctx.open()?
        .sync_remote()?
        .ok_or_else(|| super::error::Refused::NoSyncRemote.into())
}

/// The remote set, and what was changed in the URL as given.
pub struct RemoteSet {
    pub remote: RegistryRemote,
    /// One line each (docs/references.md).
    pub notices: Vec<String>,
}

/// Make the registry sync with `url` (a URL, a path, or `repodex:<name>` of an entry).
pub fn set_remote(ctx: &Context, url: &str) -> Result<RemoteSet> {
    let registry = ctx.open()?;
    let parsed = super::lookup::repository_url_or_entry(&registry, url)?;
    Ok(RemoteSet {
        remote: registry.set_sync_remote(&parsed.url)?,
        notices: parsed.notices,
    })
}
