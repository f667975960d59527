//! The catalog: a lookup index derived from HEAD, kept in `.git/repodex/catalog`.
//!
//! It answers "which entry has this name, alias, URL or last segment?" and "what does
//! `list` show?" without reading one entry file per registered repository, so that
//! `resolve` costs the same at ten entries and at a hundred thousand. It is never
//! pushed and never the truth: its header names the commit it was built from, and when
//! HEAD is elsewhere (a plain `git commit`, a pull, a crash between commit and catalog
//! write) it is rebuilt from HEAD before use. Repodex's own commits update it in place.
//!
//! File layout: a header line `repodex-catalog 4 <commit> <records-bytes> <keys-bytes>
//! <names-bytes>`, then the records, one line per entry sorted by name
//! (`<name>\t<summary json>`, or `<name>\t!<error>` for a file that does not read as an
//! entry), then the keys, one line each sorted by key (`<kind>:<key>\t<name>`; kinds `a`
//! alias, `u` URL identity, `s` last segment), then the names alone, one per line,
//! sorted. Lookups are binary searches over the memory-mapped file; the names are there
//! for the one reader of every name, a `resolve` that misses and looks for suggestions,
//! which then touches the twentieth of the file they take and not the records.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use super::entry::{Entry, Summary, MAX_ENTRY_SIZE};
use super::layout::{Layout, REPOS_DIR, SETTINGS_FILE};
use super::name::last_segment;
use super::settings::Settings;
use crate::git::{ObjectId, Repo};
use crate::{Error, Result};

/// The catalog's own version. Version 2 came with registry format 2: a repodex 0.1 on
/// the same machine finds a catalog it does not know, rebuilds it from HEAD, reads
/// `registry.toml`, and refuses a format-2 registry instead of writing entries where
/// format 1 keeps them. Version 4 added the names region: an older catalog does not
/// parse, and is rebuilt from HEAD.
const MAGIC: &str = "repodex-catalog 4";

/// One line of `list`: an entry's summary, or a file that failed to read as an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Entry(Summary),
    Broken { name: String, error: String },
}

impl Record {
    /// A file that did not read as an entry.
    pub fn is_broken(&self) -> bool {
        matches!(self, Record::Broken { .. })
    }

    pub fn name(&self) -> &str {
        match self {
            Record::Entry(s) => &s.name,
            Record::Broken { name, .. } => name,
        }
    }
}

/// A record as stored: an entry's summary as one line of compact JSON (the fields of
/// [`Summary`], in order), or the name and error of a file that is not an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawRecord<'a> {
    Entry { name: &'a [u8], json: &'a [u8] },
    Broken { name: &'a [u8], error: &'a [u8] },
}

/// Lookup key kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Alias,
    Url,
    LastSegment,
}

impl KeyKind {
    /// The prefix of its key lines; each ends in ':'.
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Alias => "a:",
            KeyKind::Url => "u:",
            KeyKind::LastSegment => "s:",
        }
    }
}

/// The lookup keys of an entry, its URL's under the registry's `rules`.
pub fn keys_of(entry: &Summary, rules: &crate::url::Rules) -> Vec<(KeyKind, String)> {
    let url = crate::url::GitUrl::parse_clean(&entry.url).ok();
    keys_with_url(entry, url.as_ref(), rules)
}

/// [`keys_of`], with the entry's URL parsed already (`None`: it does not parse).
fn keys_with_url(
    entry: &Summary,
    url: Option<&crate::url::GitUrl>,
    rules: &crate::url::Rules,
) -> Vec<(KeyKind, String)> {
    let mut keys: Vec<(KeyKind, String)> = entry
        .aliases
        .iter()
        .map(|a| (KeyKind::Alias, a.clone()))
        .collect();
    if let Some(url) = url {
        keys.push((KeyKind::Url, url.identity_key_in(rules)));
    }
    if entry.name.contains('/') {
        keys.push((KeyKind::LastSegment, last_segment(&entry.name).to_string()));
    }
    keys
}

/// A read-only view of the catalog for one commit.
pub struct Catalog {
    data: Data,
    commit: ObjectId,
    records: std::ops::Range<usize>,
    keys: std::ops::Range<usize>,
    names: std::ops::Range<usize>,
    /// Brought up to date in memory and not yet written to disk ([`Catalog::save`]).
    unsaved: bool,
}

enum Data {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}

fn catalog_path(private_dir: &Path) -> PathBuf {
    private_dir.join("catalog")
}

