//! `repodex export` and `repodex import file`: the whole registry as one document.
//!
//! The document holds every entry as its file holds it (no secrets: credentials are
//! not exported). Export, import into an empty registry, and export again give the same
//! bytes. TOML exports are `[[repository]]` tables; JSON exports an object
//! `{"format": 1, "repositories": [...]}` with date-times as RFC 3339 strings.

use super::error::ImportError;
use crate::store::entry::Entry;
use crate::store::layout::Layout;
use crate::store::Registry;
use crate::{Error, Result};

/// The format of export files (independent of the registry's own format: an export
/// lists entries, wherever a registry keeps their files).
pub const EXPORT_FORMAT: i64 = 1;

/// Largest export file `import file` reads.
pub const MAX_IMPORT_SIZE: u64 = 1 << 30;

/// An export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Toml,
}

/// Every entry at HEAD, sorted by name. Broken entry files are an error: an export
/// must be complete.
fn all_entries(registry: &Registry) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for record in registry.records() {
        if let crate::Record::Broken { error, .. } = &record {
            return Err(ImportError::UnreadableEntry {
                error: error.clone(),
            }
            .into());
        }
        entries.push(registry.entry(record.name())?);
    }
    Ok(entries)
}

/// The whole registry as one document.
pub fn export(registry: &Registry, format: Format) -> Result<String> {
    let entries = all_entries(registry)?;
    // Through the entry file's own text, so that an export holds what the files hold,
    // date-times included, in the files' field order.
    let tables: Vec<toml::Value> = entries
        .iter()
        .map(|e| toml::Value::Table(toml::from_str(&e.to_toml()).expect("an entry's TOML parses")))
        .collect();
    Ok(match format {
        Format::Toml => {
            let mut document = toml::Table::new();
            document.insert("format".into(), toml::Value::Integer(EXPORT_FORMAT));
            document.insert("repository".into(), toml::Value::Array(tables));
            toml::to_string(&document).expect("a document serializes")
        }
        Format::Json => {
            let repositories: Vec<serde_json::Value> = tables.into_iter().map(to_json).collect();
            let document =
                serde_json::json!({ "format": EXPORT_FORMAT, "repositories": repositories });
            let mut text = serde_json::to_string_pretty(&document).expect("a document serializes");
            text.push('\n');
            text
        }
    })
}

fn to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => serde_json::Value::from(i),
        toml::Value::Float(f) => serde_json::Value::from(f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            serde_json::Value::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

fn from_json(value: serde_json::Value, at: &str) -> Result<toml::Value> {
    Ok(match value {
        serde_json::Value::Null => {
            return Err(Error::from(ImportError::Document {
                origin: at.to_string(),
                problem: "null is not allowed; leave the key out".into(),
            }))
        }
        serde_json::Value::Bool(b) => toml::Value::Boolean(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => toml::Value::String(s),
        serde_json::Value::Array(a) => toml::Value::Array(
            a.into_iter()
                .map(|v| from_json(v, at))
                .collect::<Result<_>>()?,
        ),
        serde_json::Value::Object(o) => toml::Value::Table(
            o.into_iter()
                .map(|(k, v)| from_json(v, at).map(|v| (k, v)))
                .collect::<Result<_>>()?,
        ),
    })
}

/// Parse an export document into entries, each checked as an entry file is.
pub fn parse(text: &str, source: &str) -> Result<Vec<Entry>> {
    let bad = |problem: String| {
        Error::from(ImportError::Document {
            origin: source.to_string(),
            problem,
        })
    };
    let trimmed = text.trim_start();
    let (format, repositories): (Option<i64>, Vec<toml::Value>) = if trimmed.starts_with('{') {
        let document: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| bad(format!("is not valid JSON (line {}: {e})", e.line())))?;
        let format = document.get("format").and_then(|f| f.as_i64());
        let list = document
            .get("repositories")
            .and_then(|r| r.as_array())
            .ok_or_else(|| bad("has no \"repositories\" array; is it a repodex export?".into()))?;
        let values = list
            .iter()
            .enumerate()
            .map(|(i, v)| from_json(v.clone(), &format!("{source}: repositories[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        (format, values)
    } else {
        let document: toml::Table = toml::from_str(text).map_err(|e| {
            bad(format!(
                "is not valid TOML or JSON ({})",
                e.message().trim()
            ))
        })?;
        let format = document.get("format").and_then(|f| f.as_integer());
        let values = match document.get("repository") {
            Some(toml::Value::Array(list)) => list.clone(),
            None => Vec::new(),
            Some(_) => {
                return Err(bad(
                    "'repository' must be an array of tables ([[repository]])".into(),
                ))
            }
        };
        (format, values)
    };
    match format {
        Some(EXPORT_FORMAT) => {}
        Some(other) => {
            return Err(Error::UnknownFormat {
                found: other,
                known: EXPORT_FORMAT,
            })
        }
        None => return Err(bad("has no 'format'; is it a repodex export?".into())),
    }
    let mut entries = Vec::with_capacity(repositories.len());
    for (i, value) in repositories.into_iter().enumerate() {
        let name = value
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        if crate::store::name::validate_name(&name).is_err() {
            return Err(bad(format!(
                "repository {} has a missing or invalid name {}",
                i + 1,
                crate::url::quote(&name)
            )));
        }
        // Through the entry file format, so an import is checked exactly as a file is.
        let text = toml::to_string(&value).map_err(|e| bad(format!("repository {name}: {e}")))?;
        let layout = Layout::NEWEST;
        let entry = Entry::parse(layout, &layout.entry_path(&name), text.as_bytes())
            .map_err(|e| bad(format!("repository {}: {e}", i + 1)))?;
        entries.push(entry);
    }
    Ok(entries)
}
