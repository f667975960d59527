//! The one table renderer and the one JSON renderer.

use std::io::Write;

use serde::Serialize;

/// Print `value` as pretty JSON on stdout.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    let mut out = super::output::stdout();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

/// Print a JSON array with one compact item per line: valid JSON, and readable with
/// line tools (`list --json` at 100,000 entries stays one line per entry).
pub fn json_lines<T: Serialize>(items: &[T]) {
    let mut out = super::output::stdout();
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

/// The width text tables are kept within where they can wrap (as `--help` is).
pub const WIDTH: usize = 100;

/// Print rows as aligned columns under a header; the last column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    table_wrapped(header, rows, usize::MAX)
}

/// [`table`], with the last column's words wrapped onto more lines (under that column)
/// so that lines stay within `width` where they can: the last column gets at least 30.
pub fn table_wrapped(header: &[&str], rows: &[Vec<String>], width: usize) {
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
    let mut out = super::output::stdout();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let last_at: usize = widths
        .iter()
        .take(columns.saturating_sub(1))
        .map(|w| w + 2)
        .sum();
    let last_width = width.saturating_sub(last_at).max(30);
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                for (n, part) in wrap(cell, last_width).iter().enumerate() {
                    if n > 0 {
                        let _ = writeln!(out, "{}", line.trim_end());
                        line = " ".repeat(last_at);
                    }
                    line.push_str(part);
                }
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(
                    ' ',
                    widths[i] - cell.chars().count() + 2,
                ));
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a longer word
/// has a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// Print aligned `key: value` lines.
pub fn fields(pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (key, value) in pairs {
        outln!(
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

/// The progress bar of a command over many repositories: shown on a terminal, unless
/// `--quiet` or the output is JSON.
pub fn progress_bar(json: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() || super::quiet() || json {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
            .expect("a valid template"),
    );
    bar
}

/// Show on `bar` how far the work is.
pub fn advance(bar: &indicatif::ProgressBar, progress: repodex::remote::Progress) {
    bar.set_length(progress.total as u64);
    bar.set_position(progress.done as u64);
    bar.set_message(progress.name);
}
