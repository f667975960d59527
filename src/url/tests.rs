use super::*;

fn key(url: &str) -> String {
    GitUrl::parse(url).unwrap().url.identity_key()
}

#[test]
fn spellings_of_one_repository_share_a_key() {
    let expected = "github.com/edobry/minsky";
    for spelling in [
        "https://github.com/edobry/minsky.git",
        "https://github.com/edobry/minsky",
        "https://github.com/edobry/minsky/",
        "https://GitHub.COM/edobry/minsky.git",
        "http://github.com:80/edobry/minsky",
        "git@github.com:edobry/minsky.git",
        "github.com:edobry/minsky",
        "ssh://git@github.com/edobry/minsky",
        "ssh://git@github.com:22/edobry/minsky.git/",
        "git+ssh://github.com/edobry/minsky",
        "git://github.com/edobry/minsky.git",
    ] {
        assert_eq!(key(spelling), expected, "{spelling}");
    }
    assert_ne!(key("https://gitlab.com/edobry/minsky"), expected);
    assert_ne!(key("https://github.com/edobry/minsky2"), expected);
    assert_ne!(key("https://github.com:8443/edobry/minsky"), expected);
    // Unreserved escapes are the characters themselves; others stay escapes.
    assert_eq!(key("https://github.com/edobry/m%69nsky"), expected);
    assert_eq!(key("https://host/a%2Db/c%2Fd"), "host/a-b/c%2Fd");
    // gix reads `%+1` otherwise than as written: refused, not fetched from elsewhere.
    assert!(GitUrl::parse("https://host/a%+1b").is_err());
}

/// Each kind of declared server, with the URL shapes its users clone by: the page
/// and `owner/repo` each gives; an undeclared host and one declared only
/// case-insensitive give neither.
#[test]
fn declared_servers_have_pages_and_owner_repo_of_their_kind() {
    let rules = Rules::declared(
        [
            ("ghe.corp", HostKind::GitHub),
            ("GitLab.Corp", HostKind::GitLab),
            ("gitea.corp", HostKind::Gitea),
            ("bb.corp", HostKind::BitbucketServer),
        ],
        &["old.corp".to_string()],
    );
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        (
            "https://ghe.corp/Acme/App.git",
            Some("https://ghe.corp/Acme/App"),
            Some("Acme/App"),
        ),
        (
            "git@ghe.corp:acme/app.git",
            Some("https://ghe.corp/acme/app"),
            Some("acme/app"),
        ),
        (
            "https://gitlab.corp/group/sub/proj.git",
            Some("https://gitlab.corp/group/sub/proj"),
            Some("group/sub/proj"),
        ),
        (
            "ssh://git@gitlab.corp:2222/group/proj.git",
            Some("https://gitlab.corp/group/proj"),
            Some("group/proj"),
        ),
        (
            "https://gitlab.corp:8443/group/proj.git",
            Some("https://gitlab.corp:8443/group/proj"),
            Some("group/proj"),
        ),
        (
            "http://gitea.corp:3000/owner/repo.git",
            Some("http://gitea.corp:3000/owner/repo"),
            Some("owner/repo"),
        ),
        (
            "https://gitea.corp/git/owner/repo.git",
            Some("https://gitea.corp/git/owner/repo"),
            Some("owner/repo"),
        ),
        (
            "git@gitea.corp:owner/repo.git",
            Some("https://gitea.corp/owner/repo"),
            Some("owner/repo"),
        ),
        (
            "https://bb.corp/scm/proj/repo.git",
            Some("https://bb.corp/projects/PROJ/repos/repo"),
            Some("PROJ/repo"),
        ),
        (
            "https://bb.corp/bitbucket/scm/proj/repo.git",
            Some("https://bb.corp/bitbucket/projects/PROJ/repos/repo"),
            Some("PROJ/repo"),
        ),
        (
            "ssh://git@bb.corp:7999/proj/repo.git",
            Some("https://bb.corp/projects/PROJ/repos/repo"),
            Some("PROJ/repo"),
        ),
        (
            "https://bb.corp/scm/~alice/notes.git",
            Some("https://bb.corp/users/alice/repos/notes"),
            Some("~alice/notes"),
        ),
        ("https://bb.corp/scm/proj/a/b.git", None, None),
        ("https://old.corp/team/app.git", None, None),
        ("https://other.corp/team/app.git", None, None),
        (
            "git@github.com:edobry/minsky.git",
            Some("https://github.com/edobry/minsky"),
            Some("edobry/minsky"),
        ),
    ];
    for (url, web, forge) in cases {
        let parsed = GitUrl::parse(url).unwrap().url;
        assert_eq!(parsed.web_url_in(&rules).as_deref(), *web, "{url}");
        assert_eq!(parsed.forge_path_in(&rules).as_deref(), *forge, "{url}");
    }
    // Every declared host folds case, as the public forges do.
    for (a, b) in [
        ("https://ghe.corp/Acme/App", "git@ghe.corp:acme/app.git"),
        (
            "https://bb.corp/scm/PROJ/Repo.git",
            "https://bb.corp/scm/proj/repo",
        ),
        ("https://old.corp/Team/App", "https://old.corp/team/app"),
    ] {
        let key = |u: &str| GitUrl::parse(u).unwrap().url.identity_key_in(&rules);
        assert_eq!(key(a), key(b), "{a} and {b}");
    }
    let key = |u: &str| GitUrl::parse(u).unwrap().url.identity_key_in(&rules);
    assert_ne!(
        key("https://other.corp/Team/App"),
        key("https://other.corp/team/app")
    );
}

