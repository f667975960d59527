//! Remote data: refresh from real servers on 127.0.0.1, cached configuration with
//! history, serving from the cache when the remote is gone, and the offline guarantee.

use crate::servers::{BlackHole, GitDaemon, HttpServer, Relay, Upstreams};
use crate::support::{allow_short_ttl, entry_path, git_in, TestEnv};
use pretty_assertions::assert_eq;
use std::time::Duration;

const CONFIG: &str = ".minsky/config.yaml";

fn config(backend: &str) -> String {
    format!("repository:\n  backend: {backend}\n")
}

/// An upstream `minsky` whose default branch is `trunk`, with a configuration file and
/// a README in its one commit.
fn minsky_upstream(env: &TestEnv) -> (Upstreams, std::path::PathBuf) {
    let upstreams = Upstreams::new(env);
    let work = upstreams.create(
        env,
        "minsky",
        "trunk",
        &[(CONFIG, &config("github")), ("README", "hi")],
    );
    (upstreams, work)
}

#[test]
fn configuration_history_over_three_upstream_commits() {
    let env = TestEnv::online();
    let (upstreams, work) = minsky_upstream(&env);
    let daemon = GitDaemon::start(&upstreams);

    // register fetches at once: the default branch is not main.
    assert_eq!(
        env.ok(&["register", &daemon.url("minsky"), "--name", "mk"]),
        "mk\n"
    );
    let info: serde_json::Value = serde_json::from_str(&env.ok(&["info", "mk", "--json"])).unwrap();
    assert_eq!(info["default_branch"], "trunk");
    assert_eq!(info["config_files"], serde_json::json!([CONFIG]));
    assert_eq!(env.ok(&["config", "mk", CONFIG]), config("github"));

    upstreams.commit(&env, &work, "gitlab", &[(CONFIG, &config("gitlab"))]);
    env.ok(&["refresh", "mk"]);
    upstreams.commit(
        &env,
        &work,
        "unrelated",
        &[("README", "changed, config not")],
    );
    let head = env.head();
    let run = env.run(&["refresh", "mk"]);
    assert!(
        run.stdout.contains("0 updated, 1 unchanged, 0 failed"),
        "{run:?}"
    );
    assert_eq!(
        env.head(),
        head,
        "a head that moved without touching the config makes no commit"
    );
    upstreams.commit(&env, &work, "local", &[(CONFIG, &config("local"))]);
    let run = env.run(&["refresh", "mk"]);
    assert!(
        run.stdout
            .contains("updated mk: .minsky/config.yaml changed"),
        "{run:?}"
    );

    // Three versions in the log, and the right content at each.
    let log = env.ok(&["log", "mk"]);
    let summaries: Vec<&str> = log
        .lines()
        .map(|l| l.splitn(3, "  ").nth(2).unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "refresh mk: .minsky/config.yaml changed",
            "refresh mk: .minsky/config.yaml changed",
            "refresh mk: default branch trunk, .minsky/config.yaml added",
            "register mk",
        ]
    );
    let commits: Vec<&str> = log.lines().map(|l| l.split("  ").nth(1).unwrap()).collect();
    for (commit, backend) in commits.iter().zip(["local", "gitlab", "github"]) {
        assert_eq!(
            env.ok(&["config", "mk", CONFIG, "--at", commit]),
            config(backend),
            "at {commit}"
        );
    }
    let old = env.ok(&["info", "mk", "--at", commits[3]]);
    assert!(old.contains("default branch:  (not fetched yet)"), "{old}");
    let diff = env.ok(&["diff", "mk"]);
    assert!(
        diff.contains("-  backend: gitlab\n+  backend: local\n"),
        "{diff}"
    );
    let drift = env.ok(&["diff", "mk", "--since", commits[3]]);
    assert!(
        drift.contains("default branch: (unknown) -> trunk"),
        "{drift}"
    );
    assert!(drift.contains("+  backend: local"), "{drift}");
    // And plain git sees the same history.
    let plain = env.git(&["log", "--format=%s", &entry_path("mk")]);
    assert_eq!(plain.lines().count(), 4);
}

