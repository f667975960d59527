//! Names everywhere: working copies from the mirror, and `repodex:<name>` in plain git.

use std::path::Path;
use std::process::Command;

use crate::servers::{GitDaemon, Upstreams};
use crate::support::{git_in, TestEnv};
use pretty_assertions::assert_eq;

#[test]
fn clone_from_the_mirror_with_the_server_stopped() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(
        &env,
        "minsky",
        "trunk",
        &[("README", "hello\n"), ("src/lib.rs", "// code\n")],
    );
    let daemon = GitDaemon::start(&upstreams);
    let url = daemon.url("minsky");
    env.ok(&["register", &url, "--name", "mk"]);
    drop(daemon);

    let run = env.run(&["--offline", "clone", "mk", "task-42", "--branch", "task-42"]);
    assert_eq!(run.code, 0, "{run:?}");
    let copy = env.work().join("task-42");
    // The path on stdout (for `cd "$(repodex clone mk)"`), and the copy recorded as a
    // local clone of the entry: info lists it, and a path inside it resolves to it.
    let path = copy.canonicalize().unwrap();
    assert_eq!(run.stdout, format!("{}\n", path.display()));
    let info = env.ok(&["info", "mk"]);
    assert!(
        info.contains(&format!("local clones:    {}", path.display())),
        "{info}"
    );
    assert_eq!(
        env.ok(&["resolve", copy.join("src").to_str().unwrap()]),
        format!("{url}\n")
    );
    assert_eq!(
        std::fs::read_to_string(copy.join("README")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        git_in(&env, &copy, &["remote", "get-url", "origin"]),
        format!("{url}\n")
    );
    assert_eq!(
        git_in(&env, &copy, &["branch", "--show-current"]),
        "task-42\n"
    );
    assert!(git_in(&env, &copy, &["branch", "--list", "trunk"]).contains("trunk"));
    assert_eq!(git_in(&env, &copy, &["status", "--porcelain"]), "");
    git_in(&env, &copy, &["fsck", "--no-progress"]);
    // Without a folder: the entry's clone, which it has; nothing new is made.
    let again = env.run(&["--offline", "clone", "mk"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.stdout, format!("{}\n", path.display()));
    assert!(
        again.stderr.contains("mk is cloned here already"),
        "{}",
        again.stderr
    );
    // Another folder, without a branch: the default branch.
    env.ok(&["--offline", "clone", "mk", "second"]);
    assert_eq!(
        git_in(
            &env,
            &env.work().join("second"),
            &["branch", "--show-current"]
        ),
        "trunk\n"
    );

    // Refused: a folder in use, a bad branch name, and no mirror while offline.
    let error = env.fails(2, &["--offline", "clone", "mk", "task-42"]);
    assert!(error.contains("exists and is not empty"), "{error}");
    let error = env.fails(
        2,
        &["--offline", "clone", "mk", "x", "--branch", "bad..name"],
    );
    assert!(error.contains("is not a valid branch name"), "{error}");
    env.ok(&[
        "register",
        "--no-fetch",
        "git://127.0.0.1:1/never.git",
        "--name",
        "never",
    ]);
    let error = env.fails(5, &["--offline", "clone", "never"]);
    assert!(
        error.contains("cloning 'never', which has no mirror yet, needs the network"),
        "{error}"
    );
}

#[test]
fn clone_without_a_mirror_fetches_first_when_online() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "fresh", "develop", &[("README", "fresh\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", "--no-fetch", &daemon.url("fresh")]);
    assert!(
        !env.root().join("cache/repodex/mirrors").exists(),
        "no mirror yet"
    );
    let run = env.run(&["clone", "fresh"]);
    assert_eq!(run.code, 0, "{run:?}");
    // Without a folder: its place under the clone root, ~/src/{host}/{owner}/{repo}.
    let copy = env.root().join("home/src/127.0.0.1/fresh");
    assert_eq!(run.stdout, format!("{}\n", copy.display()));
    assert_eq!(
        std::fs::read_to_string(copy.join("README")).unwrap(),
        "fresh\n"
    );
    assert_eq!(
        git_in(&env, &copy, &["branch", "--show-current"]),
        "develop\n"
    );
    // The fetch also taught the registry the default branch.
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "fresh", "--json"])).unwrap();
    assert_eq!(info["default_branch"], "develop");
}

