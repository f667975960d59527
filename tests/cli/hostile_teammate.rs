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
    // What Mallory's registry holds (offline: her own machine, which registered the
    // URL, would read the folder on her own disk).
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

// ---------------------------------------------------------------------------------
// Round three: what a pushed entry makes this machine read, what it writes, and what
// plain git does through the remote helper.

/// The victim's secrets, beside the code of a repository only the victim can reach.
const SECRETS: [(&str, &str); 3] = [
    ("prod.env", "DATABASE_PASSWORD=prod-7f3a9c\n"),
    (
        "id_ed25519",
        "-----BEGIN OPENSSH PRIVATE KEY----- victim-4b1e\n",
    ),
    (".env", "API_TOKEN=victim-env-51d0\n"),
];

/// Nothing of `SECRETS` is in what `env` (the attacker) can read of the registry.
fn sees_none_of_the_secrets(env: &TestEnv, name: &str) {
    let shown = env.run(&["config", name]);
    for (path, text) in SECRETS {
        assert!(
            !shown.stdout.contains(text.trim()),
            "{path} reached the attacker: {shown:?}"
        );
        let one = env.run(&["config", name, path]);
        assert_ne!(one.code, 0, "{path} reached the attacker: {one:?}");
    }
    for (_, text) in SECRETS {
        env.assert_secret_absent(text.trim());
    }
}

/// An `ssh` that stands for the victim's: it records its arguments in `log`, then
/// serves the repository the remote command names from `root`, as an sshd would run
/// `git-upload-pack`. Returns the folder to put first on PATH.
fn fake_ssh(dir: &Path, root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("fake-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("ssh.log");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{log}'\nfor last; do :; done\npath=$(printf %s \"$last\" | sed -e \"s/^git-upload-pack //\" -e \"s/'//g\")\nexec git-upload-pack \"{root}$path\"\n",
        log = log.display(),
        root = root.display()
    );
    std::fs::write(bin.join("ssh"), script).unwrap();
    std::fs::set_permissions(bin.join("ssh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    (bin, log)
}

/// `env`'s repodex with `first` ahead of everything else on PATH.
fn with_path_first(env: &TestEnv, first: &Path, args: &[&str]) -> crate::support::Run {
    let mut cmd = env.command(args);
    let mut paths = vec![first.to_path_buf()];
    paths.extend(std::env::split_paths(&crate::support::path_with_helper()));
    cmd.env("PATH", std::env::join_paths(paths).unwrap());
    run(cmd)
}

/// Mallory edits the team's entry with plain git: its URL now points at a host only
/// Alice can reach (an internal git server; then any ssh host Alice's agent opens) and
/// its `config_paths` name Alice's secrets there. Alice does ordinary work (`sync`,
/// `info team/lib`, `sync`): the entry keeps working for the files repodex knows by
/// name, sync says what changed and how to accept it, and nothing else is read, so
/// Mallory's `repodex config` shows nothing of Alice's.
#[test]
fn a_pushed_url_and_config_paths_read_only_what_this_machine_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, mallory) = (TestEnv::online(), TestEnv::online());
    let upstreams = crate::servers::Upstreams::new(&alice);
    let mut files = SECRETS.to_vec();
    files.push(("README", "internal\n"));
    upstreams.create(&alice, "internal", "main", &files);
    let internal = crate::servers::GitDaemon::start(&upstreams);
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    alice.ok(&[
        "register",
        "https://git.example.com/team/lib.git",
        "--name",
        "team/lib",
        "--no-fetch",
    ]);
    synced(&alice);
    mallory.ok(&["init", "--from", &url]);

    let path = crate::support::entry_path("team/lib");
    let entry = std::fs::read_to_string(mallory.registry().join(&path)).unwrap();
    let pointed = |to: &str| {
        entry
            .replace("https://git.example.com/team/lib.git", to)
            .replacen(
                "added = ",
                "config_paths = [\"prod.env\", \"id_ed25519\", \".env\"]\nadded = ",
                1,
            )
    };
    mallory.hand_commit(&path, &pointed(&internal.url("internal")));
    synced(&mallory);

    let said = synced(&alice);
    let shown = alice.run(&["info", "team/lib"]);
    assert_eq!(shown.code, 0, "{shown:?}");
    synced(&alice);
    synced(&mallory);
    sees_none_of_the_secrets(&mallory, "team/lib");
    assert!(
        said.contains("the url and config_paths of 'team/lib' changed on the remote; this machine reads from it only the files repodex knows by name (.minsky/config.*, minsky.config.*) until you accept them: check with `repodex info team/lib`, then `repodex accept team/lib`"),
        "{said}"
    );
    assert!(
        shown
            .stderr
            .contains("not accepted on this machine: prod.env, id_ed25519, .env"),
        "{shown:?}"
    );

    // The same through ssh: a host Alice's ssh reaches and Mallory's does not.
    let (bin, log) = fake_ssh(alice.root(), &upstreams.root);
    git_in(&mallory, &mallory.registry(), &["reset", "-q", "--hard"]);
    mallory.hand_commit(&path, &pointed("ssh://git@internal.example/internal.git"));
    synced(&mallory);
    synced(&alice);
    let shown = with_path_first(&alice, &bin, &["info", "team/lib"]);
    assert_eq!(shown.code, 0, "{shown:?}");
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        ran.contains("git@internal.example"),
        "Alice's ssh was not asked, so the story proves nothing: {shown:?}"
    );
    synced(&alice);
    synced(&mallory);
    sees_none_of_the_secrets(&mallory, "team/lib");
    assert!(alice.ok(&["doctor"]).starts_with("ok:"));
    let pending = alice.ok(&["accept"]);
    assert!(
        pending.contains("team/lib: not read until you accept it: prod.env, id_ed25519, .env"),
        "{pending}"
    );

    // A file someone else's refresh cached (here, committed by Mallory by hand): doctor
    // flags it on Alice's machine, with how to purge it.
    let text = std::fs::read_to_string(mallory.registry().join(&path)).unwrap();
    mallory.hand_commit(
        &path,
        &format!("{text}\n[config.files]\n\"prod.env\" = \"from elsewhere\\n\"\n"),
    );
    synced(&mallory);
    synced(&alice);
    let doctor = alice.run(&["doctor"]);
    assert_eq!(doctor.code, 0, "{doctor:?}");
    assert!(
        doctor.stderr.contains(
            "caches prod.env of 'team/lib', which this machine did not accept to read; if one holds a secret, rotate it at its source"
        ),
        "{doctor:?}"
    );
    assert!(
        doctor.stderr.contains("git filter-repo --replace-text"),
        "{doctor:?}"
    );
}

