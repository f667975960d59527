//! `pick`: one repository chosen from many by typing a few letters of it, as with fzf.
//!
//! Each selected entry is one line, its name, aliases, `#tags` and description, matched
//! fuzzily by nucleo's matcher (helix's; fzf's syntax: `^prefix`, `suffix$`, `'exact`,
//! `!not`, words in any order) and ranked by the match and by this machine's use of it
//! ([`crate::store::uses`]): an entry used often and lately ranks above an equally good
//! match, and with nothing typed the most used come first. The terminal is the command
//! line's; this module ranks, and records the choice as a use.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::error::Refused;
use super::select::{Scope, Selection, WhenEmpty};
use crate::store::uses::Uses;
use crate::{Context, Result};

/// The widest a name column gets; longer names push their line on.
const NAME_COLUMN: usize = 40;

/// The most a use adds to a match's score: about three matched letters' worth
/// (nucleo scores a matched character 16, and a word boundary up to 8 more).
const MAX_USE_BONUS: u32 = 48;

/// One entry to pick from.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    /// The read-only layer it comes from; `None` for the user's own registry.
    pub layer: Option<String>,
    /// What is matched and shown: the name (in a column), aliases, `#tags`,
    /// `@layer` and the description, made safe for a terminal.
    pub line: String,
    pub url: String,
    /// Its folders on this machine (its clones, and its own folder for a repository on
    /// this machine), in the order a jump takes them.
    pub folders: Vec<std::path::PathBuf>,
    /// What this machine's use of it adds to its score.
    pub bonus: u32,
}

/// A candidate that matches, and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    /// Its index in [`Picker::candidates`].
    pub index: usize,
    pub score: u32,
}

/// The candidates and the matcher that ranks them.
pub struct Picker {
    pub candidates: Vec<Candidate>,
    matcher: Matcher,
    chars: Vec<char>,
}

/// The entries `selection` selects (all, when it names none), ready to pick from. An
/// empty registry is refused, as there is nothing to pick.
pub fn candidates(ctx: &Context, selection: &Selection) -> Result<Picker> {
    let sources = super::sources::sources(ctx)?;
    let selected = super::select::select_in(
        &sources,
        selection,
        WhenEmpty::Everything,
        Scope::WithLayers,
    )?;
    if selected.is_empty() {
        return Err(Refused::EmptyRegistry.into());
    }
    let uses = Uses::read(&sources.registry.private_dir());
    let now = chrono::Utc::now().timestamp();
    let root = super::clone_root::CloneRoot::of(ctx).ok();
    let width = selected
        .iter()
        .map(|s| s.summary.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(NAME_COLUMN);
    let candidates = selected
        .into_iter()
        .map(|s| {
            let summary = &s.summary;
            let mut line = format!("{:<width$}", summary.name);
            let mut part = |text: String| {
                if !text.is_empty() {
                    line.push_str("  ");
                    line.push_str(&crate::text::safe(&text));
                }
            };
            part(summary.aliases.join(" "));
            part(
                summary
                    .tags
                    .iter()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            part(
                s.layer
                    .as_ref()
                    .map(|l| format!("@{l}"))
                    .unwrap_or_default(),
            );
            part(summary.description.clone().unwrap_or_default());
            line.truncate(line.trim_end().len());
            let bonus = match s.layer {
                None => use_bonus(uses.score(&summary.name, now)),
                Some(_) => 0,
            };
            Candidate {
                folders: folders(&s, root.as_ref()),
                name: s.summary.name,
                url: s.summary.url,
                layer: s.layer,
                line,
                bonus,
            }
        })
        .collect();
    Ok(Picker {
        candidates,
        matcher: Matcher::new(Config::DEFAULT),
        chars: Vec::new(),
    })
}

/// The folders of the selected entry `s` on this machine, in order. Its URL is read only
/// when it has a clone or is a path, so that ten thousand entries cost no URL parsing.
fn folders(
    s: &super::select::Selected,
    root: Option<&super::clone_root::CloneRoot>,
) -> Vec<std::path::PathBuf> {
    let url = &s.summary.url;
    let maybe_local = url.starts_with('/') || url.starts_with("file:");
    if s.clones.is_empty() && !maybe_local {
        return Vec::new();
    }
    let Ok(parsed) = crate::url::GitUrl::parse_clean(url) else {
        return Vec::new();
    };
    let clones = s
        .clones
        .iter()
        .filter(|c| c.path.join(".git").exists())
        .map(|c| c.path.clone())
        .collect();
    let own = parsed
        .local_path()
        .map(std::path::PathBuf::from)
        .filter(|p| p.exists());
    super::clones::in_order(clones, own, root, &s.summary.name, &parsed)
}

/// What a use score (frecency) adds to a match: growing with the logarithm of the
/// score, so that a few recent uses count and a thousand do not drown the match.
fn use_bonus(score: f64) -> u32 {
    ((8.0 * score.ln_1p()).round() as u32).min(MAX_USE_BONUS)
}

impl Picker {
    /// The candidates that match `query`, best first: by match score plus use bonus,
    /// then by name. With nothing typed, every candidate, most used first.
    pub fn rank(&mut self, query: &str) -> Vec<Ranked> {
        let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
        let mut ranked: Vec<Ranked> = Vec::new();
        for (index, candidate) in self.candidates.iter().enumerate() {
            let haystack = Utf32Str::new(&candidate.line, &mut self.chars);
            if let Some(score) = pattern.score(haystack, &mut self.matcher) {
                ranked.push(Ranked {
                    index,
                    score: score + candidate.bonus,
                });
            }
        }
        let candidates = &self.candidates;
        ranked.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| candidates[a.index].name.cmp(&candidates[b.index].name))
                .then_with(|| a.index.cmp(&b.index))
        });
        ranked
    }

    /// Which characters of candidate `index`'s line `query` matched (indices into its
    /// characters, ascending), to show them.
    pub fn matched(&mut self, index: usize, query: &str) -> Vec<u32> {
        let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
        let haystack = Utf32Str::new(&self.candidates[index].line, &mut self.chars);
        let mut indices = Vec::new();
        pattern.indices(haystack, &mut self.matcher, &mut indices);
        indices.sort_unstable();
        indices.dedup();
        indices
    }
}

