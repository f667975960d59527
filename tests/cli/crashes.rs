//! A process killed mid-command leaves the old or the new state, and the next command
//! works without manual repair.

use crate::support::{entry_path, TestEnv};
use pretty_assertions::assert_eq;

/// Stop `register` at each step of its commit and check what the next command finds.
#[test]
fn stopped_at_each_step_of_a_commit() {
    for (step, committed) in [
        ("before-head", false),
        ("after-head", true),
        ("after-worktree", true),
    ] {
        let env = TestEnv::new();
        env.ok(&["register", "https://example.com/o/first"]);
        let before = env.head();
        let mut cmd = env.command(&["register", "https://example.com/o/second"]);
        cmd.env("REPODEX_TEST_FAILPOINT", step);
        let out = cmd.output().unwrap();
        assert!(
            !out.status.success(),
            "{step}: the failpoint did not stop the process"
        );

        // The next command, even a reading one, repairs and answers.
        let listed = env.ok(&["list", "--json"]);
        assert_eq!(listed.contains("o/second"), committed, "{step}: {listed}");
        assert_eq!(env.head() != before, committed, "{step}");
        assert_eq!(
            env.registry().join(entry_path("o/second")).exists(),
            committed,
            "{step}"
        );
        assert!(env.ok(&["doctor"]).starts_with("ok:"), "{step}");
        // And writing works.
        env.ok(&["register", "https://example.com/o/third"]);
        env.assert_plain_git_happy();
    }
}

/// Kill commands with SIGKILL at arbitrary moments; nothing is ever half-done.
#[test]
fn killed_at_random_moments() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/base"]);
    let mut rng = crate::support::Rng(0x9e3779b97f4a7c15);
    let mut next = move || rng.next();
    for round in 0..40 {
        let name = format!("r{round}");
        let url = format!("https://example.com/o/{name}");
        let args: Vec<String> = match next() % 3 {
            0 => vec!["register".into(), url.clone()],
            1 => vec![
                "tag".into(),
                "add".into(),
                "o/base".into(),
                format!("t{round}"),
            ],
            _ => vec![
                "alias".into(),
                "add".into(),
                "o/base".into(),
                format!("a{round}"),
            ],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = env.command(&args).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_micros(next() % 40_000));
        let _ = child.kill();
        let status = child.wait().unwrap();

        // Whatever happened, the registry reads, is clean and sound, and every entry is whole.
        let listed: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"o/base"), "round {round}: {names:?}");
        if status.success() && args[0] == "register" {
            assert!(
                names.contains(&format!("o/{name}").as_str()),
                "round {round}: a reported success was lost"
            );
        }
        assert!(env.ok(&["doctor"]).starts_with("ok:"), "round {round}");
    }
    env.assert_plain_git_happy();
}

