//! `jump`: the folder the shell function (`repodex shell-init`) goes to for a reference:
//! a clone of it on this machine, the one under the clone root first
//! ([`super::clones::in_order`]), or one made there now when it has none; the use is
//! recorded for the picker's ranking ([`crate::store::uses`]).

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::error::Refused;
use crate::{Context, Result};

/// Where a jump goes, and what it did on the way.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Jump {
    pub name: String,
    /// The folder to go to.
    pub path: PathBuf,
    /// What `clone` did when the entry had no clone here; `None` when it had one.
    pub cloned: Option<super::clone::Report>,
    /// The entry's other folders here, each with a word of its path that picks it
    /// (`rcd mk mk-42`), in order.
    pub others: Vec<Other>,
    /// Why this use could not be recorded, when it could not (the jump stands).
    pub unrecorded: Option<String>,
}

/// Another folder of the entry, and the word that goes there.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Other {
    pub path: PathBuf,
    pub word: String,
}

/// Where to go for `reference`: its first folder on this machine, or, with `word`, the
/// first whose path contains `word`. With no folder (and no `word`), it is cloned into
/// the clone root first, as `repodex clone REF` does (fetching a mirror when there is
/// none and the network allows).
pub fn jump(
    ctx: &Context,
    reference: &str,
    word: Option<&str>,
    on_wait: &mut dyn FnMut(),
) -> Result<Jump> {
    let ways = super::lookup::ways(ctx, reference)?;
    let name = ways.name.clone();
    let folders = match word {
        None => ways.local_paths,
        Some(word) => {
            let picked: Vec<PathBuf> = ways
                .local_paths
                .iter()
                .filter(|p| p.to_string_lossy().contains(word))
                .cloned()
                .collect();
            if picked.is_empty() {
                return Err(Refused::NoSuchFolder {
                    name,
                    word: word.to_string(),
                    folders: ways.local_paths,
                }
                .into());
            }
            picked
        }
    };
    let (path, cloned, others) = match folders.split_first() {
        Some((first, rest)) => (first.clone(), None, words_for(rest, &folders)),
        None => {
            let request = super::clone::Request {
                reference: name.clone(),
                dir: None,
                branch: None,
                root: None,
            };
            let report = super::clone::clone(ctx, request, on_wait)?;
            (report.path.clone(), Some(report), Vec::new())
        }
    };
    let unrecorded = super::pick::record_use(ctx, &name)
        .err()
        .map(|e| e.to_string());
    Ok(Jump {
        name,
        path,
        cloned,
        others,
        unrecorded,
    })
}

/// For each of `rest`, a word that only its path among `all` contains: its last folder's
/// name when that is so, else the whole path.
fn words_for(rest: &[PathBuf], all: &[PathBuf]) -> Vec<Other> {
    rest.iter()
        .map(|path| {
            let last = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|last| {
                    all.iter()
                        .filter(|p| p.to_string_lossy().contains(last.as_str()))
                        .count()
                        == 1
                });
            Other {
                word: last.unwrap_or_else(|| path.display().to_string()),
                path: path.clone(),
            }
        })
        .collect()
}

/// The names and aliases of the user's registry and its layers that start with
/// `prefix`, sorted, for the shell function's completion.
pub fn completions(ctx: &Context, prefix: &str) -> Result<Vec<String>> {
    if ctx.open_existing()?.is_none() {
        return Ok(Vec::new());
    }
    let prefix = prefix.to_lowercase();
    let sources = super::sources::sources(ctx)?;
    let mut found = std::collections::BTreeSet::new();
    for (_, registry) in sources.each() {
        for record in registry.records() {
            if let crate::Record::Entry(summary) = record {
                for name in std::iter::once(summary.name).chain(summary.aliases) {
                    if name.starts_with(&prefix) {
                        found.insert(name);
                    }
                }
            }
        }
    }
    Ok(found.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_other_folder_gets_the_shortest_word_that_picks_it() {
        let all: Vec<PathBuf> = [
            "/home/me/src/github.com/edobry/minsky",
            "/home/me/work/mk-42",
            "/home/me/old/minsky",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let words: Vec<String> = words_for(&all[1..], &all)
            .into_iter()
            .map(|o| o.word)
            .collect();
        assert_eq!(words, ["mk-42", "/home/me/old/minsky"]);
    }
}
