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
use crate::store::entry::{Entry, MAX_ENTRY_SIZE};
use crate::store::layout::{self, credential_path, Layout};
use crate::store::Transaction;
use crate::vault::credential::MAX_FILE_SIZE;
use crate::vault::identity::Identity;
use crate::vault::recipients::Recipients;
use crate::{Error, Result};

mod fields;
mod files;
mod report;

pub use report::{Decision, EntryChange};

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

    // ---- reading the three trees -------------------------------------------------

    /// A file's bytes in `tree`, refusing anything but a regular file of bounded size.
    fn read(&mut self, tree: ObjectId, path: &str, max: usize, label: &str) -> Option<Vec<u8>> {
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

    fn version(&mut self, which: Which, name: &str) -> Option<Version> {
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
    fn changed_at(&mut self, which: Which, paths: &[String]) -> Result<i64> {
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
    fn theirs_later(&mut self, ours: &Version, theirs: &Version, files: &[&str]) -> Result<bool> {
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

    // ---- entries -----------------------------------------------------------------

    fn merge_entries(&mut self, names: &BTreeSet<String>, plan: &mut Plan) -> Result<()> {
        let mut base = BTreeMap::new();
        let mut ours = BTreeMap::new();
        let mut theirs = BTreeMap::new();
        for name in names {
            if let Some(v) = self.version(Which::Base, name) {
                base.insert(name.clone(), v);
            }
            if let Some(v) = self.version(Which::Ours, name) {
                ours.insert(name.clone(), v);
            }
            if let Some(v) = self.version(Which::Theirs, name) {
                theirs.insert(name.clone(), v);
            }
        }
        if !self.clashes.is_empty() {
            return Ok(());
        }
        // Per side, the new names that are renamed entries of the common ancestor.
        let (mut claimed_ours, mut claimed_theirs) = (BTreeSet::new(), BTreeSet::new());
        // Entries that existed in the common ancestor, followed through renames.
        for b in base.values() {
            let o = successor(b, &ours, &base, &mut claimed_ours);
            let t = successor(b, &theirs, &base, &mut claimed_theirs);
            self.merge_one(Some(b), o, t, plan)?;
        }
        // Entries new on either side.
        for name in names {
            if base.contains_key(name) {
                continue;
            }
            let o = ours
                .get(name)
                .filter(|_| !claimed_ours.contains(name))
                .cloned();
            let t = theirs
                .get(name)
                .filter(|_| !claimed_theirs.contains(name))
                .cloned();
            if let (Some(o), Some(t)) = (&o, &t) {
                if o.entry.git_url()?.identity_key() != t.entry.git_url()?.identity_key() {
                    self.clashes.push(format!(
                        "'{name}' was registered here as {} and on the remote as {}; rename yours (`repodex rename {name} NEW-NAME`) and sync again",
                        o.entry.url, t.entry.url
                    ));
                    continue;
                }
            }
            self.merge_one(None, o, t, plan)?;
        }
        Ok(())
    }

    /// Does our side have an entry called `name`?
    fn ours_has(&self, name: &str) -> bool {
        matches!(
            self.repo
                .file_at(self.ours.tree, &self.ours.layout.entry_path(name)),
            Ok(Some(_))
        )
    }

    /// Merge one entry's three versions into the plan (which starts from ours).
    fn merge_one(
        &mut self,
        base: Option<&Version>,
        ours: Option<Version>,
        theirs: Option<Version>,
        plan: &mut Plan,
    ) -> Result<()> {
        let result = match (&ours, &theirs) {
            _ if theirs.as_ref() == base => return Ok(()),
            _ if ours.as_ref() == base => theirs.clone(),
            (Some(o), Some(t)) if o == t => return Ok(()),
            (None, None) => return Ok(()),
            (None, Some(t)) => {
                self.merged.notes.push(Decision::KeptForgottenHere {
                    name: t.name.clone(),
                });
                theirs.clone()
            }
            (Some(o), None) => {
                self.merged.notes.push(Decision::KeptForgottenThere {
                    name: o.name.clone(),
                });
                return Ok(());
            }
            (Some(o), Some(t)) => Some(self.merge_fields(base, o, t)?),
        };
        // From ours to the result: remove what moved or went, write what is new.
        let ours_name = ours.as_ref().map(|o| o.name.clone());
        let change = match (&ours, &result) {
            (None, Some(r)) => EntryChange::Added {
                name: r.name.clone(),
            },
            (Some(o), None) => EntryChange::Removed {
                name: o.name.clone(),
            },
            (Some(o), Some(r)) => EntryChange::Changed {
                name: r.name.clone(),
                was: (o.name != r.name).then(|| o.name.clone()),
            },
            (None, None) => return Ok(()),
        };
        self.merged.changes.push(change);
        if let Some(old) = &ours_name {
            if result.as_ref().is_none_or(|r| &r.name != old) {
                plan.removals.push(old.clone());
                if ours.as_ref().is_some_and(|o| o.credential.is_some()) {
                    plan.files.insert(credential_path(old), None);
                }
            }
        }
        if let Some(r) = &result {
            // The result may not take the name of a different entry here (one side
            // renamed or registered something to a name the other side gave another).
            let same_entry = ours_name.as_deref() == Some(r.name.as_str());
            if !same_entry && !plan.removals.contains(&r.name) && self.ours_has(&r.name) {
                self.clashes.push(format!(
                    "'{}' names one repository here and another on the remote ({}); rename one of them (`repodex rename {0} NEW-NAME`) and sync again",
                    r.name, r.entry.url
                ));
                return Ok(());
            }
        }
        if let Some(r) = result {
            let path = credential_path(&r.name);
            let current = ours
                .as_ref()
                .filter(|o| o.name == r.name)
                .and_then(|o| o.credential.clone());
            if r.credential != current {
                plan.files.insert(path, r.credential.clone());
            }
            if ours.as_ref().map(|o| &o.entry) != Some(&r.entry) {
                plan.puts.push(r.entry);
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Which {
    Base,
    Ours,
    Theirs,
}

/// The entry names a path under `repos/` or `credentials/` stands for in `layouts`.
fn entry_names(path: &str, layouts: &[Option<Layout>]) -> BTreeSet<String> {
    layouts
        .iter()
        .flatten()
        .filter_map(|layout| layout.entry_name(path))
        .chain(layout::name_for_credential(path).map(Into::into))
        .filter(|name| crate::store::name::validate_name(name).is_ok())
        .map(|name| name.into_owned())
        .collect()
}

/// What became of the base entry `b` on one side: the entry at the same name, or, if
/// that is gone, a new entry of the same URL (a rename), or nothing (forgotten).
fn successor(
    b: &Version,
    side: &BTreeMap<String, Version>,
    base: &BTreeMap<String, Version>,
    claimed: &mut BTreeSet<String>,
) -> Option<Version> {
    if let Some(v) = side.get(&b.name) {
        return Some(v.clone());
    }
    let key = b.entry.git_url().ok()?.identity_key();
    let (name, v) = side.iter().find(|(name, v)| {
        !base.contains_key(*name) && v.entry.git_url().is_ok_and(|u| u.identity_key() == key)
    })?;
    claimed.insert(name.clone());
    Some(v.clone())
}
