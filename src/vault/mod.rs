//! The credential vault: age-encrypted credentials beside the entries.
//!
//! `credentials/<name>.age` holds one entry's credential, encrypted to every key in
//! `.age-recipients`. This module owns reading and writing them, the recipient set and
//! its tamper check, and the git credential-helper protocol ([`credential_protocol`]).
//! The user's secret key is in [`identity`], never in the registry. A file is
//! re-encrypted only when its content or the recipient set changes, so history has no
//! churn.
//!
//! Tamper check: this machine remembers (in `.git/repodex/accepted-recipients`) the
//! recipient set it last accepted: the one it wrote itself, or one a person accepted
//! with `repodex recipients accept`. When HEAD's `.age-recipients` differs (a pull, a
//! hand edit), nothing is encrypted until the difference is accepted.

pub mod credential;
pub mod credential_protocol;
pub mod error;
pub mod identity;
pub mod recipients;

use crate::store::layout::{
    self, credential_path, ACCEPTED_RECIPIENTS, CREDENTIALS_DIR, RECIPIENTS_FILE,
};
use crate::store::{Registry, Transaction};
use crate::Result;
use credential::{Credential, MAX_FILE_SIZE};
use error::VaultError;
use identity::Identity;
use recipients::Recipients;

impl Registry {
    /// HEAD's `.age-recipients`, if the registry has one.
    pub fn recipients(&self) -> Result<Option<Recipients>> {
        match self.head_file(RECIPIENTS_FILE, MAX_FILE_SIZE)? {
            None => Ok(None),
            Some(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| VaultError::RecipientsNotText)?;
                Recipients::parse(&text).map(Some)
            }
        }
    }

    /// The names of the entries that have a credential file at HEAD.
    pub fn credential_names(&self) -> Result<Vec<String>> {
        Ok(self
            .head_files_under(CREDENTIALS_DIR)?
            .into_iter()
            .filter_map(|path| layout::name_for_credential(&path).map(str::to_string))
            .collect())
    }

    /// The encrypted credential file of `name` at HEAD, with its blob id.
    pub fn credential_file(&self, name: &str) -> Result<Option<(crate::git::ObjectId, Vec<u8>)>> {
        self.head_file_with_id(&credential_path(name), MAX_FILE_SIZE)
    }

    /// Decrypt the credential of `name`, if it has one.
    pub fn credential(&self, name: &str, identity: &Identity) -> Result<Option<Credential>> {
        match self.credential_file(name)? {
            None => Ok(None),
            Some((_, bytes)) => {
                Credential::decrypt(&credential_path(name), &bytes, identity).map(Some)
            }
        }
    }

    /// The recipient set this machine accepted (`.git/repodex/accepted-recipients`):
    /// the only keys it ever encrypts to.
    pub fn accepted_recipients(&self) -> Option<Recipients> {
        let text = std::fs::read_to_string(self.private_dir().join(ACCEPTED_RECIPIENTS)).ok()?;
        Recipients::parse(&text).ok()
    }

    /// The tamper check: fail, showing the difference, when HEAD's recipients are not
    /// the set this machine last accepted.
    pub fn check_recipients(&self) -> Result<()> {
        let current = self.recipients()?;
        let accepted = std::fs::read_to_string(self.private_dir().join(ACCEPTED_RECIPIENTS)).ok();
        let Some(current) = current else {
            return Ok(());
        };
        let accepted_keys: Vec<String> = match &accepted {
            Some(text) => Recipients::parse(text)
                .map(|r| r.keys().to_vec())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        if accepted_keys.as_slice() == current.keys() {
            return Ok(());
        }
        Err(VaultError::Tampered {
            changes: recipient_changes(&accepted_keys, current.keys()).join(", "),
        }
        .into())
    }

    /// Accept HEAD's recipients on this machine; returns the changes accepted. The caller
    /// holds the writer lock (a transaction).
    pub fn accept_recipients(&self) -> Result<Vec<String>> {
        let current = self.recipients()?;
        let path = self.private_dir().join(ACCEPTED_RECIPIENTS);
        let accepted: Vec<String> = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| Recipients::parse(&t).ok())
            .map(|r| r.keys().to_vec())
            .unwrap_or_default();
        let text = current
            .as_ref()
            .map(|r| r.text().to_string())
            .unwrap_or_default();
        let changes = recipient_changes(
            &accepted,
            current.as_ref().map(|r| r.keys()).unwrap_or_default(),
        );
        crate::store::write_accepted_recipients(&self.private_dir(), text.as_bytes())?;
        Ok(changes)
    }
}

/// `+ key` and `- key` lines between two sets of keys.
pub fn recipient_changes(before: &[String], after: &[String]) -> Vec<String> {
    let short = |k: &str| {
        if k.len() > 24 {
            format!("{}…{}", &k[..16], &k[k.len() - 6..])
        } else {
            k.to_string()
        }
    };
    let mut changes: Vec<String> = after
        .iter()
        .filter(|k| !before.contains(k))
        .map(|k| format!("+ {}", short(k)))
        .collect();
    changes.extend(
        before
            .iter()
            .filter(|k| !after.contains(k))
            .map(|k| format!("- {}", short(k))),
    );
    changes
}

