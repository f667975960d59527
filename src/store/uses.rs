//! This machine's use of each entry, for ranking: how often and how recently the user
//! went to it (`.git/repodex/uses.json`, never pushed).
//!
//! The ranking is zoxide's frecency: each use adds 1 to an entry's rank, and its score
//! is the rank weighted by how long ago the last use was (4 within the hour, 2 within
//! the day, 1/2 within the week, 1/4 after). When the ranks add up to more than
//! [`MAX_TOTAL`], every rank is scaled down and those below 1 are forgotten, so that old
//! habits fade and the file stays small.
//!
//! A use is recorded on the way to a repository (a jump, a pick), so it is written
//! without the registry's lock, which a jump never waits for: read, change, replace
//! atomically. Two uses recorded at the same moment can lose one of them, which only
//! ranks that repository a little lower. Uses are kept by entry name: a renamed entry
//! starts afresh. A file that does not read counts as no use at all, and the next use
//! replaces it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Result;

/// The file, in the registry's private folder.
pub const FILE: &str = "uses.json";

/// The file format's version.
const VERSION: u32 = 1;

/// When the ranks add up to more than this, they are scaled down (zoxide's `_ZO_MAXAGE`).
pub const MAX_TOTAL: f64 = 10_000.0;

/// One entry's use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Use {
    /// How often, with old uses scaled down.
    pub rank: f64,
    /// When last, in seconds since the Unix epoch.
    pub last: i64,
}

/// Every entry's use, by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Uses {
    version: u32,
    uses: BTreeMap<String, Use>,
}

impl Uses {
    /// The record in the private folder `private`; empty when there is none or it does
    /// not read.
    pub fn read(private: &Path) -> Uses {
        std::fs::read(private.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Uses>(&bytes).ok())
            .filter(|uses| uses.version <= VERSION)
            .unwrap_or_default()
    }

    /// Record a use of `name` at `now` (seconds since the epoch) in the file in
    /// `private`: read, add, age, replace.
    pub fn record(private: &Path, name: &str, now: i64) -> Result<()> {
        let mut uses = Uses::read(private);
        uses.add(name, now);
        uses.version = VERSION;
        let bytes = serde_json::to_vec(&uses).expect("uses serialize");
        crate::git::write_atomically(&private.join(FILE), &bytes)
    }

    /// Add one use of `name` at `now`, after ageing the others when the ranks would add
    /// up to too much (the use just made is never the one forgotten).
    pub fn add(&mut self, name: &str, now: i64) {
        let total: f64 = self.uses.values().map(|u| u.rank).sum();
        if total + 1.0 > MAX_TOTAL {
            let factor = 0.9 * MAX_TOTAL / total;
            for used in self.uses.values_mut() {
                used.rank *= factor;
            }
            self.uses.retain(|_, used| used.rank >= 1.0);
        }
        let entry = self.uses.entry(name.to_string()).or_insert(Use {
            rank: 0.0,
            last: now,
        });
        entry.rank += 1.0;
        entry.last = entry.last.max(now);
    }

    /// The frecency of `name` at `now`: 0 when never used.
    pub fn score(&self, name: &str, now: i64) -> f64 {
        let Some(used) = self.uses.get(name) else {
            return 0.0;
        };
        let age = now.saturating_sub(used.last);
        let weight = if age < 3_600 {
            4.0
        } else if age < 86_400 {
            2.0
        } else if age < 604_800 {
            0.5
        } else {
            0.25
        };
        used.rank * weight
    }

    pub fn is_empty(&self) -> bool {
        self.uses.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn often_and_recently_used_scores_higher() {
        let mut uses = Uses::default();
        for _ in 0..3 {
            uses.add("often", NOW - 7_200);
        }
        uses.add("recent", NOW - 60);
        uses.add("old", NOW - 30 * 86_400);
        // 3 uses two hours ago (x2) against 1 a minute ago (x4).
        assert_eq!(uses.score("often", NOW), 6.0);
        assert_eq!(uses.score("recent", NOW), 4.0);
        assert_eq!(uses.score("old", NOW), 0.25);
        assert_eq!(uses.score("never", NOW), 0.0);
    }

    #[test]
    fn old_habits_fade_when_the_ranks_add_up_to_too_much() {
        let mut uses = Uses::default();
        uses.uses.insert(
            "habit".into(),
            Use {
                rank: MAX_TOTAL - 1.0,
                last: NOW,
            },
        );
        uses.uses.insert(
            "once".into(),
            Use {
                rank: 1.0,
                last: NOW,
            },
        );
        uses.add("new", NOW);
        let total: f64 = uses.uses.values().map(|u| u.rank).sum();
        assert!(total <= 0.9 * MAX_TOTAL + 1.0 + 1e-6, "{total}");
        assert!(uses.uses.contains_key("habit"));
        // Scaled below 1: forgotten; the use just made stays.
        assert!(!uses.uses.contains_key("once"));
        assert_eq!(uses.score("new", NOW), 4.0);
    }

    #[test]
    fn a_use_is_written_and_read_back_and_a_damaged_file_is_no_use() {
        let dir = tempfile::tempdir().unwrap();
        Uses::record(dir.path(), "a", NOW).unwrap();
        Uses::record(dir.path(), "a", NOW + 1).unwrap();
        assert_eq!(Uses::read(dir.path()).score("a", NOW + 1), 8.0);
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert!(Uses::read(dir.path()).is_empty());
        Uses::record(dir.path(), "b", NOW).unwrap();
        assert_eq!(Uses::read(dir.path()).score("b", NOW), 4.0);
    }
}
