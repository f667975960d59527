//! The registry and its remote: fetch with gix, merge entry by entry, push with git.
//!
//! A team shares a registry through any git remote it already has. `sync` fetches the
//! remote's `main` into `refs/repodex/remotes/<remote>/main` (and, for plain git,
//! `refs/remotes/<remote>/main`), merges it with HEAD under the
//! registry's lock ([`merge`]), and pushes the result with the git binary (gix cannot
//! push) from [`crate::git::command`]. A push refused because someone pushed in between
//! starts over, a bounded number of times. Other registries can be mounted read-only
//! beside the user's own ([`layers`]).

mod check;
pub mod error;
pub mod layers;
pub mod merge;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use crate::git::command::{self, Pushed};
use crate::git::{fetch, ObjectId, Repo};
use crate::remote::Network;
use crate::store::{layout, Registry};
use crate::url::GitUrl;
use crate::vault::identity::Identity;
use crate::{Error, Result};
use error::SyncError;

pub use merge::Merged;

/// The branch every registry keeps its history on here, and on a remote that does not
/// say otherwise. A remote whose HEAD is another branch (`master`) is synced on that
/// branch, recorded as git records it: `branch.main.merge` (docs/sync.md).
pub const BRANCH: &str = "main";

pub(crate) use crate::store::transaction::SYNC_LOCK;

/// How a sync whose push was overtaken (someone pushed between its fetch and its push)
/// tries again: fetch, merge and push, up to `attempts` rounds in all, pausing before
/// each new round for a random time (full jitter) up to `first_pause` doubled at each
/// round, never more than `longest_pause`. Chosen by measurement, eight teammates
/// syncing at once (docs/sync.md, "When the whole team syncs at once").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub attempts: usize,
    pub first_pause: Duration,
    pub longest_pause: Duration,
}

/// The policy every sync uses: 12 rounds, pauses from up to 0.1 s to up to 3.2 s. With
/// eight teammates syncing at once on a loaded machine, 3 of 320 syncs asked to be run
/// again (5 rounds and no pause: 59 in 100); docs/sync.md has the measurement.
pub const RETRY: RetryPolicy = RetryPolicy {
    attempts: 12,
    first_pause: Duration::from_millis(100),
    longest_pause: Duration::from_millis(3200),
};

impl RetryPolicy {
    /// The policy in effect: [`RETRY`], or the one a measurement gives in
    /// `REPODEX_TEST_SYNC_RETRY` (`ATTEMPTS:FIRST_MS:LONGEST_MS`), among the hooks the
    /// registry was opened with.
    fn in_effect(hooks: &crate::env::TestHooks) -> RetryPolicy {
        hooks.sync_retry.map_or(RETRY, |retry| RetryPolicy {
            attempts: retry.attempts,
            first_pause: retry.first_pause,
            longest_pause: retry.longest_pause,
        })
    }

    /// The pause before round `attempt` (2 and on): random, up to the round's ceiling.
    fn pause_before(&self, attempt: usize) -> Duration {
        use std::hash::{BuildHasher, Hasher};
        let doubling = 1u32 << attempt.saturating_sub(2).min(16);
        let ceiling = self
            .first_pause
            .saturating_mul(doubling)
            .min(self.longest_pause);
        // A random number from the standard library: each process's hasher keys differ.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(attempt);
        let fraction = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
        ceiling.mul_f64(fraction)
    }
}

/// The git remote a registry syncs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRemote {
    /// The git remote's name (`origin` when repodex set it).
    pub name: String,
    /// Its URL, validated: no transport prefix, no leading `-`, no embedded secret.
    pub url: GitUrl,
    /// The remote's branch the registry syncs with; `None` until the first sync has
    /// asked the remote (or `init --from` recorded it).
    pub branch: Option<String>,
}

impl RegistryRemote {
    /// The reference a sync fetches into: in repodex's own namespace, which no other
    /// program writes, so that a lock file on it that a killed sync left is known to be
    /// repodex's and removed by the next sync.
    pub fn tracking_ref(&self) -> String {
        format!("refs/repodex/remotes/{}/{}", self.name, self.branch())
    }

    /// The remote's branch: as recorded, else `main`.
    pub fn branch(&self) -> &str {
        self.branch.as_deref().unwrap_or(BRANCH)
    }

