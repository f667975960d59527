//! The credential vault: real age encryption, an HTTPS server on 127.0.0.1 that requires
//! Basic auth, plain git using repodex as its credential helper, two teammates' keys,
//! tampering, and a scan of every object for the secrets afterwards.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

use crate::servers::{tls_for_localhost, HttpOptions, HttpServer, Upstreams};
use crate::support::{run_with_stdin, TestEnv};
use pretty_assertions::assert_eq;

const CONFIG: &str = ".minsky/config.yaml";
const TOKEN: &str = "tok-3f9a7c1e-private";

/// An HTTPS server holding one private repository, that wants alice and the token.
fn private_server(env: &TestEnv) -> (HttpServer, PathBuf) {
    let upstreams = Upstreams::new(env);
    upstreams.create(
        env,
        "private",
        "main",
        &[(CONFIG, "repository:\n  backend: github\n")],
    );
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let server = HttpServer::start_with(
        &upstreams,
        HttpOptions::basic_auth(Some(tls), "alice", TOKEN),
    );
    (server, ca)
}

/// A repodex command that trusts the test CA.
fn trusting(env: &TestEnv, ca: &PathBuf, args: &[&str]) -> Command {
    let mut cmd = env.command(args);
    cmd.env("SSL_CERT_FILE", ca);
    cmd
}

