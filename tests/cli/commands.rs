//! Every command, as a user meets them, with plain git looking on.

use crate::support::{entry_path, TestEnv};
use pretty_assertions::assert_eq;

#[test]
fn first_use_creates_a_registry_with_one_commit() {
    let env = TestEnv::new();
    assert_eq!(
        env.ok(&["list"]),
        "NAME  ALIASES  URL  BRANCH  TAGS  PATH\n"
    );
    let registry = env.registry();
    assert!(std::fs::read_to_string(registry.join("registry.toml"))
        .unwrap()
        .contains("format = 2"));
    assert!(std::fs::read_to_string(registry.join("README.md"))
        .unwrap()
        .contains("repos/<ab>/<c>/<name>.toml"));
    assert!(registry.join(".gitattributes").exists());
    assert_eq!(env.git(&["log", "--format=%s"]), "create registry\n");
    // `init` on an existing registry changes nothing.
    env.ok(&["init"]);
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "1\n");
}

#[test]
fn registry_location_flag_then_env_then_xdg() {
    let env = TestEnv::new();
    let mut cmd = env.command(&["register", "https://example.com/a/one"]);
    cmd.env_remove("REPODEX_HOME");
    assert!(cmd.status().unwrap().success());
    let xdg = env.root().join("data/repodex/registry");
    assert!(
        xdg.join(entry_path("a/one")).exists(),
        "default registry under XDG_DATA_HOME"
    );

    let flagged = env.root().join("elsewhere");
    let flag = flagged.to_str().unwrap();
    env.ok(&["--registry", flag, "register", "https://example.com/b/two"]);
    assert!(
        flagged.join(entry_path("b/two")).exists(),
        "--registry wins over REPODEX_HOME"
    );
    assert!(!env.registry().join(entry_path("b/two")).exists());

    env.ok(&["register", "https://example.com/c/three"]);
    assert!(
        env.registry().join(entry_path("c/three")).exists(),
        "REPODEX_HOME wins over XDG"
    );
}

#[test]
fn register_list_info_resolve() {
    let env = TestEnv::new();
    let name = env.ok(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
        "--tag",
        "work",
        "--description",
        "Minsky CLI",
    ]);
    assert_eq!(name, "edobry/minsky\n");
    env.ok(&[
        "register",
        "git@gitlab.com:team/tool.git",
        "--name",
        "tool",
        "--tag",
        "oss",
    ]);

    assert_eq!(
        env.ok(&["list"]),
        "NAME           ALIASES  URL                                   BRANCH  TAGS  PATH\n\
         edobry/minsky  mk       https://github.com/edobry/minsky.git  -       work  -\n\
         tool           -        git@gitlab.com:team/tool.git          -       oss   -\n"
    );
    assert_eq!(env.ok(&["list", "--tag", "oss"]).lines().count(), 2);
    assert_eq!(env.ok(&["list", "edobry/*"]).lines().count(), 2);
    // A duration back on a registry younger than that starts from its first commit.
    let since = env.run(&["diff", "mk", "--since", "2w"]);
    assert_eq!(since.code, 0, "{since:?}");
    assert!(
        since
            .stderr
            .contains("was not in the registry then; compared with nothing"),
        "{since:?}"
    );
    // A pattern that matches nothing says so, instead of printing a header over nothing.
    let none = env.run(&["list", "nomatch"]);
    assert_eq!((none.code, none.stdout.as_str()), (0, ""), "{none:?}");
    assert_eq!(
        none.stderr,
        "repodex: no entry matches 'nomatch'; `repodex list` shows them all\n"
    );
    assert_eq!(
        env.ok(&["list", "gitlab"])
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next(),
        Some("tool")
    );

    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    assert_eq!(
        listed[0],
        serde_json::json!({
            "name": "edobry/minsky",
            "url": "https://github.com/edobry/minsky.git",
            "aliases": ["mk"],
            "tags": ["work"],
            "description": "Minsky CLI",
            "default_branch": null,
            "layer": null,
            "clones": [],
        })
    );

    assert_eq!(
        env.ok(&["resolve", "mk"]),
        "https://github.com/edobry/minsky.git\n"
    );
    let info: serde_json::Value = serde_json::from_str(&env.ok(&["info", "mk", "--json"])).unwrap();
    assert_eq!(info["name"], "edobry/minsky");
    assert_eq!(info["default_branch"], serde_json::Value::Null);
    assert_eq!(info["path"], "repos/ff/0/edobry+minsky.toml");
    assert_eq!(info["path"], entry_path("edobry/minsky"));
    let resolved: serde_json::Value =
        serde_json::from_str(&env.ok(&["resolve", "tool", "--json"])).unwrap();
    assert_eq!(resolved["url"], "git@gitlab.com:team/tool.git");

    let human = env.ok(&["info", "edobry/minsky"]);
    assert!(human.contains("aliases:         mk\n"), "{human}");
    assert!(
        human.contains("default branch:  (not fetched yet)\n"),
        "{human}"
    );

    let entry = std::fs::read_to_string(env.registry().join(entry_path("edobry/minsky"))).unwrap();
    assert!(
        entry.starts_with(
            "name = \"edobry/minsky\"\nurl = \"https://github.com/edobry/minsky.git\"\n"
        ),
        "{entry}"
    );
    assert_eq!(
        env.git(&["log", "--format=%s"]),
        "register tool\nregister edobry/minsky\ncreate registry\n"
    );
}

