//! The properties the fuzz targets in `fuzz/` check, one function per target, kept in
//! the library so that every input a fuzzer ever found is replayed by
//! `tests/cli/fuzz_regressions.rs` against the same checks. Each function panics when a
//! property is broken; for any input at all it must otherwise return.

use std::sync::OnceLock;

use crate::store::entry::Entry;
use crate::store::layout::Layout;
use crate::url::GitUrl;
use crate::vault::credential_protocol as protocol;
use crate::vault::recipients::Recipients;

/// The URL parser: never panics; a URL it accepts prints as a clean URL that parses
/// again to the same repository, and the printed form never holds the split-off secret.
pub fn url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = GitUrl::parse(text) else {
        return;
    };
    let shown = parsed.url.to_string();
    let again = GitUrl::parse(&shown)
        .unwrap_or_else(|e| panic!("{shown:?}, printed from {text:?}, does not parse: {e}"));
    assert!(again.secret.is_none(), "{shown:?} still holds a secret");
    assert_eq!(
        again.url.identity_key(),
        parsed.url.identity_key(),
        "{text:?}"
    );
    // The printed URL carries no password, and the split-off secret is not its user.
    // (Elsewhere, as a host or in a path, the same text may occur by chance.)
    let scheme = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    };
    let authority = match shown.split_once("://") {
        Some((prefix, rest)) if scheme(prefix) => rest.split('/').next().unwrap_or_default(),
        // `user@host:path`, or a local path.
        _ => shown.split(':').next().unwrap_or_default(),
    };
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        assert!(
            !userinfo.contains(':'),
            "{text:?} printed a password: {shown:?}"
        );
        // (Unless the user name and the secret are the same text: `a:a@host`.)
        if let Some(secret) = parsed
            .secret
            .as_ref()
            .filter(|s| s.username.as_deref() != Some(s.secret.as_str()))
        {
            assert_ne!(userinfo, secret.secret, "{text:?} printed its secret");
        }
    }
    // What repodex stores, gix fetches: its parser sees the same host and port (and
    // path, which `GitUrl::parse` checks with percent-escapes decoded as gix does).
    let url = &parsed.url;
    if !url.is_local() {
        let seen = gix::url::parse(gix::bstr::BStr::new(shown.as_bytes()))
            .unwrap_or_else(|e| panic!("gix refuses {shown:?}, printed from {text:?}: {e}"));
        assert_eq!(seen.host(), url.host(), "{text:?}: the host");
        assert_eq!(
            seen.port_or_default(),
            url.port().or(url.scheme().default_port()),
            "{text:?}: the port"
        );
    }
    // A pasted spelling never panics, and what it becomes parses strictly to itself.
    if let Ok(read) = crate::url::interpret(text) {
        let shown = read.url.to_string();
        let again = GitUrl::parse(&shown)
            .unwrap_or_else(|e| panic!("{shown:?}, read from {text:?}, does not parse: {e}"));
        assert_eq!(
            again.url.identity_key(),
            read.url.identity_key(),
            "{text:?}"
        );
    }
}

/// Entry files: never a panic; an entry that parses writes back to text that parses to
/// the same entry.
pub fn entry(data: &[u8]) {
    let path = "repos/fuzz/entry.toml";
    let Ok(entry) = Entry::parse(Layout::Flat, path, data) else {
        return;
    };
    let text = entry.to_toml();
    let again = Entry::parse(Layout::Flat, path, text.as_bytes())
        .unwrap_or_else(|e| panic!("an entry's own TOML does not parse: {e}\n{text}"));
    assert_eq!(again, entry);
}

/// `.age-recipients`: never a panic; accepted keys are plain age or ssh keys (never a
/// plugin), and the file's text parses again to the same keys.
pub fn recipients(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = Recipients::parse(text) else {
        return;
    };
    for key in parsed.keys() {
        assert!(
            (key.starts_with("age1") && !key[4..].contains('1'))
                || key.starts_with("ssh-ed25519 ")
                || key.starts_with("ssh-rsa "),
            "accepted {key:?}"
        );
    }
    let again = Recipients::parse(parsed.text()).expect("a parsed file parses again");
    assert_eq!(again.keys(), parsed.keys());
}

/// git's credential-helper protocol: a request never panics and, when accepted, has a
/// protocol and host without line breaks or NUL; an answer is exactly two lines or an
/// error, so that a stored value can never inject a line into git's protocol.
pub fn credential_protocol(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(request) = protocol::parse(text) {
        for value in [&request.protocol, &request.host] {
            assert!(
                !value.is_empty() && !value.contains(['\n', '\0']),
                "{request:?}"
            );
        }
    }
    let middle = (0..=text.len() / 2)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let (username, password) = text.split_at(middle);
    if let Ok(answer) = protocol::answer(username, password) {
        assert_eq!(answer.lines().count(), 2, "{answer:?}");
        assert!(answer.starts_with("username=") && answer.contains("\npassword="));
    }
}

static REGISTRY_DIR: OnceLock<std::path::PathBuf> = OnceLock::new();

/// Make [`resolve`]'s registry in `dir` (a folder the caller removes), instead of in the
/// temporary folder; call it before the first [`resolve`]. The tests use it so that a
/// run leaves nothing behind; the fuzz targets, which run for hours, do not.
pub fn use_registry_dir(dir: &std::path::Path) {
    let _ = REGISTRY_DIR.set(dir.join("registry"));
}

/// A registry of a few entries, made once per process, for [`resolve`].
fn fuzz_registry() -> &'static std::path::Path {
    static MADE: OnceLock<std::path::PathBuf> = OnceLock::new();
    MADE.get_or_init(|| {
        let dir = REGISTRY_DIR
            .get_or_init(|| {
                std::env::temp_dir().join(format!("repodex-fuzz-{}", std::process::id()))
            })
            .clone();
        let _ = std::fs::remove_dir_all(&dir);
        let mut registry =
            crate::Registry::open_or_create(&dir, &Default::default()).expect("a registry");
        let mut tx = registry.transaction(|| {}).expect("a transaction");
        for (url, alias) in [
            ("https://github.com/edobry/minsky.git", "mk"),
            ("git@gitlab.com:team/tasks.git", "t"),
            ("https://example.com/other/tasks", "ot"),
            ("ssh://git@host:2222/a/b.git", "ab"),
        ] {
            let url = GitUrl::parse(url).expect("a valid URL").url;
            let new = crate::NewEntry {
                aliases: vec![alias.into()],
                ..Default::default()
            };
            tx.register(&url, new).expect("registers");
        }
        tx.commit("fuzz registry").expect("commits");
        dir
    })
}

/// Reference resolution: never a panic; what resolves names an entry that exists.
pub fn resolve(data: &[u8]) {
    let Ok(reference) = std::str::from_utf8(data) else {
        return;
    };
    thread_local! {
        static REGISTRY: crate::Registry =
            crate::Registry::open(fuzz_registry()).expect("the fuzz registry opens");
    }
    REGISTRY.with(|registry| {
        if let Ok(found) = registry.resolve(reference) {
            assert!(
                registry.record(&found.name).is_some(),
                "{reference:?} -> {found:?}"
            );
        }
    });
}