/// 200 SIGKILLs at random moments of register, rename, refresh, recipients add and sync.
/// After each: the next command works without repair by hand, plain git and doctor are
/// happy, every entry is in its old or its new state, the vault still decrypts, and no
/// lock is left to wait on.
#[test]
fn two_hundred_kills_during_every_kind_of_change() {
    const LINGER: [&str; 5] = [
        "objects",
        "before-head",
        "after-head",
        "after-worktree",
        "after-effects",
    ];
    use crate::support::{git_in, run_with_stdin};
    let env = TestEnv::online();
    // A local upstream to refresh (no server needed), a credential, a remote to sync with.
    let upstream = env.make_repo("upstream");
    std::fs::create_dir_all(upstream.join(".minsky")).unwrap();
    let url = upstream.display().to_string();
    env.ok(&["register", &url, "--name", "up"]);
    let run = run_with_stdin(env.command(&["creds", "set", "up"]), "kept-secret-42");
    assert_eq!(run.code, 0, "{run:?}");
    git_in(
        &env,
        &env.work(),
        &["init", "-q", "--bare", "-b", "main", "remote.git"],
    );
    let remote = env.work().join("remote.git").display().to_string();
    env.ok(&["remote", "set", &remote]);
    env.ok(&["sync"]);

    let mut rng = crate::support::Rng(0x2545f4914f6cdd1d);
    let mut next = move || rng.next();
    let mut name = "up".to_string();
    // Where each kill landed: the last step of a commit the killed process logged.
    let mut landed: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let steps_log = env.root().join("steps.log");
    let stderr_log = env.root().join("stderr.log");
    for round in 0..200 {
        let before: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
        let recipients_before =
            std::fs::read_to_string(env.registry().join(".age-recipients")).unwrap();
        let renamed = format!("up-{round}");
        let key = age::x25519::Identity::generate().to_public().to_string();
        let registered = format!("https://example.com/o/r{round}");
        let args: Vec<String> = match next() % 5 {
            0 => vec!["register".into(), "--no-fetch".into(), registered.clone()],
            1 => vec!["rename".into(), name.clone(), renamed.clone()],
            2 => {
                // Give the refresh something new to learn.
                std::fs::write(
                    upstream.join(".minsky/config.yaml"),
                    format!("round: {round}\n"),
                )
                .unwrap();
                git_in(&env, &upstream, &["add", "-A"]);
                git_in(
                    &env,
                    &upstream,
                    &["commit", "-qm", &format!("round {round}")],
                );
                vec!["refresh".into(), "--all".into()]
            }
            3 => vec!["recipients".into(), "add".into(), key.clone()],
            _ => vec!["sync".into()],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let _ = std::fs::remove_file(&steps_log);
        let mut child = env
            .command(&args)
            // Each step of a commit is logged, and one short phase (a different one
            // each round) lingers for 40 ms, so that kills land in each phase of a
            // commit: every other round's kill comes at a random moment of that phase.
            .env("REPODEX_TEST_STEP_LOG", &steps_log)
            .env(
                "REPODEX_TEST_STEP_PAUSE",
                format!("{}:40", LINGER[round % LINGER.len()]),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&stderr_log).unwrap())
            .spawn()
            .unwrap();
        let linger = LINGER[round % LINGER.len()];
        if round % 2 == 0 {
            // At a random moment of the whole command.
            std::thread::sleep(std::time::Duration::from_micros(next() % 90_000));
        } else {
            // At a random moment of the lingering phase, once the command is in it.
            let start = std::time::Instant::now();
            while child.try_wait().unwrap().is_none()
                && start.elapsed() < std::time::Duration::from_secs(10)
                && !std::fs::read_to_string(&steps_log)
                    .unwrap_or_default()
                    .lines()
                    .any(|l| l == linger)
            {
                std::thread::sleep(std::time::Duration::from_micros(500));
            }
            std::thread::sleep(std::time::Duration::from_micros(next() % 30_000));
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        let steps = std::fs::read_to_string(&steps_log).unwrap_or_default();
        let phase = if status.code().is_some() {
            "exited before the kill"
        } else {
            match steps.lines().last() {
                None => "before any commit",
                Some("objects") => "writing objects",
                Some("before-head") => "journal written, HEAD not moved",
                Some("after-head") => "HEAD moved, work tree not written",
                Some("after-worktree") => "work tree written, effects not run",
                Some("after-effects") => "effects run, journal not removed",
                Some("committed") => "after a commit",
                Some(other) => panic!("unknown step {other}"),
            }
        };
        *landed.entry(phase).or_default() += 1;
        // A command that was not killed did what it was asked.
        assert_eq!(
            status.code().unwrap_or(0),
            0,
            "round {round}: {args:?} failed on its own: {}",
            std::fs::read_to_string(&stderr_log).unwrap_or_default()
        );

        // The next command repairs whatever the kill left, and everything is whole.
        let after: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
        let names: Vec<String> = after
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect();
        assert!(
            env.ok(&["doctor"]).starts_with("ok:"),
            "round {round} {args:?}"
        );
        match args[0] {
            "register" => {
                let added = names.iter().any(|n| n == &format!("o/r{round}"));
                assert!(
                    added || !status.success(),
                    "round {round}: a success was lost"
                );
                assert_eq!(
                    names.len(),
                    before.as_array().unwrap().len() + usize::from(added)
                );
            }
            "rename" => {
                let (old, new) = (names.contains(&name), names.contains(&renamed));
                assert!(old ^ new, "round {round}: {name} -> {renamed}: {names:?}");
                if new {
                    name = renamed.clone();
                }
            }
            "recipients" => {
                let now = std::fs::read_to_string(env.registry().join(".age-recipients")).unwrap();
                assert!(
                    now == recipients_before || now.contains(&key),
                    "round {round}: recipients half-changed"
                );
                if now != recipients_before {
                    // This machine made the change; it is accepted here.
                    env.ok(&["recipients", "list"]);
                }
            }
            _ => {
                // refresh and sync change entries' remote data and HEAD only: same names.
                let before_names: Vec<&str> = before
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["name"].as_str().unwrap())
                    .collect();
                assert_eq!(names, before_names, "round {round} {args:?}");
            }
        }
        // The credential is intact, whatever was re-encrypted or renamed.
        let shown = env.ok(&["creds", "show", &name, "--reveal"]);
        assert!(shown.contains("kept-secret-42"), "round {round}: {shown}");
    }
    // The kills landed in every phase of a commit, not only before or after one.
    eprintln!("where the kills landed: {landed:#?}");
    for phase in [
        "before any commit",
        "writing objects",
        "journal written, HEAD not moved",
        "HEAD moved, work tree not written",
        "work tree written, effects not run",
        "effects run, journal not removed",
    ] {
        let count = landed.get(phase).copied().unwrap_or(0);
        assert!(
            count >= 5,
            "only {count} kills landed at '{phase}': {landed:#?}"
        );
    }
    // Everything done here reaches the remote.
    env.ok(&["sync"]);
    assert_eq!(
        env.git(&["rev-parse", "HEAD"]),
        git_in(
            &env,
            &env.work(),
            &["--git-dir=remote.git", "rev-parse", "main"]
        )
    );
    env.assert_secret_absent("kept-secret-42");
}