#[test]
fn plain_git_clones_repodex_names_after_git_setup_and_undo_restores_the_config() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "tool", "main", &[("README", "tool\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&[
        "register",
        "--no-fetch",
        &daemon.url("tool"),
        "--name",
        "team/tool",
    ]);

    // The user's own global config, without a final newline.
    let global = env.root().join("home/.gitconfig");
    let original = "[user]\n\tname = Someone\n[alias]\n\tst = status";
    std::fs::write(&global, original).unwrap();
    env.ok(&["git-setup"]);
    let plain_git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        env.isolate(&mut cmd);
        let out = cmd.args(args).current_dir(env.work()).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    plain_git(&["clone", "-q", "repodex:team/tool", "by-name"]);
    assert_eq!(
        std::fs::read_to_string(env.work().join("by-name/README")).unwrap(),
        "tool\n"
    );
    // Kept current: an alias added afterwards works at once.
    env.ok(&["alias", "add", "team/tool", "tl"]);
    plain_git(&["clone", "-q", "repodex:tl", "by-alias"]);
    assert!(env.work().join("by-alias/README").exists());
    // Running it twice adds nothing.
    env.ok(&["git-setup"]);
    assert_eq!(
        std::fs::read_to_string(&global)
            .unwrap()
            .matches("[include]")
            .count(),
        1
    );

    env.ok(&["git-setup", "--undo"]);
    assert_eq!(
        std::fs::read_to_string(&global).unwrap(),
        original,
        "byte for byte"
    );
    assert!(!env.root().join("config/repodex/gitconfig").exists());
    let mut cmd = Command::new("git");
    env.isolate(&mut cmd);
    let out = cmd
        .args(["clone", "-q", "repodex:tl", "after-undo"])
        .current_dir(env.work())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "repodex: names must stop working after --undo"
    );

    // Without a global config before, undo leaves none.
    std::fs::remove_file(&global).unwrap();
    env.ok(&["git-setup"]);
    assert!(global.exists());
    env.ok(&["git-setup", "--undo"]);
    assert!(!global.exists());
}

