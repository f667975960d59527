//! repodex's mirrors: a bare repository per remote holding its default branch, made by
//! a clone (`clone_mirror`), kept up to date by fetching what is new into it
//! (`refresh_mirror`), and read for the files a refresh caches (`Mirror`). The
//! connection and credential plumbing they share with other fetches is in `fetch.rs`.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use gix::remote::Direction;

use super::fetch::{
    branch_name, connect, credentials, gix_url, head_of, probe, remote_err, Auth, FileRead,
    RemoteHead,
};
use super::ObjectId;
use crate::{Error, Result};

/// Make a bare mirror of the remote's default branch at `dest` (which must not exist),
/// with its whole history, or its last `depth` commits. A failed clone leaves nothing
/// behind.
pub fn clone_mirror(
    url: &str,
    dest: &Path,
    auth: Option<&Auth>,
    depth: Option<NonZeroU32>,
    interrupt: &AtomicBool,
) -> Result<RemoteHead> {
    let repo = init_bare(dest)?;
    fetch_head_into(&repo, url, auth, depth, interrupt)
}

/// What [`refresh_mirror`] found and did.
#[derive(Debug)]
pub enum MirrorRefresh {
    /// The remote's HEAD is what the mirror holds (or the remote has no commit now).
    Unchanged(RemoteHead),
    /// What was new was fetched into the mirror, which now holds this HEAD.
    Fetched(RemoteHead),
    /// The remote moved on and `incremental` was false: the caller clones afresh.
    Changed(RemoteHead),
    /// The mirror cannot be read (damaged by hand, say): the caller clones afresh.
    Unusable,
    /// What the remote sent would take the mirror past `max_bytes`: it was removed,
    /// and the mirror is as it was.
    TooBig,
}

/// Ask the remote what its HEAD is and, when it moved on and `incremental` allows, bring
/// the mirror at `path` (made by [`clone_mirror`]) to it over the same connection: git's
/// negotiation tells the remote which commits the mirror has, so only what is new
/// crosses the wire and lands as one more pack, as a `git fetch` would. The refs move
/// only once the pack is whole, so a failed fetch leaves the mirror as it was. When the
/// remote's HEAD now names another branch, the old branch is dropped from the mirror.
pub fn refresh_mirror(
    path: &Path,
    url: &str,
    auth: Option<&Auth>,
    incremental: bool,
    max_bytes: u64,
    interrupt: &AtomicBool,
) -> Result<MirrorRefresh> {
    use gix::protocol::transport::Protocol;
    // As in [`probe`]: protocol v1 advertises the refs as soon as it connects.
    let streamed = url.starts_with("ssh://") || !url.contains("://");
    let overrides: &[&str] = if streamed {
        &["protocol.version=1"]
    } else {
        &[]
    };
    let Ok(repo) = gix::open_opts(
        path,
        gix::open::Options::isolated().config_overrides(overrides.iter().copied()),
    ) else {
        return Ok(MirrorRefresh::Unusable);
    };
    let Some(mirrored) = mirror_head(&repo) else {
        return Ok(MirrorRefresh::Unusable);
    };
    let remote = repo
        .remote_at(gix_url(url)?)
        .and_then(|r| r.with_refspecs(Some("HEAD"), Direction::Fetch))
        .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
        .map_err(remote_err(url))?;
    let prepare = connect(&remote, url, Protocol::V1)?
        .with_credentials(credentials(auth.cloned()))
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(remote_err(url))?;
    if prepare.ref_map().remote_refs.is_empty() {
        // An empty remote: protocol v1 does not say which branch its HEAD will be.
        drop(prepare);
        return probe(path, url, auth).map(MirrorRefresh::Unchanged);
    }
    let head = head_of(url, &prepare.ref_map().remote_refs)?;
    if head == mirrored || head.commit.is_none() {
        return Ok(MirrorRefresh::Unchanged(head));
    }
    if !incremental {
        return Ok(MirrorRefresh::Changed(head));
    }
    let outcome = prepare
        .receive(gix::progress::Discard, interrupt)
        .map_err(remote_err(url))?;
    drop_keep_file(&outcome);
    // The limit is checked before any ref moves: a pack over it is removed, and the
    // mirror stays as it was.
    if pack_bytes(path) > max_bytes {
        if let gix::remote::fetch::Status::Change {
            write_pack_bundle, ..
        } = &outcome.status
        {
            if let Some(index) = &write_pack_bundle.index_path {
                let _ = std::fs::remove_file(index);
            }
            if let Some(data) = &write_pack_bundle.data_path {
                let _ = std::fs::remove_file(data.with_extension("rev"));
                let _ = std::fs::remove_file(data);
            }
        }
        return Ok(MirrorRefresh::TooBig);
    }
    if mirrored.default_branch != head.default_branch {
        // The old branch goes first: `release` cannot be written beside `release/v2`.
        use gix::refs::transaction::{Change, PreviousValue, RefEdit, RefLog};
        let name = gix::refs::FullName::try_from(format!("refs/heads/{}", mirrored.default_branch))
            .map_err(|e| Error::git("cannot name the mirror's old branch", e))?;
        repo.edit_reference(RefEdit {
            change: Change::Delete {
                expected: PreviousValue::Any,
                log: RefLog::AndReference,
            },
            name,
            deref: false,
        })
        .map_err(|e| Error::git("cannot drop the mirror's old branch", e))?;
    }
    write_mirror_refs(&repo, url, &head)?;
    Ok(MirrorRefresh::Fetched(head))
}