impl Catalog {
    /// The catalog for `head`: read from disk when it is current; otherwise brought up to
    /// date from the commit it was built for (re-reading only the entry files that
    /// changed since), or rebuilt from scratch, in memory: [`Catalog::save`] writes it
    /// back, unless a commit writes its successor first (at 100,000 entries the file is
    /// about 40 MB, so a register after a plain `git commit` writes it once, not twice).
    pub fn for_commit(repo: &Repo, private_dir: &Path, head: ObjectId) -> Result<Catalog> {
        let existing = Catalog::read(private_dir);
        let (base, changes) = match existing {
            Some(current) if current.commit == head => return Ok(current),
            Some(old) => match Changes::since(repo, &old, head) {
                Some(changes) => (old, changes),
                None => return Catalog::rebuilt(repo, head),
            },
            None => return Catalog::rebuilt(repo, head),
        };
        let bytes = changes.to_bytes(&base, head);
        let mut catalog = Catalog::parse(Data::Owned(bytes)).expect("a catalog just built parses");
        catalog.unsaved = true;
        Ok(catalog)
    }

    /// A catalog of `head` built from its entries, whatever catalog there was.
    pub fn rebuilt(repo: &Repo, head: ObjectId) -> Result<Catalog> {
        let bytes = rebuild::catalog_bytes(repo, head)?;
        let mut catalog = Catalog::parse(Data::Owned(bytes)).expect("a catalog just built parses");
        catalog.unsaved = true;
        Ok(catalog)
    }

    /// Write a catalog that was brought up to date in memory. Best effort: a registry
    /// this user cannot write to still answers, from memory, and the next command
    /// brings the catalog up to date again.
    pub fn save(&mut self, private_dir: &Path) {
        if self.unsaved {
            let _ = crate::git::write_atomically(&catalog_path(private_dir), &self.data);
            self.unsaved = false;
        }
    }

    /// A catalog of no entries, to build on.
    pub fn empty() -> Catalog {
        Catalog {
            data: Data::Owned(Vec::new()),
            commit: crate::git::null_id(),
            records: 0..0,
            keys: 0..0,
            names: 0..0,
            unsaved: false,
        }
    }

    /// The catalog on disk when it was built for `head`, without bringing it up to date.
    pub fn read_current(private_dir: &Path, head: ObjectId) -> Option<Catalog> {
        Catalog::read(private_dir).filter(|catalog| catalog.commit == head)
    }

    fn read(private_dir: &Path) -> Option<Catalog> {
        let file = File::open(catalog_path(private_dir)).ok()?;
        // SAFETY: the catalog is only ever replaced by rename, never written in place, so
        // the mapped file does not change under us.
        let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
        Catalog::parse(Data::Mapped(map))
    }

    fn parse(data: Data) -> Option<Catalog> {
        let header_end = data.iter().position(|b| *b == b'\n')?;
        let header = std::str::from_utf8(&data[..header_end]).ok()?;
        let mut fields = header.strip_prefix(MAGIC)?.split_whitespace();
        let commit = ObjectId::from_hex(fields.next()?.as_bytes()).ok()?;
        let records_len: usize = fields.next()?.parse().ok()?;
        let keys_len: usize = fields.next()?.parse().ok()?;
        let names_len: usize = fields.next()?.parse().ok()?;
        let start = header_end + 1;
        let keys_start = start.checked_add(records_len)?;
        let names_start = keys_start.checked_add(keys_len)?;
        if names_start.checked_add(names_len)? != data.len() {
            return None;
        }
        Some(Catalog {
            commit,
            records: start..keys_start,
            keys: keys_start..names_start,
            names: names_start..data.len(),
            data,
            unsaved: false,
        })
    }

    pub fn commit(&self) -> ObjectId {
        self.commit
    }

    /// The record of the entry named `name`, if any.
    pub fn record(&self, name: &str) -> Option<Record> {
        let region = &self.data[self.records.clone()];
        lines_with_key(region, name.as_bytes())
            .next()
            .and_then(parse_record)
    }

