//! What a user pastes: the spellings of a repository found in package metadata and
//! browsers, turned into the URL git fetches, each change said in a notice.
//!
//! [`GitUrl::parse`] is strict: it is what entry files are read with and what git
//! gets. [`interpret`] comes before it wherever a person or another tool gives
//! repodex a repository (register, set --url, references, import): it reads npm's
//! `github:owner/repo` and `git+https://`, drops a `#fragment` and a `?query`, folds
//! `www.` on the forges, and cuts a forge's page in a browser (`/tree/main/src`,
//! GitLab's `/-/blob/...`) to the repository.

use super::forge::Forge;
use super::parse::{scheme_of, scp_parts};
use super::{quote, GitUrl, ParsedUrl, Scheme, UrlError};

/// `repodex:<name>` (and `repodex::<name>`, `repodex://<name>`, the forms git passes
/// to the remote helper): a reference to an entry, to resolve, never to register.
pub fn entry_reference(input: &str) -> Option<&str> {
    let rest = input.trim().strip_prefix("repodex:")?;
    let name = rest.trim_start_matches(':').trim_start_matches("//");
    (!name.is_empty()).then_some(name)
}

/// Read `input` as a user means it (see the module's text), then parse it strictly.
pub fn interpret(input: &str) -> Result<ParsedUrl, UrlError> {
    let mut notices = Vec::new();
    let mut text = input.trim().to_string();

    // npm's shorthands: `github:owner/repo`, never an ssh host called `github`.
    if let Some((prefix, rest)) = text.split_once(':') {
        if let Some(forge) = Forge::of_shorthand(&prefix.to_ascii_lowercase()) {
            if !rest.starts_with("//") && !rest.is_empty() {
                let url = format!("https://{}/{}", forge.host(), rest.trim_start_matches('/'));
                notices.push(format!(
                    "read {} as {} ({prefix}: is npm's shorthand for {})",
                    quote(&text),
                    quote(&url),
                    forge.host()
                ));
                text = url;
            }
        }
    }

    // `git+https://` (npm, pip): git itself knows the URL without the prefix.
    if let Some((scheme, _)) = scheme_of(&text) {
        let lower = scheme.to_ascii_lowercase();
        if let Some(inner) = lower.strip_prefix("git+") {
            if matches!(inner, "https" | "http" | "ssh" | "git" | "file") {
                notices.push(format!(
                    "dropped 'git+' from {}: git fetches {inner}:// URLs as they are",
                    quote(&text)
                ));
                text = text[4..].to_string();
            }
        }
    }

    // A fragment or a query belongs to a web page, not to the repository.
    let remote = scheme_of(&text).is_some_and(|(s, _)| !s.eq_ignore_ascii_case("file"))
        || (!text.starts_with('/') && scp_parts(&text).is_some());
    if remote {
        if let Some(i) = text.find('#') {
            let fragment: String = text[i..].chars().take(40).collect();
            notices.push(format!(
                "dropped {} (a place in a web page, not part of the repository)",
                quote(&fragment)
            ));
            text.truncate(i);
        }
        let web = scheme_of(&text).is_some_and(|(s, _)| {
            s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http")
        });
        if web {
            if let Some(i) = text.find('?') {
                // The keys only: a query can carry a token.
                let keys: Vec<&str> = text[i + 1..]
                    .split('&')
                    .map(|kv| kv.split('=').next().unwrap_or(""))
                    .collect();
                notices.push(format!(
                    "dropped the query ?{}=… (it belongs to a web page)",
                    keys.join("=…&")
                ));
                text.truncate(i);
            }
        }
    }

    let mut parsed = GitUrl::parse(&text)?;
    cut_to_repository(&mut parsed.url, &mut notices);
    let url = &parsed.url;
    if let Some(forge) = url.host.as_deref().and_then(Forge::at) {
        if url.path_segments().len() < 2 {
            return Err(UrlError::OwnerOnly {
                shown: quote(&url.to_string()),
                host: forge.host(),
            });
        }
    }
    parsed.notices = notices;
    Ok(parsed)
}

