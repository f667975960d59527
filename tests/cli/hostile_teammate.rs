//! The vault against a teammate turned attacker: Mallory has her own HOME and identity
//! and can push to the shared remote, and runs servers on 127.0.0.1 that redirect, ask
//! for Basic auth and count every `Authorization` header they receive. Each test passes
//! when Mallory's key decrypts nothing she was not given and no server outside a
//! credential's origin receives the credential (docs/security.md).

use std::path::Path;
use std::process::Command;

use crate::servers::{tls_for_localhost, HttpOptions, HttpServer, Upstreams};
use crate::support::{git_in, run_with_stdin, TestEnv};
use pretty_assertions::assert_eq;

const TOKEN: &str = "tok-77c1d2e9-team";

fn bare_remote(env: &TestEnv, dir: &Path, name: &str) -> String {
    git_in(env, dir, &["init", "-q", "--bare", "-b", "main", name]);
    dir.join(name).display().to_string()
}

fn synced(env: &TestEnv) -> String {
    let run = env.run(&["sync"]);
    assert_eq!(run.code, 0, "sync failed: {run:?}");
    env.assert_plain_git_happy();
    run.stderr
}

/// Alice's registry, with the entry `app`, shared through a bare remote (its folder and
/// URL) that Mallory can push to.
fn alice_shares_app() -> (tempfile::TempDir, String, TestEnv) {
    let dir = tempfile::tempdir().unwrap();
    let alice = TestEnv::online();
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    // No fetch: nothing in these tests may reach for a host outside 127.0.0.1.
    alice.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
        "--no-fetch",
    ]);
    synced(&alice);
    (dir, url, alice)
}

fn key_of(env: &TestEnv) -> String {
    env.ok(&["identity"]).trim().to_string()
}

/// A repodex command that trusts the tests' CA.
fn trusting(env: &TestEnv, ca: &Path, args: &[&str]) -> Command {
    let mut cmd = env.command(args);
    cmd.env("SSL_CERT_FILE", ca);
    cmd
}

/// An HTTPS server on 127.0.0.1 over `upstreams` that wants Basic `auth` (or none) and,
/// with `redirect_to`, answers every request with a `302` there.
fn https(
    upstreams: &Upstreams,
    tls: std::sync::Arc<rustls::ServerConfig>,
    auth: Option<(&str, &str)>,
    redirect_to: Option<String>,
) -> HttpServer {
    HttpServer::start_with(
        upstreams,
        HttpOptions {
            tls: Some(tls),
            basic_auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
            redirect_to,
            ..Default::default()
        },
    )
}

fn run(mut cmd: Command) -> crate::support::Run {
    run_with_stdin(
        {
            cmd.stdin(std::process::Stdio::piped());
            cmd
        },
        "",
    )
}

/// Mallory adds her key to `.age-recipients` on a fork; Alice looks at it with a plain
/// `git pull` (the registry is a git repository) and does not accept it. Bob rotates
/// the team's token. Alice's next sync must not encrypt Bob's token to Mallory's key,
/// though her registry's `.age-recipients` now lists it.
#[test]
fn a_key_nobody_accepted_never_receives_a_secret_through_a_merge() {
    let (dir, url, alice) = alice_shares_app();
    let (bob, mallory) = (TestEnv::online(), TestEnv::online());
    let fork = bare_remote(&alice, dir.path(), "fork.git");
    assert_eq!(
        alice.run_stdin(&["creds", "set", "app"], "token-one").code,
        0
    );
    synced(&alice);
    bob.ok(&["init", "--from", &url]);
    alice.ok(&["recipients", "add", &key_of(&bob)]);
    synced(&alice);
    synced(&bob);
    bob.ok(&["recipients", "accept"]);

    mallory.ok(&["init", "--from", &url]);
    let mallory_key = key_of(&mallory);
    let text = std::fs::read_to_string(mallory.registry().join(".age-recipients")).unwrap();
    mallory.hand_commit(".age-recipients", &format!("{text}{mallory_key}\n"));
    git_in(
        &mallory,
        &mallory.registry(),
        &["push", "-q", &fork, "HEAD:main"],
    );
    git_in(
        &alice,
        &alice.registry(),
        &["pull", "-q", "--ff-only", &fork, "main"],
    );

    assert_eq!(bob.run_stdin(&["creds", "set", "app"], "token-two").code, 0);
    synced(&bob);
    let said = synced(&alice);
    assert!(
        said.contains("credentials/app.age was not encrypted again: this registry's .age-recipients is not the set this machine accepted"),
        "{said}"
    );

    // Mallory takes what was pushed, and cannot read the token.
    synced(&mallory);
    let stolen = mallory.run(&["creds", "show", "app", "--reveal"]);
    assert_eq!(stolen.code, 2, "{stolen:?}");
    assert!(
        stolen.stderr.contains("is not encrypted to your key"),
        "{stolen:?}"
    );
    assert!(!stolen.stdout.contains("token-two"));
    // Bob's rotation arrived whole for the people it was meant for.
    synced(&bob);
    let shown = bob.run(&["creds", "show", "app", "--reveal"]);
    assert!(shown.stdout.contains("token-two"), "{shown:?}");
}