    /// The remote-tracking branch plain git shows (`git log origin/main`), kept in step
    /// with [`RegistryRemote::tracking_ref`] when nobody else holds it.
    pub fn public_ref(&self) -> String {
        format!("refs/remotes/{}/{}", self.name, self.branch())
    }
}

/// What a sync did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// What the remote brought, entry by entry, and the rules applied.
    pub merged: Merged,
    /// HEAD moved to the remote's commit (nothing here to merge).
    pub fast_forwarded: bool,
    /// A merge commit was made.
    pub merge_commit: Option<ObjectId>,
    /// The remote received our commits.
    pub pushed: bool,
    /// Fetch-merge-push rounds (more than one when someone pushed in between).
    pub attempts: usize,
    /// Registry files with uncommitted edits, which a sync neither commits nor sends.
    pub uncommitted: Vec<String>,
    /// This side was migrated to the remote's newer format before the merge.
    pub migrated: Option<crate::store::migrate::Migrated>,
}

impl Registry {
    /// The git remote to sync with: `origin`, or else the only remote there is.
    pub fn sync_remote(&self) -> Result<Option<RegistryRemote>> {
        let repo = self.repo();
        let names = repo.remote_names();
        let name = if names.iter().any(|n| n == "origin") {
            "origin".to_string()
        } else {
            match names.as_slice() {
                [] => return Ok(None),
                [only] => only.clone(),
                _ => {
                    return Err(SyncError::WhichRemote {
                        names: names.clone(),
                    }
                    .into())
                }
            }
        };
        let Some(url) = repo.remote_url(&name) else {
            return Ok(None);
        };
        Ok(Some(RegistryRemote {
            url: remote_url(&url)?,
            branch: repo.upstream_branch(),
            name,
        }))
    }

    /// Make `url` the registry's `origin`, the remote `sync` uses.
    pub fn set_sync_remote(&self, url: &GitUrl) -> Result<RegistryRemote> {
        let root = self.root();
        command::set_config(root, "remote.origin.url", &url.to_string())?;
        command::set_config(
            root,
            "remote.origin.fetch",
            "+refs/heads/*:refs/remotes/origin/*",
        )?;
        // Another remote: its branch is asked again at the next sync.
        command::unset_config(root, "branch.main.merge")?;
        command::unset_config(root, "branch.main.remote")?;
        Ok(RegistryRemote {
            name: "origin".into(),
            url: url.clone(),
            branch: None,
        })
    }
}

/// A failure to reach the registry's remote said as one a later sync can overcome
/// (exit 5): the host refused, did not resolve or did not answer. Other failures
/// (credentials, no repository there, TLS) stay what they are.
fn unreachable_remote(error: Error) -> Error {
    use crate::git::fetch::TransportFailure as F;
    match error {
        Error::Timeout { .. }
        | Error::Unreachable {
            failure: F::Refused | F::NameResolution,
            ..
        } => SyncError::Unreachable {
            reason: error.to_string(),
        }
        .into(),
        other => other,
    }
}

/// Validate a registry remote's URL as any URL repodex hands to a transport. A folder
/// that is not there (a share not mounted) is a remote that cannot be reached now, not
/// a URL to change.
fn remote_url(url: &str) -> Result<GitUrl> {
    let folder = url.strip_prefix("file://").unwrap_or(url);
    if Path::new(folder).is_absolute() && !Path::new(folder).exists() {
        return Err(SyncError::Unreachable {
            reason: format!(
                "cannot reach the registry's remote {}: the folder is not there (a share not mounted, a disk not attached?)",
                crate::url::quote(url)
            ),
        }
        .into());
    }
    let parsed = crate::store::repository_location(url).map_err(|e| SyncError::BadRemoteUrl {
        reason: e.to_string(),
    })?;
    if parsed.secret.is_some() {
        return Err(SyncError::SecretInRemoteUrl {
            shown: crate::url::quote(&parsed.url.to_string()),
        }
        .into());
    }
    Ok(parsed.url)
}

/// Run `work` (which talks to `url`) on its own thread within the network's deadline;
/// past it, `work` is told to stop (its flag) and abandoned.
fn within_deadline<T: Send + 'static>(
    url: &GitUrl,
    network: &Network,
    work: impl FnOnce(&AtomicBool) -> Result<T> + Send + 'static,
) -> Result<T> {
    let interrupt = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = mpsc::channel();
    let flag = interrupt.clone();
    std::thread::spawn(move || {
        let _ = sender.send(work(&flag));
    });
    match receiver.recv_timeout(network.timeout) {
        Ok(result) => result,
        Err(_) => {
            interrupt.store(true, Ordering::Relaxed);
            Err(Error::Timeout {
                url: url.to_string(),
                seconds: network.timeout.as_secs().max(1),
            })
        }
    }
}

