//! The one table renderer and the one JSON renderer.

use std::io::Write;

use serde::Serialize;

/// Print `value` as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

/// Print a JSON array with one compact item per line: valid JSON, and readable with
/// line tools (`list --json` at 100,000 entries stays one line per entry).
pub fn json_lines<T: Serialize>(items: &[T]) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let _ = out.write_all(b"[");
    for (i, item) in items.iter().enumerate() {
        let _ = out.write_all(if i == 0 { b"\n  " } else { b",\n  " });
        let _ = serde_json::to_writer(&mut out, item);
    }
    let _ = out.write_all(if items.is_empty() { b"]\n" } else { b"\n]\n" });
}

/// A string from the registry, a remote or a file, made safe for a terminal: control
/// characters (C0, DEL, C1) and the bidirectional overrides that reorder what a line
/// seems to say (U+202A to U+202E, U+2066 to U+2069) are shown escaped (`\u{1b}`), so
/// that a teammate's description or a remote's branch name cannot move the cursor,
/// recolour the screen or disguise itself. Every human-readable line goes through it.
pub fn text(value: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !value.chars().any(unsafe_char) {
        return value.into();
    }
    value
        .chars()
        .map(|c| {
            if unsafe_char(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Print rows as aligned columns under a header; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| text(cell).into_owned()).collect())
        .collect();
    let rows = rows.as_slice();
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    widths[i] - cell.chars().count() + 2,
                ));
            }
        }
        if writeln!(out, "{}", line.trim_end()).is_err() {
            return;
        }
    }
}

/// Print aligned `key: value` lines.
pub fn fields(pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in pairs {
        println!(
            "{key:width$}  {value}",
            key = format!("{key}:"),
            value = text(value),
            width = width + 1
        );
    }
}

/// An entry as `info --json` and `resolve --json` show it (docs/json.md).
#[derive(Serialize)]
pub struct EntryView<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub aliases: &'a [String],
    pub tags: &'a [String],
    pub description: Option<&'a str>,
    pub default_branch: Option<&'a str>,
    pub added: String,
    pub remote: RemoteView<'a>,
    pub config_files: Vec<&'a str>,
    pub path: String,
    /// The read-only layer the entry comes from; null for the user's own registry.
    pub layer: Option<String>,
}

/// The `remote` object of [`EntryView`].
#[derive(Serialize)]
pub struct RemoteView<'a> {
    pub default_branch: Option<&'a str>,
    pub config_commit: Option<&'a str>,
    pub config_fetched: Option<String>,
}

impl<'a> EntryView<'a> {
    /// `path` is the entry's file in its registry ([`repodex::Registry::entry_path`]).
    pub fn new(entry: &'a repodex::Entry, path: String, layer: Option<String>) -> Self {
        let time = |t: &chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        EntryView {
            name: &entry.name,
            url: &entry.url,
            aliases: &entry.aliases,
            tags: &entry.tags,
            description: entry.description.as_deref(),
            default_branch: entry.remote.default_branch.as_deref(),
            added: time(&entry.added),
            remote: RemoteView {
                default_branch: entry.remote.default_branch.as_deref(),
                config_commit: entry.remote.config_commit.as_deref(),
                config_fetched: entry.remote.config_fetched.as_ref().map(time),
            },
            config_files: entry.config.files.keys().map(String::as_str).collect(),
            path,
            layer,
        }
    }
}
