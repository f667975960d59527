//! The reference rules: name, alias, URL in any spelling, local path, last segment.

use crate::support::{entry_path, git_in, TestEnv};
use pretty_assertions::assert_eq;

#[test]
fn url_spellings_resolve_to_one_entry_and_others_do_not() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "git@github.com:edobry/minsky.git",
        "--name",
        "mk",
    ]);
    for spelling in [
        "mk",
        "MK",
        "git@github.com:edobry/minsky.git",
        "git@github.com:edobry/minsky",
        "github.com:edobry/minsky",
        "ssh://git@github.com/edobry/minsky",
        "ssh://git@github.com:22/edobry/minsky.git",
        "ssh://git@GITHUB.com/edobry/minsky/",
        "https://github.com/edobry/minsky",
        "https://github.com/edobry/minsky.git",
        "https://github.com/edobry/minsky/",
        "HTTPS://GitHub.Com/edobry/minsky.git",
        "http://github.com/edobry/minsky",
        "git://github.com/edobry/minsky.git",
        "https://user@github.com/edobry/minsky",
    ] {
        assert_eq!(
            env.ok(&["resolve", spelling]),
            "git@github.com:edobry/minsky.git\n",
            "{spelling}"
        );
    }
    for other in [
        "https://gitlab.com/edobry/minsky",
        "https://github.com/edobry/minsky2",
        "https://github.com/other/minsky",
        "https://github.com/edobry",
        "https://github.com:8443/edobry/minsky",
        "git@github.com:edobry/minsky/extra",
    ] {
        let error = env.fails(3, &["resolve", other]);
        assert!(error.contains("no repository matches"), "{other}: {error}");
    }
}

#[test]
fn names_aliases_and_last_segments() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
    ]);
    env.ok(&["register", "https://github.com/edobry/tasks"]);
    assert_eq!(
        env.ok(&["register", "https://gitlab.com/edobry/tasks"]),
        "gitlab.com/edobry/tasks\n"
    );
    assert_eq!(
        env.ok(&["resolve", "Edobry/Minsky"]),
        "https://github.com/edobry/minsky\n"
    );
    assert_eq!(
        env.ok(&["resolve", "minsky"]),
        "https://github.com/edobry/minsky\n"
    );
    // A clash with another host's repository puts the host in front.
    assert_eq!(
        env.ok(&["resolve", "gitlab.com/edobry/tasks"]),
        "https://gitlab.com/edobry/tasks\n"
    );
    let error = env.fails(3, &["resolve", "tasks"]);
    assert!(
        error.contains("matches more than one repository: edobry/tasks, gitlab.com/edobry/tasks"),
        "{error}"
    );
    let error = env.fails(3, &["resolve", "minksy"]);
    assert!(error.contains("did you mean 'edobry/minsky'?"), "{error}");
    let error = env.fails(3, &["resolve", "zzzzzzzz"]);
    assert!(
        error.contains("`repodex list` shows what is registered"),
        "{error}"
    );
}

#[test]
fn suggestions_follow_renames_forgets_and_plain_git_commits() {
    // A miss suggests from every name and alias of HEAD, whichever way HEAD changed:
    // repodex's own commits update the catalog in place, a plain commit rebuilds it.
    let env = TestEnv::new();
    env.ok(&["register", "https://github.com/edobry/minsky"]);
    env.ok(&[
        "register",
        "https://github.com/edobry/tasks",
        "--alias",
        "todo",
    ]);
    let error = env.fails(3, &["resolve", "minksy"]);
    assert!(error.contains("did you mean 'edobry/minsky'?"), "{error}");
    let error = env.fails(3, &["resolve", "tdoo"]);
    assert!(error.contains("did you mean 'edobry/tasks'?"), "{error}");

    env.ok(&["rename", "edobry/minsky", "edobry/minsky-cli"]);
    let error = env.fails(3, &["resolve", "minksy-cli"]);
    assert!(
        error.contains("did you mean 'edobry/minsky-cli'?"),
        "{error}"
    );
    assert!(!error.contains("'edobry/minsky'"), "{error}");

    env.ok(&["forget", "edobry/tasks"]);
    let error = env.fails(3, &["resolve", "taks"]);
    assert!(!error.contains("edobry/tasks"), "{error}");
    assert!(
        error.contains("`repodex list` shows what is registered"),
        "{error}"
    );

    let path = env.registry().join(entry_path("edobry/dashboard"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        "name = \"edobry/dashboard\"\nurl = \"https://github.com/edobry/dashboard\"\nadded = 2026-01-01T00:00:00Z\n",
    )
    .unwrap();
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "an entry by hand"]);
    let error = env.fails(3, &["resolve", "dashbaord"]);
    assert!(
        error.contains("did you mean 'edobry/dashboard'?"),
        "{error}"
    );
}

