//! What a merge reports: each entry it changed and each decision it made by rule, as
//! values that derive `Serialize` (for `sync --json`) and `Display` (for the terminal and
//! the merge commit's message).

/// What a sync did to one entry of this registry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum EntryChange {
    Added {
        name: String,
    },
    Removed {
        name: String,
    },
    /// Changed; `was` is its old name when it was renamed.
    Changed {
        name: String,
        was: Option<String>,
    },
}

impl std::fmt::Display for EntryChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryChange::Added { name } => write!(f, "+ {name}"),
            EntryChange::Removed { name } => write!(f, "- {name}"),
            EntryChange::Changed {
                name,
                was: Some(was),
            } => write!(f, "~ {name} (was {was})"),
            EntryChange::Changed { name, was: None } => write!(f, "~ {name}"),
        }
    }
}

/// A decision a merge made by rule, that a person should know about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Decision {
    /// Renamed on both sides: the later name won, the other became an alias.
    RenamedOnBothSides { kept: String, alias: String },
    /// A field changed on both sides: the later value won.
    ChangedOnBothSides {
        name: String,
        field: String,
        other: String,
    },
    /// A credential removed on one side and changed on the other was kept.
    CredentialKept { name: String },
    /// A credential changed on both sides: the later one won.
    CredentialOnBothSides { name: String, from_remote: bool },
    /// A credential from the remote could not be encrypted again here.
    CannotEncryptAgain { path: String },
    /// A credential was not encrypted again because the recipients it would go to are
    /// not the set this machine accepted; it was kept as it was.
    HeldBack { path: String },
    /// The remote changed `.age-recipients`; it must be accepted here.
    RecipientsChanged,
    /// A shared file changed on both sides.
    FileOnBothSides { path: String, from_remote: bool },
    /// An entry forgotten here and changed on the remote was kept.
    KeptForgottenHere { name: String },
    /// An entry forgotten on the remote and changed here was kept.
    KeptForgottenThere { name: String },
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::store::layout::RECIPIENTS_FILE;
        match self {
            Decision::RenamedOnBothSides { kept, alias } => write!(f, "'{kept}' was renamed on both sides; the later name wins and '{alias}' becomes an alias"),
            Decision::ChangedOnBothSides { name, field, other } => write!(f, "the {field} of '{name}' changed on both sides; kept the later one, the other was {other}"),
            Decision::CredentialKept { name } => write!(f, "kept the credential of '{name}': it was removed on one side and changed on the other"),
            Decision::CredentialOnBothSides { name, from_remote } => write!(f, "the credential of '{name}' changed on both sides; kept the later one ({})", if *from_remote { "from the remote" } else { "from here" }),
            Decision::CannotEncryptAgain { path } => write!(f, "{path} from the remote could not be encrypted again to this registry's recipients here; set it again with `repodex creds set`"),
            Decision::HeldBack { path } => write!(f, "{path} was not encrypted again: this registry's {RECIPIENTS_FILE} is not the set this machine accepted, and repodex encrypts to no key you did not accept; check it with `repodex recipients list`, run `repodex recipients accept`, then sync again"),
            Decision::RecipientsChanged => write!(f, "{RECIPIENTS_FILE} was changed on the remote: check it with `repodex recipients list`, then run `repodex recipients accept`"),
            Decision::FileOnBothSides { path, from_remote } => write!(f, "{path} changed on both sides; kept the version {}", if *from_remote { "from the remote (the later change)" } else { "from here" }),
            Decision::KeptForgottenHere { name } => write!(f, "kept '{name}': it was forgotten here and changed on the remote"),
            Decision::KeptForgottenThere { name } => write!(f, "kept '{name}': it was forgotten on the remote and changed here"),
        }
    }
}