#[test]
fn smart_http_refresh_with_nothing_new_receives_no_pack() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "tool", "main", &[(CONFIG, &config("github"))]);
    let server = HttpServer::start(&upstreams);
    env.ok(&["register", &server.url("tool")]);
    assert_eq!(server.fetches(), 1, "the first refresh fetched once");
    let head = env.head();
    let run = env.run(&["refresh", "tool"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.fetches(),
        1,
        "nothing new: refs listed, no pack asked for"
    );
    assert_eq!(env.head(), head, "nothing new: no commit");
    assert_eq!(env.ok(&["config", "tool", CONFIG]), config("github"));
}

#[test]
fn an_unreachable_remote_is_answered_from_the_cache_with_its_age() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "tool", "main", &[(CONFIG, &config("github"))]);
    let daemon = GitDaemon::start(&upstreams);
    let url = daemon.url("tool");
    env.ok(&["register", &url]);
    // Make every read consider the data stale, then take the server away.
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"0s\"\n"),
    );
    // A time-to-live under this machine's floor (a minute) needs the user's own say.
    allow_short_ttl(&env);
    drop(daemon);

    let run = env.run(&["info", "tool"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("default branch:  main"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("(cached, checked "), "{}", run.stderr);
    assert!(
        run.stderr.contains("remote unreachable: ")
            && run.stderr.contains("refused the connection"),
        "{}",
        run.stderr
    );
    // The host failed a moment ago: the next read does not wait for it again.
    let run = env.run(&["config", "tool", CONFIG]);
    assert_eq!(run.stdout, config("github"));
    assert!(
        run.stderr
            .contains("not asked: 127.0.0.1 failed just now (git://127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`repodex refresh tool` tries now"),
        "{}",
        run.stderr
    );
    // refresh itself says it failed, and changes nothing.
    let head = env.head();
    let run = env.run(&["refresh", "tool"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("failed tool: git://127.0.0.1:")
            && run.stderr.contains("refused the connection"),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), head);
    env.assert_plain_git_happy();
}

#[test]
fn offline_opens_no_connection_at_all() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "tool", "main", &[(CONFIG, &config("github"))]);
    let server = HttpServer::start(&upstreams);
    env.ok(&["register", &server.url("tool")]);
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"0s\"\n"),
    );
    // A time-to-live under this machine's floor (a minute) needs the user's own say.
    allow_short_ttl(&env);
    let before = server.connections();

    let run = env.run(&["--offline", "info", "tool"]);
    assert!(run.stderr.contains("(cached, checked "), "{run:?}");
    assert!(run.stderr.contains("offline: --offline"), "{run:?}");
    let mut cmd = env.command(&["config", "tool"]);
    cmd.env("REPODEX_OFFLINE", "1");
    let out = cmd.output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("offline: REPODEX_OFFLINE is set"));
    std::fs::create_dir_all(env.root().join("config/repodex")).unwrap();
    std::fs::write(
        env.root().join("config/repodex/config.toml"),
        "offline = true\n",
    )
    .unwrap();
    let run = env.run(&["refresh", "--all"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains(
        "refresh needs the network, and repodex is offline (offline = true in the user config)"
    ));
    let run = env.run(&["register", &server.url("other")]);
    assert!(
        run.stderr.contains("registered without fetching (offline"),
        "{run:?}"
    );
    env.ok(&["list"]);
    env.ok(&["resolve", "tool"]);
    env.ok(&["log", "tool"]);
    env.ok(&["diff", "tool"]);
    assert_eq!(
        server.connections(),
        before,
        "an offline command connected to the server"
    );
}

#[test]
fn a_black_holed_port_is_abandoned_after_the_timeout() {
    let env = TestEnv::online();
    let hole = BlackHole::start();
    let url = format!("git://127.0.0.1:{}/never.git", hole.port);
    let mut cmd = env.command(&["register", &url]);
    cmd.env("REPODEX_TIMEOUT", "2");
    let out = cmd.output().unwrap();
    // Registered and kept, and the exit code says the fetch failed.
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "never\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("repodex: warning: registered never, but could not fetch"),
        "{stderr}"
    );
    assert_eq!(env.ok(&["resolve", "never"]), format!("{url}\n"));
    assert!(stderr.contains("did not answer within 2 s"), "{stderr}");
    let mut cmd = env.command(&["refresh", "never"]);
    cmd.env("REPODEX_TIMEOUT", "1");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed never: git://127.0.0.1"));
}