/// The entry's server answers `302` to Mallory's server, which asks for Basic auth.
/// repodex follows the redirect (as git does) but gives its credential only to the
/// origin it was stored for: Mallory's server never sees an `Authorization` header.
#[test]
fn a_redirect_to_another_server_gets_no_credential() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(
        &env,
        "private",
        "main",
        &[(".minsky/config.yaml", "x: 1\n")],
    );
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let mallory = https(&upstreams, tls.clone(), Some(("mallory", "anything")), None);
    let redirector = https(&upstreams, tls, None, Some(mallory.base()));
    let url = redirector.url("private");
    env.ok(&["register", "--no-fetch", &url, "--name", "app"]);
    assert_eq!(env.run_stdin(&["creds", "set", "app"], TOKEN).code, 0);

    let refreshed = run(trusting(&env, &ca, &["refresh", "app"]));
    assert_eq!(refreshed.code, 5, "{refreshed:?}");
    assert!(
        redirector.connections() > 0,
        "the entry's server was not asked"
    );
    assert!(
        mallory.refused() > 0,
        "the redirect was not followed: {refreshed:?}"
    );
    assert_eq!(
        mallory.authorized(),
        0,
        "Mallory's server received a credential"
    );
    assert!(!refreshed.stderr.contains(TOKEN));
    env.assert_secret_absent(TOKEN);
}

