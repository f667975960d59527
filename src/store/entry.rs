//! One registered repository, as stored in its file under `repos/` ([`Layout`]).
//!
//! This module owns the entry's file format (the same in every registry format, see
//! docs/format.md): reading it with errors that name the file and line, writing it in a
//! stable field order that reads well in `git log -p`, and checking it on its own.
//! Rules that need the whole registry (unique names, aliases and URLs) live with the
//! catalog.

use std::collections::BTreeMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::error::DescriptionProblem;
use super::layout::Layout;
use super::name::{validate_alias, validate_name, validate_tag};
use crate::url::GitUrl;
use crate::Error;

/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 1000;
/// Largest entry file repodex reads, in bytes.
pub const MAX_ENTRY_SIZE: usize = 4 * 1024 * 1024;

/// A registered repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry's name; also its path ([`Layout::entry_path`]).
    pub name: String,
    /// Where the repository lives, without credentials.
    pub url: String,
    /// Other names that resolve to this entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Free labels for grouping (`list --tag`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// One line about the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the entry was registered.
    #[serde(with = "toml_time")]
    pub added: DateTime<Utc>,
    /// The repository files to cache, instead of `config_paths` of `registry.toml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_paths: Option<Vec<String>>,
    /// What was learned from the remote.
    #[serde(default, skip_serializing_if = "Remote::is_empty")]
    pub remote: Remote,
    /// Cached copies of the repository's configuration files.
    #[serde(default, skip_serializing_if = "ConfigCache::is_empty")]
    pub config: ConfigCache,
    /// Keys this version of repodex does not know, kept as they are so that a newer
    /// writer's data is never dropped by an older one.
    #[serde(flatten)]
    pub extra: toml::Table,
}

/// What the remote said when it was last fetched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Remote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
    /// The upstream commit the cached configuration files were read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_commit: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "toml_time::option"
    )]
    pub config_fetched: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: toml::Table,
}

impl Remote {
    fn is_empty(&self) -> bool {
        self.default_branch.is_none()
            && self.config_commit.is_none()
            && self.config_fetched.is_none()
            && self.extra.is_empty()
    }
}

/// Configuration files read from the repository, by path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigCache {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: toml::Table,
}

impl ConfigCache {
    fn is_empty(&self) -> bool {
        self.files.is_empty() && self.extra.is_empty()
    }
}

/// The fields every listing shows: the catalog's record of an entry and the objects of
/// `list --json`. Field names are part of the JSON contract (docs/json.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    pub name: String,
    pub url: String,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub default_branch: Option<String>,
}

impl Entry {
    /// A new entry, registered now.
    pub fn new(name: String, url: &GitUrl) -> Entry {
        Entry {
            name,
            url: url.to_string(),
            aliases: Vec::new(),
            tags: Vec::new(),
            description: None,
            added: Utc::now().trunc_subsecs(0),
            config_paths: None,
            remote: Remote::default(),
            config: ConfigCache::default(),
            extra: toml::Table::new(),
        }
    }

    /// Parse and check an entry file. `path` is the file's path in the registry, used
    /// in error messages and to check that it is where `layout` puts the entry's name.
    pub fn parse(layout: Layout, path: &str, bytes: &[u8]) -> Result<Entry, Error> {
        Entry::parse_with_url(layout, path, bytes).map(|(entry, _)| entry)
    }

    /// [`Entry::parse`], with the URL it checked (parsed once, not again by a caller
    /// that needs it, as a catalog rebuild does 100,000 times).
    pub fn parse_with_url(
        layout: Layout,
        path: &str,
        bytes: &[u8],
    ) -> Result<(Entry, GitUrl), Error> {
        let broken = |line: Option<usize>, message: String| Error::BrokenEntry {
            path: path.to_string(),
            line,
            message,
        };
        if bytes.len() > MAX_ENTRY_SIZE {
            return Err(broken(
                None,
                format!("is larger than {} MiB", MAX_ENTRY_SIZE / (1024 * 1024)),
            ));
        }
        Entry::parse_any_size(layout, path, bytes)
    }

