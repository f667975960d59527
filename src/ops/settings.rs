//! `settings`: what a registry shares (`registry.toml`, changed by one commit each, so
//! that teammates get it through sync) and what this machine keeps
//! (`$XDG_CONFIG_HOME/repodex/config.toml`), each setting with its default.
//!
//! The machine's limits bound the shared ones: a shared `max_mirror_size` can lower this
//! machine's, never raise it (docs/format.md).

use std::path::Path;

use serde::Serialize;

use super::error::Refused;
use crate::store::layout::SETTINGS_FILE;
use crate::store::settings::Settings;
use crate::{Context, Error, Result};

/// Where a setting lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// `registry.toml`, shared by everyone who syncs the registry.
    Shared,
    /// This machine's config file.
    Machine,
}

/// What a setting's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `24h`, `30m`, `7d`, kept as written.
    Duration,
    /// A whole number (bytes, seconds, commits).
    Number,
    Bool,
    /// Comma-separated repository paths.
    Paths,
    /// Comma-separated host names.
    Hosts,
    /// Comma-separated `host=kind` pairs ([`crate::url::HostKind`]).
    HostKinds,
    /// A folder: absolute, or under the home folder (`~/src`).
    Folder,
    /// A clone layout under the clone root (`{host}/{owner}/{repo}`).
    Layout,
}

/// One setting repodex knows.
#[derive(Debug, Clone, Copy)]
pub struct Known {
    pub key: &'static str,
    pub scope: Scope,
    kind: Kind,
    pub default: &'static str,
    pub about: &'static str,
}

/// Every setting, in the order `repodex settings` shows them.
pub const KNOWN: &[Known] = &[
    Known {
        key: "refresh_ttl",
        scope: Scope::Shared,
        kind: Kind::Duration,
        default: "24h",
        about: "how old remote data may get before info and config refresh it",
    },
    Known {
        key: "config_paths",
        scope: Scope::Shared,
        kind: Kind::Paths,
        default: ".minsky/config.yaml,.minsky/config.yml,.minsky/config.json,minsky.config.yaml,minsky.config.yml,minsky.config.json,config/local.yaml",
        about: "the repository files whose content is cached (comma-separated)",
    },
    Known {
        key: "max_config_size",
        scope: Scope::Shared,
        kind: Kind::Number,
        default: "262144",
        about: "the largest configuration file cached, in bytes",
    },
    Known {
        key: "max_mirror_size",
        scope: Scope::Shared,
        kind: Kind::Number,
        default: "1073741824",
        about: "the most one refresh downloads into a mirror, in bytes",
    },
    Known {
        key: "hosts",
        scope: Scope::Shared,
        kind: Kind::HostKinds,
        default: "",
        about: "the team's own servers, host=kind: github (Enterprise), gitlab, gitea (or forgejo), bitbucket-server, case-insensitive",
    },
    Known {
        key: "case_insensitive_hosts",
        scope: Scope::Shared,
        kind: Kind::Hosts,
        default: "",
        about: "the older form of hosts=case-insensitive, still read; set hosts instead",
    },
    Known {
        key: "offline",
        scope: Scope::Machine,
        kind: Kind::Bool,
        default: "false",
        about: "never use the network",
    },
    Known {
        key: "timeout",
        scope: Scope::Machine,
        kind: Kind::Number,
        default: "30",
        about: "seconds one remote may take (REPODEX_TIMEOUT overrides)",
    },
    Known {
        key: "min_refresh_ttl",
        scope: Scope::Machine,
        kind: Kind::Number,
        default: "60",
        about: "seconds: reads never ask a remote more often, whatever refresh_ttl says",
    },
    Known {
        key: "max_config_size",
        scope: Scope::Machine,
        kind: Kind::Number,
        default: "262144",
        about: "this machine's bound on max_config_size, in bytes",
    },
    Known {
        key: "max_mirror_size",
        scope: Scope::Machine,
        kind: Kind::Number,
        default: "1073741824",
        about: "this machine's bound on max_mirror_size, in bytes",
    },
    Known {
        key: "clone_root",
        scope: Scope::Machine,
        kind: Kind::Folder,
        default: "~/src",
        about: "where `clone` puts working copies (git's ghq.root when set)",
    },
    Known {
        key: "clone_layout",
        scope: Scope::Machine,
        kind: Kind::Layout,
        default: "{host}/{owner}/{repo}",
        about: "their folders under clone_root: {host} {owner} {repo} {name}",
    },
    Known {
        key: "mirror_depth",
        scope: Scope::Machine,
        kind: Kind::Number,
        default: "0",
        about: "commits a mirror keeps (0: all), for very large repositories",
    },
];

/// A setting as `repodex settings` shows it.
#[derive(Debug, Serialize)]
pub struct Shown {
    pub key: &'static str,
    pub scope: Scope,
    /// The value set, as it is written in its file; `None` when not set.
    pub value: Option<String>,
    pub default: &'static str,
    pub about: &'static str,
}

