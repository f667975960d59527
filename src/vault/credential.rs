//! A credential, and its encrypted file `credentials/<name>.age`.
//!
//! The file is ASCII-armored age, encrypted to every key in `.age-recipients`; inside is
//! a small TOML document. Nothing here ever prints the secret: `Debug` redacts it.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::error::{FileProblem, VaultError};
use super::identity::Identity;
use super::recipients::Recipients;
use crate::url::{GitUrl, Origin};
use crate::{Error, Result};

/// Largest credential file repodex decrypts.
pub const MAX_FILE_SIZE: u64 = 64 * 1024;

/// Largest secret `creds set` takes: what fits, encrypted to a team's keys and
/// ASCII-armored, well inside [`MAX_FILE_SIZE`].
pub const MAX_SECRET_SIZE: usize = 16 * 1024;

/// What kind of secret a credential holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An access token (sent as an HTTP password).
    Token,
    /// A username and password.
    Password,
    /// A reference to an ssh private key, with its passphrase if it has one.
    SshKey,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Token => "token",
            Kind::Password => "password",
            Kind::SshKey => "ssh-key",
        }
    }
}

/// A credential for one repository.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub kind: Kind,
    /// The username to send; for tokens, `x-access-token` when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The token, password, or ssh key passphrase (empty for a key without one).
    pub secret: String,
    /// For ssh keys: the private key's path on the users' machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_path: Option<String>,
    /// When the secret expires (a date), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The origin the credential was bound to (`https://host:443/o/r`, see
    /// [`Origin`]): it is handed to no other. Set by the vault from the entry's URL when
    /// the credential is stored or re-bound; `None` in files written before binding
    /// existed, which are not handed to anyone until re-bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .field("username", &self.username)
            .field("secret", &"[REDACTED]")
            .field("key_path", &self.key_path)
            .field("origin", &self.origin)
            .finish()
    }
}

impl Credential {
    /// The origin this credential is bound to, if it is bound.
    pub fn bound_origin(&self) -> Option<Origin> {
        self.origin.as_deref().and_then(Origin::parse)
    }

    /// Refuse, saying why and what to do, unless this credential (of the entry `name`)
    /// is bound to the origin of `url`, the entry's URL now.
    pub fn check_bound(&self, name: &str, url: &GitUrl) -> Result<Origin> {
        let now = url.origin();
        match (self.bound_origin(), now) {
            (Some(bound), Some(now)) if bound == now => Ok(bound),
            (bound, now) => Err(Error::CredentialElsewhere {
                name: name.to_string(),
                bound: bound.map(|b| b.to_string()),
                now: now
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| url.to_string()),
            }),
        }
    }

    /// The username to send over HTTP.
    pub fn http_username(&self) -> &str {
        self.username.as_deref().unwrap_or("x-access-token")
    }

    /// Encrypt to every recipient, ASCII-armored.
    pub fn encrypt(&self, recipients: &Recipients) -> Result<Vec<u8>> {
        let plain = toml::to_string(self).expect("a credential serializes");
        let boxed = recipients.to_age();
        let encryptor = age::Encryptor::with_recipients(
            boxed.iter().map(|r| r.as_ref() as &dyn age::Recipient),
        )
        .map_err(|e| VaultError::Encrypt {
            what: "to the registry's recipients",
            reason: e.to_string(),
        })?;
        let mut out = Vec::new();
        let io = |e: std::io::Error| VaultError::Encrypt {
            what: "a credential",
            reason: e.to_string(),
        };
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(io)?;
        let mut writer = encryptor.wrap_output(armor).map_err(io)?;
        writer.write_all(plain.as_bytes()).map_err(io)?;
        writer
            .finish()
            .and_then(|armor| armor.finish())
            .map_err(io)?;
        Ok(out)
    }

    /// Decrypt a credential file. `path` names it in errors.
    pub fn decrypt(path: &str, bytes: &[u8], identity: &Identity) -> Result<Credential> {
        let bad = |problem: FileProblem| VaultError::CredentialFile {
            path: path.to_string(),
            problem,
        };
        let decryptor = age::Decryptor::new(age::armor::ArmoredReader::new(bytes))
            .map_err(|e| bad(FileProblem::NotAge(e.to_string())))?;
        let mut reader = decryptor
            .decrypt(std::iter::once(identity.as_age()))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => bad(FileProblem::NotYours {
                    key: identity.public().to_string(),
                }),
                other => bad(FileProblem::Damaged(other.to_string())),
            })?;
        let mut plain = String::new();
        reader
            .by_ref()
            .take(MAX_FILE_SIZE)
            .read_to_string(&mut plain)
            .map_err(|e| bad(FileProblem::Truncated(e.to_string())))?;
        toml::from_str(&plain)
            .map_err(|e| bad(FileProblem::NotACredential(e.message().trim().to_string())).into())
    }
}
