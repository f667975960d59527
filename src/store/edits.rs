//! Edits of entries inside a [`Transaction`]: registering, renaming, forgetting, and
//! changing aliases, tags, URLs and descriptions, each checked against every other
//! entry (names, aliases and URLs stay unique). The transaction's mechanics (locks,
//! commit, crash safety) are in `transaction.rs`.

use super::catalog::KeyKind;
use super::entry::{validate_description, Entry};
use super::error::StoreError;
use super::layout;
use super::name::{candidate_names, validate_alias, validate_name, validate_tag};
use super::transaction::{Imported, NewEntry, Transaction};
use crate::url::GitUrl;
use crate::{Error, Result};

impl Transaction<'_> {
    fn owners(&self, kind: KeyKind, key: &str) -> Vec<String> {
        self.changes.owners(self.registry.catalog(), kind, key)
    }

    fn has_entry(&self, name: &str) -> bool {
        self.changes.record(self.registry.catalog(), name).is_some()
    }

    /// Register a repository. `url` must already be validated and free of secrets.
    pub fn register(&mut self, url: &GitUrl, new: NewEntry) -> Result<Entry> {
        if let Some(existing) = self
            .owners(KeyKind::Url, &url.identity_key_in(self.changes.rules()))
            .into_iter()
            .next()
        {
            return Err(Error::AlreadyRegistered {
                url: url.to_string(),
                name: existing,
            });
        }
        let name = match new.name {
            Some(name) => {
                self.check_name_free(&name, None)?;
                name
            }
            None => candidate_names(url)
                .find(|n| self.check_name_free(n, None).is_ok())
                .expect("numbered candidates never run out"),
        };
        let mut entry = Entry::new(name, url);
        for alias in new.aliases {
            add_unique(&mut entry.aliases, alias);
        }
        for tag in new.tags {
            validate_tag(&tag)?;
            add_unique(&mut entry.tags, tag);
        }
        if let Some(description) = new.description.filter(|d| !d.is_empty()) {
            validate_description(&description).map_err(StoreError::Description)?;
            entry.description = Some(description);
        }
        self.put(entry.clone(), None)?;
        // This machine's user registered it: this machine reads it.
        self.accepts.push(super::transaction::Accept::Url {
            url: url.clone(),
            config_paths: None,
        });
        Ok(entry)
    }

    /// Check that `name` is valid and belongs to no entry other than `own`.
    fn check_name_free(&self, name: &str, own: Option<&str>) -> Result<()> {
        let lower = name.to_lowercase();
        if lower != name && Some(lower.as_str()) != own && self.has_entry(&lower) {
            return Err(Error::NameTaken {
                what: "name",
                wanted: name.into(),
                clash: format!("differs from the existing name '{lower}' only by case"),
            });
        }
        validate_name(name)?;
        if Some(name) != own && self.has_entry(name) {
            return Err(Error::NameTaken {
                what: "name",
                wanted: name.into(),
                clash: "is the name of another entry".into(),
            });
        }
        if let Some(owner) = self
            .owners(KeyKind::Alias, name)
            .into_iter()
            .find(|o| Some(o.as_str()) != own)
        {
            return Err(Error::NameTaken {
                what: "name",
                wanted: name.into(),
                clash: format!("is an alias of '{owner}'"),
            });
        }
        Ok(())
    }

    /// Check that `alias` is valid and claimed by no entry except those `ours` accepts.
    fn check_alias(&self, alias: &str, own: &str, ours: &dyn Fn(&str) -> bool) -> Result<()> {
        validate_alias(alias)?;
        let taken = |clash: String| Error::NameTaken {
            what: "alias",
            wanted: alias.into(),
            clash,
        };
        if alias == own {
            return Err(taken("is the entry's own name".into()));
        }
        if self.has_entry(alias) && !ours(alias) {
            return Err(taken("is the name of another entry".into()));
        }
        if let Some(owner) = self
            .owners(KeyKind::Alias, alias)
            .into_iter()
            .find(|o| !ours(o))
        {
            return Err(taken(format!("is already an alias of '{owner}'")));
        }
        Ok(())
    }

    /// Write `entry`, replacing the entry called `replacing` (its old name, for a rename)
    /// or the entry of the same name. Checks the name, aliases and URL against every
    /// other entry.
    pub fn put(&mut self, entry: Entry, replacing: Option<&str>) -> Result<()> {
        let own = entry.name.clone();
        let others_own = |owner: &str| owner == own || Some(owner) == replacing;
        let is_new_name = match replacing {
            Some(old) => old != own,
            None => !self.has_entry(&own),
        };
        if is_new_name {
            self.check_name_free(&own, replacing)?;
        }
        // What the entry already had is not checked again: a clash that a hand edit or a
        // teammate's commit made (doctor reports it) must not stop every change to it.
        let previous = match self
            .changes
            .record(self.registry.catalog(), replacing.unwrap_or(&own))
        {
            Some(super::catalog::Record::Entry(summary)) => Some(summary),
            _ => None,
        };
        for alias in &entry.aliases {
            if !previous.as_ref().is_some_and(|p| p.aliases.contains(alias)) {
                self.check_alias(alias, &own, &others_own)?;
            }
        }
        let url = entry.git_url()?;
        let same_url = previous.as_ref().is_some_and(|p| p.url == entry.url);
        if let Some(owner) = self
            .owners(KeyKind::Url, &url.identity_key_in(self.changes.rules()))
            .into_iter()
            .find(|o| !others_own(o) && !same_url)
        {
            return Err(Error::AlreadyRegistered {
                url: url.to_string(),
                name: owner,
            });
        }
        let catalog = self.registry.catalog();
        if let Some(old) = replacing.filter(|old| *old != own) {
            self.changes.remove(catalog, old);
            self.pending.insert(old.to_string(), None);
        }
        self.changes.put(catalog, entry.summary());
        self.pending.insert(own, Some(entry));
        Ok(())
    }

    /// Bring in a whole entry (from an export or another registry): added when new,
    /// unchanged when identical, otherwise left out, with the reason.
    pub fn import_entry(&mut self, entry: Entry) -> Imported {
        if self.has_entry(&entry.name) {
            return match self.entry(&entry.name) {
                Ok(existing) if existing == entry => Imported::Unchanged,
                _ => Imported::Differs,
            };
        }
        match self.put(entry, None) {
            Ok(()) => Imported::Added,
            Err(error) => Imported::Refused(error),
        }
    }

    /// Add an alias to an entry.
    pub fn add_alias(&mut self, name: &str, alias: &str) -> Result<()> {
        let mut entry = self.entry(name)?;
        add_unique(&mut entry.aliases, alias.to_string());
        self.put(entry, None)
    }

    /// Remove an alias from whichever entry has it; returns that entry's name.
    pub fn remove_alias(&mut self, alias: &str) -> Result<String> {
        let owners = self.owners(KeyKind::Alias, alias);
        let Some(name) = owners.into_iter().next() else {
            let suggestions = self.registry.suggestions(alias);
            return Err(Error::NotFound {
                reference: format!("alias {alias}"),
                suggestions,
            });
        };
        let mut entry = self.entry(&name)?;
        entry.aliases.retain(|a| a != alias);
        self.put(entry, None)?;
        Ok(name)
    }

    /// Remove an entry.
    pub fn forget(&mut self, name: &str) -> Result<Entry> {
        let entry = self.entry(name)?;
        self.changes.remove(self.registry.catalog(), name);
        self.pending.insert(name.to_string(), None);
        // Its credential goes with it.
        let credential = layout::credential_path(name);
        if self.file(&credential)?.is_some() {
            self.put_file(&credential, None)?;
        }
        Ok(entry)
    }

    /// Give an entry a new name.
    pub fn rename(&mut self, name: &str, new_name: &str) -> Result<()> {
        let mut entry = self.entry(name)?;
        if new_name == name {
            return Ok(());
        }
        // The entry's own alias may become its name.
        entry.aliases.retain(|a| a != new_name);
        entry.name = new_name.to_string();
        self.put(entry, Some(name))?;
        // Its credential follows it, unchanged (the name is not part of the encrypted content).
        let (old, new) = (
            layout::credential_path(name),
            layout::credential_path(new_name),
        );
        if let Some(bytes) = self.file(&old)? {
            self.put_file(&new, Some(bytes))?;
            self.put_file(&old, None)?;
        }
        Ok(())
    }

    /// Change an entry's URL (the repository moved).
    pub fn set_url(&mut self, name: &str, url: &GitUrl) -> Result<()> {
        let mut entry = self.entry(name)?;
        let from = entry.git_url()?;
        entry.url = url.to_string();
        self.put(entry, None)?;
        // Moved by this machine's user: what it read there, it reads at the new URL.
        self.accepts.push(super::transaction::Accept::Moved {
            from,
            to: url.clone(),
        });
        Ok(())
    }

    /// Change or clear an entry's description.
    pub fn set_description(&mut self, name: &str, description: Option<String>) -> Result<()> {
        let mut entry = self.entry(name)?;
        if let Some(d) = &description {
            validate_description(d).map_err(StoreError::Description)?;
        }
        entry.description = description.filter(|d| !d.is_empty());
        self.put(entry, None)
    }

    /// Add tags to an entry.
    pub fn add_tags(&mut self, name: &str, tags: &[String]) -> Result<()> {
        let mut entry = self.entry(name)?;
        for tag in tags {
            validate_tag(tag)?;
            add_unique(&mut entry.tags, tag.clone());
        }
        self.put(entry, None)
    }

    /// Remove tags from an entry; tags it does not have are an error.
    pub fn remove_tags(&mut self, name: &str, tags: &[String]) -> Result<()> {
        let mut entry = self.entry(name)?;
        if let Some(missing) = tags.iter().find(|t| !entry.tags.contains(t)) {
            return Err(StoreError::NoSuchTag {
                name: name.to_string(),
                tag: missing.clone(),
                tags: entry.tags.clone(),
            }
            .into());
        }
        entry.tags.retain(|t| !tags.contains(t));
        self.put(entry, None)
    }
}

fn add_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}
