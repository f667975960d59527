use std::io::{Read, Write};

use super::{CmdResult, Context, Outcome};
use repodex::ops::credential_helper::{self, Outcome as Answered};
use repodex::vault::credential_protocol;
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
        .take(credential_protocol::MAX_REQUEST as u64)
        .read_to_string(&mut input)
        .map_err(|e| Error::io("cannot read git's request", e))?;
    // git runs this helper: the registry is the one git-setup was run for, unless
    // chosen here.
    let ctx = repodex::ops::git_setup::as_git_runs_it(ctx.clone())?;
    match credential_helper::run(&ctx, &args.operation, &input)? {
        Answered::Silent => {}
        Answered::Rejected { name } => say!(
            "repodex: git rejected the credential of {name}; `repodex creds set {name}` replaces it"
        ),
        Answered::Answer(answer) => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(answer.text().as_bytes())
                .and_then(|_| stdout.flush())
                .map_err(|e| Error::io("cannot answer git", e))?;
        }
    }
    Ok(Outcome::Success)
}
