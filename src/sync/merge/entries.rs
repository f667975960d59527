//! Merging entries: each entry's three versions followed through renames (an entry
//! gone from one path and new at another with the same URL), and the plan's removals,
//! puts and credential files from ours to the result.

use std::collections::{BTreeMap, BTreeSet};

use super::{Decision, EntryChange, Merger, Plan, Version, Which};
use crate::store::layout::{self, credential_path, Layout};
use crate::Result;

impl Merger<'_> {
    pub(super) fn merge_entries(
        &mut self,
        names: &BTreeSet<String>,
        plan: &mut Plan,
    ) -> Result<()> {
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

/// The entry names a path under `repos/` or `credentials/` stands for in `layouts`.
pub(super) fn entry_names(path: &str, layouts: &[Option<Layout>]) -> BTreeSet<String> {
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
