//! Merging one entry changed on both sides: field by field, and its credential.

use super::{Decision, Merger, Version};
use crate::store::entry::Entry;
use crate::store::layout::{credential_path, RECIPIENTS_FILE};
use crate::vault::credential::{Credential, MAX_FILE_SIZE};
use crate::vault::recipients::Recipients;
use crate::Result;

impl Merger<'_> {
    /// Both sides changed an entry: merge field by field.
    pub(super) fn merge_fields(
        &mut self,
        base: Option<&Version>,
        ours: &Version,
        theirs: &Version,
    ) -> Result<Version> {
        let b = base.map(|b| &b.entry);
        let (o, t) = (&ours.entry, &theirs.entry);
        let theirs_later = self.theirs_later(ours, theirs, &["entry"])?;
        let mut notes = Vec::new();
        let mut r = o.clone();
        let mut name = ours.name.clone();
        // The name, and any scalar field: one side's change wins over no change; when
        // both changed it, the later change wins and the other value is named.
        let base_name = base.map(|b| b.name.as_str());
        match pick(
            base_name,
            ours.name.as_str(),
            theirs.name.as_str(),
            theirs_later,
        ) {
            Pick::Same | Pick::Ours => {}
            Pick::Theirs => name = theirs.name.clone(),
            Pick::Both { winner_theirs } => {
                let (win, lose) = if winner_theirs {
                    (&theirs.name, &ours.name)
                } else {
                    (&ours.name, &theirs.name)
                };
                notes.push(Decision::RenamedOnBothSides {
                    kept: win.clone(),
                    alias: lose.clone(),
                });
                name = win.clone();
                r.aliases.push(lose.clone());
            }
        }
        r.name = name.clone();
        macro_rules! scalar {
            ($field:ident, $what:literal) => {
                match pick(b.map(|b| &b.$field), &o.$field, &t.$field, theirs_later) {
                    Pick::Same | Pick::Ours => {}
                    Pick::Theirs => r.$field = t.$field.clone(),
                    Pick::Both { winner_theirs } => {
                        let lose = if winner_theirs {
                            r.$field = t.$field.clone();
                            &o.$field
                        } else {
                            &t.$field
                        };
                        notes.push(Decision::ChangedOnBothSides {
                            name: name.clone(),
                            field: $what.to_string(),
                            other: shown(lose),
                        });
                    }
                }
            };
        }
        scalar!(url, "URL");
        scalar!(description, "description");
        scalar!(config_paths, "list of cached files");
        scalar!(extra, "unknown keys");
        scalar!(added, "registration time");
        r.aliases = merge_set(b.map(|b| &b.aliases), &r.aliases, &t.aliases);
        r.aliases.retain(|a| *a != name);
        r.tags = merge_set(b.map(|b| &b.tags), &o.tags, &t.tags);
        // Remote data: from the newer fetch.
        let remote_of = |e: &Entry| (e.remote.clone(), e.config.clone());
        let base_remote = b.map(remote_of);
        let (ours_remote, theirs_remote) = (remote_of(o), remote_of(t));
        let take_theirs = if base_remote.as_ref() == Some(&ours_remote) {
            true
        } else if base_remote.as_ref() == Some(&theirs_remote) {
            false
        } else {
            t.remote.config_fetched > o.remote.config_fetched
        };
        if take_theirs {
            (r.remote, r.config) = theirs_remote;
        }
        let credential = self.merge_credential(base, ours, theirs, &name)?;
        self.merged.notes.extend(notes);
        Ok(Version {
            name,
            entry: r,
            credential,
        })
    }

    /// Both sides changed an entry; what becomes of its credential.
    fn merge_credential(
        &mut self,
        base: Option<&Version>,
        ours: &Version,
        theirs: &Version,
        name: &str,
    ) -> Result<Option<Vec<u8>>> {
        let b = base.and_then(|b| b.credential.as_ref());
        let (o, t) = (ours.credential.as_ref(), theirs.credential.as_ref());
        if o == t || t == b {
            return Ok(o.cloned());
        }
        if o == b {
            return Ok(t.cloned());
        }
        // Changed on both sides; a removal against a change keeps the change.
        let (Some(o), Some(t)) = (o, t) else {
            self.merged.notes.push(Decision::CredentialKept {
                name: name.to_string(),
            });
            return Ok(o.or(t).cloned());
        };
        let theirs_later = self.theirs_later(ours, theirs, &["credential"])?;
        let winner = if theirs_later { t } else { o };
        self.merged.notes.push(Decision::CredentialOnBothSides {
            name: name.to_string(),
            from_remote: theirs_later,
        });
        // Decrypt both (each must be a readable credential) and encrypt the winner
        // again to the recipients this machine accepted.
        let Some(identity) = self.identity else {
            return Ok(Some(winner.clone()));
        };
        let path = credential_path(name);
        let decrypted = Credential::decrypt(&path, winner, identity).and_then(|w| {
            Credential::decrypt(&path, if theirs_later { o } else { t }, identity).map(|_| w)
        });
        let recipients = self
            .read(
                self.ours.tree,
                RECIPIENTS_FILE,
                MAX_FILE_SIZE as usize,
                "here",
            )
            .and_then(|bytes| Recipients::parse(&String::from_utf8_lossy(&bytes)).ok());
        match (decrypted, recipients) {
            (Ok(credential), Some(recipients)) => match self.encryptable(recipients) {
                Some(recipients) => Ok(Some(credential.encrypt(&recipients)?)),
                // Never to a key this machine did not accept: the winner stays as its
                // side encrypted it.
                None => {
                    self.merged.notes.push(Decision::HeldBack { path });
                    Ok(Some(winner.clone()))
                }
            },
            _ => Ok(Some(winner.clone())),
        }
    }
}