/// What is printed of the chosen entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Print {
    /// Its name.
    Name,
    /// Its folder on this machine (the first in [`super::clones::in_order`]'s order).
    Path,
    /// Its URL.
    Url,
}

impl Candidate {
    /// What `print` prints of it: `None` for its folder when it has none.
    pub fn shown(&self, print: Print) -> Option<String> {
        match print {
            Print::Name => Some(self.name.clone()),
            Print::Url => Some(self.url.clone()),
            Print::Path => self.folders.first().map(|p| p.display().to_string()),
        }
    }
}

/// What `print` prints of the candidate the user chose, recording the choice as a use
/// (a failure to record it is returned beside the answer: the choice stands). Its
/// folder, when it has none, is refused with how to make one.
pub fn chosen(ctx: &Context, candidate: &Candidate, print: Print) -> Result<(String, Result<()>)> {
    let value = candidate.shown(print).ok_or_else(|| Refused::NoLocalPath {
        name: candidate.name.clone(),
    })?;
    let recorded = match candidate.layer {
        None => record_use(ctx, &candidate.name),
        Some(_) => Ok(()),
    };
    Ok((value, recorded))
}

/// Record a use of the entry `name` on this machine, now.
pub fn record_use(ctx: &Context, name: &str) -> Result<()> {
    let private = ctx
        .location()
        .path()
        .join(".git")
        .join(crate::store::layout::PRIVATE_DIR);
    Uses::record(&private, name, chrono::Utc::now().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picker(entries: &[(&str, &str, u32)]) -> Picker {
        Picker {
            candidates: entries
                .iter()
                .map(|(name, line, bonus)| Candidate {
                    name: name.to_string(),
                    layer: None,
                    line: line.to_string(),
                    url: String::new(),
                    folders: Vec::new(),
                    bonus: *bonus,
                })
                .collect(),
            matcher: Matcher::new(Config::DEFAULT),
            chars: Vec::new(),
        }
    }

    fn names(picker: &mut Picker, query: &str) -> Vec<String> {
        picker
            .rank(query)
            .iter()
            .map(|r| picker.candidates[r.index].name.clone())
            .collect()
    }

    #[test]
    fn matches_rank_by_score_then_use_then_name() {
        let mut picker = picker(&[
            ("acme/api", "acme/api      #work  the API", 0),
            ("acme/web", "acme/web      #work  the site", 0),
            ("edobry/minsky", "edobry/minsky  mk  #work  Minsky CLI", 0),
            ("tools/mkdocs", "tools/mkdocs  docs", 0),
        ]);
        // Nothing typed: every entry, by name.
        assert_eq!(
            names(&mut picker, ""),
            ["acme/api", "acme/web", "edobry/minsky", "tools/mkdocs"]
        );
        assert_eq!(names(&mut picker, "minsky"), ["edobry/minsky"]);
        // Words in any order, each must match; fzf's negation.
        assert_eq!(names(&mut picker, "work site"), ["acme/web"]);
        assert_eq!(names(&mut picker, "acme !web"), ["acme/api"]);
        // A use lifts an entry above another as good.
        picker.candidates[1].bonus = use_bonus(12.0);
        assert_eq!(names(&mut picker, "acme")[0], "acme/web");
        assert_eq!(names(&mut picker, "")[0], "acme/web");
    }

    #[test]
    fn use_bonus_grows_slowly_and_stops() {
        assert_eq!(use_bonus(0.0), 0);
        assert!(use_bonus(4.0) < use_bonus(12.0));
        assert_eq!(use_bonus(1e9), MAX_USE_BONUS);
    }
}
