//! Refreshing entries from their remotes, and serving cached data when that cannot be done.
//!
//! The network work runs first, without the registry's lock (it can take seconds);
//! then one transaction re-reads each entry, applies what was learned, and commits once
//! for the whole run, and only when a default branch or a configuration file changed:
//! a remote whose head moved without touching those leaves history alone.

use chrono::{DateTime, SubsecRound, Utc};

use super::state::Checked;
use super::{run_all, Cache, Learned, Network, Progress, Task};
use crate::git::ObjectId;
use crate::registry::entry::Entry;
use crate::registry::Registry;
use crate::Result;

/// What a refresh did.
#[derive(Debug, Default)]
pub struct Report {
    /// Entries that changed, with what changed.
    pub updated: Vec<(String, Vec<String>)>,
    pub unchanged: Vec<String>,
    /// Entries whose remote failed, with the reason.
    pub failed: Vec<(String, String)>,
    /// Files seen but not cached, as `(entry, path, reason)`.
    pub skipped: Vec<(String, String, String)>,
    /// How many remotes sent objects.
    pub fetched: usize,
    /// The commit made, if anything changed.
    pub commit: Option<ObjectId>,
}

/// Refresh the entries named `names`: learn from their remotes, up to `jobs` at once,
/// then apply what changed in one commit.
pub fn refresh(
    registry: &mut Registry,
    names: &[String],
    cache: &Cache,
    network: &Network,
    jobs: usize,
    on_progress: &mut dyn FnMut(Progress),
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    network.require("refresh")?;
    let settings = registry.settings()?;
    let with_credentials = registry.credential_names()?;
    let mut identity = None;
    let mut tasks = Vec::with_capacity(names.len());
    let mut unusable = Vec::new();
    for name in names {
        let entry = registry.entry(name)?;
        let mut task = Task {
            name: name.clone(),
            url: entry.git_url()?,
            config_paths: entry
                .config_paths
                .clone()
                .unwrap_or_else(|| settings.config_paths()),
            max_file_size: settings.max_config_size(),
            max_mirror_size: settings.max_mirror_size(),
            auth: None,
        };
        if with_credentials.contains(name) {
            match credential_for(registry, name, &mut identity) {
                Ok(auth) => task.auth = auth,
                Err(error) => {
                    unusable.push((
                        name.clone(),
                        format!("its stored credential cannot be used: {error}"),
                    ));
                    continue;
                }
            }
        }
        tasks.push(task);
    }
    let results = run_all(cache, network, tasks, jobs, on_progress);

    let now = Utc::now().trunc_subsecs(0);
    let mut report = Report::default();
    let private = registry.private_dir();
    let mut tx = registry.transaction(on_wait)?;
    let mut checked = Checked::load(&private);
    report.failed.extend(unusable);
    for (task, result) in results {
        let learned = match result {
            Ok(learned) => learned,
            Err(error) => {
                checked.record_failure(&task.url, now, error.to_string());
                report.failed.push((task.name, error.to_string()));
                continue;
            }
        };
        checked.record_ok(&task.url, now);
        report.fetched += usize::from(learned.fetched);
        for (path, reason) in &learned.skipped {
            report
                .skipped
                .push((task.name.clone(), path.clone(), reason.clone()));
        }
        // The entry may have been renamed, moved or forgotten while we were away.
        let entry = tx.entry(&task.name).ok().filter(|e| {
            e.git_url()
                .is_ok_and(|u| u.identity_key() == task.url.identity_key())
        });
        let Some(mut entry) = entry else {
            report.failed.push((
                task.name,
                "changed in the registry while it was being refreshed; refresh it again".into(),
            ));
            continue;
        };
        let changes = apply(&mut entry, &learned, now);
        if changes.is_empty() {
            report.unchanged.push(task.name);
        } else {
            tx.put(entry, None)?;
            report.updated.push((task.name, changes));
        }
    }
    checked.save(&private)?;
    let message = match report.updated.as_slice() {
        [] => String::new(),
        [(name, changes)] => format!("refresh {name}: {}", changes.join(", ")),
        many => {
            let lines: Vec<String> = many
                .iter()
                .map(|(n, c)| format!("{n}: {}", c.join(", ")))
                .collect();
            format!(
                "refresh {} repositories\n\n{}",
                many.len(),
                lines.join("\n")
            )
        }
    };
    report.commit = tx.commit(&message)?;
    Ok(report)
}