/// Fetch the remote's branch into `dir`'s tracking ref, within the network's deadline.
fn fetch_tip(
    dir: &Path,
    url: &GitUrl,
    branch: &str,
    tracking: &str,
    network: &Network,
) -> Result<Option<ObjectId>> {
    let (dir, url_text, branch, tracking) = (
        dir.to_path_buf(),
        url.to_string(),
        branch.to_string(),
        tracking.to_string(),
    );
    within_deadline(url, network, move |flag| {
        fetch::fetch_branch(&dir, &url_text, &branch, &tracking, flag)
    })
}

/// Sync the registry with its remote: fetch, merge, push, retrying when overtaken.
/// Offline, it fails at once and changes nothing. A clash the rules cannot settle
/// fails with [`SyncError::Clashes`], the registry unchanged.
pub fn sync(
    registry: &mut Registry,
    network: &Network,
    identity: Option<&Identity>,
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    network.require("sync")?;
    let remote = registry.sync_remote()?.ok_or(SyncError::NoRemote)?;
    // One sync at a time per registry; other commands are not held up by the network.
    // Under it, a lock file on repodex's own tracking ref can only be a killed sync's.
    let _sync_lock = crate::store::transaction::take_named_lock(
        &registry.private_dir(),
        SYNC_LOCK,
        &mut *on_wait,
    )?;
    let remote = with_branch(registry.root(), remote, network).map_err(unreachable_remote)?;
    let tracking = remote.tracking_ref();
    registry.repo().remove_own_ref_lock(&tracking);
    let mut report = Report {
        uncommitted: registry
            .repo()
            .changed_paths()?
            .into_iter()
            .filter(|p| layout::is_known_path_in_any_layout(p))
            .collect(),
        ..Report::default()
    };
    let policy = RetryPolicy::in_effect(&registry.repo().commit_env().hooks);
    // The remote's tip a refused push was based on, and git's reason.
    let mut refused: Option<(Option<ObjectId>, String)> = None;
    // Whether a push was refused while the remote did not move, as losing a race for
    // the remote's ref lock does (once; a second time is the remote's own refusal).
    let mut lost_a_race = false;
    for attempt in 1..=policy.attempts {
        report.attempts = attempt;
        if attempt > 1 {
            // Others are pushing too: let them finish, each waiting a different time.
            std::thread::sleep(policy.pause_before(attempt));
        }
        let theirs = fetch_tip(
            registry.root(),
            &remote.url,
            remote.branch(),
            &tracking,
            network,
        )
        .map_err(unreachable_remote)?;
        if let Some(tip) = theirs {
            registry
                .repo()
                .mirror_reference(&remote.public_ref(), tip, "repodex sync: fetched");
        }
        if let Some((before, reason)) = refused.take() {
            // A push refused while the remote did not move was refused for a reason of
            // the remote's own (a protected branch, a hook, no push rights), unless it
            // lost a race for the remote's ref lock to a push that failed too.
            if before == theirs {
                if !lost_a_race && command::lost_a_ref_lock(&reason) {
                    lost_a_race = true;
                } else {
                    return Err(SyncError::PushRefused {
                        url: remote.url.to_string(),
                        reason,
                    }
                    .into());
                }
            }
        }
        // The fetch wrote a pack; read it with a repository opened after it.
        registry.reopen_objects()?;
        let head = merge_fetched(registry, theirs, identity, &mut *on_wait, &mut report)?;
        if Some(head) == theirs {
            let _ = registry.pack_holding_sync_lock(&mut *on_wait);
            return Ok(report);
        }
        refuse_what_others_would_refuse(registry, theirs, head)?;
        match command::push(
            registry.root(),
            &remote.url.to_string(),
            &head.to_string(),
            remote.branch(),
            network.timeout,
        )? {
            Pushed::Done => {
                registry
                    .repo()
                    .set_reference(&tracking, head, "repodex sync: pushed")?;
                registry.repo().mirror_reference(
                    &remote.public_ref(),
                    head,
                    "repodex sync: pushed",
                );
                report.pushed = true;
                let _ = registry.pack_holding_sync_lock(&mut *on_wait);
                return Ok(report);
            }
            Pushed::Refused(reason) => refused = Some((theirs, reason)),
        }
    }
    let _ = registry.pack_holding_sync_lock(&mut *on_wait);
    Err(SyncError::Overtaken {
        url: remote.url.to_string(),
        attempts: policy.attempts,
    }
    .into())
}

