//! `accept`: let this machine read what others changed in the shared registry: an
//! entry's URL and `config_paths`, or the shared `config_paths` of `registry.toml`.
//!
//! The rule is [`crate::store::accepted`]'s: for an entry someone else added or
//! changed, this machine reads only the configuration files repodex knows by name, and
//! nothing of a repository on this machine, until accepted here. This module lists
//! what waits for acceptance (`repodex accept`), accepts it (`repodex accept NAME`,
//! `--settings`), and says what a sync brought that is not accepted.

use schemars::JsonSchema;
use serde::Serialize;

use crate::remote::state::Checked;
use crate::store::accepted::{AcceptedReads, Held, KNOWN_CONFIG_PATHS_WORDS};
use crate::store::entry::Entry;
use crate::store::settings::{Settings, DEFAULT_CONFIG_PATHS};
use crate::store::Registry;
use crate::{Context, Result};

/// An entry whose reads wait for this machine's acceptance.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PendingEntry {
    pub name: String,
    pub url: String,
    /// Listed paths this machine does not read.
    pub not_read: Vec<String>,
    /// Its URL is a repository on this machine, which is not read at all.
    pub local: bool,
}

/// The shared `config_paths`, when they are not the list this machine accepted.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PendingSettings {
    pub config_paths: Vec<String>,
    /// Of those, the paths this machine does not read.
    pub not_read: Vec<String>,
}

/// What waits for acceptance (`repodex accept` without arguments, docs/json.md).
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Pending {
    pub entries: Vec<PendingEntry>,
    pub settings: Option<PendingSettings>,
}

/// What `accept` accepted.
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Accepted {
    /// The entries whose URL and list were accepted.
    pub entries: Vec<String>,
    /// The shared list, when it was accepted.
    pub settings: Option<Vec<String>>,
}

/// What this machine does not read of `entry` under `settings`: each listed path held
/// back and why, and whether its URL is a repository on this machine not accepted.
pub fn not_read(
    registry: &Registry,
    entry: &Entry,
    settings: &Settings,
) -> Result<(Vec<(String, Held)>, bool)> {
    let private = registry.private_dir();
    let accepted = AcceptedReads::load(&private);
    let url = entry.git_url()?;
    let local =
        url.is_local() && !super::refresh::may_read_url(&Checked::load(&private), &accepted, &url);
    let reads = accepted.reads(&url, entry.config_paths.as_deref(), settings);
    Ok((reads.held, local))
}

/// Every entry and setting of the user's registry that waits for acceptance.
pub fn pending(ctx: &Context) -> Result<Pending> {
    let registry = ctx.open()?;
    let settings = registry.settings()?;
    let mut pending = Pending::default();
    for record in registry.records().filter(|r| !r.is_broken()) {
        let Ok(entry) = registry.entry(record.name()) else {
            continue;
        };
        let (held, local) = not_read(&registry, &entry, &settings)?;
        if held.is_empty() && !local {
            continue;
        }
        pending.entries.push(PendingEntry {
            name: entry.name.clone(),
            url: entry.url.clone(),
            not_read: held.into_iter().map(|(path, _)| path).collect(),
            local,
        });
    }
    pending.settings = pending_settings(&registry, &settings);
    Ok(pending)
}

fn pending_settings(registry: &Registry, settings: &Settings) -> Option<PendingSettings> {
    let accepted = AcceptedReads::load(&registry.private_dir());
    if accepted.shared_is_accepted(settings) {
        return None;
    }
    let shared = accepted.shared();
    let config_paths = settings.config_paths();
    let not_read: Vec<String> = config_paths
        .iter()
        .filter(|p| !shared.contains(p) && !crate::store::accepted::is_known_config_path(p))
        .cloned()
        .collect();
    Some(PendingSettings {
        config_paths,
        not_read,
    })
}