/// The bytes of a mirror's packs (and their indexes): the size of its objects.
pub fn pack_bytes(mirror: &Path) -> u64 {
    std::fs::read_dir(mirror.join("objects").join("pack"))
        .map(|listing| {
            listing
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// How many packs a mirror's `objects/pack` holds.
pub fn pack_count(mirror: &Path) -> usize {
    std::fs::read_dir(mirror.join("objects").join("pack"))
        .map(|listing| {
            listing
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
                .count()
        })
        .unwrap_or(0)
}

/// Fetch the remote's HEAD (its default branch, no tags) into `repo`, a bare mirror,
/// and point the mirror's HEAD and that branch at it.
fn fetch_head_into(
    repo: &gix::Repository,
    url: &str,
    auth: Option<&Auth>,
    depth: Option<NonZeroU32>,
    interrupt: &AtomicBool,
) -> Result<RemoteHead> {
    // HEAD alone, written to no ref: the default branch's objects, not every branch's
    // and tag's (as `git clone --single-branch`). The refs are written below, once the
    // advertisement has said which branch HEAD is.
    let remote = repo
        .remote_at(gix_url(url)?)
        .and_then(|r| r.with_refspecs(Some("HEAD"), Direction::Fetch))
        .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
        .map_err(remote_err(url))?;
    let mut prepare = connect(&remote, url, gix::protocol::transport::Protocol::V2)?
        .with_credentials(credentials(auth.cloned()))
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(remote_err(url))?;
    let head = head_of(url, &prepare.ref_map().remote_refs)?;
    if head.commit.is_none() {
        return Err(Error::Remote {
            url: url.to_string(),
            reason: "the remote has no commits on its default branch".into(),
        });
    }
    if let Some(depth) = depth {
        prepare = prepare.with_shallow(gix::remote::fetch::Shallow::DepthAtRemote(depth));
    }
    let outcome = prepare
        .receive(gix::progress::Discard, interrupt)
        .map_err(remote_err(url))?;
    drop_keep_file(&outcome);
    write_mirror_refs(repo, url, &head)?;
    Ok(head)
}

/// gix keeps its `.keep` file until a ref it maps is updated, and the mirror's refspec
/// maps none: its refs are written by [`write_mirror_refs`], so the pack needs no keeping.
fn drop_keep_file(outcome: &gix::remote::fetch::Outcome) {
    if let gix::remote::fetch::Status::Change {
        write_pack_bundle, ..
    } = &outcome.status
    {
        if let Some(keep) = &write_pack_bundle.keep_path {
            let _ = std::fs::remove_file(keep);
        }
    }
}

/// Point the mirror's HEAD at the branch `head` names, and that branch at its commit.
fn write_mirror_refs(repo: &gix::Repository, url: &str, head: &RemoteHead) -> Result<()> {
    let Some(commit) = head.commit else {
        return Ok(());
    };
    let branch = format!("refs/heads/{}", head.default_branch);
    let branch_name =
        gix::refs::FullName::try_from(branch.as_str()).map_err(|e| Error::Remote {
            url: url.to_string(),
            reason: format!("its HEAD names a branch git cannot store ({e})"),
        })?;
    use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
    let edit = |name: gix::refs::FullName, new: gix::refs::Target| RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "repodex: mirror".into(),
            },
            expected: PreviousValue::Any,
            new,
        },
        name,
        deref: false,
    };
    repo.edit_references([
        edit(branch_name.clone(), gix::refs::Target::Object(commit)),
        edit(
            "HEAD".try_into().expect("HEAD is a ref name"),
            gix::refs::Target::Symbolic(branch_name),
        ),
    ])
    .map_err(|e| Error::git("cannot write the mirror's refs", e))?;
    Ok(())
}