/// Mallory changes the shared `config_paths` with `repodex settings set`. Alice's sync
/// says so instead of "received 0 changes", and the next repository she registers
/// caches only the files repodex knows by name until she accepts the new list.
#[test]
fn a_shared_config_paths_change_is_not_applied_until_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, mallory) = (TestEnv::online(), TestEnv::online());
    let upstreams = crate::servers::Upstreams::new(&alice);
    upstreams.create(
        &alice,
        "payroll",
        "main",
        &[
            ("secrets.txt", "payroll-db: hunter2-payroll\n"),
            (".env", "API_TOKEN=victim-env-51d0\n"),
            (".minsky/config.yaml", "repository:\n  backend: github\n"),
        ],
    );
    let internal = crate::servers::GitDaemon::start(&upstreams);
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    synced(&alice);
    mallory.ok(&["init", "--from", &url]);
    mallory.ok(&["settings", "set", "config_paths", "secrets.txt,.env"]);
    synced(&mallory);

    let said = synced(&alice);
    let registered = alice.run(&["register", &internal.url("payroll"), "--name", "payroll"]);
    assert_eq!(registered.code, 0, "{registered:?}");
    synced(&alice);
    synced(&mallory);
    let shown = mallory.run(&["config", "payroll", "secrets.txt"]);
    assert_ne!(shown.code, 0, "{shown:?}");
    mallory.assert_secret_absent("hunter2-payroll");
    mallory.assert_secret_absent("victim-env-51d0");
    assert!(
        said.contains("config_paths in registry.toml changed on the remote to secrets.txt, .env; this machine does not read secrets.txt, .env until you accept them: check with `repodex settings`, then `repodex accept --settings`"),
        "{said}"
    );
    assert!(
        registered
            .stderr
            .contains("skipped payroll: secrets.txt: not accepted on this machine; `repodex accept --settings` accepts registry.toml's config_paths"),
        "{registered:?}"
    );

    // Accepted by Alice, the list applies to her reads from then on.
    alice.ok(&["accept", "--settings"]);
    alice.ok(&["refresh", "payroll"]);
    assert_eq!(
        alice.ok(&["config", "payroll", "secrets.txt"]),
        "payroll-db: hunter2-payroll\n"
    );
}