/// Mallory pushes a commit that points the team's entry at her server. Alice's next
/// refresh, and the `info` that refreshes a stale entry, and git asking repodex's
/// credential helper, all refuse to send the token there, and say how to re-bind it
/// should the repository really have moved.
#[test]
fn a_pushed_url_change_does_not_take_the_credential_along() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, mallory) = (TestEnv::online(), TestEnv::online());
    let upstreams = Upstreams::new(&alice);
    upstreams.create(
        &alice,
        "private",
        "main",
        &[(".minsky/config.yaml", "x: 1\n")],
    );
    let (tls, ca) = tls_for_localhost(&alice.root().join("tls"));
    let team_server = https(
        &upstreams,
        tls.clone(),
        Some(("x-access-token", TOKEN)),
        None,
    );
    let mallory_server = https(&upstreams, tls, Some(("mallory", "anything")), None);
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    alice.ok(&[
        "register",
        "--no-fetch",
        &team_server.url("private"),
        "--name",
        "app",
    ]);
    assert_eq!(alice.run_stdin(&["creds", "set", "app"], TOKEN).code, 0);
    let refreshed = run(trusting(&alice, &ca, &["refresh", "app"]));
    assert_eq!(refreshed.code, 0, "{refreshed:?}");
    synced(&alice);

    mallory.ok(&["init", "--from", &url]);
    mallory.ok(&["set", "app", "--url", &mallory_server.url("private")]);
    synced(&mallory);
    synced(&alice);

    let refreshed = run(trusting(&alice, &ca, &["refresh", "app"]));
    assert_eq!(refreshed.code, 5, "{refreshed:?}");
    assert!(
        refreshed.stderr.contains(&format!(
            "the credential of 'app' is bound to https://127.0.0.1:{}/private, not to https://127.0.0.1:{}/private, so repodex does not send it there",
            team_server.port, mallory_server.port
        )),
        "{refreshed:?}"
    );
    assert!(
        refreshed.stderr.contains("`repodex creds rebind app`"),
        "{refreshed:?}"
    );
    let shown = run(trusting(&alice, &ca, &["info", "app"]));
    assert_eq!(shown.code, 0, "{shown:?}");
    assert!(shown.stderr.contains("(cached"), "{shown:?}");
    // git, told by Mallory's URL to ask for her host, gets nothing from the helper.
    let request = format!(
        "protocol=https\nhost=127.0.0.1:{}\npath=private.git\n\n",
        mallory_server.port
    );
    let asked = alice.run_stdin(&["credential", "get"], &request);
    assert_eq!((asked.code, asked.stdout.as_str()), (0, ""), "{asked:?}");
    assert_eq!(
        mallory_server.authorized(),
        0,
        "Mallory's server received a credential"
    );

    // For the team's own server, the helper answers, but only exactly: not for a
    // path that only resembles the repository's, nor for another username.
    let exact = format!(
        "protocol=https\nhost=127.0.0.1:{}\npath=private.git\n\n",
        team_server.port
    );
    alice.ok(&["set", "app", "--url", &team_server.url("private")]);
    let answered = alice.run_stdin(&["credential", "get"], &exact);
    assert!(
        answered.stdout.contains(&format!("password={TOKEN}")),
        "{answered:?}"
    );
    for request in [
        exact.replace("path=private.git", "path=private.git.git"),
        exact.replace("path=private.git\n", "path=private.git\nusername=mallory\n"),
    ] {
        let asked = alice.run_stdin(&["credential", "get"], &request);
        assert_eq!(asked.stdout, "", "{request:?}");
    }
}

/// A secret too large to be one is refused before anything is written.
#[test]
fn a_secret_larger_than_the_bound_is_refused_before_anything_is_written() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let before = env.head();
    let huge = "x".repeat(200 * 1024);
    let run = env.run_stdin(&["creds", "set", "app"], &huge);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("repodex stores secrets of at most 16384 bytes"),
        "{run:?}"
    );
    assert_eq!(env.head(), before);
    assert!(!env.registry().join("credentials").exists());
}

/// Mallory pushes a `registry.toml` that raises every bound (a 2^64-1 byte cache, no
/// time-to-live). Alice's machine keeps its own: the 300 KB file is still not cached,
/// and reading commands do not start asking the remote on every call.
#[test]
fn settings_from_the_remote_cannot_raise_this_machines_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, mallory) = (TestEnv::online(), TestEnv::online());
    let upstreams = Upstreams::new(&alice);
    let big = "x: 1\n".repeat(60_000);
    upstreams.create(
        &alice,
        "big",
        "main",
        &[(".minsky/config.yaml", big.as_str())],
    );
    let server = HttpServer::start(&upstreams);
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    let registered = alice.run(&["register", &server.url("big"), "--name", "app"]);
    assert_eq!(registered.code, 0, "{registered:?}");
    synced(&alice);

    mallory.ok(&["init", "--from", &url]);
    let settings = std::fs::read_to_string(mallory.registry().join("registry.toml")).unwrap();
    mallory.hand_commit(
        "registry.toml",
        &format!("{settings}max_config_size = 18446744073709551615\nmax_mirror_size = 18446744073709551615\nrefresh_ttl = \"0s\"\n"),
    );
    synced(&mallory);
    synced(&alice);
    assert!(
        std::fs::read_to_string(alice.registry().join("registry.toml"))
            .unwrap()
            .contains("18446744073709551615")
    );

    let refreshed = alice.run(&["refresh", "app"]);
    assert_eq!(refreshed.code, 0, "{refreshed:?}");
    assert!(
        refreshed
            .stderr
            .contains("skipped app: .minsky/config.yaml"),
        "{refreshed:?}"
    );
    let cached = alice.run(&["config", "app", ".minsky/config.yaml"]);
    assert_eq!(cached.code, 2, "the file was cached: {cached:?}");
    assert!(cached.stderr.contains(".minsky/config.yaml"), "{cached:?}");
    // Just refreshed: within this machine's shortest time-to-live, info asks nobody.
    let before = server.connections();
    alice.ok(&["info", "app"]);
    alice.ok(&["info", "app"]);
    assert_eq!(server.connections(), before, "info asked the remote again");
}