/// Refuse to push `head` when a file it changes since `theirs` (the remote's tip) is one
/// a teammate's sync would refuse ([`check::outgoing_file`]): sent, it would stop
/// everyone's sync until each removed it by hand.
fn refuse_what_others_would_refuse(
    registry: &Registry,
    theirs: Option<ObjectId>,
    head: ObjectId,
) -> Result<()> {
    let repo = registry.repo();
    let layout = registry.layout()?;
    let new_tree = repo.tree_of(head)?;
    let paths = match theirs {
        Some(theirs) => repo.changed_files(repo.tree_of(theirs)?, new_tree)?,
        None => repo
            .files_under(new_tree, "")?
            .into_iter()
            .map(|f| f.path)
            .collect(),
    };
    for path in paths {
        if let Some(file) = repo.file_at(new_tree, &path)? {
            check::outgoing_file(repo, layout, &file)
                .map_err(|problem| SyncError::WouldBeRefused { problem })?;
        }
    }
    Ok(())
}

/// `remote` with its branch: as recorded, else the branch the remote's HEAD names (a
/// registry kept on `master` is synced on `master`), else `main` for a remote with no
/// HEAD yet; recorded as git records it (`branch.main.remote`, `branch.main.merge`), so
/// that only the first sync asks and plain git shows the same upstream.
fn with_branch(
    root: &Path,
    mut remote: RegistryRemote,
    network: &Network,
) -> Result<RegistryRemote> {
    if remote.branch.is_some() {
        return Ok(remote);
    }
    let (dir, url) = (root.to_path_buf(), remote.url.to_string());
    let branch = within_deadline(&remote.url, network, move |_| {
        fetch::remote_head_branch(&dir, &url)
    })?
    .filter(|b| command::valid_branch_name(b))
    .unwrap_or_else(|| BRANCH.to_string());
    command::set_config(root, "branch.main.remote", &remote.name)?;
    command::set_config(root, "branch.main.merge", &format!("refs/heads/{branch}"))?;
    remote.branch = Some(branch);
    Ok(remote)
}

/// Bring the fetched commit into HEAD, under the lock; returns the new HEAD.
fn merge_fetched(
    registry: &mut Registry,
    theirs: Option<ObjectId>,
    identity: Option<&Identity>,
    on_wait: &mut dyn FnMut(),
    report: &mut Report,
) -> Result<ObjectId> {
    let mut tx = registry.transaction(&mut *on_wait)?;
    let ours = tx.base();
    let Some(theirs) = theirs.filter(|t| *t != ours) else {
        return Ok(ours);
    };
    let mut base = tx.registry().repo().merge_base(ours, theirs)?;
    if base == Some(theirs) {
        // The remote has nothing we lack: push.
        return Ok(ours);
    }
    if base != Some(ours) && remote_is_newer(tx.registry(), theirs)? {
        // Someone migrated the registry: this side follows, as its own commit, so that
        // the merge reads and writes one layout and the result keeps the newer format.
        drop(tx);
        report.migrated = registry.migrate(&mut *on_wait)?;
        tx = registry.transaction(&mut *on_wait)?;
        base = tx.registry().repo().merge_base(tx.base(), theirs)?;
        if remote_is_newer(tx.registry(), theirs)? {
            return Err(Error::Conflict);
        }
    }
    let ours = tx.base();
    // A remote in an older format than ours (someone pushed format 1 again) is merged,
    // not fast-forwarded: the merge keeps the newer format, so the registry never moves
    // back without asking.
    let older = remote_is_older(tx.registry(), theirs)?;
    let merged = merge::merge(&mut tx, theirs, base, identity)?;
    let head = if base == Some(ours) && !older {
        tx.fast_forward(theirs)?;
        report.fast_forwarded = true;
        theirs
    } else {
        tx.set_merge_parent(theirs);
        let commit = tx
            .commit(&merge_message(&merged))?
            .expect("a merge always commits");
        report.merge_commit = Some(commit);
        commit
    };
    report.merged.changes.extend(merged.changes);
    report.merged.notes.extend(merged.notes);
    Ok(head)
}