#[test]
fn every_change_is_one_commit_readable_with_plain_git() {
    let env = TestEnv::new();
    env.ok(&["register", "https://github.com/edobry/minsky.git"]);
    env.ok(&["alias", "add", "edobry/minsky", "mk", "minsky"]);
    env.ok(&["tag", "add", "mk", "work", "cli"]);
    env.ok(&["tag", "rm", "mk", "cli"]);
    env.ok(&["alias", "rm", "minsky"]);
    env.ok(&["set", "mk", "--description", "Minsky CLI"]);
    env.ok(&[
        "set",
        "mk",
        "--url",
        "https://github.com/minsky-org/minsky.git",
    ]);
    assert_eq!(env.ok(&["rename", "mk", "minsky"]), "minsky\n");
    assert_eq!(
        env.git(&["log", "--format=%s"]),
        "rename edobry/minsky to minsky\n\
         set edobry/minsky url to https://github.com/minsky-org/minsky.git\n\
         set edobry/minsky description\n\
         remove alias minsky (of edobry/minsky)\n\
         untag edobry/minsky: cli\n\
         tag edobry/minsky: work, cli\n\
         alias edobry/minsky as mk, minsky\n\
         register edobry/minsky\n\
         create registry\n"
    );
    let patch = env.git(&[
        "log",
        "-p",
        "--follow",
        "--format=%s",
        &entry_path("minsky"),
    ]);
    assert!(patch.contains("+description = \"Minsky CLI\""), "{patch}");
    let old_file = env.registry().join(entry_path("edobry/minsky"));
    assert!(
        !old_file.parent().unwrap().exists(),
        "the emptied folder is gone"
    );
    let shown = env.ok(&["info", "minsky"]);
    assert!(
        shown.contains("https://github.com/minsky-org/minsky.git"),
        "{shown}"
    );
    // The old URL no longer resolves; the new one does.
    env.fails(3, &["resolve", "https://github.com/edobry/minsky"]);
    assert_eq!(
        env.ok(&["resolve", "git@github.com:minsky-org/minsky"]),
        "https://github.com/minsky-org/minsky.git\n"
    );
    // An alias can become the entry's name.
    env.ok(&["rename", "minsky", "mk"]);
    assert_eq!(env.ok(&["list", "--json"]).matches("\"mk\"").count(), 1);

    env.ok(&["forget", "mk"]);
    assert_eq!(
        env.ok(&["list"]),
        "NAME  ALIASES  URL  BRANCH  TAGS  PATH\n"
    );
    assert_eq!(env.git(&["log", "-1", "--format=%s"]), "forget mk\n");
    // A change that changes nothing makes no commit.
    env.ok(&["register", "https://example.com/o/r", "--tag", "t"]);
    let head = env.head();
    env.ok(&["tag", "add", "o/r", "t"]);
    assert_eq!(env.head(), head);
}