#[test]
fn shell_completion_offers_names_and_aliases_and_the_man_page_renders() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
    ]);
    env.ok(&["register", "https://github.com/edobry/tasks"]);
    let complete = |shell: &str, words: &[&str]| {
        let mut cmd = env.command(&[]);
        cmd.env("COMPLETE", shell).arg("--").args(words);
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let candidates = complete("fish", &["repodex", "info", "e"]);
    assert_eq!(
        candidates,
        "edobry/minsky\thttps://github.com/edobry/minsky\nedobry/tasks\thttps://github.com/edobry/tasks\n"
    );
    assert_eq!(
        complete("fish", &["repodex", "clone", "m"]),
        "mk\thttps://github.com/edobry/minsky\n"
    );
    assert_eq!(
        complete("fish", &["repodex", "creds", "show", "edobry/t"]),
        "edobry/tasks\thttps://github.com/edobry/tasks\n"
    );
    // Tags complete where a tag is expected.
    env.ok(&["tag", "add", "mk", "work", "oss"]);
    assert_eq!(
        complete("fish", &["repodex", "list", "--tag", "w"]),
        "work\n"
    );
    assert_eq!(
        complete("fish", &["repodex", "tag", "rm", "mk", "o"]),
        "oss\n"
    );
    // A `--registry DIR` typed on the line is the registry that completes.
    let other = env.root().join("other-registry");
    env.ok(&[
        "--registry",
        other.to_str().unwrap(),
        "register",
        "https://example.com/team/elsewhere",
    ]);
    assert_eq!(
        complete(
            "fish",
            &[
                "repodex",
                "--registry",
                other.to_str().unwrap(),
                "info",
                "team/"
            ]
        ),
        "team/elsewhere\thttps://example.com/team/elsewhere\n"
    );
    assert_eq!(
        complete(
            "fish",
            &[
                "repodex",
                "info",
                &format!("--registry={}", other.display()),
                "t"
            ]
        ),
        "team/elsewhere\thttps://example.com/team/elsewhere\n"
    );
    // A mounted layer's entries complete, marked with their layer; layer names complete.
    let org = env.work().join("org.git");
    crate::support::git_in(
        &env,
        &env.work(),
        &[
            "clone",
            "-q",
            "--bare",
            other.to_str().unwrap(),
            org.to_str().unwrap(),
        ],
    );
    let mut add = env.command(&["registry", "add", "acme", org.to_str().unwrap()]);
    add.env_remove("REPODEX_OFFLINE");
    assert!(add.output().unwrap().status.success());
    assert_eq!(
        complete("fish", &["repodex", "info", "team/"]),
        "team/elsewhere\thttps://example.com/team/elsewhere (layer acme)\n"
    );
    assert_eq!(
        complete("fish", &["repodex", "registry", "rm", "a"]),
        "acme\n"
    );
    // `repodex completions SHELL` prints what `COMPLETE=SHELL repodex` does.
    for shell in ["bash", "zsh", "fish"] {
        let mut cmd = env.command(&[]);
        cmd.env("COMPLETE", shell);
        let script = String::from_utf8(cmd.output().unwrap().stdout).unwrap();
        assert!(script.contains("repodex"), "{shell}: {script}");
        // The same code, registered for the command name a user types.
        let printed = env.ok(&["completions", shell]);
        assert!(
            printed.contains(env!("CARGO_BIN_EXE_repodex")),
            "{shell}: {printed}"
        );
        assert_eq!(
            printed.lines().count(),
            script.lines().count(),
            "{shell}: {printed}"
        );
    }
    // The bash code, sourced by a real bash, completes a name through repodex.
    let script = env.work().join("repodex.bash");
    std::fs::write(&script, env.ok(&["completions", "bash"])).unwrap();
    let mut bash = Command::new("bash");
    env.isolate(&mut bash);
    let bash = bash
        .env("REPODEX_HOME", env.registry())
        .env("REPODEX_OFFLINE", "1")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(repodex info edobry/t); COMP_CWORD=2; COMP_LINE='repodex info edobry/t'; COMP_POINT=${{#COMP_LINE}}; _clap_complete_repodex repodex edobry/t info; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .current_dir(env.work())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&bash.stdout).trim(),
        "edobry/tasks",
        "{}",
        String::from_utf8_lossy(&bash.stderr)
    );
    let man = env.ok(&["man"]);
    assert!(
        man.contains(".TH repodex 1") && man.contains("register"),
        "{man}"
    );
    // One page per command, with its examples.
    let pages = env.work().join("man1");
    env.ok(&["man", "--dir", pages.to_str().unwrap()]);
    let register = std::fs::read_to_string(pages.join("repodex-register.1")).unwrap();
    assert!(register.contains(".TH repodex-register 1"), "{register}");
    assert!(
        register.contains(r"minsky.git \-\-alias mk \-\-tag work"),
        "{register}"
    );
    assert!(pages.join("repodex-creds-set.1").exists());
}

#[test]
fn git_setup_makes_repodex_the_only_helper_for_repositories_with_credentials() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com:8443/team/app.git",
        "--name",
        "app",
    ]);
    env.ok(&[
        "register",
        "https://other.example.com/team/web.git",
        "--name",
        "web",
    ]);
    assert_eq!(
        env.run_stdin(&["creds", "set", "app"], "tok-for-app").code,
        0
    );
    env.ok(&["git-setup"]);
    let generated = std::fs::read_to_string(env.root().join("config/repodex/gitconfig")).unwrap();
    for url in [
        "https://git.example.com:8443/team/app.git",
        "https://git.example.com:8443/team/app",
    ] {
        assert!(
            generated.contains(&format!(
                "[credential \"{url}\"]\n\thelper =\n\thelper = \"!'{}' credential\"\n\tuseHttpPath = true\n",
                env!("CARGO_BIN_EXE_repodex")
            )),
            "{generated}"
        );
    }
    assert!(
        !generated.contains("other.example.com\"]\n\thelper"),
        "no helper for hosts without credentials"
    );
    // One rule sends every repodex: URL to git-remote-repodex; no URL is written out.
    assert!(
        generated.contains("[url \"repodex::\"]\n\tinsteadOf = repodex:\n"),
        "{generated}"
    );
    assert!(
        !generated.contains("other.example.com/team/web"),
        "{generated}"
    );
    assert!(!generated.contains("tok-for-app"));
    // Removing the credential removes the section after the next change.
    env.ok(&["creds", "rm", "app"]);
    let generated = std::fs::read_to_string(env.root().join("config/repodex/gitconfig")).unwrap();
    assert!(!generated.contains("[credential"), "{generated}");
    env.ok(&["git-setup", "--undo"]);
}

