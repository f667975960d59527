//! HEAD read by hand, for the one reader that must not pay for opening a repository with
//! gix: `repodex resolve NAME` answered by the front program (docs/design.md, "Scale").
//!
//! It reads what git's files backend keeps (`HEAD`, a loose ref, `packed-refs`) the way
//! git reads them, a loose ref before the packed one. Anything else (a reftable
//! repository, a ref that does not read, an unborn branch, HEAD naming a symbolic ref,
//! which gix does not follow) gives `None`, and the caller opens the repository with
//! gix instead: this is a shortcut that may decline, never a second opinion. The tests
//! compare it with gix's reading of repositories that plain git made.

use std::path::Path;

use super::ObjectId;

/// Refs larger than this are not refs git wrote.
const MAX_REF_SIZE: u64 = 4096;

/// The commit HEAD names in the repository whose git folder is `git_dir`, or `None`
/// when reading it by hand is not certain to agree with gix.
pub fn head_commit_unopened(git_dir: &Path) -> Option<ObjectId> {
    let head = read_ref_file(&git_dir.join("HEAD"))?.ok()?;
    let head = std::str::from_utf8(&head).ok()?.trim();
    let Some(name) = head.strip_prefix("ref:") else {
        return ObjectId::from_hex(head.as_bytes()).ok();
    };
    let name = name.trim();
    if !plain_ref_name(name) {
        return None;
    }
    match read_ref_file(&git_dir.join(name))? {
        // A commit id; a symbolic ref here (which gix does not follow from HEAD) is not.
        Ok(target) => ObjectId::from_hex(std::str::from_utf8(&target).ok()?.trim().as_bytes()).ok(),
        Err(Missing) => packed(git_dir, name),
    }
}

/// A file that is not there (git then looks in `packed-refs`).
struct Missing;

/// A ref file's bytes; `Some(Err(Missing))` when there is none, `None` when it cannot be
/// read (or is too large to be a ref).
fn read_ref_file(path: &Path) -> Option<Result<Vec<u8>, Missing>> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() <= MAX_REF_SIZE => {
            std::fs::read(path).ok().map(Ok)
        }
        // A folder where the ref would be: git looks in packed-refs too.
        Ok(meta) if meta.is_dir() => Some(Err(Missing)),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Err(Missing)),
        Err(_) => None,
    }
}

/// A ref name under `refs/` made of plain path components, to read as a file.
fn plain_ref_name(name: &str) -> bool {
    name.starts_with("refs/")
        && !name.ends_with('/')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
}

/// The commit `name` has in `packed-refs`, if it has one there.
fn packed(git_dir: &Path, name: &str) -> Option<ObjectId> {
    let text = std::fs::read(git_dir.join("packed-refs")).ok()?;
    for line in text.split(|b| *b == b'\n') {
        if line.starts_with(b"#") || line.starts_with(b"^") {
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(space) = line.iter().position(|b| *b == b' ') else {
            continue;
        };
        if &line[space + 1..] == name.as_bytes() {
            return ObjectId::from_hex(&line[..space]).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// What gix reads as HEAD's commit, opening the repository as the registry is opened.
    fn by_gix(dir: &Path) -> Option<super::ObjectId> {
        super::super::Repo::open(dir)
            .unwrap()
            .head_commit()
            .unwrap()
    }

    /// Every state plain git leaves HEAD in, read by hand and by gix: the two agree
    /// wherever the hand reading answers, and it answers for the states a registry is in.
    #[test]
    fn head_read_by_hand_agrees_with_gix_on_what_plain_git_writes() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        let git_dir = dir.join(".git");
        let read = || super::head_commit_unopened(&git_dir);
        git(dir, &["init", "-q", "-b", "main"]);
        // Unborn: gix sees no commit, and the hand reading declines.
        assert_eq!(by_gix(dir), None);
        assert_eq!(read(), None);

        std::fs::write(dir.join("a"), "1").unwrap();
        git(dir, &["add", "a"]);
        git(dir, &["commit", "-qm", "one"]);
        let first = git(dir, &["rev-parse", "HEAD"]);
        // A loose branch.
        assert_eq!(read().map(|id| id.to_string()), Some(first.clone()));
        assert_eq!(read(), by_gix(dir));

        // Packed, with its loose file gone (`git pack-refs --all`), and with a tag
        // peeled beside it.
        git(dir, &["tag", "-a", "-m", "t", "v1"]);
        git(dir, &["pack-refs", "--all"]);
        assert!(!git_dir.join("refs/heads/main").exists());
        assert_eq!(read().map(|id| id.to_string()), Some(first.clone()));
        assert_eq!(read(), by_gix(dir));

        // A loose ref newer than its packed line wins, as in git.
        std::fs::write(dir.join("a"), "2").unwrap();
        git(dir, &["commit", "-qam", "two"]);
        let second = git(dir, &["rev-parse", "HEAD"]);
        assert!(git_dir.join("refs/heads/main").exists());
        assert_eq!(read().map(|id| id.to_string()), Some(second.clone()));
        assert_eq!(read(), by_gix(dir));

        // Detached.
        git(dir, &["checkout", "-q", "--detach", &first]);
        assert_eq!(read().map(|id| id.to_string()), Some(first.clone()));
        assert_eq!(read(), by_gix(dir));

        // A symbolic ref to a symbolic ref: gix reads no commit there, and neither does
        // the hand reading (the registry would not open; the full program says so).
        git(dir, &["checkout", "-q", "main"]);
        git(
            dir,
            &["symbolic-ref", "refs/heads/alias", "refs/heads/main"],
        );
        git(dir, &["symbolic-ref", "HEAD", "refs/heads/alias"]);
        assert_eq!(by_gix(dir), None);
        assert_eq!(read(), None);
        git(dir, &["symbolic-ref", "HEAD", "refs/heads/main"]);
        assert_eq!(read().map(|id| id.to_string()), Some(second));
        assert_eq!(read(), by_gix(dir));

        // A branch with no commit yet: declined, and gix sees none either.
        git(dir, &["symbolic-ref", "HEAD", "refs/heads/empty"]);
        assert_eq!(read(), None);
        assert_eq!(by_gix(dir), None);

        // What git never writes is declined, not guessed at.
        for head in [
            "ref: refs/heads/../../outside\n",
            "ref: HEAD\n",
            "not a ref\n",
        ] {
            std::fs::write(git_dir.join("HEAD"), head).unwrap();
            assert_eq!(read(), None, "{head}");
        }
    }

    /// A reftable repository keeps no loose refs: HEAD names `refs/heads/.invalid`, and
    /// the hand reading declines rather than answer from files git no longer uses.
    #[test]
    fn a_reftable_repository_is_left_to_gix() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        git(dir, &["init", "-q", "-b", "main", "--ref-format=reftable"]);
        std::fs::write(dir.join("a"), "1").unwrap();
        git(dir, &["add", "a"]);
        git(dir, &["commit", "-qm", "one"]);
        assert_eq!(super::head_commit_unopened(&dir.join(".git")), None);
    }
}