impl Transaction<'_> {
    fn recipients_now(&self) -> Result<Option<Recipients>> {
        match self.file(RECIPIENTS_FILE)? {
            None => Ok(None),
            Some(bytes) => Recipients::parse(&String::from_utf8_lossy(&bytes)).map(Some),
        }
    }

    /// Set `name`'s credential. Creates `.age-recipients` with the user's key for the
    /// vault's first credential. Returns whether anything changed.
    pub fn set_credential(
        &mut self,
        name: &str,
        credential: &Credential,
        identity: &Identity,
    ) -> Result<bool> {
        self.registry().check_recipients()?;
        if credential.secret.is_empty() && credential.kind != credential::Kind::SshKey {
            return Err(VaultError::EmptySecret.into());
        }
        if credential.secret.len() > credential::MAX_SECRET_SIZE {
            return Err(VaultError::SecretTooLarge {
                size: credential.secret.len(),
                max: credential::MAX_SECRET_SIZE,
            }
            .into());
        }
        // The credential is bound to the server the entry's URL names now.
        let mut credential = credential.clone();
        credential.origin = self.entry(name)?.git_url()?.origin().map(|o| o.to_string());
        let credential = &credential;
        let recipients = match self.recipients_now()? {
            Some(recipients) => recipients,
            None => {
                let first = Recipients::first(
                    identity.public(),
                    &self.added_comment("the vault's first key"),
                )?;
                self.put_file(RECIPIENTS_FILE, Some(first.text().as_bytes().to_vec()))?;
                first
            }
        };
        if !recipients.contains(identity.public()) {
            return Err(VaultError::NotAmongRecipients {
                key: identity.public().to_string(),
            }
            .into());
        }
        let path = credential_path(name);
        if let Some(existing) = self.file(&path)? {
            if Credential::decrypt(&path, &existing, identity)
                .ok()
                .as_ref()
                == Some(credential)
            {
                return Ok(false);
            }
        }
        self.put_file(&path, Some(credential.encrypt(&recipients)?))?;
        Ok(true)
    }

    /// Bind `name`'s credential to the origin of the entry's URL now (after the
    /// repository moved, or for a credential stored before binding existed). Returns
    /// the origin it was bound to before, if any.
    pub fn rebind_credential(&mut self, name: &str, identity: &Identity) -> Result<Option<String>> {
        self.registry().check_recipients()?;
        let path = credential_path(name);
        let bytes = self.file(&path)?.ok_or_else(|| VaultError::NoCredential {
            name: name.to_string(),
        })?;
        let credential = Credential::decrypt(&path, &bytes, identity)?;
        let before = credential.origin.clone();
        self.set_credential(name, &credential, identity)?;
        Ok(before)
    }

    /// Remove `name`'s credential; `Ok(false)` when it had none.
    pub fn remove_credential(&mut self, name: &str) -> Result<bool> {
        let path = credential_path(name);
        if self.file(&path)?.is_none() {
            return Ok(false);
        }
        self.put_file(&path, None)?;
        Ok(true)
    }

    /// Every credential file in this transaction, decrypted (all must decrypt).
    fn decrypt_all(&self, identity: &Identity) -> Result<Vec<(String, Credential)>> {
        let mut all = Vec::new();
        for name in self.registry().credential_names()? {
            let path = credential_path(&name);
            if let Some(bytes) = self.file(&path)? {
                all.push((name, Credential::decrypt(&path, &bytes, identity)?));
            }
        }
        Ok(all)
    }

    fn reencrypt(&mut self, recipients: &Recipients, identity: &Identity) -> Result<Vec<String>> {
        let all = self.decrypt_all(identity)?;
        for (name, credential) in &all {
            self.put_file(
                &credential_path(name),
                Some(credential.encrypt(recipients)?),
            )?;
        }
        self.put_file(RECIPIENTS_FILE, Some(recipients.text().as_bytes().to_vec()))?;
        Ok(all.into_iter().map(|(name, _)| name).collect())
    }

    /// Add a recipient and re-encrypt every credential to the new set. Only someone who
    /// can decrypt (a current recipient) can add one.
    pub fn add_recipient(&mut self, key: &str, identity: &Identity) -> Result<()> {
        self.registry().check_recipients()?;
        let current = match self.recipients_now()? {
            Some(current) => current,
            None => Recipients::first(
                identity.public(),
                &self.added_comment("the vault's first key"),
            )?,
        };
        if !current.contains(identity.public()) {
            return Err(VaultError::OnlyRecipients {
                action: "add",
                key: identity.public().to_string(),
            }
            .into());
        }
        if current.contains(key) {
            return Err(VaultError::AlreadyRecipient { key: key.into() }.into());
        }
        let next = current.with_added(key, &self.added_comment("added"))?;
        self.reencrypt(&next, identity)?;
        Ok(())
    }

    /// Remove a recipient and re-encrypt every credential without it. Returns the
    /// credentials that key could read (they stay readable in history).
    pub fn remove_recipient(&mut self, key: &str, identity: &Identity) -> Result<Vec<String>> {
        self.registry().check_recipients()?;
        let current = self.recipients_now()?.ok_or(VaultError::NoRecipients)?;
        if !current.contains(key) {
            return Err(VaultError::NotARecipient { key: key.into() }.into());
        }
        let next = current.with_removed(key);
        if next.keys().is_empty() {
            return Err(VaultError::LastRecipient.into());
        }
        if !current.contains(identity.public()) {
            return Err(VaultError::OnlyRecipients {
                action: "remove",
                key: identity.public().to_string(),
            }
            .into());
        }
        self.reencrypt(&next, identity)
    }
}

impl Transaction<'_> {
    /// The comment written beside a key: who added it (the registry's committer, as
    /// `git log` names them), when, and why.
    fn added_comment(&self, what: &str) -> String {
        format!(
            "added by {} on {}: {what}",
            self.registry().repo().committer_name(),
            chrono::Utc::now().format("%Y-%m-%d")
        )
    }
}