/// Thirty files of 200 KiB, each under the per-file bound, make a 6 MB entry against
/// the 4 MiB that repodex reads. A refresh caches what fits and says what it left out;
/// an oversized entry committed by hand is not pushed by sync; forget still removes it,
/// and doctor says how.
#[test]
fn an_entry_larger_than_repodex_reads_is_never_written_or_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let alice = TestEnv::online();
    let upstreams = crate::servers::Upstreams::new(&alice);
    let names: Vec<String> = (1..=30).map(|i| format!("f{i:02}.txt")).collect();
    let body = "0123456789abcdef\n".repeat(200 * 1024 / 17);
    let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), body.as_str())).collect();
    upstreams.create(&alice, "big", "main", &files);
    let daemon = crate::servers::GitDaemon::start(&upstreams);
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    alice.ok(&["settings", "set", "config_paths", &names.join(",")]);

    let registered = alice.run(&["register", &daemon.url("big"), "--name", "big"]);
    assert_eq!(registered.code, 0, "{registered:?}");
    let size = std::fs::metadata(alice.registry().join(crate::support::entry_path("big")))
        .unwrap()
        .len();
    assert!(size <= 4 << 20, "an entry of {size} bytes was written");
    assert!(
        registered.stderr.contains(
            "skipped big: f21.txt: the entry would be larger than the 4194304 bytes repodex reads"
        ),
        "{registered:?}"
    );
    alice.ok(&["info", "big"]);
    synced(&alice);

    // An oversized entry committed with plain git: sync does not send it.
    let path = crate::support::entry_path("huge");
    let text = format!(
        "name = \"huge\"\nurl = \"https://git.example.com/team/huge.git\"\nadded = 2026-11-24T10:00:00Z\n\n[config.files]\n\"a.txt\" = '''\n{}'''\n",
        "x".repeat(5 << 20)
    );
    alice.hand_commit(&path, &text);
    let remote_tip = git_in(
        &alice,
        dir.path(),
        &["--git-dir=registry.git", "rev-parse", "main"],
    );
    let refused = alice.run(&["sync"]);
    assert_eq!(
        git_in(
            &alice,
            dir.path(),
            &["--git-dir=registry.git", "rev-parse", "main"]
        ),
        remote_tip,
        "the oversized entry was pushed"
    );
    assert_eq!(refused.code, 4, "{refused:?}");
    assert!(
        refused.stderr.contains(&format!(
            "'{path}' is larger than the 4 MiB repodex reads, so no teammate's sync would take it; `repodex forget huge` removes it"
        )),
        "{refused:?}"
    );
    let doctor = alice.run(&["doctor"]);
    assert_eq!(doctor.code, 4, "{doctor:?}");
    assert!(
        doctor.stdout.contains("`repodex forget huge` removes it"),
        "{doctor:?}"
    );
    alice.ok(&["forget", "huge"]);
    assert!(alice.ok(&["doctor"]).starts_with("ok:"));
    synced(&alice);
}

/// Plain git, as the user runs it, in `env`'s work folder with `vars` set.
fn plain_git(env: &TestEnv, vars: &[(&str, &str)], args: &[&str]) -> crate::support::Run {
    let mut cmd = Command::new("git");
    env.isolate(&mut cmd);
    cmd.envs(vars.iter().copied())
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(env.work());
    crate::support::Run::from(cmd.output().unwrap())
}

