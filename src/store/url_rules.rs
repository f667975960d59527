//! Bringing entries registered under older URL rules up to today's (docs/references.md):
//! a URL that today reads otherwise (`#readme` kept, a browser page, `git+`) is
//! rewritten, and entries that today's identity makes one repository (`Edobry/minsky`
//! and `edobry/minsky` on GitHub) are merged into one, in one commit, losing nothing:
//! the others' names become aliases of the one kept, their aliases and tags move to
//! it, and a credential moves with them.

use serde::Serialize;

use super::entry::Entry;
use super::layout::credential_path;
use super::name::validate_alias;
use super::transaction::Transaction;
use crate::Result;

/// What adopting today's URL rules did (`repodex migrate --urls`).
#[derive(Debug, Default, Serialize)]
pub struct UrlMigration {
    /// Entries whose stored URL was rewritten.
    pub rewritten: Vec<Rewritten>,
    /// Entries merged into one.
    pub merged: Vec<Merged>,
    /// Entries left as they are, and why: a person must decide.
    pub held: Vec<Held>,
    /// The commit made (hex), when anything changed.
    pub commit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Rewritten {
    pub name: String,
    pub from: String,
    pub to: String,
    /// What today's rules changed, one line each.
    pub notices: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Merged {
    /// The entry kept (the oldest).
    pub into: String,
    /// The entries merged into it; their names are its aliases now.
    pub from: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Held {
    pub name: String,
    pub reason: String,
}

/// Rewrite and merge the entries of `tx` by today's URL rules; the caller commits.
pub fn adopt(tx: &mut Transaction<'_>) -> Result<UrlMigration> {
    let mut report = UrlMigration::default();
    let rules = tx.registry().url_rules()?;
    let names: Vec<String> = tx
        .registry()
        .records()
        .filter(|r| !r.is_broken())
        .map(|r| r.name().to_string())
        .collect();
    // Each entry with the URL today's rules give it, grouped by repository.
    let mut groups: std::collections::BTreeMap<String, Vec<(Entry, String, Vec<String>)>> =
        Default::default();
    for name in names {
        let entry = tx.entry(&name)?;
        match crate::url::interpret(&entry.url) {
            Ok(today) if today.secret.is_none() => {
                let key = today.url.identity_key_in(&rules);
                groups
                    .entry(key)
                    .or_default()
                    .push((entry, today.url.to_string(), today.notices));
            }
            Ok(_) => report.held.push(Held {
                name,
                reason: "its URL holds a secret; `repodex set NAME --url` without it".into(),
            }),
            Err(e) => report.held.push(Held {
                name,
                reason: format!("today's rules refuse its URL: {e}"),
            }),
        }
    }
    for (_, mut group) in groups {
        // The oldest entry is kept; the others join it.
        group.sort_by(|a, b| (a.0.added, &a.0.name).cmp(&(b.0.added, &b.0.name)));
        let (mut keep, url, notices) = group.remove(0);
        let merging = !group.is_empty();
        if merging {
            let with_credential: Vec<&str> = std::iter::once(keep.name.as_str())
                .chain(group.iter().map(|(e, _, _)| e.name.as_str()))
                .filter(|n| tx.file(&credential_path(n)).ok().flatten().is_some())
                .collect();
            if with_credential.len() > 1 {
                let all: Vec<&str> = std::iter::once(keep.name.as_str())
                    .chain(group.iter().map(|(e, _, _)| e.name.as_str()))
                    .collect();
                for name in &all {
                    report.held.push(Held {
                        name: name.to_string(),
                        reason: format!(
                            "one repository with {}, and {} each hold a credential; `repodex creds remove` all but one, then migrate again",
                            all.join(", "),
                            with_credential.join(" and ")
                        ),
                    });
                }
                continue;
            }
            let mut from = Vec::new();
            let mut credential = None;
            for (other, _, _) in &group {
                if let Some(bytes) = tx.file(&credential_path(&other.name))? {
                    credential = Some(bytes);
                }
                tx.forget(&other.name)?;
                for alias in std::iter::once(&other.name).chain(&other.aliases) {
                    if alias != &keep.name
                        && validate_alias(alias).is_ok()
                        && !keep.aliases.contains(alias)
                    {
                        keep.aliases.push(alias.clone());
                    }
                }
                for tag in &other.tags {
                    if !keep.tags.contains(tag) {
                        keep.tags.push(tag.clone());
                    }
                }
                if keep.description.is_none() {
                    keep.description = other.description.clone();
                }
                from.push(other.name.clone());
            }
            if let Some(bytes) = credential {
                tx.put_file(&credential_path(&keep.name), Some(bytes))?;
            }
            report.merged.push(Merged {
                into: keep.name.clone(),
                from,
            });
        }
        let rewriting = keep.url != url;
        if rewriting {
            report.rewritten.push(Rewritten {
                name: keep.name.clone(),
                from: keep.url.clone(),
                to: url.clone(),
                notices,
            });
            keep.url = url;
        }
        if merging || rewriting {
            tx.put(keep, None)?;
        }
    }
    Ok(report)
}

impl super::Registry {
    /// [`adopt`], as one commit ("adopt today's URL rules: ...").
    pub fn adopt_url_rules(&mut self, on_wait: impl FnMut()) -> Result<UrlMigration> {
        let mut tx = self.transaction(on_wait)?;
        let mut report = adopt(&mut tx)?;
        let message = format!(
            "adopt today's URL rules: {} rewritten, {} merged",
            report.rewritten.len(),
            report.merged.iter().map(|m| m.from.len()).sum::<usize>()
        );
        report.commit = tx.commit(&message)?.map(|c| c.to_string());
        Ok(report)
    }
}
