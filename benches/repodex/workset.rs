//! The working set (issues 32 and 33): `status`, `exec`, `clone` of a tagged selection,
//! `pull` and `list`'s path column over many clones, against what users of gita and mr
//! run, and `xargs -P 8` of plain git, on the same clones in the same run.
//!
//! The upstreams are small bare repositories (100 files) served by a `git daemon` on
//! 127.0.0.1. repodex's side is made as a user makes it: entries registered, mirrors
//! refreshed, clones made by `repodex clone` into a clone root of this fixture's own
//! (`clone_layout = {name}`), with its own config and cache folders so that no other
//! group's settings apply. The peers are given exactly those clones where the row reads
//! or runs in clones (status, exec), and their own clones of the same URLs where the row
//! changes them (clone, pull).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::harness::{peak_memory, run, side_by_side, Bench, Row};
use super::peers;
use super::remote::start_daemon;
use repodex::{GitUrl, NewEntry, Registry};

pub fn rows(bench: &Bench) -> Vec<Row> {
    let peers: Vec<&str> = peers::installed(bench)
        .into_iter()
        .filter(|p| matches!(*p, "gita" | "mr"))
        .collect();
    let mut rows = Vec::new();
    rows.extend(many_clones(bench, &peers));
    rows.extend(clone_and_pull(bench, &peers));
    rows.push(list_paths(bench));
    rows
}

/// One fixture's machine: its registry, and repodex's config (the clone root) and
/// cache (the mirrors) folders.
struct Machine {
    base: PathBuf,
    registry: PathBuf,
    config: PathBuf,
    cache: PathBuf,
    /// The clone root; clones are at `root/NAME` (`clone_layout = {name}`).
    root: PathBuf,
}

impl Machine {
    fn new(bench: &Bench, label: &str) -> Machine {
        let base = bench.dir.path().join(label);
        let machine = Machine {
            registry: base.join("registry"),
            config: base.join("config"),
            cache: base.join("cache"),
            root: base.join("src"),
            base,
        };
        drop(Registry::open_or_create(&machine.registry, &Default::default()).unwrap());
        let root = machine.root.display().to_string();
        for (key, value) in [("clone_root", root.as_str()), ("clone_layout", "{name}")] {
            run(&mut machine.repodex(bench, &["settings", "set", "--machine", key, value]));
        }
        machine
    }

    fn repodex(&self, bench: &Bench, args: &[&str]) -> Command {
        let mut cmd = bench.repodex(&self.registry, args);
        cmd.env("XDG_CONFIG_HOME", &self.config)
            .env("XDG_CACHE_HOME", &self.cache);
        cmd
    }

    /// Register `urls` as `bench/u0`, `bench/u1`... with `tags`, in one commit.
    fn register(&self, urls: &[String], tags: &[&str]) {
        let mut registry = Registry::open(&self.registry).unwrap();
        let mut tx = registry.transaction(|| {}).unwrap();
        for (i, url) in urls.iter().enumerate() {
            let entry = NewEntry {
                name: Some(format!("bench/u{i}")),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                ..Default::default()
            };
            tx.register(&GitUrl::parse(url).unwrap().url, entry)
                .unwrap();
        }
        tx.commit("register the upstreams").unwrap();
    }

    fn clone_of(&self, i: usize) -> PathBuf {
        self.root.join(format!("bench/u{i}"))
    }
}

/// The files of every upstream: 100 small files in 10 folders.
const FILES: usize = 100;

