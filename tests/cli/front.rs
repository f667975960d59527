//! `repodex` is a small front over `repodex-cli`: it answers `--version` and `resolve
//! NAME` for a registered name itself and hands every other command line over.
//!
//! To know which of the two answered, these stories also run a copy of the front alone
//! in a folder without `repodex-cli`: whatever that copy answers, the front answered;
//! whatever it must hand over fails there, saying what it could not run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{entry_path, Run, TestEnv};
use pretty_assertions::assert_eq;

/// A copy of the front program alone, in a folder of its own.
struct Alone {
    exe: PathBuf,
}

impl Alone {
    fn new(env: &TestEnv) -> Alone {
        let dir = env.root().join("front-alone");
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("repodex");
        // Copied by `cp`, not by this process: a writable descriptor open here would be
        // inherited by the children other tests spawn meanwhile, and running the copy
        // would fail as "text file busy".
        let copied = Command::new("cp")
            .arg(env!("CARGO_BIN_EXE_repodex"))
            .arg(&exe)
            .status()
            .unwrap();
        assert!(copied.success());
        assert!(!dir.join("repodex-cli").exists());
        Alone { exe }
    }

    fn run(&self, env: &TestEnv, args: &[&str]) -> Run {
        run_program(env, &self.exe, args)
    }

    /// Answered by the front itself: success, and what it printed.
    fn answers(&self, env: &TestEnv, args: &[&str]) -> String {
        let run = self.run(env, args);
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (0, ""),
            "{args:?}: {run:?}"
        );
        run.stdout
    }

    /// Handed over: the copy alone cannot run the full program, and says so in one line.
    fn hands_over(&self, env: &TestEnv, args: &[&str]) {
        let run = self.run(env, args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        let missing = self.exe.with_file_name("repodex-cli");
        assert_eq!(
            run.stderr.lines().collect::<Vec<_>>(),
            [format!(
                "repodex: error: cannot run {}: No such file or directory (os error 2); install it beside repodex (`cargo install --path .` installs both)",
                missing.display()
            )],
            "{args:?}"
        );
    }
}

/// Run `exe` as [`TestEnv::command`] runs `repodex`.
fn run_program(env: &TestEnv, exe: &Path, args: &[&str]) -> Run {
    Run::from(env.command_of(exe, args).output().unwrap())
}

