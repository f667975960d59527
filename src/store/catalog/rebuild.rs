//! A catalog built from every entry of a commit: the first command with no catalog to
//! bring up to date (a fresh clone, a catalog of an older version, a `registry.toml`
//! changed by hand or by a pull), or a commit that changes the URL identity rules.
//!
//! At 100,000 entries this is 100,000 blobs to inflate and TOML files to parse, and the
//! lines of a 40 MB file to sort. Each file is read, parsed and turned into its record
//! and key lines on whichever core reads it; the calling thread then only sorts lines
//! and concatenates them. (Feeding the entries one by one into a transaction's
//! [`Changes`] overlay would give the same bytes, which a story checks, but its ordered
//! maps cost more than all the reading on two cores.)

use super::changes::{
    entry_of, one_field, read_all_with, record_name, write_key_line, write_record,
};
use super::*;

/// One entry file's lines in the catalog.
struct Lines {
    /// The record's name (its sort key).
    name: String,
    /// Its record line.
    record: Vec<u8>,
    /// Its key lines, each ending in a newline.
    keys: Vec<u8>,
}

impl Lines {
    fn of(
        layout: Layout,
        rules: &crate::url::Rules,
        file: &crate::git::TreeFile,
        read: Result<(Entry, crate::url::GitUrl)>,
    ) -> Lines {
        let mut keys = Vec::new();
        let record = match read {
            Ok((entry, url)) => {
                let summary = entry.summary();
                for (kind, key) in keys_with_url(&summary, Some(&url), rules) {
                    write_key_line(&mut keys, kind.prefix(), &key, &summary.name);
                }
                Record::Entry(summary)
            }
            Err(error) => Record::Broken {
                name: record_name(layout, &file.path),
                error: one_field(&error.to_string()),
            },
        };
        let mut line = Vec::with_capacity(256);
        write_record(&mut line, &record);
        Lines {
            name: record.name().to_string(),
            record: line,
            keys,
        }
    }
}

/// The catalog file of `commit`, from every entry file of its tree.
pub(super) fn catalog_bytes(repo: &Repo, commit: ObjectId) -> Result<Vec<u8>> {
    let tree = repo.tree_of(commit)?;
    let settings = Settings::of_tree(repo, tree)?.ok_or_else(|| Error::NotARegistry {
        path: repo.workdir().to_path_buf(),
        reason: format!("its HEAD has no {SETTINGS_FILE}"),
    })?;
    let layout = settings.layout();
    let rules = settings.url_rules();
    let files = repo.files_under(tree, REPOS_DIR)?;
    let mut entries = read_all_with(repo, &files, |file, blobs| {
        Lines::of(
            layout,
            &rules,
            file,
            entry_of(layout, file, |id| blobs.read(id)),
        )
    })?;
    // By name; of two files with one name (a broken file's name is its path), the
    // later one is kept, as a transaction's overlay would keep it.
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut kept: Vec<&Lines> = Vec::with_capacity(entries.len());
    for lines in &entries {
        match kept.last_mut() {
            Some(last) if last.name == lines.name => *last = lines,
            _ => kept.push(lines),
        }
    }
    let mut keys: Vec<&[u8]> = kept
        .iter()
        .flat_map(|lines| lines.keys.split_inclusive(|b| *b == b'\n'))
        .collect();
    keys.sort_unstable();
    keys.dedup();

    let records_len: usize = kept.iter().map(|l| l.record.len()).sum();
    let keys_len: usize = keys.iter().map(|k| k.len()).sum();
    let names_len: usize = kept.iter().map(|l| l.name.len() + 1).sum();
    let header = header(commit, records_len, keys_len, names_len);
    let mut out = Vec::with_capacity(header.len() + records_len + keys_len + names_len);
    out.extend_from_slice(header.as_bytes());
    for lines in &kept {
        out.extend_from_slice(&lines.record);
    }
    for key in &keys {
        out.extend_from_slice(key);
    }
    for lines in &kept {
        out.extend_from_slice(lines.name.as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}
