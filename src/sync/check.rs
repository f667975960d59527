//! What a registry brought in from elsewhere must be, file by file: the one check that a
//! sync (for every file the remote changed), `init --from` and `registry add` (for every
//! file) run before anything reaches HEAD or the work tree.

use crate::git::{Repo, TreeFile};
use crate::store::entry::{Entry, MAX_ENTRY_SIZE};
use crate::store::layout::{self, Layout, RECIPIENTS_FILE, SETTINGS_FILE};
use crate::store::settings::Settings;
use crate::store::shared_files::check_gitattributes;
use crate::url::quote;
use crate::vault::credential::MAX_FILE_SIZE;
use crate::vault::recipients::Recipients;

/// The largest README.md taken from elsewhere.
pub const MAX_README_SIZE: usize = 1 << 20;

/// Check one file this registry would send: what [`incoming_file`] would refuse on a
/// teammate's machine is refused here, before the push, so that no one's sync stops on
/// it; an entry too large to read says how to remove it.
pub(crate) fn outgoing_file(repo: &Repo, layout: Layout, file: &TreeFile) -> Result<(), String> {
    let path = file.path.as_str();
    if let Some(name) = layout.entry_name(path) {
        if let Err(crate::Error::FileTooLarge { .. }) = repo.read_blob(file.id, MAX_ENTRY_SIZE) {
            return Err(format!(
                "{} is larger than the {} MiB repodex reads, so no teammate's sync would take it; `repodex forget {name}` removes it",
                quote(path),
                MAX_ENTRY_SIZE >> 20
            ));
        }
    }
    incoming_file(repo, layout, file)
        .map_err(|problem| format!("{problem}, so no teammate's sync would take it"))
}

/// Check one file of a registry tree in `layout`; `Err` says what is wrong with it, for
/// a message that names it and says where it came from.
pub(crate) fn incoming_file(repo: &Repo, layout: Layout, file: &TreeFile) -> Result<(), String> {
    let path = file.path.as_str();
    let shown = quote(path);
    if !layout.is_known_path(path) {
        return Err(format!("{shown} is not a file of a registry"));
    }
    if !file.regular {
        return Err(format!(
            "{shown} is not a regular file (a symlink or submodule)"
        ));
    }
    let max = if path == "README.md" {
        MAX_README_SIZE
    } else if layout::name_for_credential(path).is_some() || path == RECIPIENTS_FILE {
        MAX_FILE_SIZE as usize
    } else {
        MAX_ENTRY_SIZE
    };
    let bytes = repo
        .read_blob(file.id, max)
        .map_err(|e| format!("{shown}: {e}"))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| format!("{shown} is not UTF-8 text"))?;
    if let Some(name) = layout.entry_name(path) {
        let entry = Entry::parse(layout, path, &bytes).map_err(|e| e.to_string())?;
        if entry.name != name {
            return Err(format!(
                "{shown} names the entry '{}', which does not match its path",
                entry.name
            ));
        }
        entry.git_url().map_err(|e| format!("{shown}: {e}"))?;
    } else if layout::name_for_credential(path).is_some() {
        if !text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----") {
            return Err(format!("{shown} is not an ASCII-armored age file"));
        }
    } else if path == RECIPIENTS_FILE {
        Recipients::parse(text).map_err(|e| format!("{shown}: {e}"))?;
    } else if path == SETTINGS_FILE {
        Settings::parse(&bytes).map_err(|e| format!("{shown}: {e}"))?;
    } else if path == ".gitattributes" {
        check_gitattributes(text).map_err(|e| format!("{shown}: {e}"))?;
    }
    Ok(())
}
