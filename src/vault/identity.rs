//! The user's age identity: the secret key that decrypts credentials.
//!
//! It lives at `$XDG_CONFIG_HOME/repodex/identity.txt` (or `REPODEX_IDENTITY`), never in
//! the registry, created on first need as an age X25519 key in a 0700 folder with mode
//! 0600. An unencrypted ssh-ed25519 or ssh-rsa private key works too (its public key is
//! read from the `.pub` file beside it). A file others can read is refused.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;

use super::error::{IdentityProblem, Unusable, VaultError};
use crate::{Error, Result};

/// The user's identity, loaded.
pub struct Identity {
    path: PathBuf,
    secret: Secret,
    public: String,
}

enum Secret {
    X25519(age::x25519::Identity),
    Ssh(age::ssh::Identity),
}

fn refused(problem: IdentityProblem) -> Error {
    VaultError::Identity { problem }.into()
}

impl Identity {
    /// Load the identity at `path`, creating an age key there first if there is none.
    /// Returns whether it was created.
    pub fn load_or_create(path: &Path, registry_root: &Path) -> Result<(Identity, bool)> {
        refuse_inside(path, registry_root)?;
        if path.exists() {
            return Ok((Identity::load(path, registry_root)?, false));
        }
        let folder = path.parent().ok_or_else(|| {
            refused(IdentityProblem::NoFolder {
                path: path.to_path_buf(),
            })
        })?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(folder)
            .map_err(|e| Error::io(format!("cannot create {}", folder.display()), e))?;
        let key = age::x25519::Identity::generate();
        let public = key.to_public().to_string();
        let text = format!(
            "# repodex identity, created {}\n# public key: {public}\n{}\n",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
            key.to_string().expose_secret()
        );
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        Ok((
            Identity {
                path: path.to_path_buf(),
                secret: Secret::X25519(key),
                public,
            },
            true,
        ))
    }

    /// Load an existing identity, refusing one that others can read or that lies inside
    /// the registry.
    pub fn load(path: &Path, registry_root: &Path) -> Result<Identity> {
        refuse_inside(path, registry_root)?;
        let metadata = std::fs::metadata(path).map_err(|_| {
            refused(IdentityProblem::Missing {
                path: path.to_path_buf(),
            })
        })?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(refused(IdentityProblem::ReadableByOthers {
                path: path.to_path_buf(),
                mode,
            }));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read the identity {}", path.display()), e))?;
        let bad = |what: Unusable| {
            refused(IdentityProblem::Unusable {
                path: path.to_path_buf(),
                what,
            })
        };
        if text.contains("PRIVATE KEY-----") {
            let key =
                age::ssh::Identity::from_buffer(text.as_bytes(), Some(path.display().to_string()))
                    .map_err(|_| bad(Unusable::NotSsh))?;
            match key {
                age::ssh::Identity::Unencrypted(_) => {}
                age::ssh::Identity::Encrypted(_) => return Err(bad(Unusable::Passphrase)),
                age::ssh::Identity::Unsupported(_) => return Err(bad(Unusable::UnsupportedSsh)),
            }
            let public_path = PathBuf::from(format!("{}.pub", path.display()));
            let public = std::fs::read_to_string(&public_path).map_err(|_| {
                bad(Unusable::NoPublicKey {
                    public: public_path.clone(),
                })
            })?;
            let public = super::recipients::normalize(public.trim())
                .ok_or_else(|| bad(Unusable::BadPublicKey))?;
            return Ok(Identity {
                path: path.to_path_buf(),
                secret: Secret::Ssh(key),
                public,
            });
        }
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .ok_or_else(|| bad(Unusable::NoSecretLine))?;
        let key = age::x25519::Identity::from_str(line).map_err(|_| bad(Unusable::BadSecret))?;
        let public = key.to_public().to_string();
        Ok(Identity {
            path: path.to_path_buf(),
            secret: Secret::X25519(key),
            public,
        })
    }

    /// The public key (recipient) to give to teammates.
    pub fn public(&self) -> &str {
        &self.public
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn as_age(&self) -> &dyn age::Identity {
        match &self.secret {
            Secret::X25519(k) => k,
            Secret::Ssh(k) => k,
        }
    }
}

fn refuse_inside(path: &Path, registry_root: &Path) -> Result<()> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let folder = absolute
        .parent()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()));
    let root = registry_root
        .canonicalize()
        .unwrap_or_else(|_| registry_root.to_path_buf());
    if folder.is_some_and(|f| f.starts_with(&root)) {
        return Err(refused(IdentityProblem::InsideRegistry {
            path: path.to_path_buf(),
        }));
    }
    Ok(())
}
