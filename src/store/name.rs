//! Names, aliases and tags: what they may look like, and how a name is made from a URL.
//!
//! A name is also a path in the registry (`credentials/<name>.age`, and in format 1
//! `repos/<name>.toml`), so its rules are the rules of a safe relative path: lowercase
//! letters, digits, `.`, `_` and `-`, segments joined by `/`, no empty, `.`, `..` or
//! `.git` segment, no segment that starts with `-`, and bounded length. It never holds
//! `+`, which format 2 writes for `/` in entry file names. Aliases follow the same
//! rules; tags are one segment.

use crate::url::{quote, GitUrl};

/// Longest name or alias, in bytes.
pub const MAX_NAME_LEN: usize = 200;
/// Longest segment of a name, in bytes.
pub const MAX_SEGMENT_LEN: usize = 100;
/// Deepest nesting of a name (`a/b/c/...`).
pub const MAX_DEPTH: usize = 8;
/// Longest tag, in bytes.
pub const MAX_TAG_LEN: usize = 64;

/// Why a name, alias or tag was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {shown} {problem}")]
pub struct NameError {
    what: &'static str,
    shown: String,
    problem: String,
}

fn segment_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_' || c == '-'
}

fn check(
    what: &'static str,
    input: &str,
    allow_slash: bool,
    max_len: usize,
) -> Result<(), NameError> {
    let fail = |problem: String| NameError {
        what,
        shown: quote(input),
        problem,
    };
    if input.is_empty() {
        return Err(fail("is empty; give at least one letter or digit".into()));
    }
    if input.len() > max_len {
        return Err(fail(format!(
            "is longer than {max_len} characters; choose a shorter one"
        )));
    }
    if input.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(fail(
            "contains a space or a control character; use '-' or '_' instead".into(),
        ));
    }
    if input.contains('\\') {
        return Err(fail("contains '\\'; separate segments with '/'".into()));
    }
    if input.chars().any(|c| c.is_ascii_uppercase())
        && input
            .chars()
            .all(|c| segment_char(c.to_ascii_lowercase()) || c == '/')
    {
        return Err(fail(format!(
            "contains capital letters; {what}s are lowercase: use {}",
            quote(&input.to_ascii_lowercase())
        )));
    }
    if !allow_slash && input.contains('/') {
        return Err(fail("contains '/'; a tag is a single word".into()));
    }
    let segments: Vec<&str> = input.split('/').collect();
    if segments.len() > MAX_DEPTH {
        return Err(fail(format!(
            "has more than {MAX_DEPTH} '/'-separated segments"
        )));
    }
    for segment in segments {
        if segment.is_empty() {
            return Err(fail(
                "has an empty segment (a leading, trailing or doubled '/')".into(),
            ));
        }
        if segment == "." || segment == ".." {
            return Err(fail(format!(
                "has a '{segment}' segment, which would leave its folder"
            )));
        }
        if segment.eq_ignore_ascii_case(".git") {
            return Err(fail(
                "has a '.git' segment, which git does not allow in a tree".into(),
            ));
        }
        if segment.starts_with('-') {
            return Err(fail(
                "has a segment that starts with '-'; start it with a letter or digit".into(),
            ));
        }
        if segment.len() > MAX_SEGMENT_LEN {
            return Err(fail(format!(
                "has a segment longer than {MAX_SEGMENT_LEN} characters"
            )));
        }
        if let Some(bad) = segment.chars().find(|c| !segment_char(*c)) {
            return Err(fail(format!(
                "contains {}; use lowercase letters, digits, '.', '_', '-' and '/'",
                quote(&bad.to_string())
            )));
        }
    }
    Ok(())
}

/// Check that `name` is a valid entry name.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    check("name", name, true, MAX_NAME_LEN)
}

/// Check that `alias` is a valid alias (the same rules as names).
pub fn validate_alias(alias: &str) -> Result<(), NameError> {
    check("alias", alias, true, MAX_NAME_LEN)
}

/// Check that `tag` is a valid tag: one segment of name characters.
pub fn validate_tag(tag: &str) -> Result<(), NameError> {
    check("tag", tag, false, MAX_TAG_LEN)
}

/// Make a valid name segment from arbitrary text: lowercase, other characters become `-`.
fn sanitize_segment(segment: &str) -> Option<String> {
    let mut out = String::new();
    for c in segment.chars().flat_map(char::to_lowercase) {
        if segment_char(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').trim_start_matches('.').to_string();
    let out: String = out.chars().take(MAX_SEGMENT_LEN).collect();
    (!out.is_empty() && out != ".git" && out != "." && out != "..").then_some(out)
}

/// The names to try for a URL, best first: `owner/repo` from the path (the folder name
/// for a local repository), then the same with the host in front (`local` for local
/// repositories), then that with `-2`, `-3`, ... appended. The caller takes the first
/// one that is free; see docs/references.md.
pub fn candidate_names(url: &GitUrl) -> impl Iterator<Item = String> {
    let segments: Vec<String> = url
        .name_segments()
        .iter()
        .filter_map(|s| sanitize_segment(s))
        .rev()
        .take(MAX_DEPTH - 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let base = if segments.is_empty() {
        "repo".to_string()
    } else {
        segments.join("/")
    };
    let prefix = match url.host() {
        Some(host) => sanitize_segment(host).unwrap_or_else(|| "host".into()),
        None => "local".into(),
    };
    let qualified = format!("{prefix}/{base}");
    let first = [base, qualified.clone()];
    first
        .into_iter()
        .chain((2..).map(move |n| format!("{qualified}-{n}")))
        .filter(|n| validate_name(n).is_ok())
}

/// The last segment of a name (`minsky` for `edobry/minsky`), used by the fifth
/// reference rule.
pub fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_names() {
        for good in [
            "minsky",
            "edobry/minsky",
            "a.b_c-d",
            "org/.github",
            "x1/y2/z3",
        ] {
            validate_name(good).unwrap();
        }
        for bad in [
            "",
            "a b",
            "a/../b",
            "..",
            "a//b",
            "/a",
            "a/",
            "a\\b",
            "A",
            "Edobry/minsky",
            "a/.git",
            "-x",
            "a/-b",
            "a\u{1}",
            "é",
            &"x".repeat(201),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_tag("a/b").is_err());
    }

    #[test]
    fn names_from_urls() {
        let url = GitUrl::parse("https://GitHub.com/Edobry/Minsky.git")
            .unwrap()
            .url;
        let names: Vec<String> = candidate_names(&url).take(3).collect();
        assert_eq!(
            names,
            [
                "edobry/minsky",
                "github.com/edobry/minsky",
                "github.com/edobry/minsky-2"
            ]
        );
        let local = GitUrl::parse("/home/me/src/My+Tool").unwrap().url;
        assert_eq!(candidate_names(&local).next().unwrap(), "my-tool");
    }
}
