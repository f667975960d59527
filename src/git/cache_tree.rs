//! The index's cache-tree (git's `TREE` extension): which folders of the index match
//! which tree object, so that `git status` and `git commit` skip every folder that has
//! not changed instead of reading all of HEAD's trees.
//!
//! git keeps it current in its own commits; repodex, which updates the index entry by
//! entry, keeps it current too: a commit re-validates only the folders on the paths it
//! touched, and the first commit into an index without one builds it from HEAD once.
//! A folder is marked valid only when the index entries under it are exactly the tree
//! it names, so a change a user has staged keeps its folders invalid, as git would.
//! gix can read and write the extension but not add one to an index that lacks it, so
//! the index is written here, with the extension appended before the checksum.

use std::collections::BTreeSet;

use gix::bstr::ByteSlice;
use gix::index::extension::Tree;

use super::{git_err, ObjectId, Repo};
use crate::{Error, Result};

/// The index's entries, sorted by path, as ranges of them are taken.
struct Entries<'a> {
    index: &'a gix::index::State,
}

impl<'a> Entries<'a> {
    fn of(index: &'a gix::index::State) -> Self {
        Entries { index }
    }

    fn len(&self) -> usize {
        self.index.entries().len()
    }

    /// The range of entries below the folder `dir` ("" for the root).
    fn under(&self, dir: &[u8]) -> std::ops::Range<usize> {
        if dir.is_empty() {
            return 0..self.len();
        }
        let mut start = dir.to_vec();
        start.push(b'/');
        let mut end = dir.to_vec();
        end.push(b'/' + 1);
        let entries = self.index.entries();
        let from = entries.partition_point(|e| e.path(self.index).as_bytes() < &start[..]);
        let to = entries.partition_point(|e| e.path(self.index).as_bytes() < &end[..]);
        from..to
    }
}

impl Repo {
    /// The cache-tree for `index` after it was brought in line with `tree` at `touched`
    /// paths, starting from `old` (the index's cache-tree before, which described its
    /// entries as they were when they matched `base` where it says so).
    pub(super) fn cache_tree(
        &self,
        index: &gix::index::State,
        old: Option<Tree>,
        base: Option<ObjectId>,
        tree: ObjectId,
        touched: &[String],
    ) -> Result<Tree> {
        let entries = Entries::of(index);
        // Without one to start from, or for a commit of many files (an import), one walk
        // of HEAD's trees is the cheaper way.
        let (Some(mut root), Some(base)) = (old, base) else {
            return Ok(self.build(tree, b"", &entries, 0..entries.len())?.0);
        };
        if touched.len() > 256 {
            return Ok(self.build(tree, b"", &entries, 0..entries.len())?.0);
        }
        // Every folder on a touched path, parents first.
        let mut dirs: BTreeSet<(usize, Vec<u8>)> = BTreeSet::new();
        for path in touched {
            let bytes = path.as_bytes();
            dirs.insert((0, Vec::new()));
            for (i, _) in bytes.iter().enumerate().filter(|(_, b)| **b == b'/') {
                dirs.insert((
                    bytes[..i].split(|b| *b == b'/').count(),
                    bytes[..i].to_vec(),
                ));
            }
        }
        for (_, dir) in &dirs {
            let new_id = self.tree_at(tree, dir)?;
            let old_id = self.tree_at(base, dir)?;
            let Some(new_id) = new_id else {
                remove_node(&mut root, dir);
                continue;
            };
            let count = entries.under(dir).len();
            let node = node_mut(&mut root, dir);
            let valid = match (node.num_entries, old_id) {
                // It described the index, and the index was the base's folder: the
                // touched paths now hold the new tree's files, so it is the new folder.
                (Some(_), Some(old_id)) => node.id == old_id,
                // A folder new in this commit holds only files this commit wrote, and
                // nothing else may be staged in it.
                (None, None) if node.children.is_empty() => {
                    let mut prefix = dir.clone();
                    prefix.push(b'/');
                    let written = touched
                        .iter()
                        .filter(|p| p.as_bytes().starts_with(&prefix))
                        .count();
                    count == written && self.files_under(new_id, "")?.len() == count
                }
                _ => false,
            };
            node.id = new_id;
            node.num_entries = valid.then_some(count as u32);
        }
        Ok(root)
    }

    /// The id of the folder `dir` in `tree` ("" is `tree` itself).
    fn tree_at(&self, tree: ObjectId, dir: &[u8]) -> Result<Option<ObjectId>> {
        if dir.is_empty() {
            return Ok(Some(tree));
        }
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(git_err("cannot read a registry tree"))?;
        let entry = tree
            .lookup_entry_by_path(dir.to_str_lossy().as_ref())
            .map_err(git_err("cannot look up a folder in the registry"))?;
        Ok(entry.filter(|e| e.mode().is_tree()).map(|e| e.object_id()))
    }

