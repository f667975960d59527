//! `repodex exec`: one command in every clone, output kept per clone in selection order,
//! no prompts, and nothing left running after a timeout or Ctrl-C.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::servers::{GitDaemon, Upstreams};
use crate::support::TestEnv;
use pretty_assertions::assert_eq;

/// Three registered repositories, each cloned into the clone root: (name, clone path).
fn three_clones(env: &TestEnv) -> (GitDaemon, Vec<(String, PathBuf)>) {
    let upstreams = Upstreams::new(env);
    for name in ["alpha", "beta", "gamma"] {
        upstreams.create(env, name, "main", &[("README", &format!("{name}\n"))]);
    }
    let daemon = GitDaemon::start(&upstreams);
    let mut clones = Vec::new();
    for name in ["alpha", "beta", "gamma"] {
        let tag = if name == "beta" { "other" } else { "mine" };
        env.ok(&["register", &daemon.url(name), "--name", name, "--tag", tag]);
        let path = env.ok(&["clone", "-q", name]).trim().to_string();
        clones.push((name.to_string(), PathBuf::from(path)));
    }
    (daemon, clones)
}

#[test]
fn exec_runs_in_every_clone_and_prints_each_ones_output_together_in_order() {
    let env = TestEnv::online();
    let (_daemon, clones) = three_clones(&env);
    // Each command writes to stdout and stderr in turn, slowest first, reads its
    // standard input (empty: nobody can type there), and says where it ran.
    let script = r#"case $REPODEX_NAME in alpha) sleep 0.4;; beta) sleep 0.2;; esac
echo "out1 $REPODEX_NAME"; echo "err $REPODEX_NAME" >&2; echo "out2 $(basename "$PWD") $(basename "$REPODEX_PATH")"
input=$(cat); echo "stdin=[$input] url=${REPODEX_URL##*/}""#;
    let run = env.run(&["exec", "--", "sh", "-c", script]);
    assert_eq!(run.code, 0, "{run:?}");
    let shown = |path: &Path| {
        format!(
            "~/{}",
            path.strip_prefix(env.root().join("home"))
                .unwrap()
                .display()
        )
    };
    let mut expected = String::new();
    for (name, path) in &clones {
        let folder = path.file_name().unwrap().to_string_lossy();
        expected.push_str(&format!(
            "==> {name}  {} <==\nout1 {name}\nerr {name}\nout2 {folder} {folder}\nstdin=[] url={name}.git\n",
            shown(path)
        ));
    }
    assert_eq!(run.stdout, expected);
    assert!(
        run.stderr
            .contains("ran in 3 clone(s), every one succeeded"),
        "{run:?}"
    );

    // A selection, a failure named at the end, exit 1.
    let run = env.run(&[
        "exec",
        "--tag",
        "mine",
        "--",
        "sh",
        "-c",
        r#"[ "$REPODEX_NAME" = gamma ] && exit 7; echo fine"#,
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("==> alpha  ") && !run.stdout.contains("beta"),
        "{run:?}"
    );
    assert!(run.stdout.contains("repodex: exit 7"), "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "repodex: failed in 1 of 2 clone(s): gamma ({}, exit 7)",
            shown(&clones[2].1)
        )),
        "{run:?}"
    );

    // JSON: stdout and stderr apart, with the exit code of each.
    let run = env.run(&[
        "exec",
        "--json",
        "--",
        "sh",
        "-c",
        "echo o; echo e >&2; exit 2",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for (run, (name, _)) in runs.iter().zip(&clones) {
        assert_eq!(run["name"], name.as_str());
        assert_eq!(run["outcome"], "exited");
        assert_eq!(run["code"], 2);
        assert_eq!(run["stdout"], "o\n");
        assert_eq!(run["stderr"], "e\n");
    }
    assert_eq!(report["interrupted"], false);

    // --stream: every line after its clone's name, as it comes.
    let run = env.run(&[
        "exec",
        "--stream",
        "beta",
        "--",
        "sh",
        "-c",
        "echo one; echo two >&2",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "beta: one\nbeta: two\n");

    // A program that is nowhere: one line, before anything runs.
    let run = env.run(&["exec", "--", "no-such-program-here"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "repodex: error: cannot find 'no-such-program-here' on PATH; give its path, or run it with `sh -c`\n"
    );
    // Nothing cloned yet: said so, with what to do.
    let bare = TestEnv::new();
    bare.ok(&[
        "register",
        "--no-fetch",
        "https://example.com/o/r.git",
        "--name",
        "r",
    ]);
    let run = bare.run(&["exec", "--", "true"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains(
            "no clone of the selected repositories on this machine; `repodex clone NAME` makes one"
        ),
        "{run:?}"
    );
}

/// Whether the process `pid` is gone (or a zombie nobody has reaped yet).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// Whether the process `pid` is gone within five seconds (a stopped process group
/// takes a moment to be reaped).
fn gone_soon(pid: u32) -> bool {
    for _ in 0..100 {
        if gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    gone(pid)
}

/// The pids the commands wrote into `dir`, once `count` of them have.
fn pids_written(dir: &Path, count: usize) -> Vec<u32> {
    for _ in 0..600 {
        let pids: Vec<u32> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .filter_map(|t| t.trim().parse().ok())
            .collect();
        if pids.len() >= count {
            return pids;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the commands never started");
}

/// A command that starts a long sleep in the background (its pid written to `pids/`),
/// waits for it, and for `alpha` only ends at once.
fn sleeper(pids: &Path) -> String {
    format!(
        r#"[ "$REPODEX_NAME" = alpha ] && {{ echo quick; exit 0; }}
sleep 300 & echo $! > "{}/$REPODEX_NAME"; wait"#,
        pids.display()
    )
}

#[test]
fn ctrl_c_and_a_timeout_stop_every_process_the_commands_started() {
    let env = TestEnv::online();
    let (_daemon, _clones) = three_clones(&env);
    let pids = env.root().join("pids");
    std::fs::create_dir_all(&pids).unwrap();

    // Ctrl-C: repodex stops every command's process group and says what had finished.
    let mut cmd = env.command(&["exec", "--", "sh", "-c", &sleeper(&pids)]);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let started = pids_written(&pids, 2);
    // SAFETY: a signal to the child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("repodex: interrupted: 1 finished, 2 stopped, 0 not started"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("quick") && stdout.contains("repodex: interrupted"),
        "{stdout}"
    );
    for pid in &started {
        assert!(
            gone_soon(*pid),
            "sleep {pid}, started by a command, still runs"
        );
    }

    // A timeout: the same, for the commands that ran too long.
    std::fs::remove_dir_all(&pids).unwrap();
    std::fs::create_dir_all(&pids).unwrap();
    let run = env.run(&["exec", "--timeout", "1s", "--", "sh", "-c", &sleeper(&pids)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("beta ("), "{run:?}");
    assert!(run.stderr.contains("timed out after 1 s"), "{run:?}");
    for pid in pids_written(&pids, 2) {
        assert!(gone_soon(pid), "sleep {pid} outlived its timeout");
    }
}

/// At a real terminal (tmux), Ctrl-C reaches repodex, not the commands (each runs in a
/// session of its own): repodex stops every one of them, says what had finished, exits
/// 130, and the shell it ran in is usable again.
#[test]
fn ctrl_c_at_a_terminal_stops_every_command_and_gives_the_shell_back() {
    use crate::terminal::Terminal;
    let env = TestEnv::online();
    let (_daemon, _clones) = three_clones(&env);
    let pids = env.root().join("pids");
    std::fs::create_dir_all(&pids).unwrap();
    let script = env.root().join("sleeper.sh");
    std::fs::write(&script, sleeper(&pids)).unwrap();
    let term = Terminal::start(&env, &["bash", "--norc", "--noprofile"], &[]);
    term.line(&format!(
        "repodex exec -- sh {}; echo \"exit=$?\"",
        script.display()
    ));
    let started = pids_written(&pids, 2);
    term.keys(&["C-c"]);
    assert_eq!(term.wait_for_line("exit="), "exit=130");
    let screen = term.screen();
    assert!(
        screen.contains("repodex: interrupted: 1 finished, 2 stopped, 0 not started"),
        "{screen}"
    );
    for pid in &started {
        assert!(
            gone_soon(*pid),
            "sleep {pid}, started by a command, still runs"
        );
    }
    term.line("echo still-here");
    term.wait_for_line("still-here");
}