#[test]
fn refresh_all_of_fifty_with_one_failing() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    for i in 0..50 {
        upstreams.create(
            &env,
            &format!("r{i:02}"),
            "main",
            &[(CONFIG, &config(&format!("b{i}")))],
        );
    }
    let daemon = GitDaemon::start(&upstreams);
    for i in 0..50 {
        env.ok(&["register", "--no-fetch", &daemon.url(&format!("r{i:02}"))]);
    }
    // One of them goes away upstream.
    std::fs::remove_dir_all(upstreams.root.join("r17.git")).unwrap();
    let head = env.head();
    let run = env.run(&["refresh", "--all", "--jobs", "4"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stdout.contains("49 updated, 0 unchanged, 1 failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("failed r17: "), "{}", run.stderr);
    // One commit for the whole run, naming every entry it changed.
    assert_eq!(
        env.git(&["rev-list", "--count", &format!("{head}..HEAD")]),
        "1\n"
    );
    let message = env.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("refresh 49 repositories\n\n"),
        "{message}"
    );
    assert!(
        message.contains("r42: default branch main, .minsky/config.yaml added"),
        "{message}"
    );
    assert_eq!(env.ok(&["config", "r42", CONFIG]), config("b42"));
    env.assert_plain_git_happy();
}

#[test]
fn a_git_daemon_has_at_most_four_connects_unanswered_and_eight_fetches_running() {
    // git daemon listens with a backlog of 5: eight connects at one moment would have
    // the kernel drop some, and each dropped one waits for a retry. Over a slow link,
    // eight jobs would otherwise all wait for the daemon's answer at once; once
    // answered, a connection has left the backlog, and all eight fetches run.
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    for i in 0..8 {
        upstreams.create(
            &env,
            &format!("d{i}"),
            "main",
            &[(CONFIG, &config("github"))],
        );
    }
    let daemon = GitDaemon::start(&upstreams);
    let relay = Relay::start(daemon.port, Duration::from_millis(300));
    // And one on another scheme, which the limit does not hold back.
    upstreams.create(&env, "web", "main", &[(CONFIG, &config("github"))]);
    let server = HttpServer::start(&upstreams);
    for i in 0..8 {
        env.ok(&["register", "--no-fetch", &relay.url(&format!("d{i}"))]);
    }
    env.ok(&["register", "--no-fetch", &server.url("web")]);
    let run = env.run(&["refresh", "--all", "--jobs", "8"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("9 updated, 0 unchanged, 0 failed"),
        "{run:?}"
    );
    assert_eq!(
        relay.most_unanswered(),
        4,
        "connections at once that the daemon had not yet answered"
    );
    assert_eq!(
        relay.most_open(),
        8,
        "connections open at once to the daemon"
    );
    assert!(
        relay.connections() >= 8,
        "{} connections",
        relay.connections()
    );
    assert!(server.fetches() >= 1, "the https entry was not fetched");
    assert_eq!(env.ok(&["config", "d7", CONFIG]), config("github"));
    env.assert_plain_git_happy();
}

#[test]
fn file_urls_and_local_paths_are_refreshed_too() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "local", "develop", &[(CONFIG, &config("local"))]);
    let bare = upstreams.root.join("local.git");
    assert_eq!(env.ok(&["register", bare.to_str().unwrap()]), "local\n");
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "local", "--json"])).unwrap();
    assert_eq!(info["default_branch"], "develop");
    env.ok(&["forget", "local"]);
    env.ok(&[
        "register",
        &format!("file://{}", bare.display()),
        "--name",
        "via-file",
    ]);
    assert_eq!(env.ok(&["config", "via-file", CONFIG]), config("local"));
}

