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

use super::catalog::{Catalog, KeyKind, Record};
use super::Registry;
use crate::url::{looks_like_url, GitUrl};
use crate::{Error, Result};

/// Which reference rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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

/// Rules 1 and 2, which the catalog alone answers: the entry named `lower` (the
/// reference in lower case), else the one entry with that alias.
fn by_name_or_alias(catalog: &Catalog, reference: &str, lower: &str) -> Result<Option<Resolved>> {
    if catalog.record(lower).is_some() {
        return Ok(Some(Resolved {
            name: lower.to_string(),
            rule: Rule::Name,
        }));
    }
    Ok(
        unique(catalog, reference, KeyKind::Alias, lower)?.map(|name| Resolved {
            name,
            rule: Rule::Alias,
        }),
    )
}

/// Rule 5: the one entry whose name ends in the segment `lower`.
fn by_last_segment(catalog: &Catalog, reference: &str, lower: &str) -> Result<Option<Resolved>> {
    Ok(
        unique(catalog, reference, KeyKind::LastSegment, lower)?.map(|name| Resolved {
            name,
            rule: Rule::LastSegment,
        }),
    )
}

/// The one entry with `key` of `kind`; more than one is ambiguous.
fn unique(catalog: &Catalog, reference: &str, kind: KeyKind, key: &str) -> Result<Option<String>> {
    let mut owners = catalog.lookup(kind, key);
    match owners.len() {
        0 => Ok(None),
        1 => Ok(owners.pop()),
        _ => Err(Error::Ambiguous {
            reference: reference.to_string(),
            candidates: owners,
        }),
    }
}

/// The commit HEAD is at and the URL of the entry `reference` resolves to, read
/// without opening the registry at `root` (the front program's `resolve`): HEAD read
/// by hand, the catalog on disk current for it, no commit left half done, and a
/// reference that the catalog alone resolves (a name, an alias, or a last segment
/// that is neither a URL nor a path on this machine, which rules 3 and 4 would look
/// at first). `None` when any of that is not so, or for a miss or an ambiguity: then
/// open the registry, whose [`Registry::resolve`] gives the same answer where this
/// gives one, and every other answer.
pub fn url_unopened(root: &Path, reference: &str) -> Option<(crate::git::ObjectId, String)> {
    let git_dir = root.join(".git");
    let private = git_dir.join(super::layout::PRIVATE_DIR);
    if super::commit::needs_recovery(&private) {
        return None;
    }
    let head = crate::git::head_commit_unopened(&git_dir)?;
    let catalog = Catalog::read_current(&private, head)?;
    let reference = plain_reference(reference).ok()?;
    let lower = reference.to_lowercase();
    let found = match by_name_or_alias(&catalog, reference, &lower).ok()? {
        Some(found) => found,
        None if looks_like_url(reference) || Path::new(reference).canonicalize().is_ok() => {
            return None
        }
        None => by_last_segment(&catalog, reference, &lower).ok()??,
    };
    match catalog.record(&found.name)? {
        Record::Entry(summary) => Some((head, summary.url)),
        Record::Broken { .. } => None,
    }
}

impl Registry {
    /// Resolve a reference to an entry's name by the reference rules.
    pub fn resolve(&self, reference: &str) -> Result<Resolved> {
        self.resolve_from(reference, &mut Vec::new())
    }

    /// [`Registry::resolve`], where the working copies in `seen` are already being
    /// followed: a working copy whose `origin` is a `repodex:` URL names the entry that
    /// reference resolves to, and that reference can lead back to a working copy (`git
    /// clone repodex:api` makes `./api` with that origin before it asks the helper for
    /// `api`). The path rule skips a working copy it has seen, so the other rules
    /// answer, or the usual miss does, however many steps the loop takes.
    fn resolve_from(
        &self,
        reference: &str,
        seen: &mut Vec<std::path::PathBuf>,
    ) -> Result<Resolved> {
        let reference = plain_reference(reference)?;
        let found = |name: String, rule| Ok(Resolved { name, rule });
        let lower = reference.to_lowercase();
        if let Some(found) = by_name_or_alias(self.catalog(), reference, &lower)? {
            return Ok(found);
        }
        if looks_like_url(reference) {
            if let Ok(parsed) = crate::url::interpret(reference) {
                if let Some(name) = unique(
                    self.catalog(),
                    reference,
                    KeyKind::Url,
                    &parsed.url.identity_key_in(&self.url_rules()?),
                )? {
                    return found(name, Rule::Url);
                }
            }
        }
        if let Some(name) = self.resolve_path(reference, Path::new(reference), seen)? {
            return found(name, Rule::Path);
        }
        if let Some(found) = by_last_segment(self.catalog(), reference, &lower)? {
            return Ok(found);
        }
        Err(Error::NotFound {
            reference: reference.to_string(),
            suggestions: self.suggestions(reference),
        })
    }

    /// The entry whose repository contains `dir`: a working copy of a registered URL, or
    /// a registered local repository. For `info` without a REF.
    pub fn resolve_working_copy(&self, dir: &Path) -> Result<Option<String>> {
        self.resolve_path(&dir.display().to_string(), dir, &mut Vec::new())
    }

    fn resolve_path(
        &self,
        reference: &str,
        path: &Path,
        seen: &mut Vec<std::path::PathBuf>,
    ) -> Result<Option<String>> {
        let Ok(canonical) = path.canonicalize() else {
            return Ok(None);
        };
        let Some(copy) = crate::git::working_copy(&canonical) else {
            return Ok(None);
        };
        if seen.contains(&copy.root) {
            return Ok(None);
        }
        seen.push(copy.root.clone());
        // A registered local repository: by its own path, or the folder that holds it.
        for local in [&canonical, &copy.root, &copy.git_dir] {
            if let Ok(parsed) = GitUrl::parse(&local.display().to_string()) {
                if let Some(name) = unique(
                    self.catalog(),
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
                if let Ok(found) = self.resolve_from(name, seen) {
                    return Ok(Some(found.name));
                }
                continue;
            }
            if let Ok(parsed) = crate::url::interpret(url) {
                if let Some(name) = unique(
                    self.catalog(),
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