/// Accept the entries `references` name (their URL, a repository on this machine
/// included, and their `config_paths`), and with `settings` the shared list: written
/// under the registry's lock; the registry itself does not change.
pub fn accept(
    ctx: &Context,
    references: &[String],
    settings: bool,
    on_wait: &mut dyn FnMut(),
) -> Result<Accepted> {
    let mut registry = ctx.open()?;
    let mut names = Vec::new();
    for reference in references {
        let name = super::find::own_entry(&registry, reference)?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let shared = registry.settings()?.config_paths;
    let mut tx = registry.transaction(on_wait)?;
    for name in &names {
        tx.accept_reads(name)?;
    }
    if settings {
        tx.accept_shared_config_paths(shared.clone());
    }
    tx.commit("")?;
    Ok(Accepted {
        entries: names,
        settings: settings.then(|| {
            shared.unwrap_or_else(|| DEFAULT_CONFIG_PATHS.iter().map(|p| p.to_string()).collect())
        }),
    })
}

/// Something a sync brought that this machine does not read until accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "what", rename_all = "kebab-case")]
pub enum NotAccepted {
    /// An entry's `url` or `config_paths` (named in `changed`) changed on the remote.
    Entry {
        name: String,
        changed: Vec<String>,
        not_read: Vec<String>,
    },
    /// An entry added on the remote lists paths beyond the defaults.
    Added { name: String, not_read: Vec<String> },
    /// `registry.toml`'s `config_paths` changed on the remote.
    Settings {
        config_paths: Vec<String>,
        not_read: Vec<String>,
    },
}

impl std::fmt::Display for NotAccepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAccepted::Entry { name, changed, .. } => write!(
                f,
                "the {} of '{name}' changed on the remote; this machine reads from it only the files repodex knows by name ({KNOWN_CONFIG_PATHS_WORDS}) until you accept them: check with `repodex info {name}`, then `repodex accept {name}`",
                changed.join(" and ")
            ),
            NotAccepted::Added { name, not_read } => write!(
                f,
                "'{name}' came from the remote listing files this machine does not read until you accept them ({}): check with `repodex info {name}`, then `repodex accept {name}`",
                not_read.join(", ")
            ),
            NotAccepted::Settings {
                config_paths,
                not_read,
            } => write!(
                f,
                "config_paths in registry.toml changed on the remote to {}; this machine does not read {} until you accept them: check with `repodex settings`, then `repodex accept --settings`",
                config_paths.join(", "),
                not_read.join(", ")
            ),
        }
    }
}

/// What of the changes a sync brought (`received`, from the registry at `before`) this
/// machine does not read until accepted.
pub(crate) fn brought_by_sync(
    registry: &Registry,
    before: crate::git::ObjectId,
    received: &[crate::sync::merge::EntryChange],
) -> Result<Vec<NotAccepted>> {
    use crate::sync::merge::EntryChange;
    let settings = registry.settings()?;
    let mut notices = Vec::new();
    for change in received {
        let (name, was) = match change {
            EntryChange::Added { name } => (name, None),
            EntryChange::Changed { name, was } => (name, Some(was.as_deref().unwrap_or(name))),
            EntryChange::Removed { .. } => continue,
        };
        let Ok(entry) = registry.entry(name) else {
            continue;
        };
        let (held, local) = not_read(registry, &entry, &settings)?;
        let not_read: Vec<String> = held.into_iter().map(|(path, _)| path).collect();
        match was {
            None => {
                let beyond: Vec<String> = not_read
                    .iter()
                    .filter(|p| !DEFAULT_CONFIG_PATHS.contains(&p.as_str()))
                    .cloned()
                    .collect();
                if local || !beyond.is_empty() {
                    notices.push(NotAccepted::Added {
                        name: name.clone(),
                        not_read: beyond,
                    });
                }
            }
            Some(was) => {
                let old = registry.entry_at(before, was).ok();
                let mut changed = Vec::new();
                if old.as_ref().is_none_or(|o| o.url != entry.url) {
                    changed.push("url".to_string());
                }
                if old
                    .as_ref()
                    .is_none_or(|o| o.config_paths != entry.config_paths)
                {
                    changed.push("config_paths".to_string());
                }
                if !changed.is_empty() && (local || !not_read.is_empty()) {
                    notices.push(NotAccepted::Entry {
                        name: name.clone(),
                        changed,
                        not_read,
                    });
                }
            }
        }
    }
    let old_settings = registry.settings_at(before).ok();
    let list_changed = old_settings
        .as_ref()
        .is_none_or(|old| old.config_paths() != settings.config_paths());
    if list_changed {
        if let Some(pending) = pending_settings(registry, &settings) {
            if !pending.not_read.is_empty() {
                notices.push(NotAccepted::Settings {
                    config_paths: pending.config_paths,
                    not_read: pending.not_read,
                });
            }
        }
    }
    Ok(notices)
}