#[test]
fn local_repositories_and_working_copies() {
    let env = TestEnv::new();
    let tool = env.make_repo("src/Tool");
    assert_eq!(env.ok(&["register", tool.to_str().unwrap()]), "tool\n");
    let canonical = tool.canonicalize().unwrap();
    assert_eq!(
        env.ok(&["resolve", "tool"]),
        format!("{}\n", canonical.display())
    );
    // By path, relative or absolute, from inside the repository too.
    let mut cmd = env.command(&["resolve", "."]);
    cmd.current_dir(&tool);
    assert_eq!(
        String::from_utf8(cmd.output().unwrap().stdout).unwrap(),
        format!("{}\n", canonical.display())
    );
    // A second local repository with the same folder name gets a qualified name.
    let other = env.make_repo("elsewhere/tool");
    assert_eq!(
        env.ok(&["register", other.to_str().unwrap()]),
        "local/tool\n"
    );

    // A working copy of a registered remote resolves by path, and `info` defaults to it.
    env.ok(&["register", "https://github.com/edobry/minsky.git"]);
    let clone = env.make_repo("clones/minsky");
    git_in(
        &env,
        &clone,
        &[
            "remote",
            "add",
            "origin",
            "git@github.com:edobry/minsky.git",
        ],
    );
    std::fs::create_dir_all(clone.join("sub/dir")).unwrap();
    let mut cmd = env.command(&["info", "--json"]);
    cmd.current_dir(clone.join("sub/dir"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["name"], "edobry/minsky");
    assert_eq!(
        env.ok(&["resolve", clone.to_str().unwrap()]),
        "https://github.com/edobry/minsky.git\n"
    );
    // Outside any registered working copy, `info` asks for a REF.
    let error = env.fails(2, &["info"]);
    assert!(error.contains("no REF given"), "{error}");
}

/// One name, every kind of value a tool wants: the URL to clone, a local clone's path
/// (Minsky's `git --repo`), `owner/repo` on the forge (`--github-repo`), the web page.
#[test]
fn a_name_gives_each_kind_of_value_a_tool_wants() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "git@github.com:Edobry/minsky.git",
        "--name",
        "mk",
    ]);
    env.ok(&[
        "register",
        "ssh://git@git.corp.example/team/tool.git",
        "--name",
        "tool",
    ]);
    let print = |reference: &str, what: &str| env.ok(&["resolve", reference, "--print", what]);
    assert_eq!(print("mk", "url"), "git@github.com:Edobry/minsky.git\n");
    assert_eq!(print("mk", "forge"), "Edobry/minsky\n");
    assert_eq!(print("mk", "web"), "https://github.com/Edobry/minsky\n");
    // No clone yet: said so, with the way to make one.
    let error = env.fails(2, &["resolve", "mk", "--print", "path"]);
    assert!(
        error.contains("'mk' has no local clone on this machine; `repodex clone mk` makes one"),
        "{error}"
    );
    // A working copy found by import scan is the path.
    let copy = env.work().join("minsky");
    std::fs::create_dir_all(&copy).unwrap();
    crate::support::git_in(&env, &copy, &["init", "-q"]);
    crate::support::git_in(
        &env,
        &copy,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/Edobry/minsky",
        ],
    );
    env.ok(&["import", "scan", env.work().to_str().unwrap()]);
    assert_eq!(
        print("mk", "path"),
        format!("{}\n", copy.canonicalize().unwrap().display())
    );
    // More clones: one at the place `repodex clone` gives it (under a clone root that
    // sorts last), a scratch copy that sorts first, one since deleted. --print path
    // gives the one at that place; --all every one still there, that one first, then
    // by path, a line each.
    let root = env.work().join("zz-clones");
    env.ok(&[
        "settings",
        "set",
        "--machine",
        "clone_root",
        root.to_str().unwrap(),
    ]);
    env.ok(&["settings", "set", "--machine", "clone_layout", "{name}"]);
    for folder in ["another", "gone", "zz-clones"] {
        let other = env.work().join(folder);
        std::fs::create_dir_all(&other).unwrap();
        let into = if folder == "zz-clones" {
            "mk"
        } else {
            "minsky"
        };
        crate::support::git_in(&env, &other, &["clone", "-q", copy.to_str().unwrap(), into]);
        crate::support::git_in(
            &env,
            &other.join(into),
            &[
                "remote",
                "set-url",
                "origin",
                "git@github.com:edobry/minsky.git",
            ],
        );
    }
    env.ok(&["import", "scan", env.work().to_str().unwrap()]);
    std::fs::remove_dir_all(env.work().join("gone")).unwrap();
    let placed = root.join("mk").canonicalize().unwrap();
    let another = env.work().join("another/minsky").canonicalize().unwrap();
    assert_eq!(print("mk", "path"), format!("{}\n", placed.display()));
    assert_eq!(
        env.ok(&["resolve", "mk", "--print", "path", "--all"]),
        format!(
            "{}\n{}\n{}\n",
            placed.display(),
            another.display(),
            copy.canonicalize().unwrap().display()
        )
    );
    // A server the registry does not declare: no owner/repo to give, and how to
    // declare what it runs.
    let error = env.fails(2, &["resolve", "tool", "--print", "forge"]);
    assert!(
        error.contains("'tool' is on git.corp.example (ssh://git@git.corp.example/team/tool.git), which this registry does not declare as a forge; declare what that server runs, for everyone who shares the registry: `repodex settings set hosts git.corp.example=KIND`"),
        "{error}"
    );
    // JSON says where the entry comes from (null: the user's own registry).
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["resolve", "mk", "--json"])).unwrap();
    assert_eq!(json["layer"], serde_json::Value::Null);
}