/// Through `repodex:` URLs, the user's own transport policy decides, exactly as for the
/// entry's URL given to plain git: `protocol.<name>.allow`, `GIT_ALLOW_PROTOCOL`,
/// `insteadOf`; and `REPODEX_OFFLINE=1` means no connection from the helper either.
/// Every server counts its connections.
#[test]
fn the_remote_helper_obeys_git_s_protocol_policy_and_the_offline_switch() {
    use crate::servers::{GitDaemon, Relay, Upstreams};
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "app", "main", &[("README", "app\n")]);
    let daemon = GitDaemon::start(&upstreams);
    let relay = Relay::start(daemon.port, std::time::Duration::ZERO);
    let web = HttpServer::start(&upstreams);
    let bare = upstreams.root.join("app.git");
    env.ok(&[
        "register",
        "--no-fetch",
        &format!("file://{}", bare.display()),
        "--name",
        "local",
    ]);
    env.ok(&[
        "register",
        "--no-fetch",
        &relay.url("app"),
        "--name",
        "daemon",
    ]);
    env.ok(&["register", "--no-fetch", &web.url("app"), "--name", "web"]);
    env.ok(&["git-setup"]);
    let cloned = |folder: &str| env.work().join(folder).join("README").exists();

    // protocol.file.allow=never, given with -c: the helper runs no upload-pack.
    let run = plain_git(
        &env,
        &[],
        &[
            "-c",
            "protocol.file.allow=never",
            "clone",
            "-q",
            "repodex:local",
            "a",
        ],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "git's protocol policy does not allow file here (protocol.file.allow is never)"
        ),
        "{run:?}"
    );
    assert!(!cloned("a"));

    // GIT_ALLOW_PROTOCOL: the helper is let in, file:// is not.
    let run = plain_git(
        &env,
        &[("GIT_ALLOW_PROTOCOL", "repodex:https")],
        &["clone", "-q", "repodex:local", "b"],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "git's protocol policy does not allow file here (GIT_ALLOW_PROTOCOL is repodex:https)"
        ),
        "{run:?}"
    );
    let run = plain_git(
        &env,
        &[("GIT_ALLOW_PROTOCOL", "repodex:file")],
        &["clone", "-q", "repodex:local", "c"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(cloned("c"));

    // git:// forbidden, and an insteadOf that moves the host to http: the helper goes
    // where the rule sends it, and never opens git://.
    let rule = format!(
        "url.{}/.insteadOf={}",
        web.base(),
        relay.url("").trim_end_matches(".git")
    );
    let run = plain_git(
        &env,
        &[],
        &[
            "-c",
            "protocol.git.allow=never",
            "-c",
            &rule,
            "clone",
            "-q",
            "repodex:daemon",
            "d",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(cloned("d"));
    assert!(web.connections() > 0, "the rewritten URL was not used");
    assert_eq!(relay.connections(), 0, "the helper opened git:// anyway");
    let run = plain_git(
        &env,
        &[],
        &[
            "-c",
            "protocol.git.allow=never",
            "clone",
            "-q",
            "repodex:daemon",
            "e",
        ],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "git's protocol policy does not allow git here (protocol.git.allow is never)"
        ),
        "{run:?}"
    );
    assert_eq!(relay.connections(), 0, "the helper opened git:// anyway");

    // protocol.http.allow=never: not even the fallback connects.
    let before = web.connections();
    let run = plain_git(
        &env,
        &[],
        &[
            "-c",
            "protocol.http.allow=never",
            "clone",
            "-q",
            "repodex:web",
            "f",
        ],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "git's protocol policy does not allow http here (protocol.http.allow is never)"
        ),
        "{run:?}"
    );
    assert_eq!(web.connections(), before, "the helper served http anyway");

    // Offline: a fetch is served from repodex's mirror, and says so; with no mirror,
    // nothing is fetched.
    env.ok(&["refresh", "daemon"]);
    let run = plain_git(&env, &[], &["clone", "-q", "repodex:daemon", "g"]);
    assert_eq!(run.code, 0, "{run:?}");
    let connections = relay.connections();
    let mut fetch = Command::new("git");
    env.isolate(&mut fetch);
    let out = fetch
        .env("REPODEX_OFFLINE", "1")
        .args(["fetch", "origin"])
        .current_dir(env.work().join("g"))
        .output()
        .unwrap();
    let run = crate::support::Run::from(out);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "offline (REPODEX_OFFLINE is set): fetching 'daemon' from repodex's cached mirror, which may be behind"
        ),
        "{run:?}"
    );
    assert_eq!(
        relay.connections(),
        connections,
        "offline, the helper connected"
    );
    let before = web.connections();
    let run = plain_git(
        &env,
        &[("REPODEX_OFFLINE", "1")],
        &["clone", "-q", "repodex:web", "h"],
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("offline (REPODEX_OFFLINE is set), and repodex has no mirror of 'web' yet"),
        "{run:?}"
    );
    assert_eq!(web.connections(), before, "offline, the helper connected");
}