#[test]
fn doctor_finds_a_healthy_registry_and_problems() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/one", "--alias", "one"]);
    env.ok(&["register", "https://example.com/o/two"]);
    assert!(env.ok(&["doctor"]).starts_with("ok: 2 entries"));
    // A teammate's hand commit gives two entries the same alias and the same URL.
    env.hand_commit(
        &entry_path("o/three"),
        "name = \"o/three\"\nurl = \"https://EXAMPLE.com/o/two.git\"\naliases = [\"one\"]\nadded = 2026-01-01T00:00:00Z\n",
    );
    let run = env.run(&["doctor"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stdout.contains("'one' is claimed more than once"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("example.com/o/two is registered more than once"),
        "{}",
        run.stdout
    );
    // Resolution refuses to guess.
    let error = env.fails(3, &["resolve", "one"]);
    assert!(error.contains("o/one, o/three"), "{error}");
}

#[test]
fn help_has_examples_and_version_works() {
    let env = TestEnv::new();
    // Every command, from the man pages repodex writes (one per command), not from a
    // list kept here: a new command without an example fails this test.
    let pages = env.work().join("man1");
    env.ok(&["man", "--dir", pages.to_str().unwrap()]);
    let names: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".1").map(str::to_string))
        .filter_map(|f| f.strip_prefix("repodex-").map(str::to_string))
        .filter(|f| f != "help" && !f.starts_with("help-"))
        .collect();
    let leaves: Vec<&String> = names
        .iter()
        .filter(|n| !names.iter().any(|m| m.starts_with(&format!("{n}-"))))
        .collect();
    assert!(leaves.len() >= 40, "{leaves:?}");
    for page in leaves {
        // `creds-set` is `creds set`; `git-setup` is one command.
        let words: Vec<String> = if page == "git-setup" || !page.contains('-') {
            vec![page.clone()]
        } else {
            let (group, sub) = page.split_once('-').unwrap();
            if names.contains(&group.to_string()) {
                vec![group.to_string(), sub.to_string()]
            } else {
                vec![page.clone()]
            }
        };
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args);
        assert!(help.lines().count() > 5, "{args:?}: one line: {help}");
        assert!(
            help.contains("Example"),
            "{args:?} --help has no example: {help}"
        );
    }
    assert!(env.ok(&["--version"]).starts_with("repodex "));
}

/// Every command that reports something prints it as JSON with --json, on stdout, in
/// the shape docs/json.md gives.
#[test]
fn reports_are_json_with_json() {
    let env = TestEnv::new();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = env.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    let registered = json(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
        "--json",
    ]);
    assert_eq!(registered["name"], "edobry/minsky");
    assert_eq!(registered["fetch"]["status"], "offline");
    let which = json(&["which", "mk", "--json"]);
    assert_eq!(
        (&which["name"], &which["rule"], &which["layer"]),
        (
            &serde_json::json!("edobry/minsky"),
            &serde_json::json!("alias"),
            &serde_json::Value::Null
        )
    );
    let log = json(&["log", "--json"]);
    assert_eq!(log[0]["summary"], "register edobry/minsky");
    assert_eq!(log[0]["commit"].as_str().map(str::len), Some(40));
    let doctor = json(&["doctor", "--json"]);
    assert_eq!(doctor["entries"], 1);
    assert_eq!(doctor["problems"], serde_json::json!([]));
    assert_eq!(json(&["creds", "list", "--json"]), serde_json::json!([]));
    assert_eq!(
        json(&["recipients", "list", "--json"]),
        serde_json::json!([])
    );
    assert_eq!(json(&["registry", "list", "--json"]), serde_json::json!([]));
    let bare = env.root().join("remote.git");
    crate::support::git_in(&env, env.root(), &["init", "-q", "--bare", "remote.git"]);
    env.ok(&["remote", "set", bare.to_str().unwrap()]);
    let remote = json(&["remote", "show", "--json"]);
    assert_eq!(remote["name"], "origin");
}

