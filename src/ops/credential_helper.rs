//! `credential`: git's credential helper, answered from the vault (docs/security.md).
//!
//! git runs `repodex credential get|store|erase` with `key=value` lines on stdin. The
//! protocol itself (parsing, exact matching, the rejected list) is
//! [`crate::vault::credential_protocol`]; this is the policy: when to answer, with what, and when to
//! stay silent so that git asks its next helper.

use crate::vault::credential::Kind;
use crate::vault::credential_protocol as protocol;
use crate::{Context, Result};

/// What the helper does for one request.
pub enum Outcome {
    /// Nothing to say: an operation it ignores, no registry, no matching entry, no
    /// usable credential. git goes on to its next helper.
    Silent,
    /// The answer to print to git: `username=` and `password=` lines, nothing else.
    Answer(Answer),
    /// git rejected the entry's credential (`erase`); it is not offered again until it
    /// is set anew.
    Rejected { name: String },
}

/// An answer for git. It holds a secret, so it is never shown by `Debug`.
pub struct Answer(String);

impl Answer {
    /// The bytes to write to git, and only to git.
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Answer(<redacted>)")
    }
}

/// Answer git's `operation` with the request in `input`.
pub fn run(ctx: &Context, operation: &str, input: &str) -> Result<Outcome> {
    if !matches!(operation, "get" | "store" | "erase") {
        return Ok(Outcome::Silent);
    }
    let request = protocol::parse(input)?;
    if operation == "store" {
        // Never write a secret anywhere: the vault is the only store.
        return Ok(Outcome::Silent);
    }
    // git runs this on machines with no registry too: answer nothing, create nothing.
    let Some(registry) = ctx.open_existing()? else {
        return Ok(Outcome::Silent);
    };
    let Some(name) = protocol::find(&registry, &request)? else {
        return Ok(Outcome::Silent);
    };
    let Some((blob, _)) = registry.credential_file(&name)? else {
        return Ok(Outcome::Silent);
    };
    if operation == "erase" {
        protocol::reject(&registry, &name, &blob)?;
        return Ok(Outcome::Rejected { name });
    }
    if protocol::is_rejected(&registry, &name, &blob) {
        return Ok(Outcome::Silent);
    }
    let Some(identity) = super::identity::existing(ctx, &registry) else {
        return Ok(Outcome::Silent);
    };
    let Some(credential) = registry.credential(&name, &identity)? else {
        return Ok(Outcome::Silent);
    };
    if credential.kind == Kind::SshKey {
        return Ok(Outcome::Silent);
    }
    // Only to the origin the credential is bound to (not after the entry's URL moved to
    // another server), and only for the username it holds.
    if !credential
        .bound_origin()
        .is_some_and(|origin| request.asks_for(&origin))
    {
        return Ok(Outcome::Silent);
    }
    if request
        .username
        .as_deref()
        .is_some_and(|u| u != credential.http_username())
    {
        return Ok(Outcome::Silent);
    }
    let text = protocol::answer(credential.http_username(), &credential.secret)?;
    Ok(Outcome::Answer(Answer(text)))
}
