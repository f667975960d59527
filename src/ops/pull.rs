//! `pull`: bring each selected clone's current branch up to date with its upstream, by
//! fast-forward only. It never merges, rebases or stashes: a clone that cannot be
//! fast-forwarded (diverged, local changes in the way by git's own rule for
//! `merge --ff-only`, detached, no upstream, an operation in progress) is left exactly
//! as it was and said why; only its remote-tracking branches may have moved.
//!
//! Each repository is fetched once. A clone whose upstream is the default branch of
//! the entry's own URL (the same repository by the registry's URL rules, so a URL a
//! teammate changed never brings another repository's commits in) is served from
//! repodex's mirror, refreshed first as `refresh` does: an unchanged remote costs one
//! question to it, and no git process in the clone at all. Every other upstream is
//! fetched by git in the clone, with repodex's credentials for its URL and no prompt,
//! at most [`PER_HOST`] at once to one host.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex};

use schemars::JsonSchema;
use serde::Serialize;

use super::select::{self, Scope, Selection, WhenEmpty};
use crate::git::clones::{self, Branch, Credentials};
use crate::git::status::{Head, ReadError};
use crate::git::ObjectId;
use crate::remote::Progress;
use crate::url::GitUrl;
use crate::{Context, Result};

/// At most this many fetches to one host at once (mr(1) advises 3 to 5 ssh jobs; many
/// servers limit connections per client).
pub const PER_HOST: usize = 4;

/// A refreshed mirror that serves a clone, and its tip (hex).
type MirrorTip = (PathBuf, String);

/// What to pull.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub selection: Selection,
    /// How many clones to fetch and update at once.
    pub jobs: usize,
}

/// What a pull did, clone by clone (docs/json.md).
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Report {
    /// One row per clone, in selection order.
    pub clones: Vec<Pulled>,
    /// How many repodex mirrors a remote sent new commits to.
    pub mirrors_fetched: usize,
    /// Why refreshing the mirrors failed after some clones had already been pulled
    /// (the rest were fetched from their own remotes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirrors_error: Option<String>,
}

/// One clone.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Pulled {
    pub name: String,
    pub path: PathBuf,
    /// The branch checked out, when on one.
    pub branch: Option<String>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What happened to a clone.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Its branch has every commit of its upstream already.
    UpToDate,
    /// Its branch moved forward.
    FastForwarded {
        from: String,
        to: String,
        /// How many commits it gained.
        commits: usize,
        via: Via,
    },
    /// Left exactly as it was (working tree, index, HEAD, branches, stashes).
    Skipped { reason: Reason, detail: String },
    /// Its upstream could not be fetched; the clone is as it was.
    Failed { detail: String },
}

/// Where a clone's new commits came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// repodex's mirror of the same repository.
    Mirror,
    /// The clone's own remote, fetched by git in it.
    Remote,
}

/// Why a clone was left as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    Detached,
    /// A rebase, merge, cherry-pick, revert, bisect or `am` is in progress.
    InProgress,
    NoUpstream,
    /// The upstream branch was deleted on the remote.
    UpstreamGone,
    /// The branch and its upstream both have commits the other lacks.
    Diverged,
    /// git refused to fast-forward: local changes are in the way.
    LocalChanges,
    /// The folder is not there any more.
    Gone,
    /// Its state could not be read.
    Unreadable,
    /// Offline, and its upstream is not one repodex's mirror serves.
    Offline,
}

impl Outcome {
    fn skipped(reason: Reason, detail: impl Into<String>) -> Outcome {
        Outcome::Skipped {
            reason,
            detail: detail.into(),
        }
    }

    /// Whether the clone is up to date now.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::UpToDate | Outcome::FastForwarded { .. })
    }

    /// Whether the clone follows no upstream (a detached HEAD, a branch without one):
    /// there was nothing to pull, which is not a failure (docs/exit-codes.md).
    pub fn follows_nothing(&self) -> bool {
        matches!(
            self,
            Outcome::Skipped {
                reason: Reason::Detached | Reason::NoUpstream,
                ..
            }
        )
    }
}

/// One clone on its way through the pull.
struct Clone {
    name: String,
    path: PathBuf,
    branch: Option<String>,
    /// Read before anything else; `Err` when it is already decided.
    read: std::result::Result<(ObjectId, clones::Tracking), Outcome>,
    /// The entry's URL, when its upstream is that repository (so repodex's mirror of
    /// it may serve the clone).
    served_by: Option<GitUrl>,
}

