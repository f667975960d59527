//! The object store on disk: how many packs and loose objects it has, whether it has
//! grown past the point where git would pack it, and whether a git process is at work
//! in the repository (holding one of git's lock files).
//!
//! gix never packs or repacks; every fetch it makes writes a pack. The thresholds are
//! git's own defaults for `git gc --auto` (`gc.autoPackLimit`, `gc.auto`), and loose
//! objects are estimated as git estimates them, from one of the 256 fan-out folders, so
//! that repodex asks git to pack exactly when git itself would agree that it is time.

use std::path::Path;

/// More packs than this, and the store is packed into one (git's `gc.autoPackLimit`).
pub const PACK_LIMIT: usize = 50;

/// About this many loose objects, and they are packed (git's `gc.auto`).
pub const LOOSE_LIMIT: usize = 6700;

/// What the object store holds, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StoreState {
    /// Pack files (each with its index).
    pub packs: usize,
    /// Objects stored one file each.
    pub loose_objects: usize,
    /// The size of every pack and loose object, in bytes.
    pub bytes: u64,
}

impl StoreState {
    /// Count the object store of the repository whose git folder is `git_dir`: every
    /// pack and every loose object (a full walk of the fan-out folders, for `doctor`).
    pub fn of(git_dir: &Path) -> StoreState {
        let objects = git_dir.join("objects");
        let mut state = StoreState::default();
        for pack in packs(&objects) {
            state.packs += 1;
            state.bytes += std::fs::metadata(&pack).map_or(0, |m| m.len());
        }
        for folder in fan_out(&objects) {
            for object in std::fs::read_dir(folder).into_iter().flatten().flatten() {
                state.loose_objects += 1;
                state.bytes += object.metadata().map_or(0, |m| m.len());
            }
        }
        state
    }
}

/// Has the object store of `git_dir` grown past git's thresholds? Cheap enough for
/// every change: two folder listings. Packs that a `.keep` file guards are not
/// counted (git leaves them alone), and loose objects are estimated from the folder
/// `17`, as `git gc --auto` does.
pub fn needs_packing(git_dir: &Path) -> bool {
    let objects = git_dir.join("objects");
    let unkept = packs(&objects)
        .filter(|pack| !pack.with_extension("keep").exists())
        .count();
    if unkept > PACK_LIMIT {
        return true;
    }
    let sample = std::fs::read_dir(objects.join("17"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| is_hex(&e.file_name().to_string_lossy(), 38))
        .count();
    sample > LOOSE_LIMIT.div_ceil(256)
}

/// A lock file of git's in the repository whose git folder is `git_dir`: the index,
/// HEAD, `packed-refs`, the config, or a reference. `Some` means a git process is
/// changing the repository (or one died and left it): not the moment to pack.
pub fn git_lock_held(git_dir: &Path) -> Option<std::path::PathBuf> {
    let is_lock =
        |entry: &std::fs::DirEntry| entry.file_name().to_string_lossy().ends_with(".lock");
    let top = std::fs::read_dir(git_dir).into_iter().flatten().flatten();
    if let Some(lock) = top
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .find(is_lock)
    {
        return Some(lock.path());
    }
    walkdir::WalkDir::new(git_dir.join("refs"))
        .into_iter()
        .flatten()
        .find(|e| e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(".lock"))
        .map(|e| e.into_path())
}

fn packs(objects: &Path) -> impl Iterator<Item = std::path::PathBuf> {
    std::fs::read_dir(objects.join("pack"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pack"))
}

fn fan_out(objects: &Path) -> impl Iterator<Item = std::path::PathBuf> {
    std::fs::read_dir(objects)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| is_hex(&e.file_name().to_string_lossy(), 2))
        .map(|e| e.path())
}

fn is_hex(name: &str, len: usize) -> bool {
    name.len() == len && name.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_is_packed_at_git_s_own_thresholds() {
        let dir = tempfile::tempdir().unwrap();
        let objects = dir.path().join("objects");
        std::fs::create_dir_all(objects.join("pack")).unwrap();
        std::fs::create_dir_all(objects.join("17")).unwrap();
        for i in 0..PACK_LIMIT {
            std::fs::write(objects.join(format!("pack/pack-{i}.pack")), b"").unwrap();
        }
        assert!(!needs_packing(dir.path()));
        // A kept pack is not git's to repack, and is not counted.
        std::fs::write(objects.join("pack/pack-kept.pack"), b"").unwrap();
        std::fs::write(objects.join("pack/pack-kept.keep"), b"").unwrap();
        assert!(!needs_packing(dir.path()));
        std::fs::write(objects.join("pack/pack-last.pack"), b"").unwrap();
        assert!(needs_packing(dir.path()));
        assert_eq!(StoreState::of(dir.path()).packs, PACK_LIMIT + 2);

        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("objects/17");
        std::fs::create_dir_all(&folder).unwrap();
        // git packs when the folder holds more than a 256th of the limit (rounded up).
        for i in 0..=LOOSE_LIMIT.div_ceil(256) {
            assert!(!needs_packing(dir.path()));
            std::fs::write(folder.join(format!("{i:038x}")), b"x").unwrap();
        }
        assert!(needs_packing(dir.path()));
        let state = StoreState::of(dir.path());
        assert_eq!(state.loose_objects, LOOSE_LIMIT.div_ceil(256) + 1);
        assert_eq!(state.bytes, state.loose_objects as u64);
    }

    #[test]
    fn a_lock_file_of_git_s_is_found_wherever_git_puts_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("refs/heads")).unwrap();
        std::fs::create_dir_all(dir.path().join("repodex")).unwrap();
        std::fs::write(dir.path().join("repodex/lock"), b"").unwrap();
        assert_eq!(git_lock_held(dir.path()), None);
        std::fs::write(dir.path().join("refs/heads/main.lock"), b"").unwrap();
        assert!(git_lock_held(dir.path()).is_some());
        std::fs::remove_file(dir.path().join("refs/heads/main.lock")).unwrap();
        std::fs::write(dir.path().join("index.lock"), b"").unwrap();
        assert!(git_lock_held(dir.path()).is_some());
    }
}