#[test]
fn refresh_of_a_private_repository_uses_the_stored_token() {
    let env = TestEnv::online();
    let (server, ca) = private_server(&env);
    let url = server.url("private");
    let out = trusting(&env, &ca, &["register", &url, "--name", "private"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("registered private, but could not fetch"),
        "{stderr}"
    );
    // --quiet hides notices, never this warning.
    let other = server.url("other");
    let out = trusting(
        &env,
        &ca,
        &["--quiet", "register", &other, "--name", "private2"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("repodex: warning: registered private2"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(server.refused() > 0, "the server asked for credentials");

    // Without a credential, refresh fails clearly.
    let out = trusting(&env, &ca, &["refresh", "private"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("asks for credentials, and repodex has none"),
        "{out:?}"
    );

    // With the token in the vault, it succeeds.
    let set = run_with_stdin(
        env.command(&["creds", "set", "private", "--username", "alice"]),
        TOKEN,
    );
    assert_eq!(set.code, 0, "{set:?}");
    let out = trusting(&env, &ca, &["refresh", "private"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("updated private: default branch main"));
    assert_eq!(
        env.ok(&["config", "private", CONFIG]),
        "repository:\n  backend: github\n"
    );

    // The token never reached the registry, and no child process got it in plain text.
    env.assert_secret_absent(TOKEN);
}

#[test]
fn a_url_with_a_token_registers_clean_and_fetches_with_the_secret() {
    let env = TestEnv::online();
    let (server, ca) = private_server(&env);
    let with_secret = server
        .url("private")
        .replace("https://", &format!("https://alice:{TOKEN}@"));
    let out = trusting(&env, &ca, &["register", &with_secret])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the URL carried a secret; it is stored encrypted in the vault"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "a notice repeated the secret");
    assert_eq!(
        env.ok(&["resolve", "private"]),
        format!("{}\n", server.url("private"))
    );
    assert_eq!(
        env.ok(&["config", "private", CONFIG]),
        "repository:\n  backend: github\n"
    );
    let shown = env.ok(&["creds", "show", "private"]);
    assert!(
        shown.contains("username:  alice") && !shown.contains(TOKEN),
        "{shown}"
    );
    assert!(env
        .ok(&["creds", "show", "private", "--reveal"])
        .contains(TOKEN));
    env.assert_secret_absent(TOKEN);
}

#[test]
fn plain_git_clones_with_repodex_as_its_only_credential_helper() {
    let env = TestEnv::online();
    let (server, ca) = private_server(&env);
    env.ok(&[
        "register",
        "--no-fetch",
        &server.url("private"),
        "--name",
        "private",
    ]);
    assert_eq!(
        run_with_stdin(
            env.command(&["creds", "set", "private", "--username", "alice"]),
            TOKEN
        )
        .code,
        0
    );

    // The user's global config stores every credential in plain text; for the registered
    // host, the helper list is cleared and repodex is the only helper.
    let home = env.root().join("home");
    let host = format!("https://127.0.0.1:{}", server.port);
    let gitconfig = format!(
        "[credential]\n\thelper = store\n[credential \"{host}\"]\n\thelper =\n\thelper = \"!{} credential\"\n\tuseHttpPath = true\n",
        env!("CARGO_BIN_EXE_repodex")
    );
    std::fs::write(home.join(".gitconfig"), &gitconfig).unwrap();
    let mut clone = Command::new("git");
    env.isolate(&mut clone);
    clone
        .env("REPODEX_HOME", env.registry())
        .env("GIT_SSL_CAINFO", &ca)
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["clone", "-q", &server.url("private"), "copy"])
        .current_dir(env.work());
    let out = clone.output().unwrap();
    assert!(
        out.status.success(),
        "git clone failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(env.work().join("copy").join(CONFIG).exists());
    assert!(
        !home.join(".git-credentials").exists(),
        "git's store helper received the secret"
    );
    assert_eq!(
        std::fs::read_to_string(home.join(".gitconfig")).unwrap(),
        gitconfig
    );

    // The helper answers only exact matches, and never for a missing protocol or host.
    let get = |input: &str| env.run_stdin(&["credential", "get"], input);
    let exact = get(&format!(
        "protocol=https\nhost=127.0.0.1:{}\npath=private.git\n\n",
        server.port
    ));
    assert_eq!(exact.stdout, format!("username=alice\npassword={TOKEN}\n"));
    for other in [
        format!(
            "protocol=http\nhost=127.0.0.1:{}\npath=private.git\n\n",
            server.port
        ),
        "protocol=https\nhost=127.0.0.1:1\npath=private.git\n\n".to_string(),
        format!(
            "protocol=https\nhost=127.0.0.1:{}\npath=other.git\n\n",
            server.port
        ),
        format!(
            "protocol=https\nhost=localhost:{}\npath=private.git\n\n",
            server.port
        ),
    ] {
        let run = get(&other);
        assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{other:?}");
    }
    for missing in [
        "host=127.0.0.1\n\n",
        "protocol=https\n\n",
        "protocol=https\nhost=\n\n",
    ] {
        let run = get(missing);
        assert_eq!(run.code, 2, "{missing:?}");
        assert_eq!(run.stdout, "");
    }
    // store writes nothing; erase marks the credential rejected until it is set again.
    let request = format!(
        "protocol=https\nhost=127.0.0.1:{}\npath=private.git\nusername=alice\npassword={TOKEN}\n\n",
        server.port
    );
    let before = env.head();
    assert_eq!(env.run_stdin(&["credential", "store"], &request).code, 0);
    assert_eq!(env.head(), before);
    assert_eq!(env.run_stdin(&["credential", "erase"], &request).code, 0);
    assert_eq!(get(&request).stdout, "");
    assert_eq!(
        run_with_stdin(
            env.command(&["creds", "set", "private", "--username", "alice"]),
            "new-token"
        )
        .code,
        0
    );
    assert!(get(&request).stdout.contains("password=new-token"));
    env.assert_secret_absent(TOKEN);
    env.assert_secret_absent("new-token");
}

/// A second teammate's identity file.
fn teammate(env: &TestEnv, name: &str) -> (PathBuf, String) {
    let path = env.root().join(format!("{name}-identity.txt"));
    let mut cmd = env.command(&["identity"]);
    cmd.env("REPODEX_IDENTITY", &path);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        path,
        String::from_utf8(out.stdout).unwrap().trim().to_string(),
    )
}

fn as_identity(
    env: &TestEnv,
    identity: &PathBuf,
    args: &[&str],
    input: &str,
) -> crate::support::Run {
    let mut cmd = env.command(args);
    cmd.env("REPODEX_IDENTITY", identity);
    run_with_stdin(cmd, input)
}

#[test]
fn two_teammates_share_and_unshare_credentials() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let (alice, _) = teammate(&env, "alice");
    let (bob, bob_key) = teammate(&env, "bob");
    assert_eq!(
        as_identity(&env, &alice, &["creds", "set", "app"], "first-secret").code,
        0
    );

    // Bob is not a recipient yet: he cannot read, nor add himself.
    let run = as_identity(&env, &bob, &["creds", "show", "app"], "");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not encrypted to your key"),
        "{run:?}"
    );
    let run = as_identity(&env, &bob, &["recipients", "add", &bob_key], "");
    assert!(
        run.stderr.contains("only a recipient can add recipients"),
        "{run:?}"
    );

    // Alice adds him: both can read, in one commit that re-encrypted the file.
    let before = env.head();
    assert_eq!(
        as_identity(&env, &alice, &["recipients", "add", &bob_key], "").code,
        0
    );
    assert_eq!(
        env.git(&["rev-list", "--count", &format!("{before}..HEAD")]),
        "1\n"
    );
    let changed = env.git(&["diff", "--name-only", &before, "HEAD"]);
    assert_eq!(changed, ".age-recipients\ncredentials/app.age\n");
    for who in [&alice, &bob] {
        let run = as_identity(&env, who, &["creds", "show", "app", "--reveal"], "");
        assert!(run.stdout.contains("first-secret"), "{run:?}");
    }
    let listed = as_identity(&env, &bob, &["recipients", "list"], "").stdout;
    assert!(listed.contains(&format!("{bob_key}  (you)")), "{listed}");

    // Setting the same credential again re-encrypts nothing.
    let head = env.head();
    assert_eq!(
        as_identity(&env, &alice, &["creds", "set", "app"], "first-secret").code,
        0
    );
    assert_eq!(env.head(), head, "unchanged content must not churn history");

    // Alice removes Bob: he is told what he could read; he cannot read new versions.
    let run = as_identity(&env, &alice, &["recipients", "rm", &bob_key], "");
    assert!(
        run.stderr.contains("that key could read these credentials") && run.stderr.contains("app"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("rotate them at their source"),
        "{run:?}"
    );
    assert_eq!(
        as_identity(&env, &alice, &["creds", "set", "app"], "second-secret").code,
        0
    );
    let run = as_identity(&env, &bob, &["creds", "show", "app", "--reveal"], "");
    assert!(
        run.stderr.contains("is not encrypted to your key"),
        "{run:?}"
    );
    // The last recipient cannot be removed.
    let alice_key = as_identity(&env, &alice, &["identity"], "")
        .stdout
        .trim()
        .to_string();
    let run = as_identity(&env, &alice, &["recipients", "rm", &alice_key], "");
    assert!(run.stderr.contains("that is the last recipient"), "{run:?}");

    // Credentials follow a rename and go with forget.
    env.ok(&["rename", "app", "application"]);
    assert!(env.registry().join("credentials/application.age").exists());
    assert!(!env.registry().join("credentials/app.age").exists());
    assert_eq!(env.ok(&["creds", "list"]), "application\n");
    env.ok(&["forget", "application"]);
    assert_eq!(env.ok(&["creds", "list"]), "");
    assert!(env.ok(&["doctor"]).starts_with("ok: 0 entries"));
    for secret in ["first-secret", "second-secret"] {
        env.assert_secret_absent(secret);
    }
}

#[test]
fn tampered_recipients_are_caught_until_accepted() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    assert_eq!(
        env.run_stdin(&["creds", "set", "app"], "s3cret-one").code,
        0
    );
    // Someone else's commit (a pull, a hand edit) adds a key this machine never accepted.
    let stranger = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";
    let text = std::fs::read_to_string(env.registry().join(".age-recipients")).unwrap();
    env.hand_commit(".age-recipients", &format!("{text}# sneaky\n{stranger}\n"));
    let before = env.head();
    let run = env.run_stdin(&["creds", "set", "app"], "s3cret-two");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".age-recipients changed in a commit this machine did not make (+ age1qyqszqgpqyqs…3290gq)"), "{run:?}");
    assert!(run.stderr.contains("repodex recipients accept"), "{run:?}");
    assert_eq!(env.head(), before, "nothing was encrypted to the new key");
    // Reading still works; accepting lets encryption go on.
    assert_eq!(env.run(&["creds", "show", "app"]).code, 0);
    let run = env.run(&["recipients", "accept"]);
    assert!(run.stderr.contains("accepted: + age1qyqszqgp"), "{run:?}");
    assert_eq!(
        env.run_stdin(&["creds", "set", "app"], "s3cret-two").code,
        0
    );

    // A recipient that would run an age plugin is refused, naming the line.
    let text = std::fs::read_to_string(env.registry().join(".age-recipients")).unwrap();
    env.hand_commit(".age-recipients", &format!("{text}age1yubikey1qwerty\n"));
    let run = env.run(&["recipients", "list"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("uses the age plugin 'yubikey', which repodex does not run"),
        "{run:?}"
    );
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 4, "{doctor:?}");
    assert!(
        doctor
            .stdout
            .contains("problem: .age-recipients line 6: the recipient uses the age plugin"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn bad_vault_input_is_refused_and_nothing_is_written() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    // An empty secret, a missing REF, an unknown recipient type.
    let error = env.run_stdin(&["creds", "set", "app"], "");
    assert_eq!(error.code, 2);
    assert!(error.stderr.contains("the secret is empty"), "{error:?}");
    let error = env.run_stdin(&["creds", "set", "nope"], "x");
    assert_eq!(error.code, 3);
    assert_eq!(
        env.run_stdin(&["creds", "set", "app"], "right-secret").code,
        0
    );
    let head = env.head();
    for (args, expected) in [
        (
            vec!["recipients", "add", "ssh-dss AAAAB3NzaC1kc3MAAACBAP"],
            "is not an age X25519, ssh-ed25519 or ssh-rsa public key",
        ),
        (
            vec!["recipients", "add", "not-a-key"],
            "is not an age X25519",
        ),
        (
            vec![
                "recipients",
                "rm",
                "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
            ],
            "is not a recipient",
        ),
        (vec!["creds", "rm", "app", "--bogus"], "unexpected argument"),
        (vec!["credential", "get"], "without 'protocol'"),
    ] {
        let error = env.fails(2, &args);
        assert!(error.contains(expected), "{args:?}: {error}");
    }
    assert_eq!(env.head(), head);

    // A truncated and an altered credential file are named, and nothing secret is printed.
    let file = env.registry().join("credentials/app.age");
    let armored = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = armored.lines().collect();
    env.hand_commit(
        "credentials/app.age",
        &(lines[..lines.len() / 2].join("\n") + "\n"),
    );
    let run = env.run(&["creds", "show", "app", "--reveal"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("credentials/app.age: is not a valid age file")
            || run
                .stderr
                .contains("credentials/app.age: cannot be decrypted"),
        "{run:?}"
    );
    let mut altered = armored.clone().into_bytes();
    let middle = altered.len() / 2;
    altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
    env.hand_commit("credentials/app.age", &String::from_utf8(altered).unwrap());
    let run = env.run(&["creds", "show", "app", "--reveal"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("credentials/app.age:"), "{run:?}");
    assert!(!run.stdout.contains("right-secret") && !run.stderr.contains("right-secret"));

    // An identity others can read is refused; so is one inside the registry.
    let identity = env.root().join("config/repodex/identity.txt");
    std::fs::set_permissions(&identity, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = env.fails(2, &["creds", "show", "app"]);
    assert!(
        error.contains("can be read by others (mode 644); run `chmod 600"),
        "{error}"
    );
    std::fs::set_permissions(&identity, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = env.command(&["identity"]);
    cmd.env("REPODEX_IDENTITY", env.registry().join("identity.txt"));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is inside the registry"));
    assert!(!env.registry().join("identity.txt").exists());
    env.assert_secret_absent("right-secret");
}

#[test]
fn an_ssh_ed25519_key_works_as_the_identity() {
    let env = TestEnv::new();
    let key = env.root().join("id_ed25519");
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let mut set = env.command(&["creds", "set", "app"]);
    set.env("REPODEX_IDENTITY", &key);
    assert_eq!(run_with_stdin(set, "ssh-held-secret").code, 0);
    let recipients = std::fs::read_to_string(env.registry().join(".age-recipients")).unwrap();
    assert!(recipients.contains("ssh-ed25519 AAAA"), "{recipients}");
    let mut show = env.command(&["creds", "show", "app", "--reveal"]);
    show.env("REPODEX_IDENTITY", &key);
    assert!(String::from_utf8(show.output().unwrap().stdout)
        .unwrap()
        .contains("ssh-held-secret"));
    env.assert_secret_absent("ssh-held-secret");
}

#[test]
fn a_credential_is_never_sent_over_plain_http() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "private", "main", &[(CONFIG, "x: 1\n")]);
    let server = HttpServer::start_with(&upstreams, HttpOptions::basic_auth(None, "alice", TOKEN));
    env.ok(&[
        "register",
        "--no-fetch",
        &server.url("private"),
        "--name",
        "private",
    ]);
    // `creds set` refuses at once: the credential would never be sent.
    let run = run_with_stdin(
        env.command(&["creds", "set", "private", "--username", "alice"]),
        TOKEN,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is fetched over plain http"), "{run:?}");
    // One bound to http all the same (set for https, the URL moved to http and the
    // credential re-bound there) is not sent either.
    let https = server.url("private").replacen("http://", "https://", 1);
    env.ok(&["set", "private", "--url", &https]);
    assert_eq!(
        run_with_stdin(
            env.command(&["creds", "set", "private", "--username", "alice"]),
            TOKEN
        )
        .code,
        0
    );
    env.ok(&["set", "private", "--url", &server.url("private")]);
    env.ok(&["creds", "rebind", "private"]);
    let run = env.run(&["refresh", "private"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr
            .contains("it is not sent over http (http://127.0.0.1:"),
        "{}",
        run.stderr
    );
    // repodex refuses before it connects: the server never saw a request.
    assert_eq!(server.connections(), 0, "the server was contacted");
    // Nor does the helper answer git for http.
    let request = format!(
        "protocol=http\nhost=127.0.0.1:{}\npath=private.git\n\n",
        server.port
    );
    let run = env.run_stdin(&["credential", "get"], &request);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{run:?}");
}