/// Pull every clone `request` selects (every recorded clone when it names nothing).
pub fn pull(
    ctx: &Context,
    request: &Request,
    on_progress: &(dyn Fn(Progress) + Sync),
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    let selected = select::select(
        ctx,
        &request.selection,
        WhenEmpty::Cloned,
        Scope::WithLayers,
    )?;
    let network = ctx.network()?;
    let mut registry = ctx.open()?;
    let rules = registry.url_rules()?;
    let jobs = request.jobs.max(1);
    // Which clones, each with its entry's URL.
    let targets: Vec<(String, PathBuf, Option<GitUrl>)> = selected
        .iter()
        .flat_map(|s| {
            let url = GitUrl::parse(&s.summary.url).ok().map(|p| p.url);
            s.clones
                .iter()
                .map(move |c| (s.name().to_string(), c.path.clone(), url.clone()))
        })
        .collect();
    if targets.is_empty() {
        return Err(super::error::Refused::NoClones.into());
    }
    let work: Vec<Clone> = crate::parallel::each(&targets, jobs, |(name, path, url)| {
        read(name, path, url.as_ref(), &rules)
    });
    // The mirrors that serve clones: refreshed once, as `refresh` does (online).
    let refreshes = network.offline.is_none() && work.iter().any(|c| c.served_by.is_some());
    let served: Vec<String> = {
        let mut names: Vec<String> = work
            .iter()
            .filter(|c| refreshes && c.served_by.is_some())
            .map(|c| c.name.clone())
            .collect();
        names.dedup();
        names
    };
    let credentials = super::git_setup::credentials_for_clones(&registry)?;
    let cache = ctx.cache();
    // A served clone's upstream branch must be the mirror's branch, at its tip now.
    let mirror_for = |clone: &Clone| -> Option<MirrorTip> {
        let (Ok((_, tracking)), Some(url)) = (&clone.read, &clone.served_by) else {
            return None;
        };
        let mirror = cache.mirror_path(url);
        crate::git::mirror::Mirror::open(&mirror)
            .and_then(|m| m.head())
            .filter(|head| head.default_branch == tracking.branch)
            .and_then(|head| head.commit)
            .map(|tip| (mirror, tip.to_string()))
    };
    let slots = HostSlots::default();
    let total = work.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let outcomes: Vec<Mutex<Option<Outcome>>> = work.iter().map(|_| Mutex::new(None)).collect();
    let mut report = Report::default();
    // Each clone is updated as soon as what it waits for is known: a clone its mirror
    // serves once that mirror is refreshed (while the other remotes are still being
    // asked), every other clone once the refresh has started well (its first answer).
    let (sender, receiver) = std::sync::mpsc::channel::<(usize, Option<MirrorTip>)>();
    let receiver = Mutex::new(receiver);
    let refreshed = std::thread::scope(|scope| {
        // Dropped when this closure returns, which lets the workers finish.
        let sender = sender;
        for _ in 0..jobs.min(total) {
            scope.spawn(|| loop {
                let next = receiver.lock().expect("no worker panics").recv();
                let Ok((index, mirror)) = next else {
                    return;
                };
                let clone = &work[index];
                let outcome = match &clone.read {
                    Err(decided) => decided.clone(),
                    Ok((head, tracking)) => update(
                        clone,
                        mirror.as_ref(),
                        *head,
                        tracking,
                        &network,
                        &credentials,
                        &slots,
                    ),
                };
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                on_progress(Progress {
                    done: finished,
                    total,
                    name: clone.name.clone(),
                    ok: outcome.is_success(),
                });
                *outcomes[index].lock().expect("no worker panics") = Some(outcome);
            });
        }
        let waits = |clone: &Clone| served.contains(&clone.name);
        // Which clones went to the workers; each goes exactly once.
        let mut dispatch = Dispatch {
            sender: &sender,
            sent: vec![false; work.len()],
        };
        let others = |dispatch: &mut Dispatch| {
            for (index, clone) in work.iter().enumerate() {
                if !waits(clone) {
                    dispatch.send(index, None);
                }
            }
        };
        if served.is_empty() {
            others(&mut dispatch);
            return Ok((None, None));
        }
        let refreshed = super::refresh::refresh(
            ctx,
            &mut registry,
            &served,
            &network,
            jobs,
            false,
            &mut |progress| {
                others(&mut dispatch);
                // A mirror whose remote failed does not say the upstream is unchanged:
                // those clones are fetched by git from their own remote (and fail there,
                // said so).
                for (index, clone) in work.iter().enumerate() {
                    if clone.name == progress.name && waits(clone) {
                        let mirror = progress.ok.then(|| mirror_for(clone)).flatten();
                        dispatch.send(index, mirror);
                    }
                }
            },
            on_wait,
        );
        // A refresh that stopped before any remote answered changed nothing: the pull
        // stops with it, every clone as it was. Otherwise every clone not yet sent (an
        // entry the refresh declined to ask, a refresh that failed after clones moved)
        // is fetched from its own remote, and a failure is reported beside them.
        let started = dispatch.sent.iter().any(|s| *s);
        match refreshed {
            Err(error) if !started => Err(error),
            refreshed => {
                for index in 0..work.len() {
                    dispatch.send(index, None);
                }
                Ok(match refreshed {
                    Ok(report) => (Some(report), None),
                    Err(error) => (None, Some(error.to_string())),
                })
            }
        }
    })?;
    let (refreshed, mirrors_error) = refreshed;
    if let Some(refreshed) = refreshed {
        report.mirrors_fetched = refreshed.fetched;
    }
    report.mirrors_error = mirrors_error;
    report.clones = work
        .into_iter()
        .zip(outcomes)
        .map(|(clone, outcome)| Pulled {
            name: clone.name,
            path: clone.path,
            branch: clone.branch,
            outcome: outcome
                .into_inner()
                .expect("no worker panics")
                .expect("every clone was sent to a worker"),
        })
        .collect();
    Ok(report)
}

