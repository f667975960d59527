//! The vault's errors: each kind a caller can tell apart, each one line that says what
//! was wrong and what to do.

use std::path::PathBuf;

use crate::url::quote;

/// Everything the vault refuses or fails at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    #[error(".age-recipients is not UTF-8 text")]
    RecipientsNotText,

    /// HEAD's recipients are not the set this machine accepted.
    #[error(".age-recipients changed in a commit this machine did not make ({changes}); nothing will be encrypted until you check it with your team and run `repodex recipients accept`")]
    Tampered { changes: String },

    #[error("the secret is empty; give the token or password on stdin or at the prompt")]
    EmptySecret,

    #[error("the secret is {size} bytes; repodex stores secrets of at most {max} bytes (a token or password, not a file)")]
    SecretTooLarge { size: usize, max: usize },

    #[error("your key ({key}) is not among the registry's recipients; ask a teammate to run `repodex recipients add {key}`")]
    NotAmongRecipients { key: String },

    #[error("'{name}' has no credential; `repodex creds set {name}` stores one")]
    NoCredential { name: String },

    /// Adding or removing recipients needs a current recipient's key.
    #[error("only a recipient can {action} recipients, and your key ({key}) is not one")]
    OnlyRecipients { action: &'static str, key: String },

    #[error("{} is already a recipient", quote(key))]
    AlreadyRecipient { key: String },

    #[error("the registry has no recipients yet")]
    NoRecipients,

    #[error(
        "{} is not a recipient; `repodex recipients list` shows them",
        quote(key)
    )]
    NotARecipient { key: String },

    #[error("that is the last recipient; removing it would leave every credential unreadable. Add another first")]
    LastRecipient,

    #[error(
        "{} is not an age X25519, ssh-ed25519 or ssh-rsa public key",
        quote(key)
    )]
    NotAKey { key: String },

    /// A line of `.age-recipients` that is not a usable key.
    #[error(".age-recipients line {line}: {problem}")]
    RecipientLine { line: usize, problem: LineProblem },

    /// Encryption failed (age's own error).
    #[error("cannot encrypt {what}: {reason}")]
    Encrypt { what: &'static str, reason: String },

    /// A credential file that cannot be used.
    #[error("{path}: {problem}")]
    CredentialFile { path: String, problem: FileProblem },

    #[error("the stored credential contains a line break, which git's protocol cannot carry")]
    LineBreak,

    /// A credential bound to a plain-http origin: never sent, anyone could read it.
    #[error("it is not sent over {scheme} ({origin}), where anyone on the network can read it; give '{name}' its https URL (`repodex set {name} --url https://...`, then `repodex creds rebind {name}`)")]
    InClearText {
        name: String,
        scheme: &'static str,
        origin: String,
    },

    /// This machine has no identity to decrypt with.
    #[error(
        "this machine has no identity to decrypt credentials with; `repodex identity` makes one"
    )]
    NoIdentity,

    /// The identity file is missing, unsafe or unreadable.
    #[error("{problem}")]
    Identity { problem: IdentityProblem },

    /// git's credential-helper request is malformed.
    #[error("{0}")]
    Request(RequestProblem),
}

/// What is wrong with a line of `.age-recipients`.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    #[error("the recipient uses the age plugin '{plugin}', which repodex does not run; use an age1… X25519 or ssh key")]
    Plugin { plugin: String },
    #[error("is not an age X25519, ssh-ed25519 or ssh-rsa public key; fix or remove the line")]
    NotAKey,
}

/// What is wrong with a credential file.
#[derive(Debug, thiserror::Error)]
pub enum FileProblem {
    #[error("is not a valid age file ({0}); restore it from history or set it again")]
    NotAge(String),
    #[error("is not encrypted to your key ({key}); ask a teammate who can read it to run `repodex recipients add <your key>`")]
    NotYours { key: String },
    #[error(
        "cannot be decrypted ({0}); it may be damaged: restore it from history or set it again"
    )]
    Damaged(String),
    #[error("cannot be decrypted ({0}); it may be damaged or truncated")]
    Truncated(String),
    #[error("holds something other than a credential ({0})")]
    NotACredential(String),
}

/// What is wrong with the identity file.
#[derive(Debug, thiserror::Error)]
pub enum IdentityProblem {
    #[error("{} has no folder", path.display())]
    NoFolder { path: PathBuf },
    #[error("there is no identity at {}; `repodex identity` creates one (or set REPODEX_IDENTITY)", path.display())]
    Missing { path: PathBuf },
    #[error("the identity {} can be read by others (mode {mode:o}); run `chmod 600 {}`", path.display(), path.display())]
    ReadableByOthers { path: PathBuf, mode: u32 },
    #[error("the identity {} is inside the registry, where it could be committed and pushed; keep it elsewhere (REPODEX_IDENTITY)", path.display())]
    InsideRegistry { path: PathBuf },
    #[error("the identity {} {what}", path.display())]
    Unusable { path: PathBuf, what: Unusable },
}

/// Why an identity file's content cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    #[error("is not an ssh private key repodex can read")]
    NotSsh,
    #[error("is a passphrase-protected ssh key, which repodex cannot use; use an unencrypted key or an age identity")]
    Passphrase,
    #[error("is an ssh key of a kind age does not support (use ed25519 or rsa)")]
    UnsupportedSsh,
    #[error("is an ssh key without its public key beside it ({})", public.display())]
    NoPublicKey { public: PathBuf },
    #[error("has a .pub file that is not an ssh-ed25519 or ssh-rsa public key")]
    BadPublicKey,
    #[error("holds no AGE-SECRET-KEY-1 line")]
    NoSecretLine,
    #[error("holds an age secret key that does not parse")]
    BadSecret,
}

/// What is wrong with git's credential-helper request.
#[derive(Debug, thiserror::Error)]
pub enum RequestProblem {
    #[error("credential request line {} has no '='", quote(line))]
    NoEquals { line: String },
    #[error("credential request with a NUL byte")]
    Nul,
    #[error(
        "credential request without '{key}'; repodex answers only for an exact protocol and host"
    )]
    Missing { key: String },
}