    /// [`Entry::parse_with_url`] of an entry of any size, to repair or forget one that a
    /// hand edit or an older repodex made too large to read.
    pub(crate) fn parse_any_size(
        layout: Layout,
        path: &str,
        bytes: &[u8],
    ) -> Result<(Entry, GitUrl), Error> {
        let broken = |line: Option<usize>, message: String| Error::BrokenEntry {
            path: path.to_string(),
            line,
            message,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            broken(Some(line), "is not valid UTF-8".into())
        })?;
        let entry: Entry = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            broken(line, e.message().trim().replace('\n', " "))
        })?;
        if layout.entry_path(&entry.name) != path {
            let message = match layout.entry_name(path) {
                Some(expected) => format!(
                    "names the entry '{}' but its path says '{}'; rename the file or fix the name",
                    entry.name.escape_debug(),
                    expected.escape_debug()
                ),
                None => format!(
                    "names the entry '{}', whose file in this registry is {} ({}); move it there with `git mv` or fix the name",
                    entry.name.escape_debug(),
                    crate::url::quote(&layout.entry_path(&entry.name)),
                    layout.describe()
                ),
            };
            return Err(broken(line_of(text, "name"), message));
        }
        let url = entry
            .check()
            .map_err(|(key, message)| broken(line_of(text, key), message))?;
        Ok((entry, url))
    }

    /// Check the entry on its own, and return its parsed URL. On failure, the key at
    /// fault and a message.
    fn check(&self) -> Result<GitUrl, (&'static str, String)> {
        validate_name(&self.name).map_err(|e| ("name", e.to_string()))?;
        let url = GitUrl::parse_clean(&self.url).map_err(|e| ("url", e.to_string()))?;
        for alias in &self.aliases {
            validate_alias(alias).map_err(|e| ("aliases", e.to_string()))?;
            if *alias == self.name {
                return Err((
                    "aliases",
                    format!("alias '{alias}' repeats the entry's own name"),
                ));
            }
        }
        for tag in &self.tags {
            validate_tag(tag).map_err(|e| ("tags", e.to_string()))?;
        }
        if let Some(description) = &self.description {
            validate_description(description).map_err(|e| ("description", e.to_string()))?;
        }
        for path in self
            .config_paths
            .iter()
            .flatten()
            .chain(self.config.files.keys())
        {
            validate_config_path(path).map_err(|e| ("config_paths", e))?;
        }
        Ok(url)
    }

    /// The entry as TOML, in the stable order of docs/format.md.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("an entry always serializes")
    }

    /// The parsed URL. Entries are checked when read, so this does not fail for them.
    pub fn git_url(&self) -> Result<GitUrl, Error> {
        Ok(GitUrl::parse_clean(&self.url)?)
    }

    pub fn summary(&self) -> Summary {
        Summary {
            name: self.name.clone(),
            url: self.url.clone(),
            aliases: self.aliases.clone(),
            tags: self.tags.clone(),
            description: self.description.clone(),
            default_branch: self.remote.default_branch.clone(),
        }
    }
}

/// A configuration path is a relative path inside the repository, without `..`.
pub fn validate_config_path(path: &str) -> Result<(), String> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.chars().any(char::is_control)
        || path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
    if bad {
        return Err(format!(
            "'{}' is not a path inside a repository (relative, no empty, '.' or '..' segments)",
            path.escape_debug()
        ));
    }
    Ok(())
}

/// A description is one line of printable text.
pub fn validate_description(description: &str) -> Result<(), DescriptionProblem> {
    if description.chars().any(char::is_control) {
        return Err(DescriptionProblem::ControlCharacter);
    }
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(DescriptionProblem::TooLong {
            max: MAX_DESCRIPTION_LEN,
        });
    }
    Ok(())
}

/// The 1-based line on which `key = ...` first appears, for error messages.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// TOML has a date-time type of its own; entries use it (`added = 2026-11-24T10:00:00Z`)
/// rather than a quoted string, and read either.
mod toml_time {
    use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
    use serde::de::{self, MapAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use toml::value::{Datetime, Offset};

    /// A date-time read from TOML's own type or from a string.
    struct Time(DateTime<Utc>);

    impl<'de> Deserialize<'de> for Time {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
            d.deserialize_any(TimeVisitor)
        }
    }

    struct TimeVisitor;

    impl<'de> Visitor<'de> for TimeVisitor {
        type Value = Time;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a date-time with a time zone, like 2026-11-24T10:00:00Z")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Time, E> {
            parse_text(text).map(Time)
        }

