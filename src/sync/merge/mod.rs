//! The three-way merge of a registry with its remote, entry by entry (docs/sync.md).
//!
//! Only what changed since the common ancestor is looked at, so a merge costs what the
//! two sides changed, not the size of the registry. Every file the remote brings is
//! untrusted: it must be a file of the registry's layout, parse, and keep names, aliases
//! and URLs unique; otherwise the merge stops, names the files, and changes nothing.
//!
//! The rules:
//! - an entry changed on one side only takes that side's version;
//! - an entry changed on both merges field by field: aliases and tags as sets (what
//!   either side added, minus what either side removed), remote data from the newer
//!   fetch, anything else (URL, description, name) from the side that changed it, or
//!   from the later change when both did, naming the other value in the notes;
//! - an entry forgotten on one side and changed on the other is kept, with its
//!   credential;
//! - a credential changed on both sides is decrypted, the later change wins, and it is
//!   encrypted again to the recipients this machine accepted;
//! - `.age-recipients` merges as a set of keys; a change from the remote is not accepted
//!   here until `repodex recipients accept`;
//! - `registry.toml` takes the later change; `README.md` and `.gitattributes` keep ours
//!   when both changed.
//!
//! A rename is recognised by its URL: an entry gone from its path on one side with an
//! entry of the same URL newly at another path is the same entry, renamed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::git::{ObjectId, Repo};
use crate::store::entry::Entry;
use crate::store::layout::{self, Layout};
use crate::store::Transaction;
use crate::vault::identity::Identity;
use crate::vault::recipients::Recipients;
use crate::{Error, Result};

mod entries;
mod fields;
mod files;
mod report;
mod trees;

pub use report::{Decision, EntryChange};

use entries::entry_names;

/// What a merge did, for the commit message and the user.
#[derive(Debug, Default, Clone)]
pub struct Merged {
    /// Entries the remote added, changed or removed (shown as `+ name`, `~ name`, `- name`).
    pub changes: Vec<EntryChange>,
    /// Decisions made by rule that a person should know about.
    pub notes: Vec<Decision>,
}

/// One side of the merge: a commit and what it changed since the common ancestor.
struct Side {
    tip: ObjectId,
    tree: ObjectId,
    /// Where its entries are (its format's layout).
    layout: Layout,
    changed: BTreeSet<String>,
    /// Per path, when this side last changed it; read only when a conflict needs it.
    times: Option<HashMap<String, i64>>,
}

/// An entry as one side has it: its name, content and credential file.
#[derive(Debug, Clone, PartialEq)]
struct Version {
    name: String,
    entry: Entry,
    credential: Option<Vec<u8>>,
}

struct Merger<'a> {
    repo: &'a Repo,
    base_commit: Option<ObjectId>,
    base_tree: Option<ObjectId>,
    base_layout: Option<Layout>,
    ours: Side,
    theirs: Side,
    identity: Option<&'a Identity>,
    /// The recipient set this machine accepted: the only keys it ever encrypts to.
    accepted: Option<Recipients>,
    clashes: Vec<String>,
    merged: Merged,
}

/// The merge's result, applied to a transaction that began at our tip.
#[derive(Default)]
struct Plan {
    removals: Vec<String>,
    puts: Vec<Entry>,
    files: BTreeMap<String, Option<Vec<u8>>>,
}

/// Merge `theirs` into the transaction (which began at our HEAD), whose common
/// ancestor is `base`. On success the transaction holds the merged state, to be
/// committed with `theirs` as second parent; on a clash nothing is written and the
/// error names every clash.
pub fn merge(
    tx: &mut Transaction<'_>,
    theirs: ObjectId,
    base: Option<ObjectId>,
    identity: Option<&Identity>,
) -> Result<Merged> {
    let (plan, merged) = {
        let repo = tx.registry().repo();
        let mut merger = Merger::new(repo, tx.base(), theirs, base, identity)?;
        merger.accepted = tx.registry().accepted_recipients();
        let plan = merger.plan()?;
        if !merger.clashes.is_empty() {
            return Err(clash(merger.clashes));
        }
        (plan, merger.merged)
    };
    apply(tx, plan)?;
    Ok(merged)
}

fn clash(clashes: Vec<String>) -> Error {
    crate::sync::error::SyncError::Clashes { clashes }.into()
}

