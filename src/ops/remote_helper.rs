//! `git-remote-repodex`: git's remote helper for `repodex:<name>` URLs.
//!
//! git-setup writes one rule, `url."repodex::".insteadOf = "repodex:"`, so that git hands
//! every `repodex:<name>` URL to this helper (gitremote-helpers(7): `<transport>::<address>`
//! runs `git-remote-<transport>`). The name is resolved by the reference rules (case,
//! aliases, last segment, layers), each time git asks, so a clone whose `origin` is
//! `repodex:<name>` follows the repository when its URL changes. For `git://` and
//! repositories on this machine the helper `connect`s git straight to the service
//! (`crate::git::connect`); otherwise it speaks the `fetch` and `push` capabilities and
//! does the transfer with git itself, against the entry's current URL: every transport,
//! credential helper and git setting works as it does for plain git. When the remote cannot be reached and the cache has a mirror of
//! it, the refs and objects come from the mirror, and the helper says so on stderr.
//!
//! The helper is git's citizen: the user's transport policy decides what it may use,
//! exactly as for the entry's URL given to plain git (`protocol.<name>.allow`,
//! `GIT_ALLOW_PROTOCOL`, `GIT_PROTOCOL_FROM_USER`, and `url.<base>.insteadOf` /
//! `pushInsteadOf` applied to the URL before a transport is chosen;
//! `crate::git::policy`); offline (`REPODEX_OFFLINE`, `offline = true`) it opens no
//! connection and serves the mirror; and a repository on this machine that someone
//! else pushed into an entry is not read until this machine accepted it, by the rule
//! refresh follows.

use std::io::{BufRead, Write};

use crate::git::command;
use crate::git::policy::{protocol_of, Direction, Policy};
use crate::{Context, Error, Result};

/// The context git runs the helper in: this process's, except that without
/// `REPODEX_HOME` the registry is the one `repodex git-setup` was run for.
pub fn context_for_git() -> Result<Context> {
    super::git_setup::as_git_runs_it(Context::from_env(None, false)?)
}

/// The remote git runs the helper for: its name (`origin`; for a URL given on git's
/// command line, the URL itself) and the repository it belongs to (`GIT_DIR`).
#[derive(Debug, Clone)]
pub struct Remote {
    pub name: String,
    pub git_dir: std::path::PathBuf,
}

