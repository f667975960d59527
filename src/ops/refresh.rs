//! Refreshing entries from their remotes, and serving cached data when that cannot be done.
//!
//! The network work runs first, without the registry's lock (it can take seconds);
//! then one transaction re-reads each entry, applies what was learned, and commits once
//! for the whole run, and only when a default branch or a configuration file changed:
//! a remote whose head moved without touching those leaves history alone.

use chrono::{DateTime, SubsecRound, Utc};

use schemars::JsonSchema;
use serde::Serialize;

use crate::remote::state::Checked;
use crate::remote::{run_all, Learned, Network, Progress, Task};
use crate::store::accepted::{AcceptedReads, Held};
use crate::store::entry::Entry;
use crate::store::entry::MAX_ENTRY_SIZE;
use crate::store::Registry;
use crate::{Context, Result};

/// What a refresh did, entry by entry (docs/json.md).
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Report {
    /// Entries that changed, with what changed.
    pub updated: Vec<Updated>,
    /// Entries whose remote said nothing new.
    pub unchanged: Vec<String>,
    /// Entries that could not be refreshed, and why.
    pub failed: Vec<Failed>,
    /// Configuration files seen but not cached.
    pub skipped: Vec<SkippedFile>,
    /// How many remotes sent objects.
    pub fetched: usize,
    /// The commit made (hex), if anything changed.
    pub commit: Option<String>,
}

/// An entry a refresh changed.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Updated {
    pub name: String,
    pub changes: Vec<Change>,
}

/// One thing a refresh learned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    DefaultBranch { from: Option<String>, to: String },
    FileAdded { path: String },
    FileChanged { path: String },
    FileRemoved { path: String },
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::DefaultBranch { from: None, to } => write!(f, "default branch {to}"),
            Change::DefaultBranch {
                from: Some(from),
                to,
            } => write!(f, "default branch {from} -> {to}"),
            Change::FileAdded { path } => write!(f, "{path} added"),
            Change::FileChanged { path } => write!(f, "{path} changed"),
            Change::FileRemoved { path } => write!(f, "{path} removed"),
        }
    }
}

/// An entry a refresh could not bring up to date.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Failed {
    pub name: String,
    pub cause: Cause,
    /// The one-line error, as the command line prints it.
    pub reason: String,
}

/// Why an entry was not refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// Its remote failed or did not answer in time.
    Remote,
    /// Its stored credential could not be decrypted or used.
    Credential,
    /// It was renamed, moved or forgotten while its remote was being asked.
    ChangedMeanwhile,
    /// Its URL is a repository on this machine that this machine's user never asked
    /// to read (someone else registered it): `repodex refresh NAME` reads it.
    LocalNotAllowed,
}

/// A configuration file seen on the remote and not cached.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SkippedFile {
    pub name: String,
    pub path: String,
    pub reason: String,
}

/// Which entries to refresh.
pub enum Which<'a> {
    All,
    /// References, resolved in the user's own registry.
    These(&'a [String]),
}