/// Mallory points the team's entry at a folder on Alice's machine. Alice's editor runs
/// a plain `git fetch` in her clone, whose origin is `repodex:team/lib`: the helper reads
/// nothing of that folder until Alice accepts the entry, by the same rule as refresh.
#[test]
fn a_pushed_file_url_is_not_fetched_by_plain_git_through_the_helper() {
    use crate::servers::{GitDaemon, Upstreams};
    let dir = tempfile::tempdir().unwrap();
    let (alice, mallory) = (TestEnv::online(), TestEnv::online());
    let upstreams = Upstreams::new(&alice);
    upstreams.create(&alice, "lib", "main", &[("README", "lib\n")]);
    let daemon = GitDaemon::start(&upstreams);
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    alice.ok(&[
        "register",
        "--no-fetch",
        &daemon.url("lib"),
        "--name",
        "team/lib",
    ]);
    synced(&alice);
    alice.ok(&["git-setup"]);
    let run = plain_git(&alice, &[], &["clone", "-q", "repodex:team/lib", "lib"]);
    assert_eq!(run.code, 0, "{run:?}");
    let private = alice.make_repo("private");
    std::fs::write(private.join("plan.txt"), "acquire competitor-3c9e\n").unwrap();
    git_in(&alice, &private, &["add", "plan.txt"]);
    git_in(&alice, &private, &["commit", "-qm", "secret plan"]);
    let secret_commit = git_in(&alice, &private, &["rev-parse", "HEAD"]);

    mallory.ok(&["init", "--from", &url]);
    let target = format!("file://{}", private.canonicalize().unwrap().display());
    mallory.ok(&["set", "team/lib", "--url", &target]);
    synced(&mallory);
    synced(&alice);

    let mut fetch = Command::new("git");
    alice.isolate(&mut fetch);
    let out = fetch
        .args(["fetch", "origin"])
        .current_dir(alice.work().join("lib"))
        .output()
        .unwrap();
    let run = crate::support::Run::from(out);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "is a repository on this machine that you never asked repodex to read; check it with `repodex info team/lib`, then `repodex accept team/lib`"
        ),
        "{run:?}"
    );
    let mut probe = Command::new("git");
    alice.isolate(&mut probe);
    let present = probe
        .args(["cat-file", "-e", secret_commit.trim()])
        .current_dir(alice.work().join("lib"))
        .output()
        .unwrap();
    assert!(
        !present.status.success(),
        "the private repository's commit reached the clone"
    );
}

/// An agent talked into cloning Mallory's repository into `~/.ssh` (missing, or made
/// empty) is refused with the reason: the server's `clone` writes only under the root
/// the user chose, this machine's clone root unless the host's configuration names
/// another (`repodex mcp --clone-root DIR`).
#[test]
fn an_agent_cannot_clone_outside_the_root_the_user_chose() {
    use crate::mcp::Agent;
    use serde_json::json;
    let env = TestEnv::online();
    let evil = env.make_repo("evil");
    std::fs::write(evil.join("authorized_keys"), "ssh-ed25519 AAAA mallory\n").unwrap();
    git_in(&env, &evil, &["add", "authorized_keys"]);
    git_in(&env, &evil, &["commit", "-qm", "keys"]);
    env.ok(&["register", evil.to_str().unwrap(), "--name", "evil"]);
    let ssh = env.root().join("home/.ssh");

    let agent = Agent::start(&env);
    let error = agent.error("clone", json!({"reference": "evil", "dir": ssh}));
    assert_eq!(
        error,
        format!(
            "clones are made only in folders under {}, and {} is not one; start the server with `repodex mcp --clone-root DIR` to allow another",
            env.root().join("home/src").canonicalize().unwrap().display(),
            ssh.display()
        )
    );
    std::fs::create_dir_all(&ssh).unwrap();
    let error = agent.error("clone", json!({"reference": "evil", "dir": "../home/.ssh"}));
    assert!(
        error.contains("clones are made only in folders under"),
        "{error}"
    );
    assert!(!ssh.join("authorized_keys").exists());
    // Inside the root, as before.
    let inside = env.root().join("home/src/copies/evil");
    agent.ok("clone", json!({"reference": "evil", "dir": inside}));
    assert!(inside.join("authorized_keys").exists());
    agent.stop();

    // A root the host's configuration names.
    let root = env.root().join("clones");
    std::fs::create_dir_all(&root).unwrap();
    let agent = Agent::start_command(env.command(&["mcp", "--clone-root", root.to_str().unwrap()]));
    agent.ok(
        "clone",
        json!({"reference": "evil", "dir": root.join("evil")}),
    );
    let error = agent.error(
        "clone",
        json!({"reference": "evil", "dir": env.work().join("again")}),
    );
    assert!(
        error.contains("clones are made only in folders under"),
        "{error}"
    );
    let error = agent.error("clone", json!({"reference": "evil", "dir": "relative"}));
    assert!(
        error.contains("clones are made only in folders under"),
        "{error}"
    );
    assert!(!ssh.join("authorized_keys").exists());
    agent.stop();
}