/// On a forge: `www.` folded, and a browser page's path cut to the repository.
fn cut_to_repository(url: &mut GitUrl, notices: &mut Vec<String>) {
    let Some(host) = url.host.clone() else {
        return;
    };
    let Some(forge) = Forge::at(&host) else {
        return;
    };
    if let Some(bare) = host.strip_prefix("www.") {
        notices.push(format!("read the host {host} as {bare}"));
        url.host = Some(bare.to_string());
    }
    // Only a web address is a page in a browser; over ssh or git:// a longer path is
    // a mistake to show, not to guess at.
    if !matches!(url.scheme, Scheme::Https | Scheme::Http) {
        return;
    }
    let path = url.path.clone();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let Some((keep, dropped)) = forge.split_browser_path(&segments) {
        let repo = segments[..keep].join("/");
        url.path = format!("/{repo}");
        notices.push(format!(
            "dropped '/{dropped}' (a page of the repository in a browser); the repository is {url}"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str) -> (String, usize) {
        let i = interpret(input).unwrap();
        (i.url.to_string(), i.notices.len())
    }

    #[test]
    fn what_people_paste_becomes_the_repository() {
        for (input, url, notices) in [
            ("https://github.com/o/r#readme", "https://github.com/o/r", 1),
            (
                "https://github.com/o/r/tree/main/sub",
                "https://github.com/o/r",
                1,
            ),
            (
                "https://github.com/o/r/blob/main/README.md",
                "https://github.com/o/r",
                1,
            ),
            (
                "git+https://github.com/o/r.git",
                "https://github.com/o/r.git",
                1,
            ),
            (
                "git+ssh://git@github.com/o/r.git#v1.2",
                "ssh://git@github.com/o/r.git",
                2,
            ),
            ("github:o/r", "https://github.com/o/r", 1),
            ("gitlab:g/sub/r", "https://gitlab.com/g/sub/r", 1),
            ("https://www.github.com/o/r", "https://github.com/o/r", 1),
            (
                "https://gitlab.com/g/sub/r/-/tree/main",
                "https://gitlab.com/g/sub/r",
                1,
            ),
            (
                "https://gitlab.com/g/sub/r",
                "https://gitlab.com/g/sub/r",
                0,
            ),
            (
                "https://codeberg.org/o/r/src/branch/main",
                "https://codeberg.org/o/r",
                1,
            ),
            (
                "https://bitbucket.org/o/r/src/main/",
                "https://bitbucket.org/o/r",
                1,
            ),
            ("https://git.sr.ht/~o/r/tree", "https://git.sr.ht/~o/r", 1),
            (
                "https://pypi.org/project/x?tab=readme",
                "https://pypi.org/project/x",
                1,
            ),
            (
                "git@github.com:o/r/tree/main",
                "git@github.com:o/r/tree/main",
                0,
            ),
            ("  https://github.com/o/r  ", "https://github.com/o/r", 0),
            (
                "https://example.com/a/b/c/d",
                "https://example.com/a/b/c/d",
                0,
            ),
            ("/srv/git/a#b", "/srv/git/a#b", 0),
        ] {
            assert_eq!(read(input), (url.to_string(), notices), "{input}");
        }
    }

    #[test]
    fn a_query_is_shown_by_its_keys_only() {
        let i = interpret("https://gitlab.example.com/o/r?private_token=glpat-SECRET").unwrap();
        assert!(!i.notices.join(" ").contains("SECRET"), "{:?}", i.notices);
        assert_eq!(i.url.to_string(), "https://gitlab.example.com/o/r");
    }

    #[test]
    fn repodex_names_are_references() {
        assert_eq!(entry_reference("repodex:mk"), Some("mk"));
        assert_eq!(entry_reference("repodex::team/tool"), Some("team/tool"));
        assert_eq!(entry_reference("repodex://mk"), Some("mk"));
        assert_eq!(entry_reference("repodex:"), None);
        assert_eq!(entry_reference("https://github.com/o/r"), None);
    }
}
