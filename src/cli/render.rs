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

/// A string made safe for a terminal ([`repodex::text::safe`]); every human-readable
/// line goes through it.
pub use repodex::text::safe as text;

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
pub use repodex::ops::lookup::View as EntryView;

/// A path for a person: under the home folder as `~/...`.
pub fn home_path(path: &std::path::Path, home: &std::path::Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}

/// The PATH cell of an entry's clones: the first one, `(gone)` when its folder is, and
/// `+N` for the others; `-` for none.
pub fn clones_cell(clones: &[repodex::ops::clones::Clone], home: &std::path::Path) -> String {
    let Some(first) = clones.first() else {
        return "-".to_string();
    };
    let mut cell = home_path(&first.path, home);
    if !first.exists {
        cell.push_str(" (gone)");
    }
    if clones.len() > 1 {
        cell.push_str(&format!(" +{}", clones.len() - 1));
    }
    cell
}