#[test]
fn which_files_are_cached_settings_overrides_and_limits() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let big = "x".repeat(300 * 1024);
    upstreams.create(
        &env,
        "app",
        "main",
        &[
            (CONFIG, &config("github")),
            ("config/local.yaml", &big),
            ("minsky.config.json", "{\"a\":\u{0}1}"),
            ("custom/settings.toml", "answer = 42\n"),
        ],
    );
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", "--no-fetch", &daemon.url("app")]);
    let run = env.run(&["refresh", "app"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("skipped app: config/local.yaml: 307200 bytes, over the 262144 byte limit"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("skipped app: minsky.config.json: not a text file"),
        "{}",
        run.stderr
    );
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "app", "--json"])).unwrap();
    assert_eq!(info["config_files"], serde_json::json!([CONFIG]));

    // The entry names its own files; the registry raises the size limit.
    let path = env.registry().join(entry_path("app"));
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "added = ",
        "config_paths = [\"custom/settings.toml\", \"config/local.yaml\"]\nadded = ",
        1,
    );
    env.hand_commit(&entry_path("app"), &text);
    // A hand edit is read once this machine accepts it, as any change it did not make.
    env.ok(&["accept", "app"]);
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}max_config_size = 400000\n"),
    );
    // The shared registry.toml can lower this machine's limit, never raise it.
    let run = env.run(&["refresh", "app"]);
    assert!(
        run.stderr
            .contains("skipped app: config/local.yaml: 307200 bytes, over the 262144 byte limit"),
        "{}",
        run.stderr
    );
    let config = env.root().join("config/repodex");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "max_config_size = 400000\n").unwrap();
    let run = env.run(&["refresh", "app"]);
    assert!(
        run.stdout.contains("updated app: config/local.yaml added"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.ok(&["config", "app", "custom/settings.toml"]),
        "answer = 42\n"
    );
    // A bad path in the settings is named.
    env.hand_commit(
        "registry.toml",
        &format!("{settings}config_paths = [\"../escape\"]\n"),
    );
    let error = env.fails(4, &["refresh", "app"]);
    assert!(
        error.contains("registry.toml: '../escape' is not a path inside a repository"),
        "{error}"
    );
}

#[test]
fn a_refresh_downloads_no_more_than_max_mirror_size() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    // 4 MB that do not compress, beside the configuration file.
    let mut noise = Vec::with_capacity(4 << 20);
    let mut rng = crate::support::Rng(0x853c_49e6_748f_ea9b);
    while noise.len() < 4 << 20 {
        noise.extend_from_slice(&rng.next().to_le_bytes());
    }
    let work = upstreams.create(&env, "big", "main", &[(CONFIG, &config("github"))]);
    std::fs::write(work.join("noise.bin"), &noise).unwrap();
    upstreams.commit(&env, &work, "noise", &[]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&[
        "register",
        "--no-fetch",
        &daemon.url("big"),
        "--name",
        "big",
    ]);
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}max_mirror_size = 1000000\n"),
    );

    let run = env.run(&["refresh", "big"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("max_mirror_size (1000000 bytes)"),
        "{run:?}"
    );
    // Nothing of the download is left in the cache.
    let mirrors = env.root().join("cache/repodex");
    let left: Vec<_> = walkdir::WalkDir::new(&mirrors)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().to_string_lossy().contains(".pack"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    env.assert_plain_git_happy();

    // Raised, the same refresh goes through.
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &settings.replace("max_mirror_size = 1000000", "max_mirror_size = 100000000"),
    );
    env.ok(&["refresh", "big"]);
    assert_eq!(env.ok(&["config", "big", CONFIG]), config("github"));
}