/// Refresh the entries `which` names in the registry of `ctx`: learn from their
/// remotes, up to `jobs` at once, then apply what changed in one commit.
pub fn run(
    ctx: &Context,
    which: Which,
    jobs: usize,
    on_progress: &mut dyn FnMut(Progress),
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    // The references are checked before the network is: a bad one is the answer
    // whether or not this machine is offline.
    let network = ctx.network()?;
    let mut registry = ctx.open()?;
    let names: Vec<String> = match which {
        Which::All => registry
            .records()
            .filter(|r| !r.is_broken())
            .map(|r| r.name().to_string())
            .collect(),
        Which::These(references) => {
            let mut names = Vec::new();
            for reference in references {
                let name = super::find::own_entry(&registry, reference)?;
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            names
        }
    };
    if names.is_empty() {
        return Err(super::error::Refused::EmptyRegistry.into());
    }
    let by_name = matches!(which, Which::These(_));
    refresh(
        ctx,
        &mut registry,
        &names,
        &network,
        jobs,
        by_name,
        on_progress,
        on_wait,
    )
}

/// Refresh the entries named `names` of `registry` over `network`. `by_name` says the
/// user named these entries (`refresh NAME`, `register`, `clone`), which lets their
/// local URLs be read; otherwise a local URL this machine was never asked to read is
/// left alone ([`Cause::LocalNotAllowed`]).
#[allow(clippy::too_many_arguments)]
pub fn refresh(
    ctx: &Context,
    registry: &mut Registry,
    names: &[String],
    network: &Network,
    jobs: usize,
    by_name: bool,
    on_progress: &mut dyn FnMut(Progress),
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    network.require("refresh")?;
    let cache = ctx.cache();
    let allowed = Checked::load(&registry.private_dir());
    let accepted = AcceptedReads::load(&registry.private_dir());
    let settings = registry.settings()?;
    let with_credentials = registry.credential_names()?;
    let mut identity = None;
    let mut tasks = Vec::with_capacity(names.len());
    let mut unusable = Vec::new();
    for name in names {
        let entry = registry.entry_or_oversized(name)?;
        let url = entry.git_url()?;
        if !by_name && !may_read_url(&allowed, &accepted, &url) {
            unusable.push(Failed {
                name: name.clone(),
                cause: Cause::LocalNotAllowed,
                reason: format!(
                    "its URL is a repository on this machine ({url}) that you never asked repodex to read; `repodex refresh {name}` reads it"
                ),
            });
            continue;
        }
        let reads = accepted.reads(&url, entry.config_paths.as_deref(), &settings);
        let mut task = Task {
            name: name.clone(),
            url: entry.git_url()?,
            config_paths: reads.read,
            held: reads
                .held
                .into_iter()
                .map(|(path, why)| (path, not_accepted_reason(name, why)))
                .collect(),
            max_file_size: network.limits.config_size(&settings),
            max_mirror_size: network.limits.mirror_size(&settings),
            mirror_depth: network.limits.mirror_depth,
            auth: None,
        };
        // A credential is HTTP authentication: a fetch over any other transport (a
        // path, git://, ssh) has nowhere to send it and goes without.
        let over_http = matches!(
            task.url.scheme(),
            crate::url::Scheme::Https | crate::url::Scheme::Http
        );
        if over_http && with_credentials.contains(name) {
            match credential_for(ctx, registry, name, &mut identity) {
                Ok(auth) => task.auth = auth,
                Err(error) => {
                    unusable.push(Failed {
                        name: name.clone(),
                        cause: Cause::Credential,
                        reason: format!("its stored credential cannot be used: {error}"),
                    });
                    continue;
                }
            }
        }
        tasks.push(task);
    }
    let results = run_all(&cache, network, tasks, jobs, on_progress);

    let now = Utc::now().trunc_subsecs(0);
    let mut report = Report::default();
    let private = registry.private_dir();
    let mut tx = registry.transaction(on_wait)?;
    let mut checked = Checked::load(&private);
    if by_name {
        for task in results.iter().map(|(task, _)| task) {
            if task.url.is_local() {
                checked.allow_local(&task.url);
            }
        }
    }
    report.failed.extend(unusable);
    for (task, result) in results {
        let learned = match result {
            Ok(learned) => learned,
            Err(error) => {
                checked.record_failure(&task.url, now, error.to_string());
                if error.is_the_hosts() {
                    checked.record_host_failure(&task.url, now, error.to_string());
                }
                report.failed.push(Failed {
                    name: task.name,
                    cause: Cause::Remote,
                    reason: error.to_string(),
                });
                continue;
            }
        };
        checked.record_ok(&task.url, now);
        report.fetched += usize::from(learned.fetched);
        for (path, reason) in &learned.skipped {
            report.skipped.push(SkippedFile {
                name: task.name.clone(),
                path: path.clone(),
                reason: reason.clone(),
            });
        }
        // The entry may have been renamed, moved or forgotten while we were away.
        let entry = tx.entry(&task.name).ok().filter(|e| {
            e.git_url()
                .is_ok_and(|u| u.identity_key() == task.url.identity_key())
        });
        let Some(mut entry) = entry else {
            report.failed.push(Failed {
                name: task.name,
                cause: Cause::ChangedMeanwhile,
                reason: "changed in the registry while it was being refreshed; refresh it again"
                    .into(),
            });
            continue;
        };
        let held: Vec<String> = task.held.iter().map(|(path, _)| path.clone()).collect();
        let (changes, left_out) = apply(&mut entry, &learned, &task.config_paths, &held, now);
        for (path, reason) in left_out {
            report.skipped.push(SkippedFile {
                name: task.name.clone(),
                path,
                reason,
            });
        }
        if changes.is_empty() {
            report.unchanged.push(task.name);
        } else {
            tx.put(entry, None)?;
            report.updated.push(Updated {
                name: task.name,
                changes,
            });
        }
    }
    checked.save(&private)?;
    let words = |changes: &[Change]| {
        changes
            .iter()
            .map(Change::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let message = match report.updated.as_slice() {
        [] => String::new(),
        [one] => format!("refresh {}: {}", one.name, words(&one.changes)),
        many => {
            let lines: Vec<String> = many
                .iter()
                .map(|u| format!("{}: {}", u.name, words(&u.changes)))
                .collect();
            format!(
                "refresh {} repositories\n\n{}",
                many.len(),
                lines.join("\n")
            )
        }
    };
    report.commit = tx.commit(&message)?.map(|c| c.to_string());
    Ok(report)
}

/// Refresh the one entry `name`, which the user named (`register`, `clone`): one remote,
/// no progress to show.
pub(crate) fn refresh_one(
    ctx: &Context,
    registry: &mut Registry,
    name: &str,
    network: &Network,
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    let names = [name.to_string()];
    refresh(
        ctx,
        registry,
        &names,
        network,
        1,
        true,
        &mut |_| {},
        on_wait,
    )
}

/// The entry's credential as HTTP authentication, decrypted with the user's identity
/// (loaded once, on first need). ssh-key credentials are for plain git's ssh and give none.
fn credential_for(
    ctx: &Context,
    registry: &Registry,
    name: &str,
    identity: &mut Option<crate::vault::identity::Identity>,
) -> Result<Option<crate::git::fetch::Auth>> {
    use crate::vault::identity::Identity;
    if identity.is_none() {
        *identity = Some(Identity::load(&ctx.identity_path(), registry.root())?);
    }
    let identity = identity.as_ref().expect("loaded above");
    let Some(credential) = registry
        .credential(name, identity)?
        .filter(|c| c.kind != crate::vault::credential::Kind::SshKey)
    else {
        return Ok(None);
    };
    // Only to the server it was stored for: not after the entry's URL moved, and never
    // in clear text.
    let origin = credential.check_bound(name, &registry.entry(name)?.git_url()?)?;
    if origin.scheme != crate::url::Scheme::Https {
        return Err(crate::vault::error::VaultError::InClearText {
            name: name.to_string(),
            scheme: origin.scheme.as_str(),
            origin: origin.to_string(),
        }
        .into());
    }
    Ok(Some(crate::git::fetch::Auth {
        username: credential.http_username().to_string(),
        password: credential.secret.clone(),
        origin,
    }))
}

/// May this machine read `url` without being asked by name? Always for remote URLs;
/// a repository on this machine only once this machine registered it, refreshed it by
/// name or accepted it (the helper for plain git asks the same).
pub(crate) fn may_read_url(
    checked: &Checked,
    accepted: &AcceptedReads,
    url: &crate::url::GitUrl,
) -> bool {
    checked.may_read(url) || accepted.has_url(url)
}

/// Why a listed path of the entry `name` is not read here, and what accepts it.
pub(crate) fn not_accepted_reason(name: &str, why: Held) -> String {
    match why {
        Held::SharedList => "not accepted on this machine; `repodex accept --settings` accepts registry.toml's config_paths".to_string(),
        Held::Entry => format!("not accepted on this machine; check the entry with `repodex info {name}`, then `repodex accept {name}`"),
    }
}

/// Apply what a remote said to its entry, where `read` are the paths that were read and
/// `held` those listed but not accepted here (whose cached files stay as they are;
/// a cached file of a path no longer listed goes). The files are taken in the order
/// listed while the entry stays within what repodex reads ([`MAX_ENTRY_SIZE`]);
/// returns what changed, and the files left out.
fn apply(
    entry: &mut Entry,
    learned: &Learned,
    read: &[String],
    held: &[String],
    now: DateTime<Utc>,
) -> (Vec<Change>, Vec<(String, String)>) {
    let mut files: std::collections::BTreeMap<String, String> = entry
        .config
        .files
        .iter()
        .filter(|(path, _)| held.contains(path))
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect();
    let mut left_out = Vec::new();
    let mut sized = entry.clone();
    sized.config.files = files.clone();
    sized.remote.default_branch = Some(learned.default_branch.clone());
    sized.remote.config_commit = learned.commit.map(|c| c.to_string());
    sized.remote.config_fetched = Some(now);
    for path in read {
        let Some(text) = learned.files.get(path) else {
            continue;
        };
        sized.config.files.insert(path.clone(), text.clone());
        if sized.to_toml().len() > MAX_ENTRY_SIZE {
            sized.config.files.remove(path);
            left_out.push((
                path.clone(),
                format!("the entry would be larger than the {MAX_ENTRY_SIZE} bytes repodex reads"),
            ));
            continue;
        }
        files.insert(path.clone(), text.clone());
    }
    let mut changes = Vec::new();
    if entry.remote.default_branch.as_ref() != Some(&learned.default_branch) {
        changes.push(Change::DefaultBranch {
            from: entry.remote.default_branch.clone(),
            to: learned.default_branch.clone(),
        });
    }
    for (path, text) in &files {
        let path = path.clone();
        match entry.config.files.get(&path) {
            None => changes.push(Change::FileAdded { path }),
            Some(old) if old != text => changes.push(Change::FileChanged { path }),
            _ => {}
        }
    }
    for path in entry.config.files.keys() {
        if !files.contains_key(path) {
            changes.push(Change::FileRemoved { path: path.clone() });
        }
    }
    if !changes.is_empty() {
        entry.remote.default_branch = Some(learned.default_branch.clone());
        entry.remote.config_commit = learned.commit.map(|c| c.to_string());
        entry.remote.config_fetched = Some(now);
        entry.config.files = files;
    }
    (changes, left_out)
}

/// The longest a reading command (`info`, `config`) waits for a stale entry's remote.
pub const QUICK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How current the remote data shown for an entry is.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Freshness {
    /// Checked within the time-to-live.
    Fresh,
    /// Just refreshed.
    Refreshed,
    /// Served from the cache: when it was last checked, and why it was not now.
    Cached {
        checked: Option<DateTime<Utc>>,
        reason: String,
    },
}

/// Of the entries `names`, those whose remote data is older than the registry's
/// time-to-live (or was never read), each with when it was last read.
pub fn stale<'a>(
    ctx: &Context,
    registry: &Registry,
    names: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, Option<DateTime<Utc>>)>> {
    let network = ctx.network()?;
    let ttl = network.limits.refresh_ttl(&registry.settings()?);
    let checked = Checked::load(&registry.private_dir());
    let now = Utc::now();
    let mut stale = Vec::new();
    for name in names {
        let Ok(url) = registry.entry(name).and_then(|e| e.git_url()) else {
            continue;
        };
        let last = checked.get(&url).and_then(|c| c.ok);
        if last.is_none_or(|t| (now - t).to_std().unwrap_or_default() >= ttl) {
            stale.push((name.to_string(), last));
        }
    }
    Ok(stale)
}

/// Make sure an entry's remote data is within the registry's time-to-live, refreshing
/// it when it is not and the network allows; otherwise say how old the cache is.
pub fn ensure_fresh(
    ctx: &Context,
    registry: &mut Registry,
    name: &str,
    on_wait: &mut dyn FnMut(),
) -> Result<Freshness> {
    let network = ctx.network()?;
    let entry = registry.entry(name)?;
    let url = entry.git_url()?;
    let ttl = network.limits.refresh_ttl(&registry.settings()?);
    let checked = Checked::load(&registry.private_dir());
    let last = checked.get(&url).cloned().unwrap_or_default();
    let now = Utc::now();
    let fresh = last
        .ok
        .is_some_and(|t| (now - t).to_std().unwrap_or_default() < ttl);
    if fresh {
        return Ok(Freshness::Fresh);
    }
    if let Some(why) = &network.offline {
        return Ok(Freshness::Cached {
            checked: last.ok,
            reason: format!("offline: {why}"),
        });
    }
    // The host failed a moment ago: answer at once rather than wait for it again.
    if let Some(failure) = checked.recent_host_failure(&url, now) {
        return Ok(Freshness::Cached {
            checked: last.ok,
            reason: format!(
                "not asked: {} failed {} ({}); `repodex refresh {name}` tries now",
                url.host().unwrap_or_default(),
                crate::time::ago(failure.failed, now),
                failure.error
            ),
        });
    }
    // A reading command waits only briefly for a remote before answering from the cache.
    let quick = Network {
        timeout: network.timeout.min(QUICK_TIMEOUT),
        ..network.clone()
    };
    let report = refresh(
        ctx,
        registry,
        &[name.to_string()],
        &quick,
        1,
        false,
        &mut |_| {},
        on_wait,
    )?;
    match report.failed.into_iter().next() {
        None => Ok(Freshness::Refreshed),
        Some(failed) => Ok(Freshness::Cached {
            checked: last.ok,
            reason: format!("remote unreachable: {}", failed.reason),
        }),
    }
}