/// A duration larger than any registry's age is one line of error, on the command line
/// (`info --at`, `log --since`: it panicked with exit 101) and from the MCP `show` tool
/// (which never answered).
#[test]
fn a_huge_duration_is_an_error_not_a_panic() {
    use crate::mcp::Agent;
    use serde_json::json;
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let expected = "repodex: error: '9999999999w' is further back than repodex counts (at most 100 years); give a date (2026-11-20) or a shorter duration";
    assert_eq!(
        env.fails(2, &["info", "app", "--at", "9999999999w"]),
        expected
    );
    assert_eq!(env.fails(2, &["log", "--since", "9999999999w"]), expected);
    assert_eq!(
        env.fails(2, &["diff", "app", "--since", "9999999999w"]),
        expected
    );
    let settings = env.fails(2, &["settings", "set", "refresh_ttl", "9999999999w"]);
    assert!(settings.contains("at most 100 years"), "{settings}");
    let timeout = env.command(&["refresh", "app"]);
    let mut timeout = timeout;
    timeout.env("REPODEX_TIMEOUT", "18446744073709551615");
    let run = run(timeout);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("repodex: error: "), "{run:?}");

    let agent = Agent::start(&env);
    let error = agent.error("show", json!({"reference": "app", "at": "9999999999w"}));
    assert_eq!(format!("repodex: error: {error}"), expected);
    // The server still answers.
    agent.ok("show", json!({"reference": "app"}));
    agent.stop();
}

/// A panic inside a tool (here, one a test hook causes) is an error answer, and the
/// server goes on serving.
#[test]
fn a_panic_inside_a_tool_is_an_error_answer() {
    use crate::mcp::Agent;
    use serde_json::json;
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let mut command = env.command(&["mcp"]);
    command.env("REPODEX_TEST_FAILPOINT", "mcp-tool-resolve");
    let agent = Agent::start_command(command);
    let error = agent.error("resolve", json!({"reference": "app"}));
    assert!(
        error.starts_with("repodex's 'resolve' tool failed unexpectedly (a bug: please report it)"),
        "{error}"
    );
    agent.ok("show", json!({"reference": "app"}));
    agent.stop();
}

/// Raw bytes on the server's stdin, as a broken or hostile client sends them: invalid
/// JSON gets JSON-RPC's parse error (-32700), a 50 MB line the size error, and the
/// server goes on answering well-formed requests.
#[test]
fn malformed_mcp_input_gets_json_rpc_errors() {
    use std::io::{BufRead, BufReader, Write};
    let env = TestEnv::new();
    let mut child = env
        .command(&["mcp"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Answers arrive on a channel, so that a server that says nothing fails the story
    // instead of hanging it.
    let (lines, answers) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let answer = || {
        let line = answers
            .recv_timeout(std::time::Duration::from_secs(120))
            .expect("the server gave no answer");
        serde_json::from_str::<serde_json::Value>(&line)
            .unwrap_or_else(|e| panic!("not a JSON answer ({e}): {line:?}"))
    };

    stdin
        .write_all(b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \n")
        .unwrap();
    stdin.flush().unwrap();
    let parse = answer();
    assert_eq!(parse["error"]["code"], -32700, "{parse}");
    assert_eq!(parse["id"], serde_json::Value::Null, "{parse}");
    assert!(
        parse["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("parse error: "),
        "{parse}"
    );

    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"0\"}}}\n")
        .unwrap();
    stdin.flush().unwrap();
    let init = answer();
    assert_eq!(init["id"], 2, "{init}");
    assert_eq!(init["result"]["serverInfo"]["name"], "repodex", "{init}");
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
        .unwrap();

    // 50 MB in one line, written while the server reads.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        stdin
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\",\"pad\":\"")
            .unwrap();
        for _ in 0..50 {
            stdin.write_all(&chunk).unwrap();
        }
        stdin.write_all(b"\"}\n").unwrap();
        stdin
            .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}\n")
            .unwrap();
        stdin.flush().unwrap();
        stdin
    });
    let too_big = answer();
    assert_eq!(too_big["error"]["code"], -32600, "{too_big}");
    assert_eq!(
        too_big["error"]["message"],
        "the request is larger than the 4194304 bytes repodex's MCP server reads; send smaller requests",
        "{too_big}"
    );
    let listed = answer();
    assert_eq!(listed["id"], 4, "{listed}");
    assert!(listed["result"]["tools"].is_array(), "{listed}");
    drop(writer.join().unwrap());
    assert!(child.wait().unwrap().success());
}