/// The entry's credential as HTTP authentication, decrypted with the user's identity
/// (loaded once, on first need). ssh-key credentials are for plain git's ssh and give none.
fn credential_for(
    registry: &Registry,
    name: &str,
    identity: &mut Option<crate::vault::identity::Identity>,
) -> Result<Option<crate::git::fetch::Auth>> {
    use crate::vault::identity::Identity;
    if identity.is_none() {
        *identity = Some(Identity::load(&Identity::default_path()?, registry.root())?);
    }
    let identity = identity.as_ref().expect("loaded above");
    Ok(registry
        .credential(name, identity)?
        .filter(|c| c.kind != crate::vault::credential::Kind::SshKey)
        .map(|c| crate::git::fetch::Auth {
            username: c.http_username().to_string(),
            password: c.secret.clone(),
        }))
}

/// Apply what a remote said to its entry; returns what changed, in words.
fn apply(entry: &mut Entry, learned: &Learned, now: DateTime<Utc>) -> Vec<String> {
    let mut changes = Vec::new();
    match &entry.remote.default_branch {
        None => changes.push(format!("default branch {}", learned.default_branch)),
        Some(old) if *old != learned.default_branch => changes.push(format!(
            "default branch {old} -> {}",
            learned.default_branch
        )),
        _ => {}
    }
    for (path, text) in &learned.files {
        match entry.config.files.get(path) {
            None => changes.push(format!("{path} added")),
            Some(old) if old != text => changes.push(format!("{path} changed")),
            _ => {}
        }
    }
    for path in entry.config.files.keys() {
        if !learned.files.contains_key(path) {
            changes.push(format!("{path} removed"));
        }
    }
    if !changes.is_empty() {
        entry.remote.default_branch = Some(learned.default_branch.clone());
        entry.remote.config_commit = learned.commit.map(|c| c.to_string());
        entry.remote.config_fetched = Some(now);
        entry.config.files = learned.files.clone();
    }
    changes
}

/// The longest a reading command (`info`, `config`) waits for a stale entry's remote.
pub const QUICK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How current the remote data shown for an entry is.
#[derive(Debug, Clone, PartialEq)]
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

/// Make sure an entry's remote data is within the registry's time-to-live, refreshing
/// it when it is not and the network allows; otherwise say how old the cache is.
pub fn ensure_fresh(
    registry: &mut Registry,
    name: &str,
    cache: &Cache,
    network: &Network,
    on_wait: &mut dyn FnMut(),
) -> Result<Freshness> {
    let entry = registry.entry(name)?;
    let url = entry.git_url()?;
    let ttl = registry.settings()?.refresh_ttl();
    let last = Checked::load(&registry.private_dir())
        .get(&url)
        .cloned()
        .unwrap_or_default();
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
    // A reading command waits only briefly for a remote before answering from the cache.
    let quick = Network {
        timeout: network.timeout.min(QUICK_TIMEOUT),
        ..network.clone()
    };
    let report = refresh(
        registry,
        &[name.to_string()],
        cache,
        &quick,
        1,
        &mut |_| {},
        on_wait,
    )?;
    match report.failed.into_iter().next() {
        None => Ok(Freshness::Refreshed),
        Some((_, reason)) => Ok(Freshness::Cached {
            checked: last.ok,
            reason: format!("remote unreachable: {reason}"),
        }),
    }
}