/// A mirror is a bare repository plain git reads and checks, holding the files a
/// repository needs and nothing of the templates (`git init`'s hook samples) or the
/// fetch's scaffolding (its `.keep` file), which every refresh would create again.
#[test]
fn a_mirror_is_a_bare_repository_plain_git_reads_and_holds_nothing_else() {
    let env = TestEnv::online();
    let (upstreams, work) = minsky_upstream(&env);
    upstreams.commit(&env, &work, "second", &[("README", "again")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("minsky"), "--name", "mk"]);

    let mirrors = env.root().join("cache/repodex/mirrors");
    let mirror: Vec<_> = std::fs::read_dir(&mirrors)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "git"))
        .collect();
    assert_eq!(mirror.len(), 1, "{mirror:?}");
    let mirror = &mirror[0];
    git_in(&env, mirror, &["fsck", "--no-progress", "--strict"]);
    assert_eq!(
        git_in(&env, mirror, &["log", "--format=%s", "trunk"]),
        "second\nfirst\n"
    );
    assert_eq!(
        git_in(&env, mirror, &["symbolic-ref", "HEAD"]),
        "refs/heads/trunk\n"
    );
    assert_eq!(
        git_in(&env, mirror, &["rev-parse", "--is-bare-repository"]),
        "true\n"
    );
    let mut files: Vec<String> = walkdir::WalkDir::new(mirror)
        .min_depth(1)
        .into_iter()
        .flatten()
        .map(|e| {
            let path = e.path().strip_prefix(mirror).unwrap().to_string_lossy();
            // Pack names are their content's hash.
            match path.find("pack-") {
                Some(at) => format!("{}pack-*{}", &path[..at], &path[path.rfind('.').unwrap()..]),
                None => path.into_owned(),
            }
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "HEAD",
            "config",
            "objects",
            "objects/pack",
            "objects/pack/pack-*.idx",
            "objects/pack/pack-*.pack",
            "refs",
            "refs/heads",
            "refs/heads/trunk",
        ]
    );
    // And a working copy made from it has the history.
    let copy = env.root().join("copy");
    env.ok(&["clone", "mk", copy.to_str().unwrap()]);
    assert_eq!(git_in(&env, &copy, &["rev-list", "--count", "HEAD"]), "2\n");
}