/// Hands clones to pull's workers, each once.
struct Dispatch<'a> {
    sender: &'a std::sync::mpsc::Sender<(usize, Option<MirrorTip>)>,
    sent: Vec<bool>,
}

impl Dispatch<'_> {
    fn send(&mut self, index: usize, mirror: Option<MirrorTip>) {
        if !std::mem::replace(&mut self.sent[index], true) {
            let _ = self.sender.send((index, mirror));
        }
    }
}

/// Read a clone's branch and upstream, and decide what needs no fetch: detached, an
/// operation in progress, no upstream, gone, unreadable. Notes whether repodex's mirror
/// of the entry (whose URL has the identity key `entry_key`) is its upstream's
/// repository.
fn read(
    name: &str,
    path: &std::path::Path,
    entry_url: Option<&GitUrl>,
    rules: &crate::url::Rules,
) -> Clone {
    let mut clone = Clone {
        name: name.to_string(),
        path: path.to_path_buf(),
        branch: None,
        read: Err(Outcome::UpToDate),
        served_by: None,
    };
    let branch: Branch = match clones::branch(path) {
        Ok(branch) => branch,
        Err(ReadError::Gone { .. }) => {
            clone.read = Err(Outcome::skipped(
                Reason::Gone,
                "the folder is not there; `repodex prune` forgets it",
            ));
            return clone;
        }
        Err(error) => {
            clone.read = Err(Outcome::skipped(Reason::Unreadable, error.to_string()));
            return clone;
        }
    };
    // A rebase detaches HEAD: the operation is what the user needs to hear of.
    if let Some(operation) = branch.operation {
        clone.read = Err(Outcome::skipped(
            Reason::InProgress,
            format!(
                "a {} is in progress; finish or abort it first",
                serde_json::to_value(operation)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace("-interactive", "")))
                    .unwrap_or_default()
            ),
        ));
        return clone;
    }
    let head = match &branch.head {
        Head::Detached { commit } => {
            clone.read = Err(Outcome::skipped(
                Reason::Detached,
                format!("HEAD is detached at {}", &commit[..commit.len().min(12)]),
            ));
            return clone;
        }
        Head::Branch { name, commit } => {
            clone.branch = Some(name.clone());
            commit.clone()
        }
    };
    let Some(tracking) = branch.upstream else {
        clone.read = Err(Outcome::skipped(
            Reason::NoUpstream,
            format!(
                "'{}' has no upstream; `git branch --set-upstream-to` sets one",
                clone.branch.as_deref().unwrap_or_default()
            ),
        ));
        return clone;
    };
    let Some(head) = head.and_then(|h| ObjectId::from_hex(h.as_bytes()).ok()) else {
        clone.read = Err(Outcome::skipped(
            Reason::NoUpstream,
            "the branch has no commit yet",
        ));
        return clone;
    };
    let same_repository = tracking
        .remote_url
        .as_deref()
        .and_then(|u| crate::url::interpret(u).ok())
        .map(|parsed| parsed.url.identity_key_in(rules));
    let entry_key = entry_url.map(|u| u.identity_key_in(rules));
    if same_repository.is_some() && same_repository == entry_key {
        // Which branch the mirror holds is known once it is refreshed.
        clone.served_by = entry_url.cloned();
    }
    clone.read = Ok((head, tracking));
    clone
}

