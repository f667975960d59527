//! Remote data: refresh --all against loops of plain git over a loopback git daemon.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::harness::{run, Bench, Row};
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
        let mut registry = Registry::open_or_create(&dir, &Default::default()).unwrap();
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
    let list = urls.join(" ");
    let mut rows = Vec::new();
    let peers: Vec<&str> = super::peers::installed(bench)
        .into_iter()
        .filter(|p| *p != "mu")
        .collect();
    let out = bench.dir.path().join("remote-out");
    let dest = |who: &str| out.join(who);
    let lists = super::peers::lists(&bench.dir.path().join("remote-lists"), &urls, dest);
    let gita_home = bench.dir.path().join("gita-remote");

    // The first update of every repository (nothing cloned yet): repodex's refresh
    // (bare mirrors with every commit of the default branch) against git and the peers.
    let pick = |i: usize| if i == usize::MAX { r } else { i };
    let mut labels = vec![
        "loop of git clone --bare --single-branch (one at a time)".to_string(),
        "xargs -P 8 git clone --bare --single-branch".to_string(),
    ];
    let mut scripts = vec![
        format!("n=0; for u in {list}; do n=$((n+1)); git clone -q --bare --single-branch \"$u\" c$n.git || exit 1; done"),
        format!(
            "xargs -P 8 -n 2 git clone -q --bare --single-branch < {}",
            lists.pairs.display()
        ),
    ];
    for peer in &peers {
        let (script, label) = super::peers::first_update(peer, &lists, &dest(peer));
        scripts.push(script);
        labels.push(label);
    }
    let dirs: Vec<PathBuf> = ["loop", "xargs"]
        .iter()
        .chain(peers.iter())
        .map(|who| dest(who))
        .collect();
    let mut ours = |i: usize| {
        let mut cmd = bench.repodex(&first_registries[pick(i)], &["refresh", "--all"]);
        cmd.env("XDG_CACHE_HOME", &caches[pick(i)]);
        cmd
    };
    let runs: Vec<(String, PathBuf)> = scripts.into_iter().zip(dirs.iter().cloned()).collect();
    let times = super::peers::against(
        bench,
        r,
        |_| {
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_dir_all(&gita_home);
            for dir in &dirs {
                std::fs::create_dir_all(dir).unwrap();
            }
            if peers.contains(&"mr") {
                super::peers::write_mrconfig(bench, &dest("mr"), &urls);
            }
        },
        &mut ours,
        &runs,
        &gita_home,
    );
    for (k, label) in labels.iter().enumerate() {
        rows.push(Row::time(
            format!("first refresh --all of {n}, all commits"),
            times[0],
            times[k + 1],
            label.clone(),
            0.7,
            r,
        ));
    }
    // Every peer made a copy of every repository.
    for dir in &dirs {
        let made = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() != ".mrconfig")
            .count();
        assert_eq!(made, n, "{} made {made} copies", dir.display());
    }

    // Updating again with nothing new: repodex asks each remote for its HEAD; git
    // ls-remote does the same, and the peers fetch or pull into their working copies.
    let warm = &first_registries[0];
    let mut labels = vec![
        "loop of git ls-remote (one at a time)".to_string(),
        "xargs -P 8 git ls-remote".to_string(),
    ];
    let mut scripts = vec![
        format!("for u in {list}; do git ls-remote \"$u\" HEAD >/dev/null || exit 1; done"),
        format!(
            "cut -d' ' -f1 {} | xargs -P 8 -I{{}} git ls-remote {{}} HEAD >/dev/null",
            lists.pairs.display()
        ),
    ];
    let mut places = vec![
        bench.dir.path().to_path_buf(),
        bench.dir.path().to_path_buf(),
    ];
    for peer in &peers {
        let (script, label) = super::peers::unchanged_update(peer, &dest(peer));
        scripts.push(script);
        labels.push(label);
        places.push(dest(peer));
    }
    let mut ours = |_| {
        let mut cmd = bench.repodex(warm, &["refresh", "--all"]);
        cmd.env("XDG_CACHE_HOME", &caches[0]);
        cmd
    };
    let runs: Vec<(String, PathBuf)> = scripts.into_iter().zip(places).collect();
    let times = super::peers::against(bench, r, |_| {}, &mut ours, &runs, &gita_home);
    for (k, label) in labels.iter().enumerate() {
        rows.push(Row::time(
            format!("refresh --all of {n}, unchanged"),
            times[0],
            times[k + 1],
            label.clone(),
            0.5,
            r,
        ));
    }
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
