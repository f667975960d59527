//! The catalog's overlay of a transaction's changes, and the writing of a new catalog
//! from the old one by merging two sorted streams (so that unchanged lines are copied,
//! not parsed).

use super::*;

/// Changes to a catalog, kept as an overlay until they are written: what a transaction
/// has done so far, or (over an empty catalog) a whole registry being indexed. Lookups
/// see the base catalog with the overlay applied; writing merges the two sorted streams,
/// so its cost is one pass over the file, with no parsing of unchanged lines.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    /// The registry's identity rules, under which URL keys are made.
    rules: crate::url::Rules,
    /// Entry name -> its record after the change, or `None` when it is gone.
    records: BTreeMap<String, Option<Record>>,
    /// `(kind-prefixed key, entry name)` -> present after the change?
    keys: BTreeMap<(String, String), bool>,
}

/// Names, paths and errors can in theory hold any byte a tree allows; the catalog's
/// line format must not be broken by them.
pub(super) fn one_field(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The name a file under `repos/` is listed under: its entry name, or its path when it
/// is not where an entry lives.
pub(super) fn record_name(layout: Layout, path: &str) -> String {
    one_field(&layout.entry_name(path).unwrap_or(path.into()))
}

impl Changes {
    /// No changes yet, keyed under `rules`.
    pub fn under(rules: crate::url::Rules) -> Changes {
        Changes {
            rules,
            ..Changes::default()
        }
    }

    /// The identity rules its URL keys are made under.
    pub fn rules(&self) -> &crate::url::Rules {
        &self.rules
    }

    /// The changes that bring `old` up to `head`, from a diff of their trees; `None` when
    /// only a full rebuild will do (the settings changed, or the old commit is gone).
    pub(super) fn since(repo: &Repo, old: &Catalog, head: ObjectId) -> Option<Changes> {
        let old_tree = repo.tree_of(old.commit).ok()?;
        let new_tree = repo.tree_of(head).ok()?;
        let changed = repo.changed_files(old_tree, new_tree).ok()?;
        if changed.iter().any(|p| p == SETTINGS_FILE) {
            return None;
        }
        // The settings, and so the layout and the rules, are those the catalog was
        // built with.
        let settings = Settings::of_tree(repo, new_tree).ok()??;
        let layout = settings.layout();
        let mut changes = Changes::under(settings.url_rules());
        let mut files = Vec::new();
        for path in changed.iter().filter(|p| p.starts_with(REPOS_DIR)) {
            changes.remove(old, &record_name(layout, path));
            files.extend(repo.file_at(new_tree, path).ok()?);
        }
        // A pull can bring thousands of entries: they are read on every core.
        for (file, read) in files.iter().zip(read_all(repo, layout, &files).ok()?) {
            changes.index_read(layout, old, file, read);
        }
        Some(changes)
    }

    /// Index a file under `repos/` that was read: its entry, or the reason it is not one.
    fn index_read(
        &mut self,
        layout: Layout,
        base: &Catalog,
        file: &crate::git::TreeFile,
        read: Result<Summary>,
    ) {
        match read {
            Ok(summary) => self.put(base, summary),
            Err(error) => {
                let name = record_name(layout, &file.path);
                let error = one_field(&error.to_string());
                self.records
                    .insert(name.clone(), Some(Record::Broken { name, error }));
            }
        }
    }

    /// The record of `name` with the changes applied.
    pub fn record(&self, base: &Catalog, name: &str) -> Option<Record> {
        match self.records.get(name) {
            Some(record) => record.clone(),
            None => base.record(name),
        }
    }

    /// The names that own `key` of `kind`, with the changes applied.
    pub fn owners(&self, base: &Catalog, kind: KeyKind, key: &str) -> Vec<String> {
        let full = format!("{}{key}", kind.prefix());
        let mut names: BTreeSet<String> = base.lookup(kind, key).into_iter().collect();
        for ((_, name), present) in self
            .keys
            .range((full.clone(), String::new())..)
            .take_while(|((k, _), _)| *k == full)
        {
            if *present {
                names.insert(name.clone());
            } else {
                names.remove(name);
            }
        }
        names.into_iter().collect()
    }

    /// Add or replace an entry.
    pub fn put(&mut self, base: &Catalog, summary: Summary) {
        self.remove(base, &summary.name.clone());
        for (kind, key) in keys_of(&summary, &self.rules) {
            self.keys.insert(
                (format!("{}{key}", kind.prefix()), summary.name.clone()),
                true,
            );
        }
        self.records
            .insert(summary.name.clone(), Some(Record::Entry(summary)));
    }

    /// Remove an entry and its keys.
    pub fn remove(&mut self, base: &Catalog, name: &str) {
        if let Some(Record::Entry(old)) = self.record(base, name) {
            for (kind, key) in keys_of(&old, &self.rules) {
                self.keys
                    .insert((format!("{}{key}", kind.prefix()), old.name.clone()), false);
            }
        }
        self.records.insert(name.to_string(), None);
    }

    /// The catalog file for `commit`: `base` with the changes merged in.
    ///
    /// Built in one buffer, the header's sizes written last (zero-padded to a fixed
    /// width): at 100,000 entries the file is about 40 MB, and every extra copy of it
    /// costs a commit more than the rest of its work.
    pub(super) fn to_bytes(&self, base: &Catalog, commit: ObjectId) -> Vec<u8> {
        let base_records = &base.data[base.records.clone()];
        let base_keys = &base.data[base.keys.clone()];
        let base_names = &base.data[base.names.clone()];
        let header = |records, keys, names| header(commit, records, keys, names);
        let header_len = header(0, 0, 0).len();
        let mut out = Vec::with_capacity(
            header_len
                + base_records.len()
                + base_keys.len()
                + base_names.len()
                + self.records.len() * 220
                + self.keys.len() * 48,
        );
        out.extend_from_slice(header(0, 0, 0).as_bytes());
        let records = &mut out;
        let overlay = self
            .records
            .iter()
            .map(|(name, record)| (name.as_bytes(), record));
        merge_lines(
            base_records,
            overlay,
            records,
            first_field,
            |out, _, record| {
                if let Some(record) = record {
                    write_record(out, record);
                }
            },
        );
        let records_len = out.len() - header_len;
        let keys = &mut out;
        let mut key_lines: Vec<(Vec<u8>, bool)> = Vec::with_capacity(self.keys.len());
        for ((key, name), present) in &self.keys {
            let mut line = Vec::with_capacity(key.len() + name.len() + 2);
            write_key_line(&mut line, "", key, name);
            line.pop();
            key_lines.push((line, *present));
        }
        let overlay = key_lines
            .iter()
            .map(|(line, present)| (line.as_slice(), present));
        merge_lines(
            base_keys,
            overlay,
            keys,
            |line| line,
            |out, line, present| {
                if *present {
                    out.extend_from_slice(line);
                    out.push(b'\n');
                }
            },
        );
        let keys_len = out.len() - header_len - records_len;
        let names = &mut out;
        let overlay = self
            .records
            .iter()
            .map(|(name, record)| (name.as_bytes(), record.is_some()));
        merge_lines(
            base_names,
            overlay,
            names,
            |line| line,
            |out, name, present| {
                if present {
                    out.extend_from_slice(name);
                    out.push(b'\n');
                }
            },
        );
        let names_len = out.len() - header_len - records_len - keys_len;
        out[..header_len].copy_from_slice(header(records_len, keys_len, names_len).as_bytes());
        out
    }

    /// Write the catalog for `commit` (`base` with these changes), replacing the old one
    /// atomically, and return it.
    pub fn write(&self, base: &Catalog, private_dir: &Path, commit: ObjectId) -> Result<Catalog> {
        let bytes = self.to_bytes(base, commit);
        crate::git::write_atomically(&catalog_path(private_dir), &bytes)?;
        Ok(Catalog::parse(Data::Owned(bytes)).expect("a catalog just built parses"))
    }
}

/// Merge the sorted lines of `base` with the sorted `overlay` into `out`. An overlay
/// item replaces the base line with the same sort key, and `emit` writes it (or drops it).
/// The unchanged runs between overlay items are found by binary search and copied whole,
/// so a small change to a large catalog costs a few copies, not a pass over every line.
pub(super) fn merge_lines<'a, T>(
    base: &[u8],
    overlay: impl Iterator<Item = (&'a [u8], T)>,
    out: &mut Vec<u8>,
    sort_key: impl Fn(&[u8]) -> &[u8] + Copy,
    mut emit: impl FnMut(&mut Vec<u8>, &[u8], T),
) {
    let mut pos = 0;
    for (key, item) in overlay {
        let at = pos + lower_bound(&base[pos..], key, sort_key);
        out.extend_from_slice(&base[pos..at]);
        pos = at;
        if pos < base.len() {
            let end = line_end(base, pos);
            if sort_key(&base[pos..end]) == key {
                pos = (end + 1).min(base.len());
            }
        }
        emit(out, key, item);
    }
    out.extend_from_slice(&base[pos..]);
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
}

/// A key line: `<kind prefix><key>\t<name>\n`.
pub(super) fn write_key_line(out: &mut Vec<u8>, prefix: &str, key: &str, name: &str) {
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(key.as_bytes());
    out.push(b'\t');
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
}

pub(super) fn write_record(out: &mut Vec<u8>, record: &Record) {
    out.extend_from_slice(record.name().as_bytes());
    out.push(b'\t');
    match record {
        Record::Entry(summary) => {
            serde_json::to_writer(&mut *out, summary).expect("a summary serializes")
        }
        Record::Broken { error, .. } => {
            out.push(b'!');
            out.extend_from_slice(error.as_bytes());
        }
    }
    out.push(b'\n');
}
/// Below this many files a rebuild reads them on one thread: a thread and its own
/// object-store handle cost more than reading a few hundred small blobs.
const FILES_PER_THREAD: usize = 2_000;

/// The summaries of `files` (entry files, or the errors of those that are not), in
/// their order, read and parsed on every core.
pub(super) fn read_all(
    repo: &Repo,
    layout: Layout,
    files: &[crate::git::TreeFile],
) -> Result<Vec<Result<Summary>>> {
    read_all_with(repo, files, |file, blobs| {
        entry_of(layout, file, |id| blobs.read(id)).map(|(entry, _)| entry.summary())
    })
}

/// `work(file, blobs)` for each of `files`, in their order, on every core: each thread
/// reads with its own handle on the object store, which refuses a blob larger than an
/// entry may be before inflating it. A cold catalog at 100,000 entries is that many
/// blobs to inflate and TOML files to parse, and nothing else.
pub(super) fn read_all_with<R: Send>(
    repo: &Repo,
    files: &[crate::git::TreeFile],
    work: impl Fn(&crate::git::TreeFile, &crate::git::BlobHandle) -> R + Sync,
) -> Result<Vec<R>> {
    let blobs = repo.blobs(MAX_ENTRY_SIZE)?;
    Ok(crate::parallel::map(
        files,
        FILES_PER_THREAD,
        || blobs.handle(),
        |blobs, file| work(file, blobs),
    ))
}

/// Read and parse one entry file, its blob read with [`Repo::read_blob`].
pub fn read_entry(repo: &Repo, layout: Layout, file: &crate::git::TreeFile) -> Result<Entry> {
    entry_of(layout, file, |id| repo.read_blob(id, MAX_ENTRY_SIZE)).map(|(entry, _)| entry)
}

/// Check and parse one entry file, its blob read by `read` (which refuses a blob
/// larger than an entry may be); with the URL it checked.
pub(super) fn entry_of(
    layout: Layout,
    file: &crate::git::TreeFile,
    read: impl FnOnce(crate::git::ObjectId) -> Result<Vec<u8>>,
) -> Result<(Entry, crate::url::GitUrl)> {
    let broken = |message: &str| Error::BrokenEntry {
        path: file.path.clone(),
        line: None,
        message: message.into(),
    };
    if !file.regular {
        return Err(broken(
            "is not a regular file (a symlink or submodule); entries must be plain files",
        ));
    }
    if !file.path.starts_with(REPOS_DIR) || !file.path.ends_with(".toml") {
        return Err(broken(
            "is not an entry file: files under repos/ end in .toml",
        ));
    }
    let bytes = read(file.id).map_err(|e| match e {
        Error::FileTooLarge { size, .. } => {
            let name = layout.entry_name(&file.path).unwrap_or_default();
            broken(&format!(
                "is {size} bytes, larger than the {} MiB repodex reads; `repodex forget {name}` removes it, `repodex refresh {name}` caches its files again within the bound",
                MAX_ENTRY_SIZE >> 20
            ))
        }
        _ => broken("is too large or unreadable"),
    })?;
    Entry::parse_with_url(layout, &file.path, &bytes)
}
