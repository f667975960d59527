//! The registry's own files beside entries and the vault (`registry.toml`, `README.md`,
//! `.gitattributes`): what a new registry starts with, and the check of a
//! `.gitattributes` that came from elsewhere.

use super::layout::{Layout, SETTINGS_FILE};
use super::settings::Settings;

/// The registry's own files beside entries and the vault, written by `create` and
/// changed by hand or by a sync.
pub const SHARED_FILES: &[&str] = &[SETTINGS_FILE, "README.md", ".gitattributes"];

/// The files of a new registry in `layout`'s format, path and content.
pub fn initial_files(layout: Layout) -> Vec<(&'static str, Vec<u8>)> {
    let settings = Settings {
        format: layout.format(),
        ..Settings::default()
    };
    let settings = format!(
        "# Settings shared by everyone who uses this registry. See docs/format.md of repodex.\n{}",
        toml::to_string(&settings).expect("settings serialize")
    );
    let readme = match layout {
        Layout::Flat => README_FORMAT_1,
        Layout::FanOut => README,
    };
    vec![
        (SETTINGS_FILE, settings.into_bytes()),
        ("README.md", readme.as_bytes().to_vec()),
        (".gitattributes", GITATTRIBUTES.as_bytes().to_vec()),
    ]
}

/// Check a `.gitattributes` that came from elsewhere: only the lines repodex writes
/// (and comments and blank lines). Any other attribute can make git run a program (a
/// filter or merge driver) or rewrite files (`working-tree-encoding`), and every later
/// sync would fail until someone repaired git by hand.
pub fn check_gitattributes(text: &str) -> Result<(), String> {
    let ours: Vec<&str> = GITATTRIBUTES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    match text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !ours.contains(l))
    {
        None => Ok(()),
        Some(line) => Err(format!(
            "the line {} is not one repodex writes ({}); remove it",
            crate::url::quote(line),
            ours.join(", ")
        )),
    }
}

const GITATTRIBUTES: &str = "\
# Entries are plain text; credentials are age-encrypted and diff through `age`.
*.toml text eol=lf
*.age diff=age
";

/// The README.md of a new registry.
pub(crate) const README: &str = "\
# A repodex registry

This repository is a [repodex](https://crates.io/crates/repodex) registry: a list of
the git repositories a person or a team works with. It is written by repodex, and it is
an ordinary git repository, so you can read it with plain git.

## Layout

- `registry.toml`: the registry's format (`format = 2`) and shared settings.
- `repos/<ab>/<c>/<name>.toml`: one file per registered repository, holding its URL,
  aliases, tags and description, what was learned from its remote (default branch) and
  cached copies of its project configuration files. In the file name, each `/` of the
  entry's name is a `+`, and `abc` are the first three hex digits of the name's SHA-1,
  which keeps every folder small: `edobry/minsky` is `repos/ff/0/edobry+minsky.toml`.
  `printf %s edobry/minsky | sha1sum | cut -c1-3` prints `ff0`, and
  `ls repos/*/*/edobry+minsky.toml` finds the file.
- `credentials/<name>.age`: credentials for a repository, encrypted with age to every
  key in `.age-recipients`. Nothing secret is ever stored here in plain text.
- `.age-recipients`: the public keys that can read the credentials.

## History

Every change is one commit, so history is the record of what changed:

    git log --oneline                           # what happened to the registry
    git log -p -- '*/edobry+minsky.toml'        # how one entry changed

Hand edits are fine: edit a file, commit it with git, and repodex reads it.
`repodex doctor` checks the whole registry.
";

/// The README.md format 1 registries were created with; a migration replaces it when
/// nobody changed it.
pub(crate) const README_FORMAT_1: &str = "\
# A repodex registry

This repository is a [repodex](https://crates.io/crates/repodex) registry: a list of
the git repositories a person or a team works with. It is written by repodex, and it is
an ordinary git repository, so you can read it with plain git.

## Layout

- `registry.toml`: the registry's format (`format = 1`) and shared settings.
- `repos/<name>.toml`: one file per registered repository, holding its URL, aliases,
  tags and description, what was learned from its remote (default branch) and cached
  copies of its project configuration files. A name with `/` nests:
  `repos/edobry/minsky.toml`.
- `credentials/<name>.age`: credentials for a repository, encrypted with age to every
  key in `.age-recipients`. Nothing secret is ever stored here in plain text.
- `.age-recipients`: the public keys that can read the credentials.

## History

Every change is one commit, so history is the record of what changed:

    git log --oneline                      # what happened to the registry
    git log -p repos/edobry/minsky.toml    # how one entry changed

Hand edits are fine: edit a file, commit it with git, and repodex reads it.
`repodex doctor` checks the whole registry.
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::layout::FORMAT;
    use crate::Error;

    #[test]
    fn initial_settings_parse_back() {
        for layout in Layout::ALL {
            let files = initial_files(layout);
            let settings = Settings::parse(&files[0].1).unwrap();
            assert_eq!(settings.layout(), layout);
        }
        assert_eq!(Layout::NEWEST.format(), FORMAT);
        assert_eq!(
            Settings::parse(b"format = 1").unwrap().layout(),
            Layout::Flat
        );
        assert!(matches!(
            Settings::parse(b"format = 3"),
            Err(Error::UnknownFormat { found: 3, .. })
        ));
    }
}