/// Apply the plan. Puts are retried until no more succeed, so that an alias or URL
/// moving from one entry to another lands whatever the order; what still fails is a
/// real clash.
fn apply(tx: &mut Transaction<'_>, plan: Plan) -> Result<()> {
    for name in &plan.removals {
        tx.remove_entry(name);
    }
    let mut waiting = plan.puts;
    loop {
        let mut failed = Vec::new();
        let mut errors = Vec::new();
        let before = waiting.len();
        for entry in waiting {
            if let Err(error) = tx.put(entry.clone(), None) {
                errors.push(format!("'{}' {}", entry.name, error));
                failed.push(entry);
            }
        }
        if failed.is_empty() {
            break;
        }
        if failed.len() == before {
            let errors = errors
                .into_iter()
                .map(|e| format!("{e} (settle it on either side, then sync again)"))
                .collect();
            return Err(clash(errors));
        }
        waiting = failed;
    }
    for (path, content) in plan.files {
        tx.put_merged_file(&path, content)?;
    }
    Ok(())
}

impl<'a> Merger<'a> {
    /// `recipients` when it is exactly the set this machine accepted, the only set it
    /// may encrypt to; `None` otherwise (someone else's change not yet accepted).
    fn encryptable(&self, recipients: Recipients) -> Option<Recipients> {
        self.accepted
            .as_ref()
            .filter(|a| a.keys() == recipients.keys())
            .map(|_| recipients)
    }

    fn new(
        repo: &'a Repo,
        ours: ObjectId,
        theirs: ObjectId,
        base: Option<ObjectId>,
        identity: Option<&'a Identity>,
    ) -> Result<Merger<'a>> {
        let base_tree = base.map(|b| repo.tree_of(b)).transpose()?;
        let side = |tip: ObjectId| -> Result<Side> {
            let tree = repo.tree_of(tip)?;
            let changed = match base_tree {
                Some(base_tree) => repo.changed_files(base_tree, tree)?,
                None => repo.all_files(tree)?.into_iter().map(|f| f.path).collect(),
            };
            Ok(Side {
                tip,
                tree,
                layout: Layout::of_tree(repo, tree)?,
                changed: changed.into_iter().collect(),
                times: None,
            })
        };
        Ok(Merger {
            repo,
            base_commit: base,
            base_tree,
            base_layout: base_tree
                .map(|tree| Layout::of_tree(repo, tree))
                .transpose()?,
            ours: side(ours)?,
            theirs: side(theirs)?,
            accepted: None,
            identity,
            clashes: Vec::new(),
            merged: Merged::default(),
        })
    }

    fn plan(&mut self) -> Result<Plan> {
        let mut plan = Plan::default();
        let mut names = BTreeSet::new();
        let theirs_changed: Vec<String> = self.theirs.changed.iter().cloned().collect();
        // A changed path is the side's own, or the common ancestor's (a file it removed
        // or moved), and the two may differ in format: a name is looked for in both. A
        // name read in the wrong layout finds no entry on any side and merges as nothing.
        let theirs_layouts = [Some(self.theirs.layout), self.base_layout];
        let ours_layouts = [Some(self.ours.layout), self.base_layout];
        // Credential files (with or without an entry) and the README the remote changed
        // pass the one check of incoming files; entries, the recipients and the shared
        // settings are checked as they are merged below.
        let theirs_files = self.repo.files_at(self.theirs.tree, &theirs_changed)?;
        for file in theirs_files.into_iter().flatten() {
            if layout::name_for_credential(&file.path).is_none() && file.path != "README.md" {
                continue;
            }
            if let Err(problem) = super::check::incoming_file(self.repo, self.theirs.layout, &file)
            {
                self.clashes
                    .push(format!("on the remote: {problem}; fix it there"));
            }
        }
        for path in &theirs_changed {
            let found = entry_names(path, &theirs_layouts);
            if !found.is_empty() {
                names.extend(found);
            } else if !theirs_layouts
                .iter()
                .flatten()
                .any(|layout| layout.is_known_path(path))
            {
                self.clashes.push(format!(
                    "the remote has {}, which is not a file of a registry; remove it there",
                    crate::url::quote(path)
                ));
            }
        }
        if names.is_empty() && !self.clashes.is_empty() {
            return Ok(plan);
        }
        // Our renames and additions take part in matching the remote's changes.
        for path in &self.ours.changed {
            names.extend(entry_names(path, &ours_layouts));
        }
        self.merge_entries(&names, &mut plan)?;
        self.merge_recipients(&mut plan)?;
        for path in crate::store::shared_files::SHARED_FILES {
            self.merge_shared_file(path, &mut plan)?;
        }
        self.reencrypt_taken(&mut plan);
        Ok(plan)
    }
}

#[derive(Clone, Copy)]
enum Which {
    Base,
    Ours,
    Theirs,
}