/// `repodex log NAME` follows the entry back across its renames, and `-n` and
/// `--since` cut it.
#[test]
fn log_follows_an_entry_across_renames() {
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/minsky"]);
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/other"]);
    env.ok(&["tag", "add", "edobry/minsky", "work"]);
    env.ok(&["rename", "edobry/minsky", "minsky"]);
    env.ok(&["tag", "add", "minsky", "cli"]);
    env.ok(&["rename", "minsky", "mk"]);
    let log: serde_json::Value = serde_json::from_str(&env.ok(&["log", "mk", "--json"])).unwrap();
    let summaries: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "rename minsky to mk",
            "tag minsky: cli",
            "rename edobry/minsky to minsky",
            "tag edobry/minsky: work",
            "register edobry/minsky",
        ]
    );
    assert_eq!(log[0]["entry"], "mk");
    assert_eq!(log[4]["entry"], "edobry/minsky");
    let two = env.ok(&["log", "mk", "-n", "2"]);
    assert_eq!(two.lines().count(), 2, "{two}");
    let since = env.ok(&["log", "mk", "--since", "HEAD~2"]);
    assert_eq!(since.lines().count(), 2, "{since}");
    assert!(since.contains("rename minsky to mk"), "{since}");
}

/// `list` shaped as a person or a script wants it: columns, order, names only, and
/// filters by host and layer.
#[test]
fn list_takes_columns_an_order_names_only_and_filters_by_host_and_layer() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
        "--description",
        "the task tool",
    ]);
    env.ok(&["register", "git@gitlab.com:team/tasks.git"]);
    env.ok(&["register", "https://codeberg.org/anna/notes"]);
    // The default columns show aliases.
    let listed = env.ok(&["list"]);
    let header: Vec<&str> = listed.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "ALIASES", "URL", "BRANCH", "TAGS", "PATH"]);
    assert!(listed.contains("edobry/minsky  mk "), "{listed}");
    // Chosen columns, in the order given; sorted by host.
    let shaped = env.ok(&[
        "list",
        "--columns",
        "host,name,description",
        "--sort",
        "host",
    ]);
    assert_eq!(
        shaped
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        [
            "HOST NAME DESCRIPTION",
            "codeberg.org anna/notes -",
            "github.com edobry/minsky the task tool",
            "gitlab.com team/tasks -",
        ]
    );
    // Names only, for scripts; a host filter (any case).
    assert_eq!(
        env.ok(&["list", "--names"]),
        "anna/notes\nedobry/minsky\nteam/tasks\n"
    );
    assert_eq!(
        env.ok(&["list", "--names", "--host", "GitLab.com"]),
        "team/tasks\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["list", "--json", "--sort", "url"])).unwrap();
    let urls: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "git@gitlab.com:team/tasks.git",
            "https://codeberg.org/anna/notes",
            "https://github.com/edobry/minsky"
        ]
    );
    // A layer that is not mounted is refused, with the command that lists them.
    let run = env.run(&["list", "--layer", "acme"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("no layer is called 'acme'; `repodex registry list` shows them"),
        "{run:?}"
    );
    let run = env.run(&["list", "--columns", "name,colour"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("invalid value 'colour'"), "{run:?}");
}

/// Settings change through a command, not by hand: the shared ones in one commit that
/// plain git shows, this machine's in its config file; every setting is listed with its
/// default, and a bad key or value changes nothing.
#[test]
fn settings_are_listed_with_defaults_and_changed_by_command() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
    ]);
    let listed = env.ok(&["settings"]);
    for (key, default) in [
        ("refresh_ttl", "24h"),
        ("timeout", "30"),
        ("mirror_depth", "0"),
    ] {
        // Its row, with the lines its description wraps onto.
        let line: String = listed
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{key} ")))
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with(' '))
            .map(|(_, l)| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!line.is_empty(), "{key} is not listed: {listed}");
        assert!(line.contains(&format!("(default: {default})")), "{line}");
    }
    // Shared: one commit, read back by the commands that use it.
    let before = env.head();
    env.ok(&["settings", "set", "refresh_ttl", "2d"]);
    assert_ne!(env.head(), before);
    assert_eq!(
        env.git(&["log", "-1", "--format=%s"]),
        "settings: set refresh_ttl = 2d\n"
    );
    assert!(env
        .git(&["show", "HEAD:registry.toml"])
        .contains("refresh_ttl = \"2d\""));
    assert!(env
        .git(&["show", "HEAD:registry.toml"])
        .starts_with("# Settings shared"));
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["settings", "--json"])).unwrap();
    let ttl = json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "refresh_ttl")
        .unwrap()
        .clone();
    assert_eq!(ttl["value"], "2d");
    assert_eq!(ttl["scope"], "shared");
    env.ok(&["settings", "set", "config_paths", ".tool.toml,ci/tool.yaml"]);
    assert!(env
        .git(&["show", "HEAD:registry.toml"])
        .contains("config_paths = [\".tool.toml\", \"ci/tool.yaml\"]"));
    // This machine's: its config file, no commit.
    let head = env.head();
    env.ok(&["settings", "set", "--machine", "timeout", "7"]);
    assert_eq!(env.head(), head);
    let config = std::fs::read_to_string(env.root().join("config/repodex/config.toml")).unwrap();
    assert_eq!(config, "timeout = 7\n");
    // Unset: the default applies again.
    env.ok(&["settings", "unset", "refresh_ttl"]);
    assert!(!env
        .git(&["show", "HEAD:registry.toml"])
        .contains("refresh_ttl"));
    // Bad input: one line, nothing changed.
    for (args, code, words) in [
        (
            &["settings", "set", "refresh_ttl", "banana"][..],
            2,
            "refresh_ttl cannot be 'banana': it is not a duration",
        ),
        (
            &["settings", "set", "timeout", "5"],
            2,
            "'timeout' is this machine's setting, not the registry's: add --machine",
        ),
        (
            &["settings", "set", "--machine", "refresh_ttl", "1h"],
            2,
            "is the registry's setting, not this machine's",
        ),
        (
            &["settings", "set", "colour", "blue"],
            2,
            "there is no setting 'colour'",
        ),
        (
            &["settings", "set", "config_paths", "../etc/passwd"],
            2,
            "is not a path inside a repository",
        ),
        (
            &["settings", "set", "--machine", "offline", "maybe"],
            2,
            "neither true nor false",
        ),
    ] {
        let before = env.head();
        let run = env.run(args);
        assert_eq!(run.code, code, "{args:?}: {run:?}");
        assert!(run.stderr.contains(words), "{args:?}: {run:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {run:?}");
        assert_eq!(env.head(), before);
    }
    assert_eq!(
        std::fs::read_to_string(env.root().join("config/repodex/config.toml")).unwrap(),
        "timeout = 7\n"
    );
}