/// A URL with a secret in it, given where it is refused or matches nothing, is never
/// printed back with the secret, by any command.
#[test]
fn no_message_repeats_a_secret_given_in_a_url() {
    const SECRET: &str = "s3cr3t-9f1b7d";
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let bad_urls = [
        format!("https://alice:{SECRET}@git.example.com/team/app x"),
        format!("https://alice:{SECRET}@-host/o/r"),
        format!("ext::https://alice:{SECRET}@host/o/r"),
        format!("https://alice:{SECRET}@host:99999/o/r"),
        format!("ftp://alice:{SECRET}@host/o/r"),
        format!("https://ghp_{SECRET}0123456789abcdef@host/o/r x"),
        format!("alice:{SECRET}@srv:proj.git\u{1}"),
    ];
    for url in &bad_urls {
        let commands: Vec<Vec<&str>> = vec![
            vec!["register", url, "--no-fetch"],
            vec!["resolve", url],
            vec!["info", url],
            vec!["which", url],
            vec!["clone", url],
            vec!["forget", url],
            vec!["refresh", url],
            vec!["config", url],
            vec!["remote", "set", url],
            vec!["registry", "add", "org", url],
            vec!["set", "app", "--url", url],
            vec!["alias", "add", url, "x"],
        ];
        for args in commands {
            let run = env.run(&args);
            // Refused as input (2), or, where any reference is taken, matching no
            // entry (3): never run, never a failure underneath (1).
            assert!(
                [2, 3].contains(&run.code),
                "{args:?} accepted a bad URL: {run:?}"
            );
            assert!(
                !run.stderr.contains(SECRET) && !run.stdout.contains(SECRET),
                "{args:?} printed the secret: {run:?}"
            );
            assert!(
                run.stderr.starts_with("repodex: error: "),
                "{args:?}: {run:?}"
            );
        }
        let fresh = TestEnv::new();
        let run = fresh.run(&["init", "--from", url]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            !run.stderr.contains(SECRET),
            "init --from printed the secret: {run:?}"
        );
    }
    env.assert_secret_absent(SECRET);
}

/// Mallory pushes an entry whose URL is a folder on Alice's machine. Alice's reads
/// (`info`, which refreshes stale data) and `refresh --all` leave it alone, so nothing
/// of that folder reaches the registry or Mallory; Alice's own `refresh evil` reads it.
#[test]
fn a_local_repository_pushed_by_someone_else_is_not_read_until_asked() {
    const PRIVATE: &str = "token: alice-private-9d2c";
    let dir = tempfile::tempdir().unwrap();
    let (alice, mallory) = (TestEnv::online(), TestEnv::online());
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    let private = alice.make_repo("private");
    std::fs::create_dir_all(private.join(".minsky")).unwrap();
    std::fs::write(private.join(".minsky/config.yaml"), format!("{PRIVATE}\n")).unwrap();
    git_in(&alice, &private, &["add", "."]);
    git_in(&alice, &private, &["commit", "-qm", "private settings"]);
    synced(&alice);

    mallory.ok(&["init", "--from", &url]);
    let target = format!("file://{}", private.canonicalize().unwrap().display());
    mallory.ok(&["register", &target, "--name", "evil", "--no-fetch"]);
    synced(&mallory);
    synced(&alice);

    let shown = alice.run(&["info", "evil"]);
    assert_eq!(shown.code, 0, "{shown:?}");
    assert!(
        shown
            .stderr
            .contains("that you never asked repodex to read; `repodex refresh evil` reads it"),
        "{shown:?}"
    );
    let all = alice.run(&["refresh", "--all"]);
    assert_eq!(all.code, 5, "{all:?}");
    assert!(
        all.stderr
            .contains("failed evil: its URL is a repository on this machine"),
        "{all:?}"
    );
    synced(&alice);
    synced(&mallory);
    // (Mallory's own reads here would find the folder, as both homes share this
    // machine's disk; on her real machine it is not there. What the registry brought her:)
    assert_ne!(
        mallory
            .run(&["--offline", "config", "evil", ".minsky/config.yaml"])
            .code,
        0
    );
    mallory.assert_secret_absent(PRIVATE);
    assert!(!alice.git(&["log", "-p", "--all"]).contains(PRIVATE));

    // Alice's explicit choice reads it, as she asked.
    alice.ok(&["refresh", "evil"]);
    assert_eq!(
        alice.ok(&["config", "evil", ".minsky/config.yaml"]),
        format!("{PRIVATE}\n")
    );
}