/// git-setup's file is written from the registry it was set up for: a command run on
/// another registry (`--registry`) leaves it as it was, and the credential sections of
/// the user's own registry stay in place.
#[test]
fn git_setup_s_file_follows_only_the_registry_it_was_set_up_for() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com:8443/team/app.git",
        "--name",
        "app",
    ]);
    assert_eq!(
        env.run_stdin(&["creds", "set", "app"], "tok-for-app").code,
        0
    );
    env.ok(&["git-setup"]);
    let path = env.root().join("config/repodex/gitconfig");
    let written = std::fs::read_to_string(&path).unwrap();
    let registry_line = format!(
        "# registry {} at {}\n",
        env.registry().display(),
        env.head()
    );
    assert!(written.contains(&registry_line), "{written}");
    assert!(written.contains("[credential \"https://git.example.com:8443/team/app.git\"]"));

    let other = env.root().join("other-registry");
    let other = other.to_str().unwrap();
    env.ok(&[
        "--registry",
        other,
        "register",
        "https://elsewhere.example.com/x/y.git",
    ]);
    env.ok(&["--registry", other, "list"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    // Its own registry's changes still rewrite it.
    env.ok(&["tag", "add", "app", "work"]);
    let rewritten = std::fs::read_to_string(&path).unwrap();
    assert!(
        rewritten.contains(&format!(
            "# registry {} at {}\n",
            env.registry().display(),
            env.head()
        )),
        "{rewritten}"
    );
    assert!(rewritten.contains("[credential \"https://git.example.com:8443/team/app.git\"]"));
    // git-setup run for the other registry moves it there, and says so.
    let run = env.run(&["--registry", other, "git-setup"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("now names entries of {other} (config: ")),
        "{run:?}"
    );
    let moved = std::fs::read_to_string(&path).unwrap();
    assert!(
        moved.contains(&format!("# registry {other} at ")),
        "{moved}"
    );
    assert!(!moved.contains("[credential"), "{moved}");
    env.ok(&["tag", "add", "app", "home"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), moved);
}

/// Plain git with `repodex:` URLs goes through git-remote-repodex: names resolve by the
/// full reference rule (alias, case, last segment), a typo gets repodex's message, a
/// clone follows the repository when its URL changes, and pushes reach the upstream.
#[test]
fn plain_git_reaches_repositories_by_name_through_the_remote_helper() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let work = upstreams.create(&env, "tool", "main", &[("README", "tool\n")]);
    let moved = upstreams.create(&env, "tool-moved", "main", &[("README", "moved\n")]);
    let daemon = GitDaemon::start_with_push(&upstreams);
    env.ok(&[
        "register",
        &daemon.url("tool"),
        "--name",
        "team/tool",
        "--alias",
        "tl",
    ]);
    env.ok(&["git-setup"]);
    let plain_git = |dir: &Path, args: &[&str]| {
        let mut cmd = Command::new("git");
        env.isolate(&mut cmd);
        cmd.args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
    };
    // Over git://, git talks to the daemon itself through the helper's `connect`: one
    // connection, no `git ls-remote` and `git fetch` of the helper's own.
    let mut traced = Command::new("git");
    env.isolate(&mut traced);
    let out = traced
        .env("GIT_TRACE", "1")
        .args(["clone", "-q", "repodex:team/tool", "traced"])
        .current_dir(env.work())
        .output()
        .unwrap();
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{trace}");
    assert!(trace.contains("git-remote-repodex"), "{trace}");
    assert!(
        !trace.contains("ls-remote"),
        "the helper fell back: {trace}"
    );
    for (reference, folder) in [
        ("repodex:team/tool", "by-name"),
        ("repodex:tl", "by-alias"),
        ("repodex:Team/Tool", "by-case"),
        ("repodex:tool", "by-last-segment"),
    ] {
        let out = plain_git(&env.work(), &["clone", "-q", reference, folder]);
        assert!(
            out.status.success(),
            "{reference}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(env.work().join(folder).join("README")).unwrap(),
            "tool\n",
            "{reference}"
        );
    }
    let out = plain_git(&env.work(), &["clone", "-q", "repodex:tol", "typo"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("repodex: error: no repository matches 'tol'; did you mean"),
        "{stderr}"
    );

    // A clone by name is a clone of the real repository to every tool that reads its
    // origin (Minsky takes owner/repo from `git remote get-url origin`), fetched through
    // the helper by the name it was cloned by.
    let config =
        |folder: &str, key: &str| git_in(&env, &env.work().join(folder), &["config", "--get", key]);
    assert_eq!(
        git_in(
            &env,
            &env.work().join("by-alias"),
            &["remote", "get-url", "origin"]
        ),
        format!("{}\n", daemon.url("tool"))
    );
    assert_eq!(config("by-alias", "remote.origin.vcs"), "repodex\n");
    assert_eq!(config("by-alias", "remote.origin.repodex"), "tl\n");
    assert_eq!(config("by-name", "remote.origin.repodex"), "team/tool\n");

    // A push through the helper reaches the upstream.
    let clone = env.work().join("by-name");
    std::fs::write(clone.join("NOTES"), "pushed\n").unwrap();
    assert!(plain_git(&clone, &["add", "NOTES"]).status.success());
    assert!(plain_git(&clone, &["commit", "-qm", "notes"])
        .status
        .success());
    let out = plain_git(&clone, &["push", "-q", "origin", "HEAD:refs/heads/notes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = git_in(&env, &work, &["ls-remote", "origin", "refs/heads/notes"]);
    assert!(listed.ends_with("\trefs/heads/notes\n"), "{listed}");

    // The repository moves: the clone is fetched by name, so it follows, and its
    // origin's URL with it, said once.
    env.ok(&["set", "team/tool", "--url", &daemon.url("tool-moved")]);
    // Its folder names the entry by the name it was cloned by, before any fetch.
    assert_eq!(
        env.ok(&["resolve", clone.to_str().unwrap()]),
        format!("{}\n", daemon.url("tool-moved"))
    );
    let out = plain_git(&clone, &["fetch", "-q", "origin"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // (git adds that the moved repository shares no commit with the clone.)
    assert!(
        stderr.starts_with(&format!(
            "repodex: 'team/tool' is at '{}' now: the URL of remote 'origin' follows it\n",
            daemon.url("tool-moved")
        )),
        "{stderr}"
    );
    let head = git_in(&env, &moved, &["rev-parse", "HEAD"]);
    assert_eq!(git_in(&env, &clone, &["rev-parse", "origin/main"]), head);
    assert_eq!(
        git_in(&env, &clone, &["remote", "get-url", "origin"]),
        format!("{}\n", daemon.url("tool-moved"))
    );
    let out = plain_git(&clone, &["fetch", "-q", "origin"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");

    // The server goes away: a fetch is answered from repodex's mirror, and says so.
    env.ok(&["refresh", "team/tool"]);
    drop(daemon);
    let out = plain_git(&clone, &["fetch", "origin"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("fetching 'team/tool' from repodex's cached mirror instead"),
        "{stderr}"
    );
    assert_eq!(git_in(&env, &clone, &["rev-parse", "origin/main"]), head);
}

/// A clone has the default branch's history; a stale mirror is refreshed before a
/// clone when online; offline, the clone says how old the mirror is; a mirror depth set
/// for very large repositories gives a shallow copy, said so.
#[test]
fn clone_has_history_refreshes_a_stale_mirror_first_and_says_what_it_made() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let work = upstreams.create(&env, "app", "main", &[("README", "one\n")]);
    upstreams.commit(&env, &work, "two", &[("README", "two\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("app"), "--name", "app"]);
    upstreams.commit(&env, &work, "three", &[("README", "three\n")]);
    // Fresh within the time-to-live: the mirror is used as it is, with its history.
    let run = env.run(&["clone", "app", "first"]);
    assert_eq!(run.code, 0, "{run:?}");
    let first = env.work().join("first");
    assert_eq!(
        std::fs::read_to_string(first.join("README")).unwrap(),
        "two\n"
    );
    assert_eq!(
        git_in(&env, &first, &["rev-list", "--count", "HEAD"]),
        "2\n"
    );
    assert!(!run.stderr.contains("shallow"), "{}", run.stderr);
    // Stale: refreshed first, so the copy has the upstream's latest commit.
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"0s\"\n"),
    );
    let config = env.root().join("config/repodex/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "min_refresh_ttl = 0\n").unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&env.ok(&["clone", "app", "second", "--json"])).unwrap();
    assert_eq!(report["freshness"]["state"], "refreshed", "{report}");
    assert_eq!(report["shallow"], false, "{report}");
    let second = env.work().join("second");
    assert_eq!(
        std::fs::read_to_string(second.join("README")).unwrap(),
        "three\n"
    );
    assert_eq!(
        git_in(&env, &second, &["rev-list", "--count", "HEAD"]),
        "3\n"
    );
    // A depth for very large repositories: the next mirror keeps one commit, and the
    // copy says it is shallow.
    std::fs::write(&config, "min_refresh_ttl = 0\nmirror_depth = 1\n").unwrap();
    upstreams.commit(&env, &work, "four", &[("README", "four\n")]);
    let run = env.run(&["clone", "app", "third"]);
    assert_eq!(run.code, 0, "{run:?}");
    let third = env.work().join("third");
    assert_eq!(
        git_in(&env, &third, &["rev-list", "--count", "HEAD"]),
        "1\n"
    );
    assert!(run.stderr.contains("the copy is shallow"), "{}", run.stderr);
    assert!(
        run.stderr.contains("git fetch --unshallow"),
        "{}",
        run.stderr
    );
    // Offline: the mirror as it is, with its age.
    drop(daemon);
    let run = env.run(&["--offline", "clone", "app", "fourth"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("(cached, checked "), "{}", run.stderr);
    assert!(run.stderr.contains("offline: --offline"), "{}", run.stderr);
}

/// git-setup includes its file from the global config the user has, as git itself
/// would write it: `~/.config/git/config` when that is where it lives (no new
/// `~/.gitconfig` that would hide it), and through a dotfiles symlink with its mode.
#[test]
fn git_setup_writes_the_global_config_the_user_keeps() {
    let without_override = |env: &TestEnv, args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env_remove("GIT_CONFIG_GLOBAL");
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let git_global = |env: &TestEnv, key: &str| {
        let mut cmd = Command::new("git");
        env.isolate(&mut cmd);
        cmd.env_remove("GIT_CONFIG_GLOBAL");
        let out = cmd
            .args(["config", "--includes", "--global", key])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };

    // The user's config is in $XDG_CONFIG_HOME/git/config.
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/minsky"]);
    let xdg = env.root().join("config/git/config");
    std::fs::create_dir_all(xdg.parent().unwrap()).unwrap();
    std::fs::write(&xdg, "[user]\n\tname = Someone\n").unwrap();
    without_override(&env, &["git-setup"]);
    assert!(
        !env.root().join("home/.gitconfig").exists(),
        "no ~/.gitconfig created"
    );
    assert!(std::fs::read_to_string(&xdg).unwrap().contains("[include]"));
    assert_eq!(git_global(&env, "user.name"), "Someone");
    assert!(git_global(&env, "url.repodex::.insteadof").starts_with("repodex:"));
    without_override(&env, &["git-setup", "--undo"]);
    assert_eq!(
        std::fs::read_to_string(&xdg).unwrap(),
        "[user]\n\tname = Someone\n"
    );

    // ~/.gitconfig is a symlink into a dotfiles folder, mode 644.
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/minsky"]);
    let dotfiles = env.root().join("home/dotfiles/gitconfig");
    std::fs::create_dir_all(dotfiles.parent().unwrap()).unwrap();
    std::fs::write(&dotfiles, "[user]\n\tname = Dotty\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dotfiles, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = env.root().join("home/.gitconfig");
    std::os::unix::fs::symlink(&dotfiles, &link).unwrap();
    without_override(&env, &["git-setup"]);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&dotfiles)
        .unwrap()
        .contains("[include]"));
    let mode = std::fs::metadata(&dotfiles).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    assert_eq!(git_global(&env, "user.name"), "Dotty");
    without_override(&env, &["git-setup", "--undo"]);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&dotfiles).unwrap(),
        "[user]\n\tname = Dotty\n"
    );
}

/// Plain git by name over smart HTTPS (with the vault's credential, through git's
/// own credential machinery) and over file:// (connected straight to upload-pack and
/// receive-pack), clone and push.
#[test]
fn plain_git_by_name_over_https_with_a_credential_and_over_file_urls() {
    use crate::servers::{tls_for_localhost, HttpOptions, HttpServer};
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "private", "main", &[("README", "private\n")]);
    let work = upstreams.create(&env, "local", "main", &[("README", "local\n")]);
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let token = "tok-helper-https-0123456789";
    let server = HttpServer::start_with(
        &upstreams,
        HttpOptions::basic_auth(Some(tls), "alice", token),
    );
    env.ok(&[
        "register",
        "--no-fetch",
        &server.url("private"),
        "--name",
        "private",
    ]);
    let run = env.run_stdin(&["creds", "set", "private", "--username", "alice"], token);
    assert_eq!(run.code, 0, "{run:?}");
    let bare = upstreams.root.join("local.git");
    env.ok(&[
        "register",
        "--no-fetch",
        &format!("file://{}", bare.display()),
        "--name",
        "local",
    ]);
    env.ok(&["git-setup"]);
    let plain_git = |dir: &Path, args: &[&str]| {
        let mut cmd = Command::new("git");
        env.isolate(&mut cmd);
        cmd.env("GIT_SSL_CAINFO", &ca)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_TRACE", "1")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
    };
    let out = plain_git(&env.work(), &["clone", "-q", "repodex:private", "p"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(env.work().join("p/README")).unwrap(),
        "private\n"
    );
    assert!(server.authorized() > 0, "the credential reached the server");

    let out = plain_git(&env.work(), &["clone", "-q", "repodex:local", "l"]);
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{trace}");
    assert!(
        !trace.contains("ls-remote"),
        "file:// is connected: {trace}"
    );
    let copy = env.work().join("l");
    std::fs::write(copy.join("NEW"), "pushed\n").unwrap();
    plain_git(&copy, &["add", "NEW"]);
    plain_git(&copy, &["commit", "-qm", "pushed by name"]);
    let out = plain_git(&copy, &["push", "-q", "origin", "HEAD:main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = git_in(&env, &bare, &["log", "-1", "--format=%s"]);
    assert_eq!(log, "pushed by name\n");
    let _ = work;
}