/// Help is coloured as clap colours it where colour is wanted (a terminal, or
/// CLICOLOR_FORCE), and plain under NO_COLOR and in pipes.
#[test]
fn help_is_coloured_for_a_terminal_and_plain_under_no_color() {
    let env = TestEnv::new();
    let help = |vars: &[(&str, &str)]| {
        let mut cmd = env.command(&["list", "--help"]);
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE");
        for (key, value) in vars {
            cmd.env(key, value);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert!(help(&[("CLICOLOR_FORCE", "1")]).contains("\u{1b}[1m\u{1b}[4mUsage:"));
    assert!(!help(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'));
    assert!(!help(&[]).contains('\u{1b}'));
}

#[test]
fn one_command_parses_as_all_do() {
    // `repodex resolve ...` builds clap's resolve alone; `repodex --registry R resolve
    // ...` (a global option first, naming the registry used anyway) builds every command. Help, usage errors and results must
    // not tell them apart.
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/one", "--alias", "uno"]);
    let cases: &[&[&str]] = &[
        &["resolve", "uno"],
        &["resolve", "--print", "forge", "o/one"],
        &["resolve", "--help"],
        &["resolve", "-h"],
        &["resolve"],
        &["resolve", "--bogus", "uno"],
        &["resolve", "--print", "nope", "uno"],
        &["resolve", "--json", "--print", "url", "uno"],
        &["which", "--help"],
        &["which", "--bogus"],
        &["config", "--help"],
        &["config", "uno", "--bogus"],
        &["info", "-h"],
        &["info"],
        &["info", "uno", "--json"],
    ];
    let cli_exe = std::path::Path::new(env!("CARGO_BIN_EXE_repodex")).with_file_name("repodex-cli");
    let mut help_seen = 0;
    for args in cases {
        let alone = env.run(args);
        let registry = env.registry().display().to_string();
        let prefixed: Vec<&str> = ["--registry", registry.as_str()]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let all = env.run(&prefixed);
        assert_eq!(alone.code, all.code, "{args:?}");
        assert_eq!(alone.stdout, all.stdout, "{args:?}");
        assert_eq!(alone.stderr, all.stderr, "{args:?}");
        // The front answers `resolve` itself (both runs above may be its answers):
        // repodex-cli, which parses every command, must answer the same.
        let cli = crate::support::run_with_stdin(env.command_of(&cli_exe, args), "");
        assert_eq!(alone.code, cli.code, "{args:?}");
        assert_eq!(alone.stdout, cli.stdout, "{args:?}");
        assert_eq!(alone.stderr, cli.stderr, "{args:?}");
        if alone.stdout.contains("Usage: repodex ") {
            help_seen += 1;
        }
    }
    assert_eq!(help_seen, 5, "each --help and -h case printed its help");
    // `help X` is clap's own rendering of X's long help, from the whole tree.
    for name in ["resolve", "which", "config", "info"] {
        assert_eq!(
            env.run(&[name, "--help"]).stdout,
            env.run(&["help", name]).stdout,
            "{name}"
        );
    }
    assert!(env
        .run(&["resolve", "--bogus", "uno"])
        .stderr
        .contains("usage: repodex resolve"));
}

#[test]
fn an_import_of_300_entries_is_one_pack_git_fsck_accepts() {
    // A team brings in its list: 300 entries in one commit. Their blobs and trees are
    // one pack, not a loose object each; plain git reads, checks and repacks it, and
    // every entry is served before and after `git gc`.
    let env = TestEnv::new();
    let mut export = String::from("format = 1\n\n");
    for i in 0..300 {
        export.push_str(&format!(
            "[[repository]]\nname = \"team/project-{i}\"\nurl = \"https://example.com/team/project-{i}.git\"\nadded = 2026-01-01T00:00:00Z\n\n"
        ));
    }
    let file = env.root().join("export.toml");
    std::fs::write(&file, export).unwrap();
    env.ok(&["list"]);
    let loose_before = loose_objects(&env);
    env.ok(&["import", "file", file.to_str().unwrap()]);
    let packs: Vec<String> = std::fs::read_dir(env.registry().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        packs.iter().filter(|p| p.ends_with(".pack")).count(),
        1,
        "{packs:?}"
    );
    assert_eq!(
        packs.iter().filter(|p| p.ends_with(".idx")).count(),
        1,
        "{packs:?}"
    );
    assert!(!packs.iter().any(|p| p.ends_with(".keep")), "{packs:?}");
    // The commit itself, and nothing per entry, is loose.
    assert_eq!(loose_objects(&env), loose_before + 1);
    env.git(&["fsck", "--full", "--strict"]);
    assert_eq!(
        env.git(&["ls-tree", "-r", "--name-only", "HEAD", "repos"])
            .lines()
            .count(),
        300
    );
    env.assert_plain_git_happy();
    for check in ["before gc", "after gc"] {
        if check == "after gc" {
            env.git(&["gc", "-q"]);
        }
        let _ = std::fs::remove_file(env.registry().join(".git/repodex/catalog"));
        assert_eq!(
            env.ok(&["resolve", "team/project-299"]),
            "https://example.com/team/project-299.git\n",
            "{check}"
        );
        assert_eq!(env.ok(&["list"]).lines().count(), 301, "{check}");
    }
}

fn loose_objects(env: &TestEnv) -> usize {
    walkdir::WalkDir::new(env.registry().join(".git/objects"))
        .into_iter()
        .flatten()
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .parent()
                    .and_then(|p| p.file_name())
                    .is_some_and(|d| {
                        d.len() == 2 && d.to_string_lossy().bytes().all(|b| b.is_ascii_hexdigit())
                    })
        })
        .count()
}