        /// TOML's date-time, which its deserializer hands over as a one-key map.
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Time, A::Error> {
            let datetime = Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
            match exact(&datetime) {
                Some(time) => Ok(Time(time)),
                // Whatever the fields do not say exactly (a leap second, a date or a
                // time alone) is read as its text, as any string is.
                None => parse_text(&datetime.to_string()).map(Time),
            }
        }
    }

    /// The date-time `datetime`'s fields name, when they name one exactly.
    fn exact(datetime: &Datetime) -> Option<DateTime<Utc>> {
        let (date, time, offset) = (datetime.date?, datetime.time?, datetime.offset?);
        let date = NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())?;
        let time = NaiveTime::from_hms_nano_opt(
            time.hour.into(),
            time.minute.into(),
            time.second.into(),
            time.nanosecond,
        )?;
        let seconds = match offset {
            Offset::Z => 0,
            Offset::Custom { minutes } => i32::from(minutes) * 60,
        };
        let local = FixedOffset::east_opt(seconds)?
            .from_local_datetime(&date.and_time(time))
            .single()?;
        Some(local.with_timezone(&Utc))
    }

    fn parse_text<E: de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
        DateTime::parse_from_rfc3339(text)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|e| {
                E::custom(format!(
                    "'{text}' is not a date-time with a time zone ({e})"
                ))
            })
    }

    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        let text = time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let datetime: Datetime = text.parse().map_err(serde::ser::Error::custom)?;
        datetime.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        Ok(Time::deserialize(d)?.0)
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            time: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            Ok(Option::<Time>::deserialize(d)?.map(|t| t.0))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Reading a date-time from its fields gives what reading its text with
        /// chrono's RFC 3339 parser gives, or leaves it to that parser.
        #[test]
        fn fields_and_text_read_the_same_instant() {
            let texts = [
                "2026-11-24T10:00:00Z",
                "1979-05-27T07:32:00-08:00",
                "1979-05-27T00:32:00.999999-07:00",
                "2026-02-28T23:59:59.123456789+14:00",
                "2000-02-29T12:00:00+00:30",
                "1970-01-01T00:00:00Z",
                "2016-12-31T23:59:60Z",
                "2026-11-24T10:00:00",
                "2026-11-24",
                "10:00:00",
                "9999-12-31T23:59:59-23:59",
            ];
            let mut exact_ones = 0;
            for text in texts {
                let datetime: Datetime = text.parse().unwrap();
                let from_text = parse_text::<de::value::Error>(&datetime.to_string()).ok();
                match exact(&datetime) {
                    Some(time) => {
                        exact_ones += 1;
                        assert_eq!(Some(time), from_text, "{text}");
                    }
                    None => assert!(
                        datetime.offset.is_none() || datetime.time.unwrap().second == 60,
                        "{text} was left to the text parser"
                    ),
                }
            }
            assert_eq!(exact_ones, 7);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const SAMPLE: &str = r#"name = "edobry/minsky"
url = "https://github.com/edobry/minsky.git"
aliases = ["minsky", "mk"]
tags = ["work"]
description = "Minsky CLI"
added = 2026-11-24T10:00:00Z
future_field = "kept"

[remote]
default_branch = "main"
config_commit = "3f2a9c"
config_fetched = 2026-11-24T10:00:05Z

[config.files]
".minsky/config.yaml" = """
repository:
  backend: github
"""
"#;

    #[test]
    fn round_trip_keeps_every_field() {
        let entry =
            Entry::parse(Layout::Flat, "repos/edobry/minsky.toml", SAMPLE.as_bytes()).unwrap();
        assert_eq!(entry.aliases, ["minsky", "mk"]);
        assert_eq!(entry.remote.default_branch.as_deref(), Some("main"));
        assert_eq!(
            entry.extra.get("future_field").and_then(|v| v.as_str()),
            Some("kept")
        );
        let written = entry.to_toml();
        let again =
            Entry::parse(Layout::Flat, "repos/edobry/minsky.toml", written.as_bytes()).unwrap();
        assert_eq!(entry, again);
        assert!(
            written.contains("added = 2026-11-24T10:00:00Z"),
            "{written}"
        );
    }

    #[test]
    fn errors_name_the_line() {
        let bad = SAMPLE.replace("tags = [\"work\"]", "tags = [\"Work Stuff\"]");
        let err = Entry::parse(Layout::Flat, "repos/edobry/minsky.toml", bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("repos/edobry/minsky.toml line 4"), "{err}");
        let err = Entry::parse(Layout::Flat, "repos/other.toml", SAMPLE.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
        let err = Entry::parse(Layout::Flat, "repos/x.toml", b"name = \"x\"\nurl = ")
            .unwrap_err()
            .to_string();
        assert!(err.contains("repos/x.toml line 2"), "{err}");
    }
}