/// Answer git on `input`/`output` for the address `address` (the `<name>` of
/// `repodex:<name>`, or the URL of a remote that names the helper with
/// `remote.<name>.vcs`) of `remote`; notices go to `notices` (stderr, which git shows
/// the user).
///
/// A remote whose URL is `repodex:<name>` and that has fetched nothing yet (`git clone
/// repodex:mk`) becomes, before anything is fetched, a remote with the entry's URL that
/// git fetches through this helper by that name (`remote.origin.vcs = repodex`,
/// `remote.origin.repodex = mk`): `git remote get-url origin` then prints the real URL,
/// from which tools such as Minsky take `owner/repo`, while every fetch and push still
/// resolves the name and so follows the repository when its URL changes; then this
/// helper writes the new URL into the remote and says so (docs/design.md, "A clone
/// through repodex: is a clone of the real repository").
pub fn serve(
    ctx: &Context,
    remote: Option<&Remote>,
    address: &str,
    input: impl BufRead,
    mut output: impl Write,
    notices: &mut dyn FnMut(&str),
) -> Result<()> {
    let configured = remote.map(|r| (r, command::helper_remote(&r.git_dir, &r.name)));
    // A remote that names the helper by `vcs` carries the name it was cloned by.
    let by_name = configured
        .as_ref()
        .filter(|(_, c)| c.vcs.as_deref() == Some("repodex"))
        .and_then(|(_, c)| c.name.clone());
    let address = by_name.as_deref().unwrap_or(address);
    let registry = ctx.open_existing()?.ok_or_else(|| Error::NotFound {
        reference: address.to_string(),
        suggestions: Vec::new(),
    })?;
    let found = super::find::find(&registry, address)?;
    let entry = found
        .layer_registry
        .as_ref()
        .unwrap_or(&registry)
        .entry(&found.resolved.name)?;
    let url = entry.git_url()?;
    let name = entry.name.clone();
    if url.is_local() && found.layer.is_none() {
        let private = registry.private_dir();
        let accepted = crate::store::accepted::AcceptedReads::load(&private);
        let checked = crate::remote::state::Checked::load(&private);
        if !super::refresh::may_read_url(&checked, &accepted, &url) {
            return Err(super::error::Refused::LocalNotAccepted {
                name,
                url: url.to_string(),
            }
            .into());
        }
    }
    if let Some((remote, configured)) = &configured {
        let real = url.to_string();
        let cloned_by_name = configured.vcs.is_none()
            && !configured.fetched
            && configured
                .url
                .as_deref()
                .and_then(crate::url::entry_reference)
                == Some(address);
        if cloned_by_name {
            command::follow_by_name(&remote.git_dir, &remote.name, &real, address)?;
        } else if by_name.is_some() && configured.url.as_deref() != Some(real.as_str()) {
            command::set_remote_url(&remote.git_dir, &remote.name, &real)?;
            notices(&format!(
                "'{name}' is at {} now: the URL of remote '{}' follows it",
                crate::url::quote(&real),
                remote.name
            ));
        }
    }
    let offline = ctx.network()?.offline;
    let (allow_protocol, from_user) = ctx.git_protocol_env();
    let protocol = ctx.git_protocol();
    let policy = Policy::of_calling_git(allow_protocol, from_user)?;
    let allowed = policy.allowed_transports();
    // The URL as git would use it for each direction, checked against the policy when
    // it is about to be used.
    let entry_url = url.to_string();
    let target = |direction| policy.rewrite(&entry_url, direction);
    let permitted = |to: &str| -> Result<()> {
        let protocol = protocol_of(to);
        policy.check(&protocol).map_err(|why| {
            super::error::Refused::ProtocolNotAllowed {
                name: name.clone(),
                url: crate::url::quote(to),
                protocol,
                why,
            }
            .into()
        })
    };
    let mirror = ctx.cache().mirror_path(&url);
    // Where the objects come from: the URL, or the mirror when `list` fell back to it.
    let mut source: Option<String> = None;
    let mut lines = input.lines();
    let io = |e: std::io::Error| Error::io("cannot talk to git", e);
    while let Some(line) = lines.next() {
        let line = line.map_err(io)?;
        let mut words = line.splitn(2, ' ');
        match (words.next().unwrap_or(""), words.next()) {
            ("capabilities", None) => {
                write!(output, "connect\nfetch\npush\noption\n\n").map_err(io)?
            }
            // git talks to the service itself through us (git://, local repositories);
            // elsewhere, or when the daemon is unreachable, it falls back to `fetch` and
            // `push` below, where the mirror can stand in.
            ("connect", Some(service)) => {
                let to = target(match service {
                    "git-receive-pack" => Direction::Push,
                    _ => Direction::Fetch,
                });
                // Offline, nothing connects: `list` and `fetch` serve the mirror.
                let connection = match offline {
                    Some(_) => None,
                    None => {
                        permitted(&to)?;
                        crate::url::GitUrl::parse_clean(&to).ok().and_then(|to| {
                            crate::git::connect::open(&to, service, protocol.as_deref())
                        })
                    }
                };
                match connection {
                    Some(connection) => {
                        writeln!(output).map_err(io)?;
                        output.flush().map_err(io)?;
                        return connection.relay();
                    }
                    None => writeln!(output, "fallback").map_err(io)?,
                }
            }
            ("option", Some(_)) => writeln!(output, "unsupported").map_err(io)?,
            ("list", _) => {
                let for_push = line == "list for-push";
                let listed = match &offline {
                    Some(why) if for_push => {
                        return Err(Error::Offline {
                            what: format!("pushing to '{name}'"),
                            why: why.clone(),
                        })
                    }
                    Some(why) if mirror.exists() => {
                        notices(&format!(
                            "offline ({why}): fetching '{name}' from repodex's cached mirror, which may be behind"
                        ));
                        Err(None)
                    }
                    Some(why) => {
                        return Err(super::error::Refused::OfflineWithoutMirror {
                            name: name.clone(),
                            why: why.clone(),
                        }
                        .into())
                    }
                    None => {
                        let to = target(if for_push {
                            Direction::Push
                        } else {
                            Direction::Fetch
                        });
                        permitted(&to)?;
                        // git rewrites a fetch URL itself; `ls-remote` knows no push rules.
                        let asked = if for_push { to } else { entry_url.clone() };
                        match command::ls_remote(&asked, &allowed) {
                            Ok(refs) => Ok((refs, entry_url.clone())),
                            Err(e) if !for_push && mirror.exists() => {
                                notices(&format!(
                                    "{} cannot be reached ({e}); fetching '{name}' from repodex's cached mirror instead, which may be behind",
                                    crate::url::quote(&entry_url),
                                ));
                                Err(None)
                            }
                            Err(e) => Err(Some(e)),
                        }
                    }
                };
                let (refs, used) = match listed {
                    Ok(listed) => listed,
                    Err(None) => {
                        let path = mirror.display().to_string();
                        (command::ls_remote(&path, "file")?, path)
                    }
                    Err(Some(e)) => return Err(e),
                };
                for (target, name) in &refs {
                    match target.strip_prefix("ref: ") {
                        Some(symref) => writeln!(output, "@{symref} {name}").map_err(io)?,
                        None => writeln!(output, "{target} {name}").map_err(io)?,
                    }
                }
                writeln!(output).map_err(io)?;
                source = Some(used);
            }
            ("fetch", Some(first)) => {
                let mut ids = vec![first.split(' ').next().unwrap_or("").to_string()];
                for next in lines.by_ref() {
                    let next = next.map_err(io)?;
                    match next.strip_prefix("fetch ") {
                        Some(rest) => ids.push(rest.split(' ').next().unwrap_or("").to_string()),
                        None => break,
                    }
                }
                let from = source.clone().unwrap_or_else(|| entry_url.clone());
                // repodex's own mirror is read as a folder, whatever the policy says of
                // file://, which is about the URLs git is given.
                let allow = if from == entry_url {
                    allowed.as_str()
                } else {
                    "file"
                };
                command::fetch_objects(&from, &ids, allow)?;
                writeln!(output).map_err(io)?;
            }
            ("push", Some(first)) => {
                let mut refspecs = vec![first.to_string()];
                for next in lines.by_ref() {
                    let next = next.map_err(io)?;
                    match next.strip_prefix("push ") {
                        Some(rest) => refspecs.push(rest.to_string()),
                        None => break,
                    }
                }
                if let Some(why) = &offline {
                    return Err(Error::Offline {
                        what: format!("pushing to '{name}'"),
                        why: why.clone(),
                    });
                }
                permitted(&target(Direction::Push))?;
                for refspec in &refspecs {
                    let destination = refspec.rsplit(':').next().unwrap_or(refspec);
                    match command::push_refspec(&entry_url, refspec, &allowed)? {
                        Ok(()) => writeln!(output, "ok {destination}").map_err(io)?,
                        Err(reason) => {
                            writeln!(output, "error {destination} {reason}").map_err(io)?
                        }
                    }
                }
                writeln!(output).map_err(io)?;
            }
            ("", None) => break,
            _ => {
                return Err(Error::GitCommand {
                    what: "answer git".into(),
                    reason: format!(
                        "git asked {}, which repodex's helper does not know",
                        crate::url::quote(&line)
                    ),
                })
            }
        }
        output.flush().map_err(io)?;
    }
    Ok(())
}
