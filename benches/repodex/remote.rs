//! Remote data: refresh --all against loops of plain git over a loopback git daemon.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::harness::{run, side_by_side, Bench, Row};
use repodex::{GitUrl, NewEntry, Registry};

pub struct Daemon {
    pub port: u16,
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_daemon(root: &Path) -> Daemon {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let exec_path = Command::new("git")
        .arg("--exec-path")
        .output()
        .unwrap()
        .stdout;
    let exec_path = PathBuf::from(String::from_utf8(exec_path).unwrap().trim());
    let child = Command::new(exec_path.join("git-daemon"))
        .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", root.display()))
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Owned by the guard from here on, so that it is stopped whatever happens.
    let daemon = Daemon { port, child };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return daemon;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("git daemon did not start");
}

/// `n` small upstream repositories, each with a Minsky config and a few files.
fn upstreams(bench: &Bench, n: usize) -> PathBuf {
    let root = bench.dir.path().join("upstreams");
    let work = bench.dir.path().join("upstream-work");
    std::fs::create_dir_all(&root).unwrap();
    for i in 0..n {
        let dir = work.join(format!("u{i}"));
        std::fs::create_dir_all(dir.join(".minsky")).unwrap();
        std::fs::write(
            dir.join(".minsky/config.yaml"),
            format!("repository:\n  backend: github\nproject:\n  slug: bench/u{i}\n"),
        )
        .unwrap();
        for f in 0..20 {
            std::fs::write(
                dir.join(format!("file{f}.txt")),
                format!("content {i} {f}\n").repeat(20),
            )
            .unwrap();
        }
        run(bench.git(&dir, &["init", "-q", "-b", "main"]).arg("."));
        run(&mut bench.git(&dir, &["add", "-A"]));
        run(&mut bench.git(&dir, &["commit", "-qm", "first"]));
        run(&mut bench.git(
            &dir,
            &[
                "clone",
                "-q",
                "--bare",
                ".",
                root.join(format!("u{i}.git")).to_str().unwrap(),
            ],
        ));
    }
    root
}

pub fn rows(bench: &Bench) -> Vec<Row> {
    let (n, r) = if bench.quick { (10, 3) } else { (100, 5) };
    eprintln!("building {n} upstream repositories…");
    let root = upstreams(bench, n);
    let daemon = start_daemon(&root);
    let urls: Vec<String> = (0..n)
        .map(|i| format!("git://127.0.0.1:{}/u{i}.git", daemon.port))
        .collect();
    // One registry per first-refresh run (each starts without data), and one to keep.
    let make_registry = |label: String| {
        let dir = bench.dir.path().join(label);
        let mut registry = Registry::open_or_create(&dir).unwrap();
        let mut tx = registry.transaction(|| {}).unwrap();
        for url in &urls {
            tx.register(&GitUrl::parse(url).unwrap().url, NewEntry::default())
                .unwrap();
        }
        tx.commit("register the upstreams").unwrap();
        dir
    };
    let first_registries: Vec<PathBuf> = (0..=r)
        .map(|i| make_registry(format!("remote-first-{i}")))
        .collect();
    let caches: Vec<PathBuf> = (0..=r)
        .map(|i| bench.dir.path().join(format!("cache-{i}")))
        .collect();
    let clones = bench.dir.path().join("clones");
    let list = urls.join(" ");
    let mut rows = Vec::new();

    // The first refresh of every repository (no mirrors yet) vs cloning each with git.
    let pick = |i: usize| if i == usize::MAX { r } else { i };
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {
            let _ = std::fs::remove_dir_all(&clones);
            std::fs::create_dir_all(&clones).unwrap();
        },
        |i| {
            let mut cmd = bench.repodex(&first_registries[pick(i)], &["refresh", "--all"]);
            cmd.env("XDG_CACHE_HOME", &caches[pick(i)]);
            cmd
        },
        |_| {
            bench.sh(
                &clones,
                &format!("n=0; for u in {list}; do n=$((n+1)); git clone -q --bare --single-branch \"$u\" c$n.git || exit 1; done"),
            )
        },
    );
    rows.push(Row::time(
        format!("first refresh --all of {n}"),
        ours,
        base,
        "loop of git clone --bare --single-branch (all commits, as the mirrors)".into(),
        0.7,
        r,
    ));

    // Refreshing again with nothing new vs asking each remote with git ls-remote.
    let warm = &first_registries[0];
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {},
        |_| {
            let mut cmd = bench.repodex(warm, &["refresh", "--all"]);
            cmd.env("XDG_CACHE_HOME", &caches[0]);
            cmd
        },
        |_| {
            bench.sh(
                bench.dir.path(),
                &format!(
                    "for u in {list}; do git ls-remote \"$u\" HEAD >/dev/null || exit 1; done"
                ),
            )
        },
    );
    rows.push(Row::time(
        format!("refresh --all of {n}, unchanged"),
        ours,
        base,
        "loop of git ls-remote".into(),
        0.5,
        r,
    ));
    let status = bench
        .git(warm, &["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(
        status.stdout.is_empty(),
        "the benchmark registry is not clean"
    );
    drop(daemon);
    rows
}
