//! This machine's record of when it last checked each remote, and what went wrong.
//!
//! It is per-machine state, so it is not history: it lives in the registry's
//! `.git/repodex/checked.json`, which git never pushes, keyed by the URL's identity so
//! that a rename does not forget it. A missing or unreadable file means "never checked".

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::url::GitUrl;
use crate::Result;

const FILE: &str = "checked.json";

/// The last check of one remote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// When the remote last answered.
    pub ok: Option<DateTime<Utc>>,
    /// When it last failed, and why (cleared when it answers again).
    pub failed: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// Every remote's last check, and the local repositories this machine's user asked to
/// read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Checked {
    remotes: BTreeMap<String, Check>,
    /// Identity keys of local (path or `file://`) repositories that this machine
    /// registered or refreshed by name. An entry with a local URL that someone else
    /// pushed is read only after that: otherwise a teammate could point an entry at
    /// `file:///home/you/private` and have its files cached and synced to them.
    #[serde(default)]
    local_reads: std::collections::BTreeSet<String>,
    /// Endpoints (`host:port`) whose last connection failed for a reason of the
    /// endpoint's, not of one repository's (refused, timed out, no such name, TLS): a read within
    /// [`HOST_FAILURE_MEMORY`] answers from the cache at once instead of waiting again.
    #[serde(default)]
    hosts: BTreeMap<String, HostFailure>,
}

/// How long a host's failure is remembered for reads (an explicit `refresh` always
/// tries).
pub const HOST_FAILURE_MEMORY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// A host's last failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostFailure {
    pub failed: DateTime<Utc>,
    pub error: String,
}

impl Checked {
    pub fn load(private_dir: &Path) -> Checked {
        std::fs::read(private_dir.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, private_dir: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self).expect("state serializes");
        crate::git::write_atomically(&private_dir.join(FILE), &bytes)
    }

    /// Let this machine read the local repository `url` from now on.
    pub fn allow_local(&mut self, url: &GitUrl) {
        self.local_reads.insert(url.identity_key());
    }

    /// May this machine read `url` without being asked by name? Always for remote
    /// URLs; for local ones, only once allowed ([`Checked::allow_local`]).
    pub fn may_read(&self, url: &GitUrl) -> bool {
        !url.is_local() || self.local_reads.contains(&url.identity_key())
    }

    pub fn get(&self, url: &GitUrl) -> Option<&Check> {
        self.remotes.get(&url.identity_key())
    }

    /// The failure of `url`'s endpoint within [`HOST_FAILURE_MEMORY`] of `now`, if any.
    pub fn recent_host_failure(&self, url: &GitUrl, now: DateTime<Utc>) -> Option<&HostFailure> {
        let failure = self.hosts.get(&url.endpoint()?)?;
        let age = (now - failure.failed).to_std().ok()?;
        (age < HOST_FAILURE_MEMORY).then_some(failure)
    }

    /// Remember that `url`'s endpoint itself failed.
    pub fn record_host_failure(&mut self, url: &GitUrl, now: DateTime<Utc>, error: String) {
        if let Some(endpoint) = url.endpoint() {
            self.hosts
                .insert(endpoint, HostFailure { failed: now, error });
        }
    }

    pub fn record_ok(&mut self, url: &GitUrl, now: DateTime<Utc>) {
        if let Some(endpoint) = url.endpoint() {
            self.hosts.remove(&endpoint);
        }
        let check = self.remotes.entry(url.identity_key()).or_default();
        check.ok = Some(now);
        check.failed = None;
        check.error = None;
    }

    pub fn record_failure(&mut self, url: &GitUrl, now: DateTime<Utc>, error: String) {
        let check = self.remotes.entry(url.identity_key()).or_default();
        check.failed = Some(now);
        check.error = Some(error);
    }
}
