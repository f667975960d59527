//! This machine's record of its clones: which folders are working copies of which entry
//! (`.git/repodex/clones.json`, never pushed).
//!
//! A clone is recorded with the entry's name and its URL's identity key at the time, and
//! belongs to the entry that has that URL now, else to the entry that has that name: a
//! rename keeps the URL and a moved repository (`set --url`) keeps the name, so either
//! change keeps an entry's clones. Every write brings both keys up to date, so a rename
//! followed by a move keeps them too. The file is written under its own lock (so two
//! commands cloning at once both land), replaced atomically, and a damaged file is
//! reported, never read as empty (which would lose the record at the next write).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::catalog::{KeyKind, Record};
use super::Registry;
use crate::{Error, Result};

/// The record's file, in the registry's private folder.
pub const FILE: &str = "clones.json";

/// The lock its writers take.
const LOCK: &str = "clones.lock";

/// The newest version of the file's format.
const VERSION: u32 = 2;

/// One recorded clone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The working copy's top folder.
    pub path: PathBuf,
    /// The entry's name when last written; empty when it was not known yet.
    #[serde(default)]
    pub name: String,
    /// The identity key of the entry's URL when last written.
    pub url: String,
}

/// Every recorded clone, by path (a folder is a clone of one entry).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Clones {
    records: Vec<Recorded>,
}

#[derive(Serialize, Deserialize)]
struct FileV2 {
    version: u32,
    clones: Vec<Recorded>,
}

/// The first shape of the file (repodex 0.2): URL identity key -> paths.
#[derive(Deserialize)]
struct FileV1 {
    clones: BTreeMap<String, Vec<PathBuf>>,
}

