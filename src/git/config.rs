//! Reading git's configuration files, for the values repodex takes from the user's git
//! setup (`ghq.root`).

use std::path::Path;

/// The value of `key` (`section.name`) in the git config file at `file`, as git reads
/// it (the last one wins; includes are not followed); `None` when the file or the key
/// is missing or the file does not parse.
pub fn global_config_value(file: &Path, key: &str) -> Option<String> {
    let config =
        gix::config::File::from_path_no_includes(file.to_path_buf(), gix::config::Source::User)
            .ok()?;
    let value = config.string(key)?;
    let value = value.to_string();
    (!value.trim().is_empty()).then_some(value)
}