/// For each class of host, spellings that must be one entry (the second `register`
/// is refused with the first one's name) and spellings that must be two.
#[test]
fn equivalence_tables_per_host_class() {
    let one: &[(&str, &[&str])] = &[
        // A forge: case-insensitive names, `www.`, browser pages, npm's spellings,
        // percent-encoded unreserved characters.
        (
            "https://github.com/Edobry/Minsky",
            &[
                "git@github.com:edobry/minsky.git",
                "https://www.github.com/edobry/minsky",
                "https://github.com/edobry/minsky#readme",
                "https://github.com/edobry/minsky/tree/main/src",
                "https://github.com/EDOBRY/minsky/blob/main/README.md",
                "git+https://github.com/edobry/minsky.git",
                "git+ssh://git@github.com/edobry/minsky.git#v1.0.0",
                "github:edobry/minsky",
                "https://github.com/edobry/m%69nsky",
                "ssh://github.com/edobry/minsky",
            ],
        ),
        (
            "https://gitlab.com/group/sub/app",
            &[
                "https://gitlab.com/Group/Sub/App/-/tree/main",
                "git@gitlab.com:group/sub/app.git",
                "gitlab:group/sub/app",
            ],
        ),
        // A self-hosted forge: ssh as `git` is the forge's convention.
        (
            "git@gitlab.corp:team/app.git",
            &[
                "https://gitlab.corp/team/app",
                "ssh://git@gitlab.corp/team/app.git",
            ],
        ),
        // A plain ssh server: the same absolute path.
        (
            "srv:/srv/git/proj.git",
            &["ssh://srv/srv/git/proj", "srv:/srv/git/proj/"],
        ),
        (
            "alice@srv:proj.git",
            &["ssh://alice@srv/~/proj.git", "alice@srv:~/proj"],
        ),
    ];
    let two: &[(&str, &str)] = &[
        ("https://git.corp/Team/App", "https://git.corp/team/app"),
        ("alice@srv:proj.git", "bob@srv:proj.git"),
        ("srv:proj.git", "srv:/proj.git"),
        ("ssh://srv/~/p", "ssh://srv/p"),
        ("https://git.sr.ht/~o/Repo", "https://git.sr.ht/~o/repo"),
        ("https://github.com/o/r", "https://gitlab.com/o/r"),
    ];
    for (first, spellings) in one {
        let env = TestEnv::new();
        let name = env.ok(&["register", first]);
        let name = name.trim();
        for spelling in *spellings {
            let error = env.fails(2, &["register", spelling]);
            assert!(
                error.contains(&format!("is already registered as '{name}'")),
                "{spelling} after {first}: {error}"
            );
            assert_eq!(
                env.ok(&["resolve", spelling]).trim(),
                first.to_string(),
                "{spelling}"
            );
        }
    }
    for (a, b) in two {
        let env = TestEnv::new();
        env.ok(&["register", a]);
        env.ok(&["register", b]);
        assert_eq!(env.ok(&["resolve", a]).trim(), a.to_string());
        assert_eq!(env.ok(&["resolve", b]).trim(), b.to_string());
    }
}

