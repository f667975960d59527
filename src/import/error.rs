//! What an import refuses: a document, a Minsky database or file that cannot be read as
//! one. Each names its source, so that the user knows which file to look at.

/// A refusal of import's (or export's).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// An export document that is not one (`origin` names it; `problem` says where).
    #[error("{origin}: {problem}")]
    Document { origin: String, problem: String },

    /// A Minsky database or backup that cannot be read as one.
    #[error("{origin}: {problem}")]
    MinskyData { origin: String, problem: String },

    /// Minsky's PostgreSQL database could not be reached or read.
    #[error("cannot {action} Minsky's PostgreSQL database: {reason}")]
    Postgres {
        action: &'static str,
        reason: String,
    },

    /// A file the user named that cannot be read.
    #[error("cannot read {path}: {reason}")]
    CannotRead { path: String, reason: String },

    /// `export` met an entry file that does not parse.
    #[error("cannot export an unreadable entry: {error}; fix it first (`repodex doctor`)")]
    UnreadableEntry { error: String },
}
