//! Merging the registry's files beside entries: `.age-recipients`, `registry.toml`,
//! `README.md` and `.gitattributes`; and credentials taken from the remote, encrypted
//! again to this registry's recipients.

use super::{Decision, Merger, Plan, Which};
use crate::store::entry::MAX_ENTRY_SIZE;
use crate::store::layout::{self, RECIPIENTS_FILE, SETTINGS_FILE};
use crate::store::settings::{self, Settings};
use crate::store::shared_files::check_gitattributes;
use crate::vault::credential::{Credential, MAX_FILE_SIZE};
use crate::vault::error::VaultError;
use crate::vault::recipients::Recipients;
use crate::Result;

impl Merger<'_> {
    /// Credentials taken from the remote were encrypted to the remote's recipients.
    /// When ours differ (a key was added or removed here) and the merge keeps ours, they
    /// are encrypted again to ours, so that the recipients list tells the truth.
    pub(super) fn reencrypt_taken(&mut self, plan: &mut Plan) {
        if plan.files.contains_key(RECIPIENTS_FILE) {
            return;
        }
        let max = MAX_FILE_SIZE as usize;
        let ours = self.read(self.ours.tree, RECIPIENTS_FILE, max, "here");
        let theirs = self.read(self.theirs.tree, RECIPIENTS_FILE, max, "on the remote");
        let Some(ours) = ours
            .filter(|o| Some(o) != theirs.as_ref())
            .and_then(|bytes| Recipients::parse(&String::from_utf8_lossy(&bytes)).ok())
        else {
            return;
        };
        // Never to a key this machine did not accept (one a pull brought in unseen).
        let recipients = self.encryptable(ours);
        for (path, content) in plan.files.iter_mut() {
            let Some(bytes) = content.as_mut() else {
                continue;
            };
            if layout::name_for_credential(path).is_none() {
                continue;
            }
            let Some(recipients) = &recipients else {
                self.merged.notes.push(Decision::HeldBack {
                    path: path.to_string(),
                });
                continue;
            };
            let again = self
                .identity
                .ok_or_else(|| VaultError::NoIdentity.into())
                .and_then(|identity| Credential::decrypt(path, bytes, identity))
                .and_then(|credential| credential.encrypt(recipients));
            match again {
                Ok(encrypted) => *bytes = encrypted,
                Err(_) => self.merged.notes.push(Decision::CannotEncryptAgain {
                    path: path.to_string(),
                }),
            }
        }
    }

    fn three_files(&mut self, path: &str) -> [Option<Vec<u8>>; 3] {
        let max = MAX_ENTRY_SIZE;
        let base = self
            .base_tree
            .and_then(|t| self.read(t, path, max, "in the common ancestor"));
        let ours = self.read(self.ours.tree, path, max, "here");
        let theirs = self.read(self.theirs.tree, path, max, "on the remote");
        [base, ours, theirs]
    }

    pub(super) fn merge_recipients(&mut self, plan: &mut Plan) -> Result<()> {
        if !self.theirs.changed.contains(RECIPIENTS_FILE) {
            return Ok(());
        }
        let [base, ours, theirs] = self.three_files(RECIPIENTS_FILE);
        let parse = |bytes: &Option<Vec<u8>>| -> Result<Option<Recipients>> {
            bytes
                .as_ref()
                .map(|b| Recipients::parse(&String::from_utf8_lossy(b)))
                .transpose()
        };
        let theirs_parsed = match parse(&theirs) {
            Ok(parsed) => parsed,
            Err(e) => {
                self.clashes
                    .push(format!("{RECIPIENTS_FILE} on the remote: {e}"));
                return Ok(());
            }
        };
        if theirs == ours || theirs == base {
            return Ok(());
        }
        let result = if ours == base {
            theirs.clone()
        } else {
            let keys =
                |r: &Option<Recipients>| r.as_ref().map(|r| r.keys().to_vec()).unwrap_or_default();
            let base_keys = keys(&parse(&base).unwrap_or(None));
            let theirs_keys = keys(&theirs_parsed);
            let mut merged = match parse(&ours)? {
                Some(ours) => ours,
                None => theirs_parsed
                    .clone()
                    .expect("theirs differs from ours and base"),
            };
            for key in theirs_keys.iter().filter(|k| !base_keys.contains(k)) {
                if !merged.contains(key) {
                    merged = merged.with_added(key, "merged from the registry's remote")?;
                }
            }
            for key in base_keys.iter().filter(|k| !theirs_keys.contains(k)) {
                merged = merged.with_removed(key);
            }
            if merged.keys().is_empty() {
                self.clashes.push(format!(
                    "{RECIPIENTS_FILE} would be left with no key after the merge; add one on either side and sync again"
                ));
                return Ok(());
            }
            Some(merged.text().as_bytes().to_vec())
        };
        self.merged.notes.push(Decision::RecipientsChanged);
        plan.files.insert(RECIPIENTS_FILE.to_string(), result);
        Ok(())
    }

    pub(super) fn merge_shared_file(&mut self, path: &str, plan: &mut Plan) -> Result<()> {
        if !self.theirs.changed.contains(path) {
            return Ok(());
        }
        let [base, ours, theirs] = self.three_files(path);
        if path == SETTINGS_FILE {
            match &theirs {
                Some(bytes) => {
                    if let Err(e) = Settings::parse(bytes) {
                        self.clashes.push(format!("{path} on the remote: {e}"));
                        return Ok(());
                    }
                }
                None => {
                    self.clashes.push(format!(
                        "the remote removed {path}, without which it is not a registry; restore it there"
                    ));
                    return Ok(());
                }
            }
        }
        if path == ".gitattributes" {
            let text = String::from_utf8_lossy(theirs.as_deref().unwrap_or_default()).to_string();
            if let Err(problem) = check_gitattributes(&text) {
                self.clashes.push(format!(
                    ".gitattributes on the remote: {problem} there (a filter or merge driver would run a program, an encoding would rewrite files)"
                ));
                return Ok(());
            }
        }
        if theirs == ours || theirs == base {
            return Ok(());
        }
        // The result keeps our format: a sync migrates this side first when the remote's
        // is newer, so the remote's settings can only be of an older one.
        let theirs = match theirs {
            Some(bytes) if path == SETTINGS_FILE && self.theirs.layout != self.ours.layout => {
                let text = String::from_utf8_lossy(&bytes);
                Some(settings::with_format(&text, self.ours.layout.format()).into_bytes())
            }
            other => other,
        };
        if ours == base {
            plan.files.insert(path.to_string(), theirs);
            return Ok(());
        }
        let theirs_wins = path == SETTINGS_FILE && {
            let paths = [path.to_string()];
            self.changed_at(Which::Theirs, &paths)? >= self.changed_at(Which::Ours, &paths)?
        };
        self.merged.notes.push(Decision::FileOnBothSides {
            path: path.to_string(),
            from_remote: theirs_wins,
        });
        if theirs_wins {
            plan.files.insert(path.to_string(), theirs);
        }
        Ok(())
    }
}