    /// The names of the entries that have `key` of `kind`.
    pub fn lookup(&self, kind: KeyKind, key: &str) -> Vec<String> {
        let region = &self.data[self.keys.clone()];
        let full = format!("{}{key}", kind.prefix());
        lines_with_key(region, full.as_bytes())
            .filter_map(|line| value_of(line).map(|v| String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// Every record, sorted by name.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.data[self.records.clone()]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .filter_map(parse_record)
    }

    /// Every record as the catalog stores it, sorted by name, without parsing: for
    /// output that passes the summaries through (`list --json`).
    pub fn raw_records(&self) -> impl Iterator<Item = RawRecord<'_>> + '_ {
        self.data[self.records.clone()]
            .split(|b| *b == b'\n')
            .filter_map(|line| {
                let (name, value) = (key_of(line)?, value_of(line)?);
                Some(match value.strip_prefix(b"!") {
                    Some(error) => RawRecord::Broken { name, error },
                    None => RawRecord::Entry { name, json: value },
                })
            })
    }

    /// Every entry's name, sorted, one per line: the names region (not the records),
    /// for a scan of every name.
    pub fn names_region(&self) -> &[u8] {
        &self.data[self.names.clone()]
    }

    /// The key lines of `kind` (`<prefix><key>\t<entry name>`, sorted), found by
    /// binary search, for a scan of every key of one kind.
    pub fn keys_region(&self, kind: KeyKind) -> &[u8] {
        let region = &self.data[self.keys.clone()];
        let prefix = kind.prefix();
        // The run of `prefix` lines ends where the lines that sort after all of them
        // (the prefix with its last byte, ':', raised by one) begin.
        let start = lower_bound(region, prefix.as_bytes(), |line| line);
        let after = format!("{};", &prefix[..prefix.len() - 1]);
        let end = lower_bound(region, after.as_bytes(), |line| line).max(start);
        &region[start..end]
    }
}

fn key_of(line: &[u8]) -> Option<&[u8]> {
    line.iter()
        .position(|b| *b == b'\t')
        .map(|tab| &line[..tab])
}

fn value_of(line: &[u8]) -> Option<&[u8]> {
    line.iter()
        .position(|b| *b == b'\t')
        .map(|tab| &line[tab + 1..])
}

fn parse_record(line: &[u8]) -> Option<Record> {
    let name = String::from_utf8_lossy(key_of(line)?).into_owned();
    let value = value_of(line)?;
    match value.strip_prefix(b"!") {
        Some(error) => Some(Record::Broken {
            name,
            error: String::from_utf8_lossy(error).into_owned(),
        }),
        None => serde_json::from_slice(value).ok().map(Record::Entry),
    }
}

fn line_end(region: &[u8], pos: usize) -> usize {
    region[pos..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(region.len(), |i| pos + i)
}

/// The offset of the first line of a sorted region whose sort key is `>= key`, found by
/// binary search (`region.len()` when there is none).
fn lower_bound(region: &[u8], key: &[u8], sort_key: impl Fn(&[u8]) -> &[u8]) -> usize {
    let line_start = |pos: usize| {
        region[..pos]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
    };
    let (mut lo, mut hi) = (0usize, region.len());
    while lo < hi {
        let start = line_start((lo + hi) / 2);
        let end = line_end(region, start);
        if sort_key(&region[start..end]) < key {
            lo = end + 1;
        } else {
            hi = start;
        }
    }
    lo.min(region.len())
}

/// The sort key of a record or key line: its first field.
fn first_field(line: &[u8]) -> &[u8] {
    key_of(line).unwrap_or(line)
}

/// The lines of a sorted region whose first field is `key`, found by binary search.
fn lines_with_key<'a>(region: &'a [u8], key: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut pos = lower_bound(region, key, first_field);
    std::iter::from_fn(move || {
        if pos >= region.len() {
            return None;
        }
        let end = line_end(region, pos);
        let line = &region[pos..end];
        pos = end + 1;
        (key_of(line) == Some(key)).then_some(line)
    })
}

mod changes;
mod rebuild;
pub use changes::{read_entry, Changes};

/// The catalog's header line, its region sizes zero-padded to a fixed width (so that a
/// catalog can be written in one buffer, the sizes filled in last).
fn header(commit: ObjectId, records: usize, keys: usize, names: usize) -> String {
    format!("{MAGIC} {commit} {records:020} {keys:020} {names:020}\n")
}

#[cfg(test)]
mod tests {
    use super::changes::merge_lines;
    use super::*;

    #[test]
    fn merging_inserts_replaces_and_drops_lines_in_order() {
        let base = b"b\t1\nd\t2\nf\t3\n";
        let overlay: Vec<(&[u8], Option<&str>)> = vec![
            (b"a", Some("new")),
            (b"d", Some("replaced")),
            (b"e", Some("new")),
            (b"f", None),
            (b"g", Some("new")),
        ];
        let mut out = Vec::new();
        merge_lines(
            base,
            overlay.into_iter(),
            &mut out,
            first_field,
            |out, key, item| {
                if let Some(value) = item {
                    out.extend_from_slice(key);
                    out.push(b'\t');
                    out.extend_from_slice(value.as_bytes());
                    out.push(b'\n');
                }
            },
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\tnew\nb\t1\nd\treplaced\ne\tnew\ng\tnew\n"
        );
        let mut out = Vec::new();
        merge_lines(
            base,
            std::iter::empty::<(&[u8], ())>(),
            &mut out,
            first_field,
            |_, _, _| {},
        );
        assert_eq!(out, base);
    }

    #[test]
    fn binary_search_finds_every_line_and_only_those() {
        let region = b"a:mk\tx/one\nb:z\tq\nu:h/o/r\tp/r\nu:h/o/r\tz/r\nu:h/o/s\tq/s\n";
        let found: Vec<&[u8]> = lines_with_key(region, b"u:h/o/r").collect();
        assert_eq!(found, [&b"u:h/o/r\tp/r"[..], &b"u:h/o/r\tz/r"[..]]);
        for (key, count) in [
            ("a:mk", 1),
            ("b:z", 1),
            ("u:h/o/s", 1),
            ("u:h/o", 0),
            ("zz", 0),
            ("", 0),
        ] {
            assert_eq!(
                lines_with_key(region, key.as_bytes()).count(),
                count,
                "{key}"
            );
        }
        assert_eq!(lines_with_key(b"", b"x").count(), 0);
    }
}