/// `n` bare upstreams `root/bench/u<i>.git`, copies of one packed repository of
/// [`FILES`] files, and the daemon serving them; returns it and their URLs.
fn upstreams(bench: &Bench, base: &Path, n: usize) -> (super::remote::Daemon, Vec<String>) {
    let work = base.join("upstream-work");
    for f in 0..FILES {
        let file = work.join(format!("d{}/f{}.txt", f / 10, f % 10));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, format!("line {f}\n").repeat(40)).unwrap();
    }
    run(bench.git(&work, &["init", "-q", "-b", "main"]).arg("."));
    run(&mut bench.git(&work, &["add", "-A"]));
    run(&mut bench.git(&work, &["commit", "-qm", "first"]));
    let template = base.join("template.git");
    run(bench
        .git(&work, &["clone", "-q", "--bare", "--no-local", "."])
        .arg(&template));
    run(&mut bench.git(&template, &["repack", "-adq"]));
    let root = base.join("upstreams");
    for i in 0..n {
        copy_dir(&template, &root.join(format!("bench/u{i}.git")));
    }
    let daemon = start_daemon(&root);
    let urls = (0..n)
        .map(|i| format!("git://127.0.0.1:{}/bench/u{i}.git", daemon.port))
        .collect();
    (daemon, urls)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().flatten() {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A file of `paths`, one per line, for `xargs`.
fn path_list(file: &Path, paths: &[PathBuf]) -> PathBuf {
    let text: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(file, text).unwrap();
    file.to_path_buf()
}

/// gita's record of `paths`, in `gita_home`.
fn gita_add(bench: &Bench, gita_home: &Path, paths: &Path) {
    std::fs::create_dir_all(gita_home).unwrap();
    run(&mut peers::command(
        bench,
        bench.dir.path(),
        gita_home,
        &format!("xargs -n 200 gita add < {} >/dev/null", paths.display()),
    ));
}

/// mr's `.mrconfig` in `dir`, listing `paths` (absolute; each with the checkout that
/// made it), trusted.
fn mr_config(bench: &Bench, dir: &Path, paths: &[PathBuf], urls: &[String]) {
    let mut config = String::new();
    for (path, url) in paths.iter().zip(urls) {
        config.push_str(&format!(
            "[{}]\ncheckout = git clone -q '{url}' '{}'\n\n",
            path.display(),
            path.file_name().unwrap().to_string_lossy()
        ));
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(".mrconfig"), config).unwrap();
    let trust = bench.dir.path().join("home/.mrtrust");
    let mut trusted = std::fs::read_to_string(&trust).unwrap_or_default();
    trusted.push_str(&format!("{}\n", dir.join(".mrconfig").display()));
    std::fs::write(&trust, trusted).unwrap();
}

/// Put clone `i` of `paths` in one of several states people leave clones in: changed,
/// untracked, staged, ahead, stashed, an unpushed branch; four in ten stay clean.
fn mix_states(bench: &Bench, paths: &Path) {
    let script = r#"
i=0
while read dir; do
  cd "$dir" || exit 1
  case $((i % 10)) in
    0) echo changed >> d0/f0.txt ;;
    1) echo new > untracked.txt ;;
    2) echo staged >> d0/f1.txt && git add d0/f1.txt ;;
    3) echo ahead >> d0/f2.txt && git commit -qam ahead ;;
    4) echo stashed >> d0/f3.txt && git stash -q ;;
    5) git branch topic ;;
  esac || exit 1
  i=$((i + 1))
done
"#;
    let mut cmd = bench.sh(bench.dir.path(), script);
    cmd.env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .stdin(std::fs::File::open(paths).unwrap());
    let status = cmd.stdout(Stdio::null()).status().unwrap();
    assert!(
        status.success(),
        "putting the clones in their states failed"
    );
}