/// Create an empty bare repository at `dest` (a mirror, or the scratch repository):
/// the files git and gix need to open it (`HEAD`, `config`, `objects/pack`, `refs`) and
/// nothing else. `git init` and gix's init also write eleven hook samples,
/// `info/exclude` and `description`, and probe the file system by creating files; a
/// refresh makes a mirror per remote, and creating those inodes was most of its CPU
/// time (docs/design.md, "Scale").
pub(super) fn init_bare(dest: &Path) -> Result<gix::Repository> {
    let made = (|| {
        std::fs::create_dir(dest)?;
        std::fs::create_dir_all(dest.join("objects").join("pack"))?;
        std::fs::create_dir(dest.join("refs"))?;
        std::fs::write(dest.join("HEAD"), "ref: refs/heads/main\n")?;
        std::fs::write(
            dest.join("config"),
            "[core]\n\trepositoryformatversion = 0\n\tbare = true\n\tlogallrefupdates = false\n",
        )
    })();
    made.map_err(|e| {
        Error::io(
            format!("cannot create a repository in {}", dest.display()),
            e,
        )
    })?;
    gix::open_opts(dest, gix::open::Options::isolated())
        .map_err(|e| Error::git("cannot open a new repository in the cache", e))
}

fn mirror_head(repo: &gix::Repository) -> Option<RemoteHead> {
    // The branch's commit as written, not peeled: a mirror's branch names a commit, and
    // peeling would open every pack index to ask what kind of object it is.
    let head = repo.head().ok()?;
    let name = head.referent_name()?.to_owned();
    let commit = head.id().map(|id| id.detach());
    Some(RemoteHead {
        default_branch: branch_name(name.as_bstr().to_string()),
        commit,
    })
}

/// A mirror made by [`clone_mirror`].
pub struct Mirror {
    repo: gix::Repository,
}

impl Mirror {
    pub fn open(path: &Path) -> Option<Mirror> {
        let repo = gix::open_opts(path, gix::open::Options::isolated()).ok()?;
        Some(Mirror { repo })
    }

    /// The branch and commit the mirror holds.
    pub fn head(&self) -> Option<RemoteHead> {
        mirror_head(&self.repo)
    }

    /// Is there a file at `path` in `commit`? (Its content is not read.)
    pub fn has_file(&self, commit: ObjectId, path: &str) -> Result<bool> {
        let context = "cannot read a file from the mirror";
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| Error::git(context, e))?;
        Ok(tree
            .lookup_entry_by_path(path)
            .map_err(|e| Error::git(context, e))?
            .is_some_and(|entry| entry.mode().is_blob()))
    }

    /// Read `path` at `commit`: text up to `max` bytes, or why not.
    pub fn read_file(&self, commit: ObjectId, path: &str, max: u64) -> Result<FileRead> {
        let context = "cannot read a file from the mirror";
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| Error::git(context, e))?;
        let Some(entry) = tree
            .lookup_entry_by_path(path)
            .map_err(|e| Error::git(context, e))?
        else {
            return Ok(FileRead::Missing);
        };
        if !entry.mode().is_blob() {
            return Ok(FileRead::Missing);
        }
        let header = self
            .repo
            .find_header(entry.object_id())
            .map_err(|e| Error::git(context, e))?;
        if header.size() > max {
            return Ok(FileRead::TooLarge(header.size()));
        }
        let blob = self
            .repo
            .find_blob(entry.object_id())
            .map_err(|e| Error::git(context, e))?;
        match std::str::from_utf8(&blob.data) {
            Ok(text) if !text.contains('\0') => Ok(FileRead::Text(text.to_string())),
            _ => Ok(FileRead::NotText),
        }
    }
}
