//! `creds`: store, show, re-bind and remove a repository's credential in the vault.

use serde::Serialize;

use super::error::Refused;
use crate::vault::credential::{Credential, Kind};
use crate::vault::error::VaultError;
use crate::{Context, Result};

/// What a credential is, beside its secret.
#[derive(Debug, Clone)]
pub struct Request {
    pub reference: String,
    pub kind: Kind,
    pub username: Option<String>,
    pub key_path: Option<String>,
    pub expires: Option<String>,
    pub note: Option<String>,
}

/// Check a request before its secret is asked for: the entry exists in the user's own
/// registry, and the kind has what it needs. Returns the entry's name.
pub fn check(ctx: &Context, request: &Request) -> Result<String> {
    if request.kind == Kind::SshKey && request.key_path.is_none() {
        return Err(Refused::Needs {
            flag: "--kind ssh-key",
            needs: "--key-path PATH",
        }
        .into());
    }
    if request.kind == Kind::Password && request.username.is_none() {
        return Err(Refused::Needs {
            flag: "--kind password",
            needs: "--username NAME",
        }
        .into());
    }
    if let Some(expires) = &request.expires {
        crate::time::parse_date(expires).ok_or_else(|| Refused::NotADate {
            flag: "--expires",
            value: expires.clone(),
        })?;
    }
    let registry = ctx.open()?;
    let name = super::find::own_entry(&registry, &request.reference)?;
    // A token or password for a plain-http URL would never be sent (docs/security.md):
    // say so now, not at every later refresh.
    if request.kind != Kind::SshKey {
        let url = registry.entry(&name)?.git_url()?;
        if url.scheme() == crate::url::Scheme::Http {
            return Err(Refused::CredentialOverHttp {
                name,
                url: url.to_string(),
            }
            .into());
        }
    }
    Ok(name)
}

/// What `creds set` did.
#[derive(Debug, Serialize)]
pub struct SetReport {
    pub name: String,
    /// Whether the stored credential changed (setting the same one again changes nothing).
    pub changed: bool,
    /// The origin it is bound to (`https://host:443/o/r`).
    pub origin: Option<String>,
    /// The identity file created to encrypt it, when there was none.
    pub identity_created: Option<std::path::PathBuf>,
}

/// Store `secret` as the credential `request` describes, bound to the entry's URL, in
/// one commit.
pub fn set(
    ctx: &Context,
    request: Request,
    secret: String,
    on_wait: &mut dyn FnMut(),
) -> Result<SetReport> {
    let name = check(ctx, &request)?;
    let mut registry = ctx.open()?;
    let loaded = super::identity::load_or_create(ctx, &registry)?;
    let credential = Credential {
        kind: request.kind,
        username: request.username,
        secret,
        key_path: request.key_path,
        expires: request.expires,
        note: request.note,
        origin: None,
    };
    let mut tx = registry.transaction(on_wait)?;
    let changed = tx.set_credential(&name, &credential, &loaded.identity)?;
    let origin = tx.entry(&name)?.git_url()?.origin().map(|o| o.to_string());
    tx.commit(&format!("set the credential of {name}"))?;
    Ok(SetReport {
        name,
        changed,
        origin,
        identity_created: loaded.created,
    })
}

/// What `creds rebind` did.
#[derive(Debug, Serialize)]
pub struct RebindReport {
    pub name: String,
    /// The origin it was bound to before (`None` for a credential stored before
    /// binding existed).
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Bind the credential of `reference` to the server its entry's URL names now.
pub fn rebind(ctx: &Context, reference: &str, on_wait: &mut dyn FnMut()) -> Result<RebindReport> {
    let mut registry = ctx.open()?;
    let name = super::find::own_entry(&registry, reference)?;
    let loaded = super::identity::load_or_create(ctx, &registry)?;
    let mut tx = registry.transaction(on_wait)?;
    let from = tx.rebind_credential(&name, &loaded.identity)?;
    let to = tx.entry(&name)?.git_url()?.origin().map(|o| o.to_string());
    tx.commit(&format!(
        "bind the credential of {name} to {}",
        to.as_deref().unwrap_or("its URL")
    ))?;
    Ok(RebindReport { name, from, to })
}

/// A credential, decrypted, for `creds show`.
pub fn show(ctx: &Context, reference: &str) -> Result<(String, Credential)> {
    let registry = ctx.open()?;
    let name = super::find::own_entry(&registry, reference)?;
    let loaded = super::identity::load_or_create(ctx, &registry)?;
    let credential = registry
        .credential(&name, &loaded.identity)?
        .ok_or_else(|| VaultError::NoCredential { name: name.clone() })?;
    Ok((name, credential))
}

/// Remove the credential of `reference`, in one commit; returns the entry's name.
pub fn remove(ctx: &Context, reference: &str, on_wait: &mut dyn FnMut()) -> Result<String> {
    let mut registry = ctx.open()?;
    let name = super::find::own_entry(&registry, reference)?;
    let mut tx = registry.transaction(on_wait)?;
    if !tx.remove_credential(&name)? {
        return Err(VaultError::NoCredential { name }.into());
    }
    tx.commit(&format!("remove the credential of {name}"))?;
    Ok(name)
}
