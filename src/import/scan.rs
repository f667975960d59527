//! `repodex import scan`: find the git repositories under folders.
//!
//! Walks each folder (without following symlinks) for working copies (a `.git` folder
//! or file) and bare repositories, nested ones included, skipping `.git` internals and
//! the folders that hold dependencies and build output. For each repository it reads
//! the fetch URLs of its remotes, `origin` first. It reads nothing else and writes
//! nothing; the caller registers what it found.

use std::path::{Path, PathBuf};

/// Folders never descended into: dependency and build trees, caches.
const SKIPPED: &[&str] = &[
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".cache",
    ".gradle",
    ".terraform",
    "vendor",
    "bower_components",
];

/// A repository found by a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A repository that opens, with its remotes' fetch URLs, `origin` first.
    Repository {
        path: PathBuf,
        bare: bool,
        remote_urls: Vec<String>,
    },
    /// Something that looks like a repository but does not open.
    Broken { path: PathBuf, reason: String },
}

impl Found {
    pub fn path(&self) -> &Path {
        match self {
            Found::Repository { path, .. } | Found::Broken { path, .. } => path,
        }
    }
}

fn looks_bare(dir: &Path) -> bool {
    dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir()
}

/// Scan `folders` to `max_depth` levels; `on_found` is called as each repository is
/// found (for progress). Results are sorted by path.
///
/// The walk is one thread (it is mostly `stat`s of folders); reading the repositories
/// it found (opening each, its remotes) runs on every core.
pub fn scan(folders: &[PathBuf], max_depth: usize, on_found: &mut dyn FnMut(&Path)) -> Vec<Found> {
    let mut candidates = Vec::new();
    for folder in folders {
        // Canonical once: below it, the walk follows no symlinks, so every path it
        // yields is canonical too.
        let folder = folder.canonicalize().unwrap_or_else(|_| folder.clone());
        let mut walk = walkdir::WalkDir::new(&folder)
            .follow_links(false)
            .max_depth(max_depth)
            .into_iter();
        while let Some(item) = walk.next() {
            let Ok(item) = item else { continue };
            if !item.file_type().is_dir() {
                continue;
            }
            let dir = item.path();
            let name = item.file_name().to_string_lossy();
            if item.depth() > 0 && (name == ".git" || SKIPPED.contains(&name.as_ref())) {
                walk.skip_current_dir();
                continue;
            }
            let working_copy = dir.join(".git").exists();
            let bare = !working_copy && looks_bare(dir);
            if !working_copy && !bare {
                continue;
            }
            on_found(dir);
            candidates.push(dir.to_path_buf());
            if bare {
                // A bare repository holds no working copies.
                walk.skip_current_dir();
            }
        }
    }
    let mut found = inspect_all(&candidates);
    found.sort_by(|a, b| a.path().cmp(b.path()));
    found.dedup_by(|a, b| a.path() == b.path());
    found
}

/// [`inspect`] each of `dirs`, spread over this machine's cores.
fn inspect_all(dirs: &[PathBuf]) -> Vec<Found> {
    crate::parallel::map(dirs, 16, || (), |(), dir| inspect(dir))
}

fn inspect(dir: &Path) -> Found {
    match crate::git::repository_at(dir) {
        Ok(repository) => Found::Repository {
            path: repository.root,
            bare: repository.bare,
            remote_urls: repository.remote_urls,
        },
        Err(reason) => Found::Broken {
            path: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
            reason: format!("not a readable git repository: {reason}"),
        },
    }
}

/// This machine's record of where each repository's working copies are, keyed by URL
/// identity, in the registry's `.git/repodex/clones.json` (never pushed).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct LocalClones {
    clones: std::collections::BTreeMap<String, std::collections::BTreeSet<PathBuf>>,
}

impl LocalClones {
    const FILE: &'static str = "clones.json";

    pub fn load(private_dir: &Path) -> LocalClones {
        std::fs::read(private_dir.join(Self::FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Which version of the record is on disk, without reading it: its size, time and
    /// file number (a save replaces the file), or `none`.
    pub fn stamp(private_dir: &Path) -> String {
        let Ok(meta) = std::fs::metadata(private_dir.join(Self::FILE)) else {
            return "none".into();
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        #[cfg(unix)]
        let file = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let file = 0;
        format!("{}-{modified}-{file}", meta.len())
    }

    pub fn save(&self, private_dir: &Path) -> crate::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).expect("serializes");
        crate::git::write_atomically(&private_dir.join(Self::FILE), &bytes)
    }

    /// Remember a clone; returns whether it was new.
    pub fn add(&mut self, url: &crate::url::GitUrl, path: &Path) -> bool {
        self.clones
            .entry(url.identity_key())
            .or_default()
            .insert(path.to_path_buf())
    }

    /// The known clones of a repository that still exist.
    pub fn of(&self, url: &crate::url::GitUrl) -> Vec<PathBuf> {
        self.clones
            .get(&url.identity_key())
            .map(|paths| paths.iter().filter(|p| p.exists()).cloned().collect())
            .unwrap_or_default()
    }
}
