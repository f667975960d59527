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

    pub fn record_ok(&mut self, url: &GitUrl, now: DateTime<Utc>) {
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