/// Whether this repodex has `exec` (issue 33); its rows are left out until it does.
fn has_exec(bench: &Bench, machine: &Machine) -> bool {
    let here = machine
        .repodex(bench, &["exec", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !here {
        eprintln!("repodex exec is not there yet: its rows are left out");
    }
    here
}

/// `status` and `exec` over N clones in mixed states: the same clones for everyone.
fn many_clones(bench: &Bench, peers: &[&str]) -> Vec<Row> {
    let (n, r) = if bench.quick { (50, 3) } else { (1_000, 5) };
    let machine = Machine::new(bench, "workset-many");
    eprintln!("building {n} upstreams and cloning them with repodex…");
    let (daemon, urls) = upstreams(bench, &machine.base, n);
    machine.register(&urls, &[]);
    let start = std::time::Instant::now();
    run(&mut machine.repodex(bench, &["refresh", "-q", "--all"]));
    let refreshed = start.elapsed();
    let start = std::time::Instant::now();
    run(&mut machine.repodex(bench, &["clone", "-q", "--all"]));
    eprintln!(
        "  refresh --all of {n}: {:.1} s, clone --all: {:.1} s",
        refreshed.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    drop(daemon);
    let paths: Vec<PathBuf> = (0..n).map(|i| machine.clone_of(i)).collect();
    for path in &paths {
        assert!(
            path.join(".git").is_dir(),
            "{} was not cloned",
            path.display()
        );
    }
    let list = path_list(&machine.base.join("clones.txt"), &paths);
    mix_states(bench, &list);
    let gita_home = machine.base.join("gita");
    if peers.contains(&"gita") {
        gita_add(bench, &gita_home, &list);
    }
    let mr_dir = machine.base.join("mr");
    if peers.contains(&"mr") {
        mr_config(bench, &mr_dir, &paths, &urls);
    }
    let here = bench.dir.path().to_path_buf();
    let list = list.display();
    // mr works on the repositories of its config under a folder (the current one by
    // default): the clone root.
    let mr = format!(
        "mr -q -c {} -d {} -j 8",
        mr_dir.join(".mrconfig").display(),
        machine.root.display()
    );
    let mut rows = Vec::new();

    // status: the same facts from git (the working tree and index, the stashes, every
    // local branch with its upstream and how far each is ahead and behind).
    let mut scripts = vec![(
        format!(
            "xargs -P 8 -I{{}} git -C {{}} status --porcelain=v2 --branch --show-stash < {list} >/dev/null \
             && xargs -P 8 -I{{}} git -C {{}} for-each-ref --format='%(refname:short) %(upstream:short) %(upstream:track)' refs/heads < {list} >/dev/null"
        ),
        here.clone(),
        "xargs -P 8 git status --porcelain=v2 --branch --show-stash, then git for-each-ref refs/heads".to_string(),
    )];
    if peers.contains(&"gita") {
        scripts.push(("gita ll >/dev/null".into(), here.clone(), "gita ll".into()));
    }
    if peers.contains(&"mr") {
        scripts.push((
            format!("{mr} status >/dev/null"),
            mr_dir.clone(),
            "mr -j 8 status".into(),
        ));
    }
    let mut ours = |_| machine.repodex(bench, &["status"]);
    let runs: Vec<(String, PathBuf)> = scripts
        .iter()
        .map(|(s, d, _)| (s.clone(), d.clone()))
        .collect();
    let times = peers::against(bench, r, |_| {}, &mut ours, &runs, &gita_home);
    for (k, (_, _, label)) in scripts.iter().enumerate() {
        rows.push(Row::time(
            format!("status of {n} clones (100 files, mixed states)"),
            times[0],
            times[k + 1],
            label.clone(),
            0.5,
            r,
        ));
    }
    let out = machine
        .repodex(bench, &["status", "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let read = report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] == "read")
        .count();
    assert_eq!(read, n, "status did not read every clone");
    // Changed, untracked, staged, ahead, a branch pushed nowhere (stashes alone do not
    // need attention).
    let attention = (0..n).filter(|i| matches!(i % 10, 0..=3 | 5)).count();
    assert_eq!(
        report["attention"].as_u64(),
        Some(attention as u64),
        "status does not see the states the clones were left in"
    );
    let peak = peak_memory(&mut machine.repodex(bench, &["status"]));
    rows.push(Row::bytes(
        format!("status of {n} clones: peak memory"),
        peak,
        100 << 20,
        "a limit of".into(),
    ));

    // exec: the same process in every clone.
    if has_exec(bench, &machine) {
        let mut scripts = vec![(
            format!("xargs -P 8 -n 1 sh -c 'cd \"$0\" && git rev-parse HEAD' < {list} >/dev/null"),
            here.clone(),
            "xargs -P 8 sh -c 'cd DIR && git rev-parse HEAD' (the same processes)".to_string(),
            1.1,
        )];
        if peers.contains(&"gita") {
            scripts.push((
                "gita super rev-parse HEAD >/dev/null".into(),
                here.clone(),
                "gita super rev-parse HEAD".into(),
                0.5,
            ));
        }
        if peers.contains(&"mr") {
            scripts.push((
                format!("{mr} run git rev-parse HEAD >/dev/null"),
                mr_dir.clone(),
                "mr -j 8 run git rev-parse HEAD".into(),
                0.5,
            ));
        }
        let mut ours = |_| machine.repodex(bench, &["exec", "--", "git", "rev-parse", "HEAD"]);
        let runs: Vec<(String, PathBuf)> = scripts
            .iter()
            .map(|(s, d, _, _)| (s.clone(), d.clone()))
            .collect();
        let times = peers::against(bench, r, |_| {}, &mut ours, &runs, &gita_home);
        for (k, (_, _, label, target)) in scripts.iter().enumerate() {
            rows.push(Row::time(
                format!("exec git rev-parse HEAD in {n} clones"),
                times[0],
                times[k + 1],
                label.clone(),
                *target,
                r,
            ));
        }
    }
    rows
}

/// One new commit (one file changed) on `main` of every upstream of `root`, each by one
/// `git fast-import`.
fn new_commits(bench: &Bench, root: &Path, n: usize, round: usize) {
    let content = format!("round {round}\n");
    let message = format!("round {round}");
    let stream = format!(
        "commit refs/heads/main\ncommitter Bench <bench@example.com> {} +0000\ndata {}\n{message}\nfrom refs/heads/main^0\nM 100644 inline d0/f0.txt\ndata {}\n{content}\n",
        1_700_000_000 + round,
        message.len(),
        content.len()
    );
    let children: Vec<_> = (0..n)
        .map(|i| {
            let mut git = Command::new("git");
            bench.isolate(&mut git);
            let mut child = git
                .arg(format!(
                    "--git-dir={}",
                    root.join(format!("bench/u{i}.git")).display()
                ))
                .args(["fast-import", "--quiet"])
                .stdin(Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(stream.as_bytes())
                .unwrap();
            child
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "fast-import failed");
    }
}

/// The commit a repository's HEAD (or `main`) is at.
fn head_of(bench: &Bench, git_dir: &Path, rev: &str) -> String {
    let out = bench.git(git_dir, &["rev-parse", rev]).output().unwrap();
    assert!(out.status.success(), "no {rev} in {}", git_dir.display());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `clone` of a tagged selection whose mirrors are present, then `pull` of those clones
/// (with nothing new upstream, then with one new commit in each).
fn clone_and_pull(bench: &Bench, peers: &[&str]) -> Vec<Row> {
    let (n, r) = if bench.quick { (10, 3) } else { (100, 5) };
    let machine = Machine::new(bench, "workset-clone");
    eprintln!("building {n} upstreams, tagged, and {n} other entries…");
    let (daemon, urls) = upstreams(bench, &machine.base, n);
    machine.register(&urls, &["bench"]);
    // As many entries again that the tag leaves out (never fetched: nothing listens).
    {
        let mut registry = Registry::open(&machine.registry).unwrap();
        let mut tx = registry.transaction(|| {}).unwrap();
        for i in 0..n {
            let url = format!("git://127.0.0.1:9/other/o{i}.git");
            let entry = NewEntry {
                name: Some(format!("other/o{i}")),
                tags: vec!["other".into()],
                ..Default::default()
            };
            tx.register(&GitUrl::parse(&url).unwrap().url, entry)
                .unwrap();
        }
        tx.commit("register the others").unwrap();
    }
    // refresh takes no selection yet: the tagged entries by name.
    let names: Vec<String> = (0..n).map(|i| format!("bench/u{i}")).collect();
    run(machine.repodex(bench, &["refresh", "-q"]).args(&names));
    let out = machine.base.join("peers");
    let dest = |who: &str| out.join(who);
    let lists = peers::lists(&machine.base.join("lists"), &urls, dest);
    let gita_home = machine.base.join("gita");
    let mut rows = Vec::new();

    // clone: every clone made from nothing, each round.
    let mut scripts = vec![(
        format!("xargs -P 8 -n 2 git clone -q < {}", lists.pairs.display()),
        dest("xargs"),
        "xargs -P 8 git clone (from the daemon)".to_string(),
    )];
    if peers.contains(&"gita") {
        let (script, _) = peers::first_update("gita", &lists, &dest("gita"));
        scripts.push((script, dest("gita"), "gita clone -f".into()));
    }
    let mut ours = |_| machine.repodex(bench, &["clone", "-q", "--tag", "bench"]);
    let runs: Vec<(String, PathBuf)> = scripts
        .iter()
        .map(|(s, d, _)| (s.clone(), d.clone()))
        .collect();
    let times = peers::against(
        bench,
        r,
        |_| {
            let _ = std::fs::remove_dir_all(&machine.root);
            run(&mut machine.repodex(bench, &["prune", "-q"]));
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_dir_all(&gita_home);
            for (_, dir, _) in &scripts {
                std::fs::create_dir_all(dir).unwrap();
            }
            std::fs::create_dir_all(&gita_home).unwrap();
        },
        &mut ours,
        &runs,
        &gita_home,
    );
    for (k, (_, _, label)) in scripts.iter().enumerate() {
        rows.push(Row::time(
            format!("clone --tag of {n} repositories (mirrors present; {n} others untagged)"),
            times[0],
            times[k + 1],
            label.clone(),
            0.5,
            r,
        ));
    }
    for i in 0..n {
        assert!(
            machine.clone_of(i).join(".git").is_dir(),
            "repodex did not clone bench/u{i}"
        );
    }
    assert!(
        !machine.root.join("other").exists(),
        "repodex cloned an untagged entry"
    );
    for (_, dir, _) in &scripts {
        let made = std::fs::read_dir(dir).unwrap().count();
        assert_eq!(made, n, "{} made {made} clones", dir.display());
    }

    // pull: the clones just made (mr's made now by its checkout).
    let mut clone_sets = vec![(0..n).map(|i| machine.clone_of(i)).collect::<Vec<_>>()];
    let xargs_list = path_list(
        &machine.base.join("xargs-clones.txt"),
        &(0..n)
            .map(|i| dest("xargs").join(format!("u{i}")))
            .collect::<Vec<_>>(),
    );
    clone_sets.push(
        (0..n)
            .map(|i| dest("xargs").join(format!("u{i}")))
            .collect(),
    );
    let mut scripts = vec![(
        format!(
            "xargs -P 8 -I{{}} git -C {{}} pull -q --ff-only < {}",
            xargs_list.display()
        ),
        dest("xargs"),
        "xargs -P 8 git pull --ff-only".to_string(),
    )];
    if peers.contains(&"gita") {
        scripts.push((
            "gita pull >/dev/null".into(),
            dest("gita"),
            "gita pull".into(),
        ));
        clone_sets.push((0..n).map(|i| dest("gita").join(format!("u{i}"))).collect());
    }
    if peers.contains(&"mr") {
        peers::write_mrconfig(bench, &dest("mr"), &urls);
        let (checkout, _) = peers::first_update("mr", &lists, &dest("mr"));
        run(&mut bench.sh(&dest("mr"), &checkout));
        let (update, _) = peers::unchanged_update("mr", &dest("mr"));
        scripts.push((update, dest("mr"), "mr -j 8 update".into()));
        clone_sets.push((0..n).map(|i| dest("mr").join(format!("u{i}"))).collect());
    }
    let runs: Vec<(String, PathBuf)> = scripts
        .iter()
        .map(|(s, d, _)| (s.clone(), d.clone()))
        .collect();
    let mut ours = |_| machine.repodex(bench, &["pull", "-q"]);
    let times = peers::against(bench, r, |_| {}, &mut ours, &runs, &gita_home);
    for (k, (_, _, label)) in scripts.iter().enumerate() {
        rows.push(Row::time(
            format!("pull of {n} clones, upstreams unchanged"),
            times[0],
            times[k + 1],
            label.clone(),
            0.5,
            r,
        ));
    }
    let upstream_root = machine.base.join("upstreams");
    let round = std::cell::Cell::new(0);
    let times = peers::against(
        bench,
        r,
        |_| {
            round.set(round.get() + 1);
            new_commits(bench, &upstream_root, n, round.get());
        },
        &mut ours,
        &runs,
        &gita_home,
    );
    for (k, (_, _, label)) in scripts.iter().enumerate() {
        rows.push(Row::time(
            format!("pull of {n} clones, one new commit in each upstream"),
            times[0],
            times[k + 1],
            label.clone(),
            0.7,
            r,
        ));
    }
    // Every clone of every set is at its upstream's new commit.
    for i in 0..n {
        let tip = head_of(
            bench,
            &upstream_root.join(format!("bench/u{i}.git")),
            "main",
        );
        for set in &clone_sets {
            assert_eq!(
                head_of(bench, &set[i], "HEAD"),
                tip,
                "{} was not brought to its upstream",
                set[i].display()
            );
        }
    }
    drop(daemon);
    rows
}

/// `list` at N entries, every one with a recorded clone, with the PATH column against
/// without it.
fn list_paths(bench: &Bench) -> Row {
    let (n, r) = if bench.quick {
        (1_000, 5)
    } else {
        (10_000, 11)
    };
    let base = bench.dir.path().join("workset-list");
    let registry = base.join("registry");
    eprintln!("registering {n} entries, each with a clone…");
    let mut open = Registry::open_or_create(&registry, &Default::default()).unwrap();
    let mut tx = open.transaction(|| {}).unwrap();
    let name = |i: usize| format!("owner{}/project-{i}", i % 100);
    for i in 0..n {
        let entry = NewEntry {
            name: Some(name(i)),
            tags: vec![format!("team{}", i % 7)],
            ..Default::default()
        };
        let url = format!("https://git.example.com/{}.git", name(i));
        tx.register(&GitUrl::parse(&url).unwrap().url, entry)
            .unwrap();
    }
    tx.commit("register the projects").unwrap();
    let clones = base.join("src");
    open.update_clones(&mut || {}, |record| {
        for i in 0..n {
            let path = clones.join(name(i));
            std::fs::create_dir_all(path.join(".git")).unwrap();
            record.record(&path, &name(i), "");
        }
    })
    .unwrap();
    drop(open);
    let columns = "name,aliases,url,branch,tags";
    let with_path = format!("{columns},path");
    let out = bench
        .repodex(&registry, &["list", "--columns", &with_path])
        .output()
        .unwrap();
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains(&clones.join(name(n - 1)).display().to_string()),
        "list does not show the clones' paths"
    );
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {},
        |_| bench.repodex(&registry, &["list", "--columns", &with_path]),
        |_| bench.repodex(&registry, &["list", "--columns", columns]),
    );
    Row::time(
        format!("list with the PATH column at {n} entries, each cloned"),
        ours,
        base,
        "list without it".into(),
        1.2,
        r,
    )
}
