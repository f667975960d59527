//! Reading the three trees of a merge (the common ancestor, ours, the remote's): an
//! entry's version on each side, and when each side last changed a file.

use super::{Merger, Side, Version, Which};
use crate::git::ObjectId;
use crate::store::entry::{Entry, MAX_ENTRY_SIZE};
use crate::store::layout::{credential_path, Layout};
use crate::vault::credential::MAX_FILE_SIZE;
use crate::Result;

impl Merger<'_> {
    /// A file's bytes in `tree`, refusing anything but a regular file of bounded size.
    pub(super) fn read(
        &mut self,
        tree: ObjectId,
        path: &str,
        max: usize,
        label: &str,
    ) -> Option<Vec<u8>> {
        match self.repo.file_at(tree, path) {
            Ok(None) => None,
            Ok(Some(file)) if !file.regular => {
                self.clashes.push(format!(
                    "{path} {label} is not a regular file (a symlink or submodule); replace it with a file"
                ));
                None
            }
            Ok(Some(file)) => match self.repo.read_blob(file.id, max) {
                Ok(bytes) => Some(bytes),
                Err(e) => {
                    self.clashes.push(format!("{path} {label}: {e}"));
                    None
                }
            },
            Err(e) => {
                self.clashes.push(format!("{path} {label}: {e}"));
                None
            }
        }
    }

    pub(super) fn version(&mut self, which: Which, name: &str) -> Option<Version> {
        let (tree, layout, label) = match which {
            Which::Base => (self.base_tree?, self.base_layout?, "in the common ancestor"),
            Which::Ours => (self.ours.tree, self.ours.layout, "here"),
            Which::Theirs => (self.theirs.tree, self.theirs.layout, "on the remote"),
        };
        let path = layout.entry_path(name);
        let bytes = self.read(tree, &path, MAX_ENTRY_SIZE, label)?;
        let entry = match Entry::parse(layout, &path, &bytes) {
            Ok(entry) => entry,
            Err(e) => {
                self.clashes
                    .push(format!("{label}: {e}; fix the file and commit it"));
                return None;
            }
        };
        if entry.name != name {
            self.clashes.push(format!(
                "{path} {label} names the entry '{}', which does not match its path",
                entry.name
            ));
            return None;
        }
        if let Err(e) = entry.git_url() {
            self.clashes.push(format!("{path} {label}: {e}"));
            return None;
        }
        let credential = self.read(tree, &credential_path(name), MAX_FILE_SIZE as usize, label);
        Some(Version {
            name: name.to_string(),
            entry,
            credential,
        })
    }

    fn side(&mut self, which: Which) -> &mut Side {
        match which {
            Which::Ours => &mut self.ours,
            _ => &mut self.theirs,
        }
    }

    /// When `which` last changed any of `paths`.
    pub(super) fn changed_at(&mut self, which: Which, paths: &[String]) -> Result<i64> {
        let (repo, hidden) = (self.repo, self.base_commit);
        let side = self.side(which);
        if side.times.is_none() {
            side.times = Some(repo.change_times(side.tip, hidden)?);
        }
        let times = side.times.as_ref().expect("just read");
        Ok(paths
            .iter()
            .filter_map(|p| times.get(p))
            .copied()
            .max()
            .unwrap_or(0))
    }

    /// Is `theirs` the later change to the entry (ties go to the remote, whose commit
    /// was pushed first)?
    pub(super) fn theirs_later(
        &mut self,
        ours: &Version,
        theirs: &Version,
        files: &[&str],
    ) -> Result<bool> {
        // In every layout: a side's history since the common ancestor may hold a
        // migration (which moves files without changing them, and so is no change).
        let paths = |v: &Version| -> Vec<String> {
            files
                .iter()
                .flat_map(|f| match *f {
                    "credential" => vec![credential_path(&v.name)],
                    _ => Layout::ALL.iter().map(|l| l.entry_path(&v.name)).collect(),
                })
                .collect()
        };
        let ours_at = self.changed_at(Which::Ours, &paths(ours))?;
        let theirs_at = self.changed_at(Which::Theirs, &paths(theirs))?;
        Ok(theirs_at >= ours_at)
    }
}