/// Mallory commits, with plain git, an entry whose description reverses the text after
/// it (U+202E; a description with control characters is refused outright), under a
/// commit subject that would retitle the terminal. What
/// Alice's terminal gets from `info` and `log` is the escaped text.
#[test]
fn escape_sequences_from_a_teammate_never_reach_the_terminal() {
    let (_remote, url, alice) = alice_shares_app();
    let mallory = TestEnv::online();
    mallory.ok(&["init", "--from", &url]);
    let path = crate::support::entry_path("app");
    let text = std::fs::read_to_string(mallory.registry().join(&path)).unwrap();
    let text = text.replacen(
        "added = ",
        "description = \"invoice\\u202egnp.exe\"\nadded = ",
        1,
    );
    std::fs::write(mallory.registry().join(&path), text).unwrap();
    git_in(
        &mallory,
        &mallory.registry(),
        &["commit", "-qam", "tidy \u{1b}]0;owned\u{7}"],
    );
    synced(&mallory);
    synced(&alice);

    for (args, escaped) in [
        (vec!["info", "app"], "invoice\\u{202e}gnp.exe"),
        (vec!["log"], "tidy \\u{1b}]0;owned\\u{7}"),
    ] {
        let out = alice.ok(&args);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}') && !out.contains('\u{7}'),
            "{args:?} printed raw control characters: {out:?}"
        );
        assert!(out.contains(escaped), "{args:?}: {out:?}");
    }
}

/// What Mallory pushes with plain git and Alice's sync must refuse, naming the file,
/// with Alice's registry left as it was: an attribute that rewrites files, credential
/// files without an entry that are too large or a symlink.
#[test]
fn files_a_sync_would_take_from_the_remote_pass_the_same_checks() {
    let (_remote, url, alice) = alice_shares_app();
    let mallory = TestEnv::online();
    mallory.ok(&["init", "--from", &url]);
    let registry = mallory.registry();
    let good = mallory.head();
    let attributes = std::fs::read_to_string(registry.join(".gitattributes")).unwrap();
    // What Mallory commits, the file it is in, how she makes it, and what Alice is told.
    type Case<'a> = (&'a str, &'a str, Box<dyn Fn() + 'a>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "an encoding attribute",
            ".gitattributes",
            Box::new(|| {
                let text = format!("{attributes}*.toml working-tree-encoding=UTF-16LE\n");
                std::fs::write(registry.join(".gitattributes"), text).unwrap();
            }),
            ".gitattributes on the remote: the line '*.toml working-tree-encoding=UTF-16LE' is not one repodex writes",
        ),
        (
            "a credential file of 100 KB without an entry",
            "credentials/ghost.age",
            Box::new(|| {
                std::fs::create_dir_all(registry.join("credentials")).unwrap();
                std::fs::write(registry.join("credentials/ghost.age"), "x".repeat(100_000)).unwrap();
            }),
            "'credentials/ghost.age'",
        ),
        (
            "a credential that is a symlink",
            "credentials/app.age",
            Box::new(|| {
                std::fs::create_dir_all(registry.join("credentials")).unwrap();
                std::os::unix::fs::symlink("/etc/passwd", registry.join("credentials/app.age")).unwrap();
            }),
            "'credentials/app.age' is not a regular file",
        ),
    ];
    for (what, file, make, expected) in cases {
        git_in(&mallory, &registry, &["reset", "-q", "--hard", &good]);
        make();
        git_in(&mallory, &registry, &["add", "--", file]);
        git_in(&mallory, &registry, &["commit", "-qm", what]);
        git_in(
            &mallory,
            &registry,
            &["push", "-q", "-f", &url, "HEAD:main"],
        );
        let before = alice.head();
        let run = alice.run(&["sync"]);
        assert_eq!(run.code, 4, "{what}: {run:?}");
        assert!(run.stderr.contains(expected), "{what}: {run:?}");
        assert_eq!(
            alice.head(),
            before,
            "{what}: the sync changed the registry"
        );
        alice.assert_plain_git_happy();
    }
}