/// Is the fetched commit in a newer registry format than HEAD? (A format newer than
/// this repodex knows is an error that says to upgrade.)
fn remote_is_newer(registry: &Registry, theirs: ObjectId) -> Result<bool> {
    let repo = registry.repo();
    let theirs = layout::Layout::of_tree(repo, repo.tree_of(theirs)?)?;
    Ok(theirs.format() > registry.layout()?.format())
}

fn remote_is_older(registry: &Registry, theirs: ObjectId) -> Result<bool> {
    let repo = registry.repo();
    let theirs = layout::Layout::of_tree(repo, repo.tree_of(theirs)?)?;
    Ok(theirs.format() < registry.layout()?.format())
}

fn merge_message(merged: &Merged) -> String {
    let mut message = String::from("sync: merge the registry's remote\n");
    if !merged.changes.is_empty() {
        message.push_str("\nFrom the remote:\n");
        for change in &merged.changes {
            message.push_str(&format!("  {change}\n"));
        }
    }
    if !merged.notes.is_empty() {
        message.push_str("\nSettled by rule:\n");
        for note in &merged.notes {
            message.push_str(&format!("  {note}\n"));
        }
    }
    message
}

/// Make a registry at `dest` (missing or empty) from the registry at `url`: for a new
/// machine joining a team. Everything the remote holds is checked as a sync checks it.
/// Its commits take `commit` from the environment.
pub fn clone_registry(
    url: &GitUrl,
    dest: &Path,
    network: &Network,
    commit: &crate::env::CommitEnv,
) -> Result<Registry> {
    network.require("init --from")?;
    if !crate::store::is_missing_or_empty(dest) {
        return Err(SyncError::DestinationNotEmpty {
            dest: dest.to_path_buf(),
        }
        .into());
    }
    let staging = crate::store::staging_folder(dest)?;
    Repo::init(staging.path())?;
    let remote = RegistryRemote {
        name: "origin".into(),
        url: url.clone(),
        branch: None,
    };
    command::set_config(staging.path(), "remote.origin.url", &url.to_string())?;
    command::set_config(
        staging.path(),
        "remote.origin.fetch",
        "+refs/heads/*:refs/remotes/origin/*",
    )?;
    let remote = with_branch(staging.path(), remote, network)?;
    let tip = fetch_tip(
        staging.path(),
        url,
        remote.branch(),
        &remote.tracking_ref(),
        network,
    )?
    .ok_or_else(|| SyncError::EmptyRemote {
        url: url.to_string(),
        branch: remote.branch().to_string(),
    })?;
    // Open again: the fetch wrote a pack this handle has not seen.
    let repo = Repo::open(staging.path())?.with_commit_env(commit);
    check_registry_tree(&repo, tip, url)?;
    let files: Vec<String> = repo
        .all_files(repo.tree_of(tip)?)?
        .into_iter()
        .map(|f| f.path)
        .collect();
    crate::store::first_commit(&repo, tip, "init --from", files)?;
    repo.mirror_reference(&remote.public_ref(), tip, "init --from");
    drop(repo);
    Registry::open(staging.path())?;
    let staged = staging.keep();
    let _ = std::fs::remove_dir(dest);
    std::fs::rename(&staged, dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::io(
            format!("cannot create the registry at {}", dest.display()),
            e,
        )
    })?;
    Ok(Registry::open(dest)?.with_commit_env(commit))
}

/// A registry fetched from elsewhere has a `registry.toml` of a format this repodex
/// knows, and holds only the files of that format's layout, as regular files.
fn check_registry_tree(repo: &Repo, tip: ObjectId, url: &GitUrl) -> Result<()> {
    let tree = repo.tree_of(tip)?;
    let layout = crate::store::settings::Settings::of_tree(repo, tree)?
        .ok_or_else(|| SyncError::NotARegistry {
            url: url.to_string(),
            file: layout::SETTINGS_FILE,
        })?
        .layout();
    // The same checks a sync makes of what the remote changed, for every file.
    for file in repo.all_files(tree)? {
        check::incoming_file(repo, layout, &file).map_err(|problem| SyncError::NotUsable {
            url: url.to_string(),
            problem,
        })?;
    }
    Ok(())
}