    /// The cache-tree node of `tree`, the folder `dir`, whose index entries are
    /// `range`; also whether those entries are exactly the tree's files, and how many
    /// files the tree has.
    fn build(
        &self,
        tree: ObjectId,
        dir: &[u8],
        entries: &Entries<'_>,
        range: std::ops::Range<usize>,
    ) -> Result<(Tree, usize)> {
        let object = self
            .repo
            .find_tree(tree)
            .map_err(git_err("cannot read a registry tree"))?;
        let decoded = object
            .decode()
            .map_err(git_err("cannot read a registry tree"))?;
        let mut node = Tree {
            name: dir.rsplit(|b| *b == b'/').next().unwrap_or_default().into(),
            id: tree,
            num_entries: None,
            children: Vec::new(),
        };
        let slice = &entries.index.entries()[range.clone()];
        let (mut files, mut valid) = (0, true);
        for item in &decoded.entries {
            let mut path = dir.to_vec();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(item.filename);
            if item.mode.is_tree() {
                let sub = entries.under(&path);
                let (child, child_files) = self.build(item.oid.to_owned(), &path, entries, sub)?;
                valid &= child.num_entries.is_some();
                files += child_files;
                node.children.push(child);
            } else {
                files += 1;
                let found = slice
                    .binary_search_by(|e| e.path(entries.index).as_bytes().cmp(&path))
                    .ok()
                    .map(|i| slice[i].id);
                valid &= found == Some(item.oid.to_owned());
            }
        }
        // In name order, as gix reads them (git sorts them its own way when it reads).
        node.children.sort_by(|a, b| a.name.cmp(&b.name));
        if valid && files == range.len() {
            node.num_entries = Some(files as u32);
        }
        Ok((node, files))
    }

    /// Write `index` to disk with `cache_tree` as its `TREE` extension.
    pub(super) fn write_index(
        &self,
        lock: super::IndexLock,
        index: &gix::index::File,
        cache_tree: &Tree,
    ) -> Result<()> {
        use gix::index::write::{Extensions, Options};
        let mut bytes = Vec::new();
        let options = Options {
            extensions: Extensions::Given {
                tree_cache: false,
                end_of_index_entry: false,
            },
            // The checksum is computed below, over the extension too.
            skip_hash: true,
        };
        index
            .write_to(&mut bytes, options)
            .map_err(git_err("cannot write the registry's git index"))?;
        let hash_len = self.repo.object_hash().len_in_bytes();
        bytes.truncate(bytes.len() - hash_len);
        cache_tree
            .write_to(&mut bytes)
            .map_err(|e| Error::io("cannot write the registry's git index", e))?;
        let mut hasher = gix::hash::hasher(self.repo.object_hash());
        hasher.update(&bytes);
        let checksum = hasher
            .try_finalize()
            .map_err(git_err("cannot write the registry's git index"))?;
        bytes.extend_from_slice(checksum.as_bytes());
        lock.commit(&bytes)
    }
}

/// The node of the folder `dir`, made (invalid, in name order) if missing.
fn node_mut<'t>(root: &'t mut Tree, dir: &[u8]) -> &'t mut Tree {
    if dir.is_empty() {
        return root;
    }
    let mut node = root;
    for name in dir.split(|b| *b == b'/') {
        // Searched one by one: the order of an index written by others is theirs.
        let at = match node.children.iter().position(|c| c.name.as_slice() == name) {
            Some(at) => at,
            None => {
                let at = node.children.partition_point(|c| c.name.as_slice() < name);
                node.children.insert(
                    at,
                    Tree {
                        name: name.into(),
                        id: ObjectId::null(gix::hash::Kind::Sha1),
                        num_entries: None,
                        children: Vec::new(),
                    },
                );
                at
            }
        };
        node = &mut node.children[at];
    }
    node
}

/// Drop the node of the folder `dir`, which no longer exists.
fn remove_node(root: &mut Tree, dir: &[u8]) {
    let parts: Vec<&[u8]> = dir.split(|b| *b == b'/').collect();
    let Some((name, parents)) = parts.split_last() else {
        return;
    };
    let mut node = root;
    for part in parents {
        match node
            .children
            .iter()
            .position(|c| c.name.as_slice() == *part)
        {
            Some(at) => node = &mut node.children[at],
            None => return,
        }
    }
    node.children.retain(|c| c.name.as_slice() != *name);
}