/// `init --from` takes nothing a sync would refuse: an entry with an `ext::` URL, a
/// README of 2 MB.
#[test]
fn a_registry_joined_with_init_from_passes_the_same_checks() {
    let (dir, url, alice) = alice_shares_app();
    let path = crate::support::entry_path("app");
    let entry = std::fs::read_to_string(alice.registry().join(&path)).unwrap();
    let readme = std::fs::read_to_string(alice.registry().join("README.md")).unwrap();
    for (what, file, content, expected) in [
        (
            "an ext:: URL",
            path.as_str(),
            entry.replace(
                "https://git.example.com/team/app.git",
                "ext::ssh://git.example.com/team/app",
            ),
            "uses the transport prefix 'ext::'",
        ),
        (
            "a README of 2 MB",
            "README.md",
            format!("{readme}{}", "x".repeat(2 << 20)),
            "'README.md'",
        ),
    ] {
        // Mallory pushes with plain git, from a clone of her own.
        let clone = dir.path().join(format!("push-{}", what.len()));
        git_in(
            &alice,
            dir.path(),
            &["clone", "-q", &url, clone.to_str().unwrap()],
        );
        std::fs::write(clone.join(file), content).unwrap();
        git_in(&alice, &clone, &["commit", "-qam", what]);
        git_in(&alice, &clone, &["push", "-q", "origin", "HEAD:main"]);
        let joining = TestEnv::online();
        let run = joining.run(&["init", "--from", &url]);
        assert_eq!(run.code, 4, "{what}: {run:?}");
        assert!(run.stderr.contains(expected), "{what}: {run:?}");
        assert!(
            !joining.registry().join(".git").exists(),
            "{what}: a registry was made"
        );
        git_in(&alice, &clone, &["reset", "-q", "--hard", "HEAD~1"]);
        git_in(&alice, &clone, &["push", "-q", "-f", "origin", "HEAD:main"]);
    }
}

/// Mallory pushes `format = 1` over a format-2 registry. Alice's sync does not move her
/// registry back a format: it merges, and the merge keeps format 2.
#[test]
fn a_remote_cannot_move_the_registry_back_a_format() {
    let (_remote, url, alice) = alice_shares_app();
    let mallory = TestEnv::online();
    mallory.ok(&["init", "--from", &url]);
    let settings = std::fs::read_to_string(mallory.registry().join("registry.toml")).unwrap();
    assert!(settings.contains("format = 2"), "{settings}");
    mallory.hand_commit(
        "registry.toml",
        &settings.replace("format = 2", "format = 1"),
    );
    git_in(
        &mallory,
        &mallory.registry(),
        &["push", "-q", &url, "HEAD:main"],
    );

    synced(&alice);
    let now = std::fs::read_to_string(alice.registry().join("registry.toml")).unwrap();
    assert!(now.contains("format = 2"), "{now}");
    assert_eq!(
        alice.ok(&["resolve", "app"]),
        "https://git.example.com/team/app.git\n"
    );
    assert!(alice.ok(&["doctor"]).starts_with("ok:"));
}