/// A remote with one new commit sends the mirror that commit, not its whole history
/// again: the refresh fetches into the mirror as `git fetch` would, the pack it had
/// stays, the new pack holds only the new objects, and plain git finds the mirror whole.
/// A fetch that would take the mirror past `max_mirror_size` moves no ref.
#[test]
fn a_changed_remote_sends_the_mirror_only_what_it_lacks() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let mut noise = Vec::with_capacity(1 << 20);
    let mut rng = crate::support::Rng(0x2545_f491_4f6c_dd1d);
    while noise.len() < 1 << 20 {
        noise.extend_from_slice(&rng.next().to_le_bytes());
    }
    let work = upstreams.create(&env, "big", "main", &[(CONFIG, &config("github"))]);
    std::fs::write(work.join("noise.bin"), &noise).unwrap();
    upstreams.commit(&env, &work, "noise", &[]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("big"), "--name", "big"]);
    let mirrors = env.root().join("cache/repodex/mirrors");
    let mirror = std::fs::read_dir(&mirrors)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "git"))
        .expect("a mirror");
    let packs = |mirror: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(mirror.join("objects/pack"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pack"))
            .collect();
        names.sort();
        names
    };
    let first = packs(&mirror);
    assert_eq!(first.len(), 1, "{first:?}");

    upstreams.commit(&env, &work, "docs", &[("README", "new words")]);
    env.ok(&["refresh", "big"]);
    let now = packs(&mirror);
    assert_eq!(now.len(), 2, "one more pack: {now:?}");
    assert!(now.contains(&first[0]), "the first pack stays: {now:?}");
    let new = now.iter().find(|p| **p != first[0]).unwrap();
    let index = mirror
        .join("objects/pack")
        .join(new.replace(".pack", ".idx"));
    let listed = std::process::Command::new("git")
        .arg("show-index")
        .stdin(std::fs::File::open(&index).unwrap())
        .output()
        .unwrap();
    let count = String::from_utf8_lossy(&listed.stdout).lines().count();
    // The commit, its tree and the new README: the 1 MB file is not sent again.
    assert_eq!(count, 3, "{}", String::from_utf8_lossy(&listed.stdout));
    git_in(&env, &mirror, &["fsck", "--no-progress", "--strict"]);
    assert_eq!(
        git_in(&env, &mirror, &["log", "--format=%s", "main"]),
        "docs\nnoise\nfirst\n"
    );
    assert_eq!(env.ok(&["config", "big", CONFIG]), config("github"));

    // Another 1 MB that would take the mirror past max_mirror_size (1.5 MB): refused,
    // its pack removed, and the mirror's branch still at the commit it had.
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}max_mirror_size = 1500000\n"),
    );
    let mut more = Vec::with_capacity(1 << 20);
    while more.len() < 1 << 20 {
        more.extend_from_slice(&rng.next().to_le_bytes());
    }
    std::fs::write(work.join("more.bin"), &more).unwrap();
    upstreams.commit(&env, &work, "more noise", &[]);
    let run = env.run(&["refresh", "big"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(
        run.stderr.contains("max_mirror_size (1500000 bytes)"),
        "{run:?}"
    );
    assert_eq!(packs(&mirror), now, "no pack of the refused fetch is left");
    assert_eq!(
        git_in(&env, &mirror, &["log", "--format=%s", "main"]),
        "docs\nnoise\nfirst\n"
    );
    git_in(&env, &mirror, &["fsck", "--no-progress", "--strict"]);
}

/// A repository created on the server a moment ago has no commits: registering it
/// succeeds and says which branch its HEAD will be (over git://, whose protocol v1
/// advertises nothing for an empty repository), and its first push is fetched by the
/// next refresh.
#[test]
fn an_empty_remote_is_registered_with_its_unborn_branch_and_fetched_once_pushed() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let bare = upstreams.root.join("fresh.git");
    let bare_path = bare.to_str().unwrap();
    git_in(
        &env,
        &upstreams.root,
        &["init", "-q", "--bare", "-b", "trunk", bare_path],
    );
    let daemon = GitDaemon::start(&upstreams);
    let run = env.run(&["register", &daemon.url("fresh"), "--name", "fresh"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("could not fetch"), "{run:?}");
    let info = env.ok(&["info", "fresh"]);
    assert!(info.contains("default branch:  trunk"), "{info}");

    let work = env.root().join("fresh-work");
    std::fs::create_dir_all(work.join(".minsky")).unwrap();
    std::fs::write(work.join(CONFIG), config("github")).unwrap();
    git_in(&env, &work, &["init", "-q", "-b", "trunk"]);
    git_in(&env, &work, &["add", "-A"]);
    git_in(&env, &work, &["commit", "-qm", "first"]);
    git_in(&env, &work, &["push", "-q", bare_path, "trunk"]);
    env.ok(&["refresh", "fresh"]);
    assert_eq!(env.ok(&["config", "fresh", CONFIG]), config("github"));
}

/// `config` of an entry says whether its files were never fetched or the repository
/// simply has none.
#[test]
fn config_says_whether_there_are_no_files_or_no_fetch_yet() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "plain", "main", &[("README", "no config here\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("plain"), "--name", "plain"]);
    env.ok(&[
        "register",
        "--no-fetch",
        "git://127.0.0.1:9/never.git",
        "--name",
        "never",
    ]);
    let run = env.run(&["config", "plain"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("'plain' has none of the configuration files repodex caches (read "),
        "{}",
        run.stderr
    );
    let run = env.run(&["--offline", "config", "never"]);
    assert!(
        run.stderr
            .contains("'never' has no cached configuration files yet"),
        "{}",
        run.stderr
    );
}

/// Each class of transport failure, met against real servers on 127.0.0.1, is said in
/// repodex's own words with the next step, once, on one line.
#[test]
fn each_kind_of_transport_failure_says_what_happened_and_what_to_do() {
    use crate::servers::{tls_for_localhost, HttpOptions};
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "there", "main", &[("README", "x\n")]);
    let daemon = GitDaemon::start(&upstreams);
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let private = HttpServer::start_with(
        &upstreams,
        HttpOptions::basic_auth(Some(tls.clone()), "alice", "pw-8c1d"),
    );
    let untrusted = HttpServer::start_with(
        &upstreams,
        HttpOptions {
            tls: Some(tls),
            ..Default::default()
        },
    );
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let cases = [
        (
            private.url("there"),
            true,
            "asks for credentials, and repodex has none it may send there; store them with `repodex creds set <name>`",
        ),
        (
            format!("git://127.0.0.1:{closed}/o/r.git"),
            false,
            "refused the connection: nothing listens at that host and port",
        ),
        (
            daemon.url("absent"),
            false,
            "has no repository there, or shows it only with credentials",
        ),
        (
            untrusted.url("there"),
            false,
            "is not trusted (",
        ),
        (
            "https://no-such-host.invalid/o/r.git".to_string(),
            false,
            "does not resolve",
        ),
    ];
    for (i, (url, trust_ca, words)) in cases.iter().enumerate() {
        let name = format!("case{i}");
        let mut cmd = env.command(&["register", url, "--name", &name]);
        cmd.env("REPODEX_TIMEOUT", "10");
        if *trust_ca {
            cmd.env("SSL_CERT_FILE", &ca);
        }
        let run = crate::support::run_with_stdin(cmd, "");
        assert_eq!(run.code, 5, "{url}: {run:?}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{url}: {run:?}");
        assert!(
            lines[0].starts_with(&format!(
                "repodex: warning: registered {name}, but could not fetch: "
            )),
            "{url}: {run:?}"
        );
        assert!(lines[0].contains(words), "{url}: {run:?}");
        // Said once: the URL is not repeated in a chain of causes.
        assert_eq!(lines[0].matches(url.as_str()).count(), 1, "{url}: {run:?}");
        // refresh says the same words, after the entry's name.
        let mut cmd = env.command(&["refresh", &name]);
        cmd.env("REPODEX_TIMEOUT", "10");
        if *trust_ca {
            cmd.env("SSL_CERT_FILE", &ca);
        }
        let run = crate::support::run_with_stdin(cmd, "");
        assert_eq!(run.code, 5, "{url}: {run:?}");
        assert!(
            run.stderr.contains(&format!("failed {name}: ")) && run.stderr.contains(words),
            "{url}: {run:?}"
        );
    }
}

/// A host that hangs costs one wait, not one per read: its failure is remembered for a
/// few minutes, for every entry on it, and an explicit refresh still tries.
#[test]
fn a_hanging_host_is_waited_for_once_and_then_answered_from_the_cache() {
    let env = TestEnv::online();
    let hole = BlackHole::start();
    for name in ["one", "two"] {
        let url = format!("git://127.0.0.1:{}/{name}.git", hole.port);
        env.ok(&["register", &url, "--no-fetch"]);
    }
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"0s\"\n"),
    );
    allow_short_ttl(&env);
    let read = |name: &str| {
        let mut cmd = env.command(&["info", name]);
        cmd.env("REPODEX_TIMEOUT", "1");
        crate::support::run_with_stdin(cmd, "")
    };
    let first = read("one");
    assert_eq!(first.code, 0, "{first:?}");
    assert!(
        first.stderr.contains("did not answer within 1 s"),
        "{first:?}"
    );
    assert_eq!(hole.connections(), 1);
    // The same entry again, and another on the same host: no connection, and why.
    for name in ["one", "two"] {
        let run = read(name);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stderr.contains("not asked: 127.0.0.1 failed just now"),
            "{run:?}"
        );
    }
    assert_eq!(hole.connections(), 1, "a read waited for the host again");
    // An explicit refresh tries.
    let mut cmd = env.command(&["refresh", "two"]);
    cmd.env("REPODEX_TIMEOUT", "1");
    let run = crate::support::run_with_stdin(cmd, "");
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(hole.connections(), 2);
}

/// repodex's own https fetches go through the proxy the environment names (the
/// documented way, since git's http.proxy is not read), and never around it.
#[test]
fn https_fetches_go_through_the_proxy_in_https_proxy() {
    use std::io::{Read, Write};
    let env = TestEnv::online();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        if let Ok((mut client, _)) = listener.accept() {
            let mut request = [0u8; 2048];
            let n = client.read(&mut request).unwrap_or(0);
            *record.lock().unwrap() = String::from_utf8_lossy(&request[..n]).into_owned();
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let mut cmd = env.command(&["register", "https://proxied.example.com/o/r.git"]);
    cmd.env("HTTPS_PROXY", format!("http://127.0.0.1:{port}"))
        .env("REPODEX_TIMEOUT", "10");
    let run = crate::support::run_with_stdin(cmd, "");
    assert_eq!(run.code, 5, "{run:?}");
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.starts_with("CONNECT proxied.example.com:443 HTTP/1.1"),
        "the proxy saw: {seen:?}"
    );
}