#[test]
fn secrets_are_split_and_never_shown() {
    let parsed = GitUrl::parse("https://me:hunter2@example.com/o/r.git").unwrap();
    assert_eq!(parsed.url.to_string(), "https://example.com/o/r.git");
    let secret = parsed.secret.unwrap();
    assert_eq!(secret.secret, "hunter2");
    assert!(!format!("{secret:?}").contains("hunter2"));
    assert_eq!(
        redact("https://alice:s3cr3t@host/o/r x"),
        "https://alice:***@host/o/r x"
    );
    assert_eq!(
        redact("ext::https://ghp_abcdefABCDEF0123456789@host/o"),
        "ext::https://***@host/o"
    );
    assert_eq!(redact("alice:pw@srv:proj.git"), "alice:***@srv:proj.git");
    assert_eq!(redact("git@github.com:o/r.git"), "git@github.com:o/r.git");
    assert_eq!(redact("https://host/o@r"), "https://host/o@r");
    let token =
        GitUrl::parse("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r").unwrap();
    assert!(token.secret.is_some());
    assert_eq!(token.url.to_string(), "https://github.com/o/r");
    assert!(GitUrl::parse("https://alice@example.com/o/r")
        .unwrap()
        .secret
        .is_none());
}

#[test]
fn command_running_forms_are_refused() {
    for bad in [
        "ext::sh -c touch% /tmp/pwned",
        "ext::sh",
        "fd::17",
        "foo::bar",
        "-uhttps://x/y",
        "--upload-pack=touch /tmp/x",
        "ssh://-oProxyCommand=x/y",
        "ssh://host/-x",
        "-host:path",
        "https://host/a b",
        "https://host/a\tb",
        "https://host/a\u{7}b",
        "ftp://host/x",
        "https://host",
        "relative/path",
    ] {
        assert!(GitUrl::parse(bad).is_err(), "{bad} should be refused");
    }
}

#[test]
fn local_paths_and_names() {
    let p = GitUrl::parse("/srv/git/Tool.git").unwrap().url;
    assert!(p.is_local());
    assert_eq!(p.identity_key(), "file:///srv/git/Tool.git");
    assert_eq!(p.name_segments(), vec!["Tool".to_string()]);
    let f = GitUrl::parse("file:///srv/git/tool/.git").unwrap().url;
    assert_eq!(f.name_segments(), vec!["tool".to_string()]);
    let gl = GitUrl::parse("https://gitlab.com/group/sub/repo.git")
        .unwrap()
        .url;
    assert_eq!(gl.name_segments(), vec!["group", "sub", "repo"]);
}
