//! Where `clone` puts working copies: this machine's clone root and the layout of the
//! folders under it (settings `clone_root` and `clone_layout` in this machine's config
//! file; docs/guide.md, "The working set").
//!
//! The default is ghq's: `{host}/{owner}/{repo}` under `~/src`, or under git's
//! `ghq.root` when the user set one, so repodex and ghq share one tree of clones.

use std::path::{Path, PathBuf};

use super::error::Refused;
use crate::url::GitUrl;
use crate::{Context, Result};

/// The layout when none is set.
pub const DEFAULT_LAYOUT: &str = "{host}/{owner}/{repo}";

/// The clone root when none is set (and git has no `ghq.root`).
pub const DEFAULT_ROOT: &str = "~/src";

/// The placeholders a layout may use.
const PLACEHOLDERS: &[&str] = &["{host}", "{owner}", "{repo}", "{name}"];

/// The clone root and the layout under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneRoot {
    pub root: PathBuf,
    pub layout: String,
}

impl CloneRoot {
    /// This machine's clone root and layout: its config file's `clone_root` and
    /// `clone_layout`, else git's `ghq.root` (the first, as ghq takes it) and the default
    /// layout, else `~/src`.
    pub fn of(ctx: &Context) -> Result<CloneRoot> {
        let file = ctx.config_dir().join("config.toml");
        let config = crate::remote::UserConfig::read(&file)?;
        let home = &ctx.dirs().home;
        let root = match &config.clone_root {
            Some(root) => expand(root, home).ok_or_else(|| Refused::BadSetting {
                key: "clone_root".into(),
                value: root.clone(),
                why: "it is neither an absolute path nor one under ~/".into(),
            })?,
            None => crate::git::global_config_value(&ctx.git_global_config(), "ghq.root")
                .and_then(|root| expand(&root, home))
                .unwrap_or_else(|| home.join("src")),
        };
        let layout = config
            .clone_layout
            .unwrap_or_else(|| DEFAULT_LAYOUT.to_string());
        check_layout(&layout).map_err(|why| Refused::BadSetting {
            key: "clone_layout".into(),
            value: layout.clone(),
            why,
        })?;
        Ok(CloneRoot { root, layout })
    }

    /// The folder for the entry `name` at `url`: the layout filled in under the root.
    /// `{host}` is the URL's host (`local` for a repository on this machine),
    /// `{owner}` every path segment before the last (GitLab's subgroups included; none
    /// for a local one), `{repo}` the last, `{name}` the registry name.
    pub fn path_for(&self, name: &str, url: &GitUrl) -> PathBuf {
        let mut segments = url.name_segments();
        let repo = segments
            .pop()
            .unwrap_or_else(|| crate::store::name::last_segment(name).to_string());
        let owner = segments.join("/");
        let host = url.host().unwrap_or("local");
        let filled = self
            .layout
            .replace("{host}", host)
            .replace("{owner}", &owner)
            .replace("{repo}", &repo)
            .replace("{name}", name);
        // A segment that is empty (no owner), `.` or `..` is dropped, so the folder is
        // always under the root.
        let mut path = self.root.clone();
        for segment in filled.split('/') {
            if !segment.is_empty() && segment != "." && segment != ".." {
                path.push(segment);
            }
        }
        path
    }
}

/// `value` as a folder: absolute, or under the home folder (`~/src`).
pub fn expand(value: &str, home: &Path) -> Option<PathBuf> {
    let value = value.trim();
    if value == "~" {
        return Some(home.to_path_buf());
    }
    if let Some(rest) = value.strip_prefix("~/") {
        return Some(home.join(rest));
    }
    let path = PathBuf::from(value);
    path.is_absolute().then_some(path)
}

/// Why `layout` cannot be a clone layout, if it cannot.
pub fn check_layout(layout: &str) -> std::result::Result<(), String> {
    if layout.starts_with('/') {
        return Err("it must be a path under the clone root, not an absolute one".into());
    }
    if layout.split('/').any(|s| s == "..") {
        return Err("'..' would leave the clone root".into());
    }
    let mut rest = layout;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .ok_or("a '{' is not closed")?;
        let placeholder = &rest[start..end];
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(format!(
                "{placeholder} is not one of {}",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[end..];
    }
    if !layout.contains("{repo}") && !layout.contains("{name}") {
        return Err("it needs {repo} or {name}, or every clone would have one folder".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(layout: &str) -> CloneRoot {
        CloneRoot {
            root: PathBuf::from("/home/me/src"),
            layout: layout.into(),
        }
    }

    fn url(text: &str) -> GitUrl {
        GitUrl::parse(text).unwrap().url
    }

    #[test]
    fn layouts_place_each_kind_of_url_under_the_root() {
        let ghq = root(DEFAULT_LAYOUT);
        let cases = [
            (
                "git@github.com:edobry/minsky.git",
                "/home/me/src/github.com/edobry/minsky",
            ),
            (
                "https://gitlab.com/group/sub/proj.git",
                "/home/me/src/gitlab.com/group/sub/proj",
            ),
            (
                "ssh://git@git.example.org:2222/team/app",
                "/home/me/src/git.example.org/team/app",
            ),
            ("file:///srv/git/scratch.git", "/home/me/src/local/scratch"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                ghq.path_for("any/name", &url(input)),
                PathBuf::from(expected),
                "{input}"
            );
        }
        assert_eq!(
            root("{name}").path_for("acme/tools", &url("https://github.com/x/y")),
            PathBuf::from("/home/me/src/acme/tools")
        );
    }

    #[test]
    fn bad_layouts_say_why() {
        for (layout, words) in [
            ("/abs/{repo}", "absolute"),
            ("../{repo}", "'..'"),
            ("{host}/{owner}", "needs {repo} or {name}"),
            ("{hots}/{repo}", "{hots} is not one of"),
            ("{host/{repo}", "is not one of"),
        ] {
            let why = check_layout(layout).unwrap_err();
            assert!(why.contains(words), "{layout}: {why}");
        }
        assert_eq!(check_layout("{host}/{owner}/{repo}"), Ok(()));
    }
}