/// Fetch a clone's upstream (from the mirror when it serves it, else its remote) and
/// fast-forward its branch when it can.
fn update(
    clone: &Clone,
    mirror: Option<&MirrorTip>,
    head: ObjectId,
    tracking: &clones::Tracking,
    network: &crate::remote::Network,
    credentials: &Credentials,
    slots: &HostSlots,
) -> Outcome {
    let via = if mirror.is_some() {
        Via::Mirror
    } else {
        Via::Remote
    };
    match mirror {
        Some((mirror, tip)) => {
            // An unchanged upstream: nothing to run in the clone at all.
            let linked = || -> Result<bool> {
                let Ok(tip) = ObjectId::from_hex(tip.as_bytes()) else {
                    return Ok(false);
                };
                clones::link_from_mirror(
                    &clone.path,
                    mirror,
                    &tracking.tracking_ref,
                    tracking.tip,
                    tip,
                )
            };
            if tracking.tip.map(|t| t.to_string()).as_deref() != Some(tip.as_str())
                && !matches!(linked(), Ok(true))
            {
                if let Err(error) = clones::fetch_from_mirror(
                    &clone.path,
                    mirror,
                    &tracking.remote,
                    &tracking.branch,
                    network.timeout,
                ) {
                    return Outcome::Failed {
                        detail: error.to_string(),
                    };
                }
            }
        }
        None => {
            if let Some(why) = &network.offline {
                return Outcome::skipped(
                    Reason::Offline,
                    format!("offline ({why}), and repodex's mirror does not serve its upstream"),
                );
            }
            let host = tracking
                .remote_url
                .as_deref()
                .and_then(|u| crate::url::interpret(u).ok())
                .and_then(|p| p.url.host().map(str::to_string))
                .unwrap_or_default();
            let _slot = slots.take(&host);
            match clones::fetch_upstream(
                &clone.path,
                &tracking.remote,
                &tracking.branch,
                credentials,
                network.timeout,
            ) {
                Ok(true) => {}
                Ok(false) => return upstream_gone(tracking),
                Err(error) => {
                    return Outcome::Failed {
                        detail: error.to_string(),
                    }
                }
            }
        }
    }
    let Some(tip) = clones::tip_of(&clone.path, &tracking.tracking_ref) else {
        return upstream_gone(tracking);
    };
    if tip == head {
        return Outcome::UpToDate;
    }
    let (ahead, behind) = match clones::ahead_behind(&clone.path, head, tip) {
        Ok(counts) => counts,
        Err(error) => return Outcome::skipped(Reason::Unreadable, error.to_string()),
    };
    if behind == 0 {
        return Outcome::UpToDate;
    }
    if ahead > 0 {
        return Outcome::skipped(
            Reason::Diverged,
            format!(
                "diverged: {ahead} commit{} of its own, {behind} of the upstream's; merge or rebase it by hand",
                if ahead == 1 { "" } else { "s" }
            ),
        );
    }
    match clones::fast_forward(&clone.path, &tracking.tracking_ref, network.timeout) {
        Ok(()) => Outcome::FastForwarded {
            from: head.to_string(),
            to: tip.to_string(),
            commits: behind,
            via,
        },
        Err(error) => Outcome::skipped(Reason::LocalChanges, error.to_string()),
    }
}

fn upstream_gone(tracking: &clones::Tracking) -> Outcome {
    Outcome::skipped(
        Reason::UpstreamGone,
        format!(
            "its upstream '{}' is gone from {}; `git branch --set-upstream-to` picks another",
            tracking.branch, tracking.remote
        ),
    )
}

/// At most [`PER_HOST`] fetches to one host at once.
#[derive(Default)]
struct HostSlots {
    taken: Mutex<HashMap<String, usize>>,
    freed: Condvar,
}

struct Slot<'a> {
    slots: &'a HostSlots,
    host: String,
}

impl HostSlots {
    fn take(&self, host: &str) -> Slot<'_> {
        let mut taken = self.taken.lock().expect("not poisoned");
        while !host.is_empty() && taken.get(host).copied().unwrap_or(0) >= PER_HOST {
            taken = self.freed.wait(taken).expect("not poisoned");
        }
        *taken.entry(host.to_string()).or_default() += 1;
        Slot {
            slots: self,
            host: host.to_string(),
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut taken = self.slots.taken.lock().expect("not poisoned");
        if let Some(n) = taken.get_mut(&self.host) {
            *n -= 1;
        }
        self.slots.freed.notify_all();
    }
}
