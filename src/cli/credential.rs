use std::io::{Read, Write};

use super::{identity, CmdResult, Context, Outcome};
use repodex::vault::helper;
use repodex::Error;

/// git's credential helper: answer git with the vault's credentials (docs/security.md)
///
/// git runs it as `repodex credential get|store|erase` with key=value lines on stdin.
/// It answers only for a protocol, host and path that match a registered repository
/// exactly, and prints nothing but `username=` and `password=`.
#[derive(clap::Args)]
#[command(after_help = "Example (the setup docs/security.md explains):\n  \
    git config --global credential.https://git.example.com.helper ''\n  \
    git config --global --add credential.https://git.example.com.helper '!repodex credential'\n  \
    git config --global credential.https://git.example.com.useHttpPath true")]
pub struct Args {
    /// get, store or erase (others are ignored, as git's protocol asks)
    operation: String,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let mut input = String::new();
    std::io::stdin()
        .lock()
        .take(helper::MAX_REQUEST as u64)
        .read_to_string(&mut input)
        .map_err(|e| Error::Invalid(format!("cannot read git's request: {e}")))?;
    if !matches!(args.operation.as_str(), "get" | "store" | "erase") {
        return Ok(Outcome::Success);
    }
    let request = helper::parse(&input)?;
    if args.operation == "store" {
        // Never write a secret anywhere: the vault is the only store.
        return Ok(Outcome::Success);
    }
    // git runs this on machines with no registry too: answer nothing, create nothing.
    let location = ctx.location()?;
    if !location.path().join(".git").exists() {
        return Ok(Outcome::Success);
    }
    let registry = repodex::Registry::open(location.path())?;
    let Some(name) = helper::find(&registry, &request)? else {
        return Ok(Outcome::Success);
    };
    let Some((blob, _)) = registry.credential_file(&name)? else {
        return Ok(Outcome::Success);
    };
    if args.operation == "erase" {
        helper::reject(&registry, &name, &blob)?;
        eprintln!("repodex: git rejected the credential of {name}; `repodex creds set {name}` replaces it");
        return Ok(Outcome::Success);
    }
    if helper::is_rejected(&registry, &name, &blob) {
        return Ok(Outcome::Success);
    }
    let identity = identity::load_or_create(&registry)?;
    let Some(credential) = registry.credential(&name, &identity)? else {
        return Ok(Outcome::Success);
    };
    if credential.kind == repodex::vault::credential::Kind::SshKey {
        return Ok(Outcome::Success);
    }
    let answer = helper::answer(credential.http_username(), &credential.secret)?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(answer.as_bytes())
        .and_then(|_| stdout.flush())
        .map_err(|e| Error::Invalid(format!("cannot answer git: {e}")))?;
    Ok(Outcome::Success)
}
