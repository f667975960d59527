//! What the store refuses: each kind a caller can tell apart, each one line with what to
//! do. (Names, aliases and tags have their own, [`super::name::NameError`].)

use crate::url::quote;

/// A refusal of the store's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error(
        "{} is not a repository reference; give a name, alias, URL or path",
        quote(reference)
    )]
    NotAReference { reference: String },

    #[error("{} is neither a git URL nor an existing path; give https://host/owner/repo, git@host:owner/repo, or the path of a git repository", quote(input))]
    NotARepository { input: String },

    /// `repodex:<name>` where a repository's own URL is needed.
    #[error("{} names the entry '{name}', not a repository's address; give the URL itself (`repodex resolve {name}` prints it)", quote(input))]
    EntryReference { input: String, name: String },

    /// `owner/repo` with no host, and no such folder here.
    #[error("{} is not a folder here, and repodex does not guess a forge for owner/repo; give its URL, such as https://github.com/{input} or github:{input}", quote(input))]
    OwnerRepoWithoutHost { input: String },

    #[error("{} is neither a revision of the registry nor a time; give a commit (HEAD~2, a hash), a date (2026-11-20) or a duration back (3d)", quote(spec))]
    NotARevision { spec: String },

    #[error("{} is further back than repodex counts (at most {}); give a date (2026-11-20) or a shorter duration", quote(spec), crate::time::MAX_DURATION_WORDS)]
    TooFarBack { spec: String },

    #[error("the entry '{name}' would be {size} bytes, more than the {} repodex reads; cache fewer files in it", super::entry::MAX_ENTRY_SIZE)]
    EntryTooLarge { name: String, size: usize },

    #[error("the registry has no commit from before {time}; it was created later")]
    NoCommitBefore { time: String },

    #[error("{}", description_problem(.0))]
    Description(DescriptionProblem),

    #[error("'{name}' has no tag {}; its tags are: {}", quote(tag), if tags.is_empty() { "(none)".to_string() } else { tags.join(", ") })]
    NoSuchTag {
        name: String,
        tag: String,
        tags: Vec<String>,
    },

    #[error("{} is not an entry file ({layout}), so it has no place in format {to}; move or remove it with git, then migrate again (`repodex doctor` lists such files)", quote(path))]
    NoPlaceInFormat {
        path: String,
        layout: String,
        to: i64,
    },

    #[error("the registry has no {file}")]
    MissingFile { file: &'static str },

    #[error("this machine's record of its clones, {}, is damaged ({reason}); repodex left it as it is: repair it, or move it away and record your clones again with `repodex import scan DIR`", file.display())]
    DamagedClones {
        file: std::path::PathBuf,
        reason: String,
    },
}

/// What is wrong with a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescriptionProblem {
    ControlCharacter,
    TooLong { max: usize },
}

fn description_problem(problem: &DescriptionProblem) -> String {
    match problem {
        DescriptionProblem::ControlCharacter => {
            "the description contains a line break or control character; keep it to one line".into()
        }
        DescriptionProblem::TooLong { max } => {
            format!("the description is longer than {max} characters")
        }
    }
}

impl std::fmt::Display for DescriptionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&description_problem(self))
    }
}