impl Clones {
    /// The record in the private folder `private`; empty when there is none. A file that
    /// does not read is an error that names it, so that no write replaces it unread.
    pub fn read(private: &Path) -> Result<Clones> {
        let file = private.join(FILE);
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Clones::default()),
            Err(e) => return Err(Error::io(format!("cannot read {}", file.display()), e)),
        };
        let damaged = |reason: String| {
            Error::from(super::error::StoreError::DamagedClones {
                file: file.clone(),
                reason,
            })
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        let mut records = match value.get("version") {
            Some(_) => {
                let v2: FileV2 =
                    serde_json::from_value(value).map_err(|e| damaged(e.to_string()))?;
                if v2.version > VERSION {
                    return Err(damaged(format!(
                        "it is version {} of the format, written by a newer repodex",
                        v2.version
                    )));
                }
                v2.clones
            }
            None => {
                let v1: FileV1 =
                    serde_json::from_value(value).map_err(|e| damaged(e.to_string()))?;
                v1.clones
                    .into_iter()
                    .flat_map(|(url, paths)| {
                        paths.into_iter().map(move |path| Recorded {
                            path,
                            name: String::new(),
                            url: url.clone(),
                        })
                    })
                    .collect()
            }
        };
        records.sort_by(|a, b| a.path.cmp(&b.path));
        records.dedup_by(|a, b| a.path == b.path);
        Ok(Clones { records })
    }

    fn write(&self, private: &Path) -> Result<()> {
        let file = FileV2 {
            version: VERSION,
            clones: self.records.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&file).expect("the record serializes");
        crate::git::write_atomically(&private.join(FILE), &bytes)
    }

    /// Which version of the record is on disk, without reading it: its size, time and
    /// file number (a write replaces the file), or `none`; for files derived from it
    /// (git-setup's) to tell when to be written again.
    pub fn stamp(private: &Path) -> String {
        let Ok(meta) = std::fs::metadata(private.join(FILE)) else {
            return "none".into();
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        #[cfg(unix)]
        let file = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let file = 0;
        format!("{}-{modified}-{file}", meta.len())
    }

    /// Every recorded clone, by path.
    pub fn records(&self) -> &[Recorded] {
        &self.records
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Record `path` as a clone of the entry `name` whose URL has the identity key
    /// `url`; returns whether the record changed.
    pub fn record(&mut self, path: &Path, name: &str, url: &str) -> bool {
        let new = Recorded {
            path: path.to_path_buf(),
            name: name.to_string(),
            url: url.to_string(),
        };
        match self
            .records
            .binary_search_by(|r| r.path.as_path().cmp(path))
        {
            Ok(i) if self.records[i] == new => false,
            Ok(i) => {
                self.records[i] = new;
                true
            }
            Err(i) => {
                self.records.insert(i, new);
                true
            }
        }
    }

    /// Forget the clone at `path`; returns whether it was recorded.
    pub fn forget(&mut self, path: &Path) -> bool {
        match self
            .records
            .binary_search_by(|r| r.path.as_path().cmp(path))
        {
            Ok(i) => {
                self.records.remove(i);
                true
            }
            Err(_) => false,
        }
    }
}

impl Registry {
    /// This machine's record of its clones (reported when damaged).
    pub fn clones(&self) -> Result<Clones> {
        Clones::read(&self.private_dir())
    }

    /// Change the record of clones under its lock: read it, let `change` edit it, bring
    /// every record's name and URL key up to date with this registry, and write it when
    /// anything changed. A damaged record is refused, not replaced.
    pub fn update_clones<R>(
        &self,
        on_wait: &mut dyn FnMut(),
        change: impl FnOnce(&mut Clones) -> R,
    ) -> Result<R> {
        let private = self.private_dir();
        let _lock = super::transaction::take_named_lock(&private, LOCK, on_wait)?;
        let mut clones = Clones::read(&private)?;
        let before = clones.clone();
        let result = change(&mut clones);
        for i in 0..clones.records.len() {
            if let Some(name) = self.entry_of_clone(&clones.records[i]) {
                let url = self.url_key_of(&name);
                let record = &mut clones.records[i];
                record.name = name;
                if let Some(url) = url {
                    record.url = url;
                }
            }
        }
        if clones != before {
            clones.write(&private)?;
        }
        Ok(result)
    }

    /// The identity key of the URL of the entry `name`, by this registry's URL rules.
    pub fn url_key_of(&self, name: &str) -> Option<String> {
        let Some(Record::Entry(summary)) = self.record(name) else {
            return None;
        };
        let rules = self.url_rules().ok()?;
        crate::url::GitUrl::parse(&summary.url)
            .ok()
            .map(|parsed| parsed.url.identity_key_in(&rules))
    }

    /// The entry a recorded clone belongs to now: the one with its URL (a rename keeps
    /// the URL), else the one with its name (a moved repository keeps the name).
    pub fn entry_of_clone(&self, record: &Recorded) -> Option<String> {
        if let [name] = self.catalog().lookup(KeyKind::Url, &record.url).as_slice() {
            return Some(name.clone());
        }
        match self.record(&record.name) {
            Some(Record::Entry(_)) if !record.name.is_empty() => Some(record.name.clone()),
            _ => None,
        }
    }

    /// Every recorded clone, grouped by the entry it belongs to; clones of no entry
    /// (forgotten, or of another registry) under `None`.
    pub fn clones_by_entry(&self, clones: &Clones) -> BTreeMap<Option<String>, Vec<Recorded>> {
        let mut by_entry: BTreeMap<Option<String>, Vec<Recorded>> = BTreeMap::new();
        for record in clones.records() {
            by_entry
                .entry(self.entry_of_clone(record))
                .or_default()
                .push(record.clone());
        }
        by_entry
    }

    /// The recorded clones of the entry `name`.
    pub fn clones_of(&self, clones: &Clones, name: &str) -> Vec<Recorded> {
        let url = self.url_key_of(name);
        clones
            .records()
            .iter()
            .filter(|r| {
                (url.as_deref() == Some(r.url.as_str()) || r.name == name)
                    && self.entry_of_clone(r).as_deref() == Some(name)
            })
            .cloned()
            .collect()
    }
}