enum Pick {
    Same,
    Ours,
    Theirs,
    Both { winner_theirs: bool },
}

fn pick<T: PartialEq + ?Sized>(base: Option<&T>, ours: &T, theirs: &T, theirs_later: bool) -> Pick {
    if ours == theirs {
        Pick::Same
    } else if base == Some(theirs) {
        Pick::Ours
    } else if base == Some(ours) {
        Pick::Theirs
    } else {
        Pick::Both {
            winner_theirs: theirs_later,
        }
    }
}

/// Three-way merge of a set kept as a list: ours, plus what theirs added, minus what
/// theirs removed (in ours' order, then theirs' additions).
fn merge_set(base: Option<&Vec<String>>, ours: &[String], theirs: &[String]) -> Vec<String> {
    let empty = Vec::new();
    let base = base.unwrap_or(&empty);
    let mut result: Vec<String> = ours
        .iter()
        .filter(|item| !base.contains(item) || theirs.contains(item))
        .cloned()
        .collect();
    for item in theirs {
        if !base.contains(item) && !result.contains(item) {
            result.push(item.clone());
        }
    }
    result
}

/// A field's value for a note: `Some("x")` shown as `"x"`, `None` as `(none)`, cut short.
fn shown<T: std::fmt::Debug>(value: &T) -> String {
    let text = format!("{value:?}");
    let text = match text.strip_prefix("Some(").and_then(|t| t.strip_suffix(')')) {
        Some(inner) => inner.to_string(),
        None if text == "None" => "(none)".to_string(),
        None => text,
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::merge_set;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sets_keep_both_sides_additions_and_removals() {
        let base = v(&["a", "b", "c"]);
        let ours = v(&["a", "c", "x"]); // removed b, added x
        let theirs = v(&["a", "b", "y"]); // removed c, added y
        assert_eq!(merge_set(Some(&base), &ours, &theirs), v(&["a", "x", "y"]));
        assert_eq!(merge_set(None, &v(&["p"]), &v(&["q", "p"])), v(&["p", "q"]));
    }
}
