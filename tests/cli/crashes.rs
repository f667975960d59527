//! A process killed mid-command leaves the old or the new state, and the next command
//! works without manual repair.

use crate::support::TestEnv;
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
            env.registry().join("repos/o/second.toml").exists(),
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
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
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