/// The front answers what a current catalog alone tells (a name, an alias, a last
/// segment), the same answer the full program gives, and hands over every reference
/// that needs another rule, misses or is ambiguous.
#[test]
fn the_front_answers_what_the_catalog_alone_tells_and_hands_the_rest_over() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
    ]);
    env.ok(&["register", "https://example.com/a/tasks.git"]);
    env.ok(&["register", "https://example.com/b/tasks.git"]);
    let alone = Alone::new(&env);
    let url = "https://github.com/edobry/minsky.git\n";
    // The rules the catalog alone answers: a name (in any case; `repodex:NAME` is how
    // git-setup spells one), an alias, a unique last segment.
    for reference in [
        "edobry/minsky",
        "EDOBRY/Minsky",
        "repodex:edobry/minsky",
        "mk",
        "MK",
        "minsky",
    ] {
        assert_eq!(
            alone.answers(&env, &["resolve", reference]),
            url,
            "{reference}"
        );
    }
    assert_eq!(
        alone.answers(&env, &["--version"]),
        format!("repodex {}\n", env!("CARGO_PKG_VERSION"))
    );
    // The options every command takes, before or after the command; `--registry`
    // chooses another registry (here one that holds another entry, the user's
    // REPODEX_HOME still set).
    let team = env.root().join("team-registry");
    let team = team.to_str().unwrap();
    env.ok(&[
        "--registry",
        team,
        "register",
        "https://example.com/team/tool.git",
    ]);
    let team_flag = format!("--registry={team}");
    for args in [
        &["--offline", "resolve", "edobry/minsky"][..],
        &["resolve", "edobry/minsky", "-q"],
        &["--quiet", "resolve", "--offline", "edobry/minsky"],
        &[
            "resolve",
            "--registry",
            env.registry().to_str().unwrap(),
            "edobry/minsky",
        ],
    ] {
        assert_eq!(alone.answers(&env, args), url, "{args:?}");
    }
    for args in [
        &["--registry", team, "resolve", "team/tool"][..],
        &["resolve", "team/tool", &team_flag],
    ] {
        assert_eq!(
            alone.answers(&env, args),
            "https://example.com/team/tool.git\n",
            "{args:?}"
        );
    }
    // A URL, a path on this machine (even one whose last segment would match: rule 4
    // comes first), an ambiguous last segment, a miss, a name only another registry
    // has, an option of `resolve`'s own, an option twice, a second reference, a
    // registry that is not there, any other command: handed over.
    std::fs::create_dir_all(env.work().join("minsky")).unwrap();
    for args in [
        &["resolve", "https://github.com/edobry/minsky"][..],
        &["resolve", "git@github.com:edobry/minsky.git"],
        &["resolve", "minsky"],
        &["resolve", "tasks"],
        &["resolve", "nothing-like-it"],
        &["resolve", "team/tool"],
        &["resolve", "edobry/minsky", "--json"],
        &["resolve", "--print", "url", "edobry/minsky"],
        &["--offline", "resolve", "edobry/minsky", "--offline"],
        &["resolve", "edobry/minsky", "edobry/minsky"],
        &["resolve", "--", "edobry/minsky"],
        &["--registry", "elsewhere", "resolve", "edobry/minsky"],
        &["list"],
        &[],
    ] {
        alone.hands_over(&env, args);
    }
    // The installed pair answers all of them as the full program alone does.
    let full =
        |args: &[&str]| run_program(&env, Path::new(env!("CARGO_BIN_EXE_repodex-cli")), args);
    for args in [
        &["resolve", "edobry/minsky"][..],
        &["resolve", "EDOBRY/Minsky"],
        &["--offline", "resolve", "edobry/minsky", "-q"],
        &["--registry", team, "resolve", "team/tool"],
        &["--offline", "resolve", "edobry/minsky", "--offline"],
        &["resolve", "edobry/minsky", "edobry/minsky"],
        &["resolve", "mk"],
        &["resolve", "minsky"],
        &["resolve", "tasks"],
        &["resolve", "git@github.com:edobry/minsky.git"],
        &["resolve", "nothing-like-it"],
        &["--version"],
        &["frobnicate"],
    ] {
        assert_eq!(env.run(args), full(args), "{args:?}");
    }
    // A usage error names the command users type, whichever program parsed it.
    let run = full(&["frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("usage: repodex [OPTIONS] <COMMAND>"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("repodex-cli"), "{run:?}");
}

/// After a plain `git commit` changed an entry's URL, the catalog on disk is for the old
/// HEAD: the front does not answer from it, and the full program's answer (the new URL)
/// brings the catalog up to date, so the front answers the next time.
#[test]
fn a_plain_git_commit_is_seen_by_the_next_resolve() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/team/tool.git"]);
    let alone = Alone::new(&env);
    assert_eq!(
        alone.answers(&env, &["resolve", "team/tool"]),
        "https://example.com/team/tool.git\n"
    );
    let path = entry_path("team/tool");
    let file = std::fs::read_to_string(env.registry().join(&path)).unwrap();
    let moved = file.replace(
        "https://example.com/team/tool.git",
        "https://example.com/team/tool-moved.git",
    );
    assert_ne!(moved, file);
    env.hand_commit(&path, &moved);
    alone.hands_over(&env, &["resolve", "team/tool"]);
    assert_eq!(
        env.ok(&["resolve", "team/tool"]),
        "https://example.com/team/tool-moved.git\n"
    );
    assert_eq!(
        alone.answers(&env, &["resolve", "team/tool"]),
        "https://example.com/team/tool-moved.git\n"
    );
    // The same after `git pack-refs`, which moves the branch into packed-refs.
    env.git(&["pack-refs", "--all"]);
    assert!(!env.registry().join(".git/refs/heads/main").exists());
    assert_eq!(
        alone.answers(&env, &["resolve", "team/tool"]),
        "https://example.com/team/tool-moved.git\n"
    );
}

/// A commit killed before it moved HEAD leaves its journal and git's index lock; the
/// catalog is still current (HEAD did not move), but a read must finish the dead
/// writer's work, so the front hands over and the full program clears both.
#[test]
fn a_dead_writer_s_journal_is_cleared_before_the_front_answers_again() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/team/tool.git"]);
    let mut cmd = env.command(&[
        "set",
        "team/tool",
        "--url",
        "https://example.com/team/new.git",
    ]);
    cmd.env("REPODEX_TEST_FAILPOINT", "before-head");
    assert!(!cmd.output().unwrap().status.success());
    let journal = env.registry().join(".git/repodex/journal");
    let index_lock = env.registry().join(".git/index.lock");
    assert!(journal.exists(), "the stopped commit left its journal");
    assert!(
        index_lock.exists(),
        "the stopped commit left git's index lock"
    );
    let alone = Alone::new(&env);
    alone.hands_over(&env, &["resolve", "team/tool"]);
    assert_eq!(
        env.ok(&["resolve", "team/tool"]),
        "https://example.com/team/tool.git\n"
    );
    assert!(!journal.exists(), "the full program finished the repair");
    assert!(
        !index_lock.exists(),
        "the full program removed the dead lock"
    );
    assert_eq!(
        alone.answers(&env, &["resolve", "team/tool"]),
        "https://example.com/team/tool.git\n"
    );
}

