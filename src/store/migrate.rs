//! Migration to the newest registry format, as one commit.
//!
//! A migration moves every entry file to where the new format puts it, byte for byte,
//! sets `format` in `registry.toml` (keeping the rest of the file), and replaces
//! `README.md` when it is still the text repodex wrote. It is one transaction: a crash
//! leaves the old format or the new one, uncommitted hand edits stop it before anything
//! is written, and the catalog, which is keyed by name, stays as it is.

use super::layout::{Layout, REPOS_DIR, SETTINGS_FILE};
use super::Registry;
use super::{settings, shared_files};
use crate::Result;

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Migrated {
    /// The format before.
    pub from: i64,
    /// The format after.
    pub to: i64,
    /// How many entry files moved.
    pub entries: usize,
    /// The commit that did it.
    #[serde(serialize_with = "crate::git::serialize_id")]
    pub commit: crate::git::ObjectId,
}

impl Migrated {
    /// "3 entry files moved", for messages.
    pub fn files_moved(&self) -> String {
        match self.entries {
            1 => "1 entry file moved".into(),
            n => format!("{n} entry files moved"),
        }
    }
}

impl Registry {
    /// Bring the registry to the newest format ([`layout::FORMAT`](super::layout::FORMAT)); `None` when it is
    /// there already. Files under `repos/` that are not where the old format puts an
    /// entry, or not regular files, stop it: they have no place in the new layout.
    pub fn migrate(&mut self, on_wait: impl FnMut()) -> Result<Option<Migrated>> {
        let mut tx = self.transaction(on_wait)?;
        let from = tx.registry().layout()?;
        let to = Layout::NEWEST;
        if from == to {
            return Ok(None);
        }
        let repo = tx.registry().repo();
        let tree = repo.tree_of(tx.base())?;
        let files = repo.files_under(tree, REPOS_DIR)?;
        let mut moves = Vec::with_capacity(files.len());
        for file in files {
            let name = from
                .entry_name(&file.path)
                .filter(|n| super::name::validate_name(n).is_ok());
            let Some(name) = name.filter(|_| file.regular) else {
                return Err(super::error::StoreError::NoPlaceInFormat {
                    path: file.path.clone(),
                    layout: from.describe().to_string(),
                    to: to.format(),
                }
                .into());
            };
            let bytes = repo.read_blob(file.id, usize::MAX)?;
            moves.push((file.path.clone(), to.entry_path(&name), bytes));
        }
        let settings = tx
            .file(SETTINGS_FILE)?
            .ok_or(super::error::StoreError::MissingFile {
                file: SETTINGS_FILE,
            })?;
        let settings = settings::with_format(&String::from_utf8_lossy(&settings), to.format());
        let readme = tx.file("README.md")?;
        let entries = moves.len();
        for (old, new, bytes) in moves {
            tx.put_merged_file(&old, None)?;
            tx.put_merged_file(&new, Some(bytes))?;
        }
        tx.put_merged_file(SETTINGS_FILE, Some(settings.into_bytes()))?;
        if readme.as_deref() == Some(shared_files::README_FORMAT_1.as_bytes()) {
            tx.put_merged_file("README.md", Some(shared_files::README.as_bytes().to_vec()))?;
        }
        let mut migrated = Migrated {
            from: from.format(),
            to: to.format(),
            entries,
            commit: crate::git::null_id(),
        };
        let message = format!(
            "migrate the registry to format {}\n\n{}: {}.",
            to.format(),
            migrated.files_moved(),
            to.describe()
        );
        migrated.commit = tx
            .commit(&message)?
            .expect("a migration changes registry.toml");
        Ok(Some(migrated))
    }
}