/// What `settings set` or `unset` did.
#[derive(Debug, Serialize)]
pub struct Changed {
    pub key: String,
    pub scope: Scope,
    /// The new value; `None` when unset (the default applies).
    pub value: Option<String>,
    /// The registry commit (shared settings); `None` for this machine's, or when the
    /// value was already so.
    pub commit: Option<String>,
    /// The file written.
    pub file: String,
}

fn known(key: &str, scope: Scope) -> Result<&'static Known> {
    KNOWN
        .iter()
        .find(|k| k.key == key && k.scope == scope)
        .ok_or_else(|| {
            let elsewhere = KNOWN.iter().any(|k| k.key == key);
            Refused::UnknownSetting {
                key: key.to_string(),
                hint: match (elsewhere, scope) {
                    (true, Scope::Shared) => format!(
                        "'{key}' is this machine's setting, not the registry's: add --machine"
                    ),
                    (true, Scope::Machine) => format!(
                        "'{key}' is the registry's setting, not this machine's: drop --machine"
                    ),
                    _ => format!("there is no setting '{key}'; `repodex settings` lists them"),
                },
            }
            .into()
        })
}

/// Read `value` as a setting of `kind`, as it is stored.
fn value_of(known: &Known, value: &str) -> Result<toml::Value> {
    let bad = |why: &str| -> Error {
        Refused::BadSetting {
            key: known.key.to_string(),
            value: value.to_string(),
            why: why.to_string(),
        }
        .into()
    };
    let list = || -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    };
    Ok(match known.kind {
        Kind::Duration => {
            match crate::time::parse_duration(value) {
                Ok(_) => {}
                Err(crate::time::BadTime::NotATime) => {
                    return Err(bad("it is not a duration such as 30m, 24h or 7d"))
                }
                Err(crate::time::BadTime::OutOfRange) => {
                    return Err(bad(&format!(
                        "it is longer than repodex counts (at most {})",
                        crate::time::MAX_DURATION_WORDS
                    )))
                }
            }
            toml::Value::String(value.trim().to_string())
        }
        Kind::Number => match value.trim().parse::<u64>() {
            Ok(n) if i64::try_from(n).is_ok() => toml::Value::Integer(n as i64),
            _ => return Err(bad("it is not a whole number")),
        },
        Kind::Bool => match value.trim() {
            "true" => toml::Value::Boolean(true),
            "false" => toml::Value::Boolean(false),
            _ => return Err(bad("it is neither true nor false")),
        },
        Kind::Paths => {
            let paths = list();
            if paths.is_empty() {
                return Err(bad("it names no path"));
            }
            if let Some(p) = paths
                .iter()
                .find(|p| p.starts_with('/') || p.split('/').any(|s| s == ".." || s.is_empty()))
            {
                return Err(bad(&format!(
                    "'{p}' is not a path inside a repository (relative, no '..')"
                )));
            }
            toml::Value::Array(paths.into_iter().map(toml::Value::String).collect())
        }
        Kind::Hosts => {
            // One declaration of the team's servers: the older list is read, not grown.
            let declared: Vec<String> = list()
                .iter()
                .map(|h| format!("{}=case-insensitive", h.to_lowercase()))
                .collect();
            return Err(bad(&format!(
                "it is the older form of hosts, still read but no longer set; declare them there: `repodex settings set hosts {}`",
                declared.join(",")
            )));
        }
        Kind::HostKinds => {
            let mut table = toml::Table::new();
            for pair in list() {
                let Some((host, kind)) = pair.split_once('=') else {
                    return Err(bad(&format!(
                        "'{pair}' is not host=kind, such as gitlab.corp=gitlab"
                    )));
                };
                let host = host.trim().to_lowercase();
                if host.is_empty()
                    || !host
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
                {
                    return Err(bad(&format!("'{host}' is not a host name")));
                }
                let kind = kind.trim().to_lowercase();
                if crate::url::HostKind::parse(&kind).is_none() {
                    return Err(bad(&format!(
                        "'{kind}' is not a kind of server repodex knows ({})",
                        crate::url::HostKind::spellings()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                table.insert(host, toml::Value::String(kind));
            }
            if table.is_empty() {
                return Err(bad(
                    "it declares no host; give host=kind, such as gitlab.corp=gitlab",
                ));
            }
            toml::Value::Table(table)
        }
        Kind::Folder => {
            if super::clone_root::expand(value, Path::new("/home")).is_none() {
                return Err(bad("it is neither an absolute path nor one under ~/"));
            }
            toml::Value::String(value.trim().to_string())
        }
        Kind::Layout => {
            super::clone_root::check_layout(value.trim()).map_err(|why| bad(&why))?;
            toml::Value::String(value.trim().to_string())
        }
    })
}

/// A stored value as `settings` shows it.
fn shown(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(","),
        toml::Value::Table(pairs) => pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

/// `text` (a TOML file) with `key` set to `value`, or removed; its leading comment lines
/// are kept.
fn edited(
    text: &str,
    key: &str,
    value: Option<toml::Value>,
) -> std::result::Result<String, String> {
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
    match value {
        Some(value) => {
            table.insert(key.to_string(), value);
        }
        None => {
            table.remove(key);
        }
    }
    let header: String = text
        .lines()
        .take_while(|l| l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    Ok(format!(
        "{header}{}",
        toml::to_string(&table).expect("a table serializes")
    ))
}

/// Every setting: its value where set, and its default.
pub fn list(ctx: &Context) -> Result<Vec<Shown>> {
    let registry = ctx.open()?;
    let shared: toml::Table = {
        let text = toml::to_string(&registry.settings()?).expect("settings serialize");
        toml::from_str(&text).unwrap_or_default()
    };
    let machine_file = ctx.config_dir().join("config.toml");
    let machine: toml::Table = std::fs::read_to_string(&machine_file)
        .ok()
        .and_then(|t| toml::from_str(&t).ok())
        .unwrap_or_default();
    Ok(KNOWN
        .iter()
        .map(|k| Shown {
            key: k.key,
            scope: k.scope,
            value: match k.scope {
                Scope::Shared => &shared,
                Scope::Machine => &machine,
            }
            .get(k.key)
            .map(shown),
            default: k.default,
            about: k.about,
        })
        .collect())
}

/// Set (`Some`) or unset (`None`) the setting `key` of `scope`: a shared one in one
/// commit ("settings: set KEY = VALUE"), a machine one in this machine's config file.
/// A bad key or value changes nothing.
pub fn set(
    ctx: &Context,
    scope: Scope,
    key: &str,
    value: Option<&str>,
    on_wait: &mut dyn FnMut(),
) -> Result<Changed> {
    let known = known(key, scope)?;
    let stored = value.map(|v| value_of(known, v)).transpose()?;
    let shown_value = stored.as_ref().map(shown);
    match scope {
        Scope::Shared => {
            let mut registry = ctx.open()?;
            let mut tx = registry.transaction(on_wait)?;
            let text =
                tx.file(SETTINGS_FILE)?
                    .ok_or(crate::store::error::StoreError::MissingFile {
                        file: SETTINGS_FILE,
                    })?;
            let text = String::from_utf8_lossy(&text).into_owned();
            let new = edited(&text, key, stored).map_err(|reason| Error::BrokenEntry {
                path: SETTINGS_FILE.into(),
                line: None,
                message: reason,
            })?;
            let settings = Settings::parse(new.as_bytes())?;
            tx.put_merged_file(SETTINGS_FILE, Some(new.into_bytes()))?;
            if key == "config_paths" {
                // This machine's user chose the list: this machine reads it.
                tx.accept_shared_config_paths(settings.config_paths);
            }
            let message = match &shown_value {
                Some(v) => format!("settings: set {key} = {v}"),
                None => format!("settings: unset {key}"),
            };
            let commit = tx.commit(&message)?.map(|c| c.to_string());
            Ok(Changed {
                key: key.to_string(),
                scope,
                value: shown_value,
                commit,
                file: SETTINGS_FILE.to_string(),
            })
        }
        Scope::Machine => {
            let file = ctx.config_dir().join("config.toml");
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let new = edited(&text, key, stored).map_err(|reason| Error::UserConfig {
                path: file.clone(),
                reason,
            })?;
            crate::remote::Network::check_user_config(&new, &file)?;
            write_config(&file, &new)?;
            Ok(Changed {
                key: key.to_string(),
                scope,
                value: shown_value,
                commit: None,
                file: file.display().to_string(),
            })
        }
    }
}

fn write_config(file: &Path, text: &str) -> Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    crate::git::write_atomically(file, text.as_bytes())
}

/// The defaults `KNOWN` states are the ones repodex applies.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::settings;

    #[test]
    fn the_stated_defaults_are_the_applied_ones() {
        let default = |key: &str, scope: Scope| {
            KNOWN
                .iter()
                .find(|k| k.key == key && k.scope == scope)
                .unwrap()
                .default
        };
        assert_eq!(
            default("config_paths", Scope::Shared),
            settings::DEFAULT_CONFIG_PATHS.join(",")
        );
        assert_eq!(
            default("max_config_size", Scope::Shared),
            settings::DEFAULT_MAX_CONFIG_SIZE.to_string()
        );
        assert_eq!(
            default("max_mirror_size", Scope::Shared),
            settings::DEFAULT_MAX_MIRROR_SIZE.to_string()
        );
        assert_eq!(
            crate::time::parse_duration(default("refresh_ttl", Scope::Shared)),
            Ok(settings::DEFAULT_REFRESH_TTL)
        );
        let limits = crate::remote::Limits::default();
        assert_eq!(
            default("min_refresh_ttl", Scope::Machine),
            limits.min_refresh_ttl.as_secs().to_string()
        );
        assert_eq!(
            default("clone_root", Scope::Machine),
            super::super::clone_root::DEFAULT_ROOT
        );
        assert_eq!(
            default("clone_layout", Scope::Machine),
            super::super::clone_root::DEFAULT_LAYOUT
        );
        assert_eq!(
            default("timeout", Scope::Machine),
            crate::remote::Network::DEFAULT_TIMEOUT
                .as_secs()
                .to_string()
        );
    }
}
