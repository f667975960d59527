//! A real terminal for the stories of interactive commands: a shell in a tmux pane of its
//! own server, driven by typing into it (`send-keys`) and read back from the screen
//! (`capture-pane`), as a person at a terminal would use it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::TestEnv;

/// How long a screen may take to show what a step waits for before the story fails
/// with the screen as it is. It only bounds a wait for something to appear; no story
/// asserts how long anything took.
const PATIENCE: Duration = Duration::from_secs(30);

/// One tmux server with one pane running a program, in the test's environment.
pub struct Terminal {
    socket: PathBuf,
}

impl Terminal {
    /// Start `program` in a 200x30 pane, with the environment of `env`'s repodex
    /// commands (its HOME, XDG folders, registry, PATH with repodex) and `vars`.
    pub fn start(env: &TestEnv, program: &[&str], vars: &[(&str, &str)]) -> Terminal {
        // A socket of its own: a server killed a moment ago may still hold the last one.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = env.root().join(format!("tmux-{n}.sock"));
        let mut cmd = Command::new("tmux");
        env.isolate(&mut cmd);
        cmd.env("REPODEX_HOME", env.registry())
            .env("TERM", "xterm")
            .env_remove("TMUX")
            .env_remove("BROWSER")
            .current_dir(env.work());
        if !env.is_online() {
            cmd.env("REPODEX_OFFLINE", "1");
        }
        for (key, value) in vars {
            cmd.env(key, value);
        }
        cmd.arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "story", "-c"])
            .arg(env.work())
            .args(["-x", "200", "-y", "30", "--"])
            .args(program);
        let status = cmd.status().expect("tmux runs (install it: .ci/run does)");
        assert!(status.success(), "tmux new-session failed");
        Terminal { socket }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Type `text` as it is.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "story", "-l", "--", text]);
    }

    /// Press keys by tmux's names: `Enter`, `Escape`, `C-c`, `Tab`, `Down`.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "story"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// Type `line` and press Enter.
    pub fn line(&self, line: &str) {
        self.type_text(line);
        self.keys(&["Enter"]);
    }

    /// What the pane shows now, one line per row, trailing spaces cut.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "story"])
    }

    /// Wait until the screen shows what `ready` looks for, and return that screen; fail
    /// with the screen, and `what` was awaited, when it does not come.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > PATIENCE {
                panic!("the terminal never showed {what}; it shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait for a line of the screen that starts with `prefix`, and return it.
    pub fn wait_for_line(&self, prefix: &str) -> String {
        let screen = self.wait_for(&format!("a line starting {prefix:?}"), |s| {
            s.lines().any(|l| l.starts_with(prefix))
        });
        screen
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap()
            .trim_end()
            .to_string()
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