#[test]
fn a_local_repository_by_path_file_url_symlink_and_git_folder_is_one_entry() {
    let env = TestEnv::new();
    let repo = env.make_repo("tool");
    let path = repo.display().to_string();
    assert_eq!(env.ok(&["register", &path]), "tool\n");
    std::os::unix::fs::symlink(&repo, env.work().join("link")).unwrap();
    for spelling in [
        format!("file://{path}"),
        format!("{path}/.git"),
        format!("file://{path}/.git"),
        env.work().join("link").display().to_string(),
        format!("{}/../tool", path),
    ] {
        let error = env.fails(2, &["register", &spelling]);
        assert!(
            error.contains("already registered as 'tool'"),
            "{spelling}: {error}"
        );
    }
}

#[test]
fn repodex_names_are_references_and_a_clone_of_an_entry_is_that_entry() {
    let env = TestEnv::new();
    let upstream = env.make_repo("upstream");
    env.ok(&[
        "register",
        &format!("file://{}", upstream.display()),
        "--name",
        "team/tool",
    ]);
    // `repodex:<name>` resolves, and is never registered as a URL.
    assert_eq!(
        env.ok(&["resolve", "repodex:tool"]),
        env.ok(&["resolve", "team/tool"])
    );
    let error = env.fails(2, &["register", "repodex:tool"]);
    assert!(
        error.contains("already registered as 'team/tool'"),
        "{error}"
    );
    let error = env.fails(3, &["register", "repodex:nothing"]);
    assert!(error.contains("no repository matches 'nothing'"), "{error}");
    let error = env.fails(2, &["set", "team/tool", "--url", "repodex:tool"]);
    assert!(error.contains("names the entry 'tool'"), "{error}");

    // Inside a clone of a registered repository, `register .` answers with its name.
    let clone = env.work().join("clone");
    git_in(
        &env,
        &env.work(),
        &["clone", "-q", upstream.to_str().unwrap(), "clone"],
    );
    let mut cmd = env.command(&["register", "."]);
    cmd.current_dir(clone.join("."));
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is a working copy of 'team/tool'"),
        "{stderr}"
    );
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "team/tool", "--json"])).unwrap();
    assert_eq!(info["name"], "team/tool");
    let list = env.ok(&["list"]);
    assert!(!list.contains("local/"), "{list}");
    // `import scan` of a clone whose origin is `repodex:tool` records it as that
    // entry's, and registers nothing called repodex/tool.
    let named = env.work().join("scanned/named");
    std::fs::create_dir_all(&named).unwrap();
    git_in(&env, &named, &["init", "-q"]);
    git_in(&env, &named, &["remote", "add", "origin", "repodex:tool"]);
    let scan: serde_json::Value = serde_json::from_str(&env.ok(&[
        "import",
        "scan",
        env.work().join("scanned").to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(scan["registered"], serde_json::json!([]), "{scan}");
    assert_eq!(scan["known"], 1, "{scan}");
    let shown = env.ok(&["info", "team/tool"]);
    assert!(
        shown.contains(&clone.canonicalize().unwrap().display().to_string()),
        "{shown}"
    );
    // `set --url` reads a pasted URL too, and says what it changed.
    let run = env.run(&[
        "set",
        "team/tool",
        "--url",
        "git+https://github.com/team/tool.git#main",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("repodex: note: dropped 'git+'"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.ok(&["resolve", "tool"]).trim(),
        "https://github.com/team/tool.git"
    );
}

/// Entries registered under the old rules: doctor names the ones the new rules read
/// otherwise and the ones they make one repository, and `migrate --urls` brings them
/// up to the rules in one commit, losing no name, alias, tag or credential.
#[test]
fn doctor_flags_and_migrate_fixes_entries_that_todays_url_rules_change_or_merge() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "--no-fetch",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
        "--tag",
        "work",
    ]);
    // As repodex 0.2 stored them: a fragment kept, and a second entry for other case,
    // older than the first, with an alias, a tag and a credential of its own.
    env.hand_commit(
        &entry_path("o/r-readme"),
        "name = \"o/r-readme\"\nurl = \"https://github.com/o/r#readme\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    env.hand_commit(
        &entry_path("github.com/edobry/minsky"),
        "name = \"github.com/edobry/minsky\"\nurl = \"https://github.com/Edobry/minsky\"\naliases = [\"minsky-old\"]\ntags = [\"cli\"]\nadded = 2025-06-01T00:00:00Z\n",
    );
    assert_eq!(
        env.run_stdin(
            &["creds", "set", "github.com/edobry/minsky"],
            "tok-merged-one"
        )
        .code,
        0
    );
    let run = env.run(&["doctor"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stdout.contains(
            "the URL of 'o/r-readme' is read today as https://github.com/o/r (dropped '#readme'"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "github.com/edobry/minsky is registered more than once: github.com/edobry/minsky, edobry/minsky; `repodex migrate --urls` merges them"
        ),
        "{}",
        run.stdout
    );

    let commits = |env: &TestEnv| env.git(&["rev-list", "--count", "HEAD"]).trim().to_string();
    let before: usize = commits(&env).parse().unwrap();
    let out = env.ok(&["migrate", "--urls"]);
    assert!(
        out.contains("rewrote o/r-readme: https://github.com/o/r#readme -> https://github.com/o/r"),
        "{out}"
    );
    assert!(
        out.contains("merged edobry/minsky into github.com/edobry/minsky"),
        "{out}"
    );
    assert_eq!(
        commits(&env).parse::<usize>().unwrap(),
        before + 1,
        "one commit"
    );
    assert_eq!(
        env.git(&["log", "-1", "--format=%s"]).trim(),
        "adopt today's URL rules: 1 rewritten, 1 merged"
    );
    // Every name and alias still finds the one entry, with both entries' tags.
    for reference in [
        "edobry/minsky",
        "mk",
        "minsky-old",
        "github.com/edobry/minsky",
    ] {
        assert_eq!(
            env.ok(&["resolve", reference]).trim(),
            "https://github.com/Edobry/minsky",
            "{reference}"
        );
    }
    let info: serde_json::Value = serde_json::from_str(&env.ok(&["info", "mk", "--json"])).unwrap();
    assert_eq!(info["tags"], serde_json::json!(["cli", "work"]));
    // The credential came along.
    let shown = env.ok(&["creds", "show", "mk", "--reveal"]);
    assert!(shown.contains("tok-merged-one"), "{shown}");
    assert!(env.ok(&["doctor"]).starts_with("ok: 2 entries"));
    assert_eq!(
        env.ok(&["migrate", "--urls"]).trim(),
        "every entry follows today's URL rules already; nothing to do"
    );
}

/// A team declares its own case-insensitive host in registry.toml: from that commit
/// on, its spellings are one repository, and entries made before are merged by
/// `migrate --urls`.
#[test]
fn a_team_declares_its_self_hosted_forge_case_insensitive() {
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://gitlab.corp/Team/App"]);
    // Not declared: another host's paths keep their case.
    assert_eq!(
        env.ok(&[
            "register",
            "--no-fetch",
            "https://gitlab.corp/team/app",
            "--name",
            "second"
        ]),
        "second\n"
    );
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}case_insensitive_hosts = [\"gitlab.corp\"]\n"),
    );
    let error = env.fails(3, &["resolve", "https://gitlab.corp/TEAM/app"]);
    assert!(
        error.contains("matches more than one repository"),
        "{error}"
    );
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("gitlab.corp/team/app is registered more than once"),
        "{}",
        doctor.stdout
    );
    let out = env.ok(&["migrate", "--urls"]);
    assert!(out.contains("merged "), "{out}");
    // One entry now, whichever was kept; both names find it.
    let url = env.ok(&["resolve", "https://gitlab.corp/TEAM/App.git"]);
    assert_eq!(env.ok(&["resolve", "second"]), url);
    assert_eq!(env.ok(&["resolve", "team/app"]), url);
    assert_eq!(env.ok(&["list", "--json"]).matches("\"name\"").count(), 1);
    let error = env.fails(
        2,
        &["register", "--no-fetch", "git@gitlab.corp:team/APP.git"],
    );
    assert!(error.contains("is already registered as '"), "{error}");
}