/// git-setup's file follows HEAD after every command; when it is behind (here: deleted),
/// the front hands over, and the full program writes it again.
#[test]
fn git_setup_s_file_is_kept_current_through_the_front() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/team/tool.git"]);
    env.ok(&["git-setup"]);
    let generated = env.root().join("config/repodex/gitconfig");
    let alone = Alone::new(&env);
    assert_eq!(
        alone.answers(&env, &["resolve", "team/tool"]),
        "https://example.com/team/tool.git\n"
    );
    std::fs::remove_file(&generated).unwrap();
    alone.hands_over(&env, &["resolve", "team/tool"]);
    env.ok(&["resolve", "team/tool"]);
    let text = std::fs::read_to_string(&generated).unwrap();
    assert!(text.contains(&format!("at {}", env.head())), "{text}");
    assert_eq!(
        alone.answers(&env, &["resolve", "team/tool"]),
        "https://example.com/team/tool.git\n"
    );
}

/// Real repository URLs from package metadata (fixtures/urls), registered with aliases
/// on some, and every way a user might name them: wherever the front answers alone,
/// the full program gives the same output; wherever it hands over, `repodex` gives the
/// full program's output, exit code and error.
#[test]
fn the_front_and_the_full_program_agree_on_every_reference_to_real_repositories() {
    let env = TestEnv::new();
    let mut seen = std::collections::BTreeSet::new();
    let inputs: Vec<(&str, &str)> = include_str!("../../fixtures/urls/urls.tsv")
        .lines()
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (input, outcome, key) = (cols.next()?, cols.next()?, cols.next()?);
            (outcome == "repository" && key.matches('/').count() == 2 && seen.insert(key))
                .then_some((input, key))
        })
        .step_by(7)
        .take(40)
        .collect();
    assert_eq!(inputs.len(), 40);
    let repositories: Vec<String> = inputs
        .iter()
        .enumerate()
        .map(|(i, (_, key))| {
            let aliases = if i % 3 == 0 {
                format!(r#", "aliases": ["a{i}"]"#)
            } else {
                String::new()
            };
            let name = key.split_once('/').unwrap().1;
            format!(
                r#"{{"name": "{name}", "url": "https://{key}", "added": "2026-01-01T00:00:00Z"{aliases}}}"#
            )
        })
        .collect();
    let document = env.root().join("export.json");
    std::fs::write(
        &document,
        format!(
            r#"{{"format": 1, "repositories": [{}]}}"#,
            repositories.join(", ")
        ),
    )
    .unwrap();
    env.ok(&["import", "file", document.to_str().unwrap()]);

    let mut references: Vec<String> = vec![
        String::new(),
        ".".into(),
        "..".into(),
        "/".into(),
        "repodex:".into(),
    ];
    for (i, (input, key)) in inputs.iter().enumerate() {
        let name = key.split_once('/').unwrap().1.to_string();
        let segment = name.rsplit('/').next().unwrap().to_string();
        references.extend([
            name.clone(),
            name.to_uppercase(),
            format!("repodex:{name}"),
            segment.clone(),
            format!("{segment}x"),
            input.to_string(),
            format!("https://{key}.git"),
            format!("a{i}"),
        ]);
    }
    // A working copy in the current folder named like the first entry's last segment,
    // cloned from the second: the path rule comes before the last segment's, so
    // `resolve <segment>` there names the second entry.
    let first_segment = inputs[0].1.rsplit('/').next().unwrap();
    let copy = env.make_repo(first_segment);
    crate::support::git_in(
        &env,
        &copy,
        &[
            "remote",
            "add",
            "origin",
            &format!("https://{}", inputs[1].1),
        ],
    );
    let second_url = format!("https://{}\n", inputs[1].1);
    assert_eq!(env.ok(&["resolve", first_segment]), second_url);
    let alone = Alone::new(&env);
    let full = Path::new(env!("CARGO_BIN_EXE_repodex-cli"));
    let (mut answered, mut handed_over) = (0, 0);
    for reference in &references {
        let args = ["resolve", reference.as_str()];
        let expected = run_program(&env, full, &args);
        let by_alone = alone.run(&env, &args);
        if by_alone.code == 0 {
            answered += 1;
            assert_eq!(by_alone, expected, "{reference:?}");
        } else {
            handed_over += 1;
            assert!(
                by_alone.stderr.contains("cannot run"),
                "{reference:?}: {by_alone:?}"
            );
            assert_eq!(env.run(&args), expected, "{reference:?}");
        }
    }
    // Names, aliases and unique last segments are answered by the front; URLs, paths,
    // misses and ambiguities are handed over. Both kinds are many.
    assert!(answered >= 40 * 3, "the front answered {answered}");
    assert!(handed_over >= 40 * 3, "the front handed {handed_over} over");
}
