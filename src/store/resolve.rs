//! The reference rules: how a REF given by a user becomes one entry.
//!
//! Every command that takes a repository resolves it here, by the first rule that
//! matches (docs/references.md):
//!
//! 1. an entry's name (case-insensitive);
//! 2. one of its aliases;
//! 3. a URL of it in any spelling (compared by [identity key](crate::url::GitUrl::identity_key));
//! 4. a local path: a working copy whose remote is a registered URL, or a registered
//!    local repository;
//! 5. a unique last segment of a name (`minsky` for `edobry/minsky`).
//!
//! Otherwise resolution fails with the candidates (ambiguous) or the nearest names (not
//! found). Rules 1, 2, 3 and 5 are catalog lookups; only rule 4 touches the file system.

use std::path::Path;

use serde::Serialize;

use super::catalog::KeyKind;
use super::Registry;
use crate::url::{looks_like_url, GitUrl};
use crate::{Error, Result};

/// Which reference rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Name,
    Alias,
    Url,
    Path,
    LastSegment,
}

/// A reference resolved to an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The entry's name.
    pub name: String,
    /// The rule that matched.
    pub rule: Rule,
}

/// `reference` without the `repodex:` that git-setup teaches git to put before a name
/// (`repodex:mk` names `mk`); refused when it is empty or holds control characters.
fn plain_reference(mut reference: &str) -> Result<&str> {
    loop {
        if reference.is_empty() || reference.chars().any(char::is_control) {
            return Err(super::error::StoreError::NotAReference {
                reference: reference.to_string(),
            }
            .into());
        }
        match crate::url::entry_reference(reference) {
            Some(name) => reference = name,
            None => return Ok(reference),
        }
    }
}

/// The commit HEAD is at and the URL of the entry `reference` names by the first rule
/// (its name), read without opening the registry at `root`: HEAD read by hand, the
/// catalog on disk current for it, no commit left half done. `None` when any of that
/// is not so, or the reference is not an entry's name: then open the registry, whose
/// [`Registry::resolve`] gives the same answer where this gives one (and every other).
pub fn url_by_name_unopened(
    root: &Path,
    reference: &str,
) -> Option<(crate::git::ObjectId, String)> {
    let git_dir = root.join(".git");
    let private = git_dir.join(super::layout::PRIVATE_DIR);
    if super::commit::needs_recovery(&private) {
        return None;
    }
    let head = crate::git::head_commit_unopened(&git_dir)?;
    let catalog = super::catalog::Catalog::read_current(&private, head)?;
    let name = plain_reference(reference).ok()?.to_lowercase();
    match catalog.record(&name)? {
        super::catalog::Record::Entry(summary) => Some((head, summary.url)),
        super::catalog::Record::Broken { .. } => None,
    }
}

impl Registry {
    /// Resolve a reference to an entry's name by the reference rules.
    pub fn resolve(&self, reference: &str) -> Result<Resolved> {
        let reference = plain_reference(reference)?;
        let found = |name: String, rule| Ok(Resolved { name, rule });
        let lower = reference.to_lowercase();
        if self.catalog().record(&lower).is_some() {
            return found(lower, Rule::Name);
        }
        if let Some(name) = self.unique(reference, KeyKind::Alias, &lower)? {
            return found(name, Rule::Alias);
        }
        if looks_like_url(reference) {
            if let Ok(parsed) = crate::url::interpret(reference) {
                if let Some(name) = self.unique(
                    reference,
                    KeyKind::Url,
                    &parsed.url.identity_key_in(&self.url_rules()?),
                )? {
                    return found(name, Rule::Url);
                }
            }
        }
        if let Some(name) = self.resolve_path(reference, Path::new(reference))? {
            return found(name, Rule::Path);
        }
        if let Some(name) = self.unique(reference, KeyKind::LastSegment, &lower)? {
            return found(name, Rule::LastSegment);
        }
        Err(Error::NotFound {
            reference: reference.to_string(),
            suggestions: self.suggestions(reference),
        })
    }

    /// The entry whose repository contains `dir`: a working copy of a registered URL, or
    /// a registered local repository. For `info` without a REF.
    pub fn resolve_working_copy(&self, dir: &Path) -> Result<Option<String>> {
        self.resolve_path(&dir.display().to_string(), dir)
    }

    fn unique(&self, reference: &str, kind: KeyKind, key: &str) -> Result<Option<String>> {
        let mut owners = self.catalog().lookup(kind, key);
        match owners.len() {
            0 => Ok(None),
            1 => Ok(owners.pop()),
            _ => Err(Error::Ambiguous {
                reference: reference.to_string(),
                candidates: owners,
            }),
        }
    }

    fn resolve_path(&self, reference: &str, path: &Path) -> Result<Option<String>> {
        let Ok(canonical) = path.canonicalize() else {
            return Ok(None);
        };
        let Some(copy) = crate::git::working_copy(&canonical) else {
            return Ok(None);
        };
        // A registered local repository: by its own path, or the folder that holds it.
        for local in [&canonical, &copy.root, &copy.git_dir] {
            if let Ok(parsed) = GitUrl::parse(&local.display().to_string()) {
                if let Some(name) = self.unique(
                    reference,
                    KeyKind::Url,
                    &parsed.url.identity_key_in(&self.url_rules()?),
                )? {
                    return Ok(Some(name));
                }
            }
        }
        // A working copy of a registered remote, `origin` first (`repodex:<name>` too).
        for url in &copy.remote_urls {
            if let Some(name) = crate::url::entry_reference(url) {
                if let Ok(found) = self.resolve(name) {
                    return Ok(Some(found.name));
                }
                continue;
            }
            if let Ok(parsed) = crate::url::interpret(url) {
                if let Some(name) = self.unique(
                    reference,
                    KeyKind::Url,
                    &parsed.url.identity_key_in(&self.url_rules()?),
                )? {
                    return Ok(Some(name));
                }
            }
        }
        Ok(None)
    }

    /// Up to three entry names close to `reference`, nearest first (`store::suggest`
    /// says which, and how a miss at 100,000 entries stays cheap).
    pub fn suggestions(&self, reference: &str) -> Vec<String> {
        super::suggest::nearest(self.catalog(), reference)
    }
}
