//! `.age-recipients`: the public keys every credential is encrypted to.
//!
//! One key a line (age X25519 `age1…`, `ssh-ed25519 …`, `ssh-rsa …`), `#` comments and
//! blank lines allowed. Recipients that would run an age plugin are refused: a file
//! pushed by someone else must never make a teammate's machine run a program.

use std::str::FromStr;

use super::error::{LineProblem, VaultError};
use crate::Result;

/// A parsed recipients file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients {
    /// The keys, normalized (an ssh key without its comment), in file order.
    keys: Vec<String>,
    text: String,
}

/// The normalized form of a key line, if it is one repodex accepts.
pub fn normalize(line: &str) -> Option<String> {
    let line = line.trim();
    if line.starts_with("age1") {
        return age::x25519::Recipient::from_str(line)
            .ok()
            .map(|r| r.to_string());
    }
    let mut fields = line.split_whitespace();
    let (kind, data) = (fields.next()?, fields.next()?);
    if kind != "ssh-ed25519" && kind != "ssh-rsa" {
        return None;
    }
    let key = format!("{kind} {data}");
    age::ssh::Recipient::from_str(&key).ok().map(|_| key)
}

impl Recipients {
    /// Parse a recipients file; errors name the line.
    pub fn parse(text: &str) -> Result<Recipients> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |problem: LineProblem| VaultError::RecipientLine {
                line: i + 1,
                problem,
            };
            match normalize(line) {
                Some(key) => {
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                None if line.starts_with("age1")
                    && line[4..].contains('1')
                    && age::x25519::Recipient::from_str(line).is_err() =>
                {
                    let plugin = line[4..].split('1').next().unwrap_or("");
                    return Err(bad(LineProblem::Plugin {
                        plugin: plugin.to_string(),
                    })
                    .into());
                }
                None => return Err(bad(LineProblem::NotAKey).into()),
            }
        }
        Ok(Recipients {
            keys,
            text: text.to_string(),
        })
    }

    /// A recipients file with one key, for a vault's first credential.
    pub fn first(key: &str, comment: &str) -> Result<Recipients> {
        Recipients::parse(&format!(
            "# Public keys that can read the credentials in credentials/. One key a line.\n# {comment}\n{key}\n"
        ))
    }

    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn contains(&self, key: &str) -> bool {
        normalize(key).is_some_and(|k| self.keys.contains(&k))
    }

    /// This file with `key` added at the end, after a comment line.
    pub fn with_added(&self, key: &str, comment: &str) -> Result<Recipients> {
        let normalized = normalize(key).ok_or_else(|| VaultError::NotAKey {
            key: key.to_string(),
        })?;
        let mut text = self.text.clone();
        if !text.ends_with('\n') && !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&format!("# {comment}\n{normalized}\n"));
        Recipients::parse(&text)
    }

    /// This file without `key` (and without the comment line right above it).
    pub fn with_removed(&self, key: &str) -> Recipients {
        let target = normalize(key);
        let lines: Vec<&str> = self.text.lines().collect();
        let mut kept: Vec<&str> = Vec::new();
        for line in &lines {
            if normalize(line).is_some() && normalize(line) == target {
                if kept
                    .last()
                    .is_some_and(|l| l.trim_start().starts_with("# added"))
                {
                    kept.pop();
                }
                continue;
            }
            kept.push(line);
        }
        let mut text = kept.join("\n");
        text.push('\n');
        Recipients::parse(&text).expect("removing a key keeps a valid file")
    }

    /// The keys as age recipients.
    pub(crate) fn to_age(&self) -> Vec<Box<dyn age::Recipient + Send>> {
        self.keys
            .iter()
            .filter_map(|k| -> Option<Box<dyn age::Recipient + Send>> {
                if k.starts_with("age1") {
                    age::x25519::Recipient::from_str(k)
                        .ok()
                        .map(|r| Box::new(r) as _)
                } else {
                    age::ssh::Recipient::from_str(k)
                        .ok()
                        .map(|r| Box::new(r) as _)
                }
            })
            .collect()
    }
}
