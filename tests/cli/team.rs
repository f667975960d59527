//! A registry that lasts: a whole team syncing one remote at the same moment, and a
//! registry that receives hundreds of syncs and keeps its object store small.
//!
//! Every teammate is a [`TestEnv`] of its own (HOME, XDG folders, registry); the remote
//! is a bare repository on disk, or the same served by `git http-backend`.

use std::path::{Path, PathBuf};
use std::sync::Barrier;

use crate::servers::{HttpServer, Upstreams};
use crate::support::{git_in, Run, TestEnv};

const TEAMMATES: usize = 8;
/// Rounds in which every teammate starts at the same moment.
const ROUNDS: usize = 3;
/// Entries each teammate registers per round, syncing after each.
const PER_ROUND: usize = 2;

/// Words of the libraries underneath that no message of sync's may show.
const INTERNALS: &[&str] = &[
    "object database",
    "index slots",
    "graph",
    "gix",
    "packfile",
    "cannot reach",
];

/// A URL no test ever fetches from (nothing listens on port 9 of 127.0.0.1).
fn url_of(name: &str) -> String {
    format!("git://127.0.0.1:9/team/{}", name.replace('/', "-"))
}

fn register(env: &TestEnv, name: &str) {
    env.ok(&["register", &url_of(name), "--name", name, "--no-fetch"]);
}

/// Does `run` ask, as documented (docs/sync.md), for the sync to be run again?
fn asks_to_run_again(run: &Run) -> bool {
    let lines: Vec<&str> = run.stderr.lines().collect();
    run.code == 5
        && lines.len() == 1
        && lines[0].starts_with("repodex: error: ")
        && lines[0].contains("others kept pushing")
        && lines[0].ends_with("run `repodex sync` again")
}

/// What every sync of a teammate ended with.
#[derive(Default)]
struct Tally {
    syncs: usize,
    asked_again: usize,
    /// Runs that neither succeeded nor asked to be run again, or that named internals.
    wrong: Vec<String>,
}

/// Sync `env` as a user would: when it asks to be run again, run it again.
fn sync_until_done(env: &TestEnv, tally: &mut Tally) {
    loop {
        let run = env.run(&["sync"]);
        tally.syncs += 1;
        let said = format!("{}{}", run.stdout, run.stderr);
        if let Some(word) = INTERNALS.iter().find(|w| said.contains(**w)) {
            tally.wrong.push(format!("names '{word}': {run:?}"));
        }
        if run.code == 0 {
            return;
        }
        if !asks_to_run_again(&run) {
            tally.wrong.push(format!("failed: {run:?}"));
            return;
        }
        tally.asked_again += 1;
        if tally.asked_again > 50 {
            tally
                .wrong
                .push("asked to be run again more than 50 times".into());
            return;
        }
    }
}

/// A bare repository `registry.git` in `dir`.
fn bare_remote(env: &TestEnv, dir: &Path) -> PathBuf {
    git_in(
        env,
        dir,
        &["init", "-q", "--bare", "-b", "main", "registry.git"],
    );
    dir.join("registry.git")
}

/// Eight teammates join the registry at `url` (which a founder made), then register
/// and sync at the same moment, round after round; every sync ends well or asks to be
/// run again (and is), and at the end every entry is everywhere.
fn eight_teammates_at_once(founder: &TestEnv, url: &str) {
    founder.ok(&["init"]);
    founder.ok(&["remote", "set", url]);
    register(founder, "team/base");
    founder.ok(&["sync"]);
    let team: Vec<TestEnv> = (0..TEAMMATES).map(|_| TestEnv::online()).collect();
    for mate in &team {
        mate.ok(&["init", "--from", url]);
    }
    let mut total = Tally::default();
    for round in 0..ROUNDS {
        let start = Barrier::new(TEAMMATES);
        let tallies: Vec<Tally> = std::thread::scope(|scope| {
            let workers: Vec<_> = team
                .iter()
                .enumerate()
                .map(|(t, mate)| {
                    let start = &start;
                    scope.spawn(move || {
                        let mut tally = Tally::default();
                        start.wait();
                        for i in 0..PER_ROUND {
                            register(mate, &format!("t{t}/r{round}-{i}"));
                            sync_until_done(mate, &mut tally);
                        }
                        tally
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        for tally in tallies {
            total.syncs += tally.syncs;
            total.asked_again += tally.asked_again;
            total.wrong.extend(tally.wrong);
        }
    }
    eprintln!(
        "{TEAMMATES} teammates, {ROUNDS} rounds of {PER_ROUND}: {} syncs, {} asked to be run again",
        total.syncs, total.asked_again
    );
    assert!(total.wrong.is_empty(), "{:#?}", total.wrong);
    // One pass sends what is left, a second brings everything to everyone.
    for _ in 0..2 {
        for mate in &team {
            mate.ok(&["sync"]);
        }
    }
    let expected = 1 + TEAMMATES * ROUNDS * PER_ROUND;
    let remote_tree = team[0].git(&["rev-parse", "origin/main^{tree}"]);
    for mate in &team {
        let list: serde_json::Value = serde_json::from_str(&mate.ok(&["list", "--json"])).unwrap();
        assert_eq!(list.as_array().unwrap().len(), expected);
        assert_eq!(mate.git(&["rev-parse", "HEAD^{tree}"]), remote_tree);
        mate.assert_plain_git_happy();
        assert!(mate
            .ok(&["doctor"])
            .starts_with(&format!("ok: {expected} entries")));
    }
}

#[test]
fn eight_teammates_syncing_at_once_through_a_remote_on_disk_lose_nothing() {
    let founder = TestEnv::online();
    let remote = bare_remote(&founder, &founder.work());
    eight_teammates_at_once(&founder, &remote.display().to_string());
}

#[test]
fn eight_teammates_syncing_at_once_over_http_lose_nothing() {
    let founder = TestEnv::online();
    let upstreams = Upstreams::new(&founder);
    let remote = bare_remote(&founder, &upstreams.root);
    // git http-backend takes pushes from anyone only when the repository says so.
    git_in(&founder, &remote, &["config", "http.receivepack", "true"]);
    let server = HttpServer::start(&upstreams);
    eight_teammates_at_once(&founder, &server.url("registry"));
}

/// The packs and the loose objects in a registry's object store.
fn object_files(env: &TestEnv) -> (usize, usize) {
    let objects = env.registry().join(".git/objects");
    let packs = std::fs::read_dir(objects.join("pack"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".pack")
        })
        .count();
    let loose = std::fs::read_dir(&objects)
        .unwrap()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.len() == 2 && name.chars().all(|c| c.is_ascii_hexdigit())
        })
        .map(|e| std::fs::read_dir(e.path()).unwrap().count())
        .sum();
    (packs, loose)
}

/// How many syncs the receiving teammate makes, each receiving one change.
const RECEIVED: usize = 200;
/// git's own `gc.autoPackLimit`, which the registry keeps to (docs/sync.md).
const PACK_LIMIT: usize = 50;

#[test]
fn hundreds_of_received_syncs_keep_the_object_store_packed() {
    let alice = TestEnv::online();
    let bob = TestEnv::online();
    let remote = bare_remote(&alice, &alice.work()).display().to_string();
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &remote]);
    register(&alice, "team/base");
    alice.ok(&["sync"]);
    bob.ok(&["init", "--from", &remote]);
    // Alice's changes, one commit each, made first; then sent one at a time, and Bob
    // syncs after each.
    for i in 0..RECEIVED {
        let name = format!("alice/r{i}");
        let run = alice.run(&["register", &url_of(&name), "--name", &name, "--no-fetch"]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    let commits = alice.git(&["rev-list", "--reverse", "origin/main..HEAD"]);
    let commits: Vec<&str> = commits.lines().collect();
    assert_eq!(commits.len(), RECEIVED);
    let mut most_packs = 0;
    for (i, commit) in commits.iter().enumerate() {
        alice.git(&["push", "-q", &remote, &format!("{commit}:refs/heads/main")]);
        let run = bob.run(&["sync"]);
        assert_eq!(run.code, 0, "sync {i}: {run:?}");
        assert!(run.stderr.contains("received 1 change(s)"), "{run:?}");
        most_packs = most_packs.max(object_files(&bob).0);
    }
    let (packs, loose) = object_files(&bob);
    eprintln!("after {RECEIVED} received syncs: {packs} packs, {loose} loose objects; at most {most_packs} packs");
    assert!(
        most_packs <= PACK_LIMIT,
        "{most_packs} packs after {RECEIVED} received syncs"
    );
    bob.assert_plain_git_happy();
    // doctor says how the store stands.
    let doctor: serde_json::Value = serde_json::from_str(&bob.ok(&["doctor", "--json"])).unwrap();
    assert_eq!(doctor["store"]["packs"], packs, "{doctor}");
    assert_eq!(doctor["store"]["loose_objects"], loose, "{doctor}");
    let text = bob.run(&["doctor"]);
    assert!(
        text.stdout.contains(&format!(
            "object store: {packs} pack(s), {loose} loose object(s)"
        )),
        "{text:?}"
    );
    assert_eq!(
        bob.ok(&["list", "--json"]).matches("\"name\"").count(),
        RECEIVED + 1
    );
}

/// Give the registry of `env` `n` more packs, one object each, as a registry that an
/// older repodex synced for years would have.
fn add_packs(env: &TestEnv, n: usize) {
    let script = format!(
        "for i in $(seq 1 {n}); do echo \"pack $i\" | git hash-object -w --stdin | git pack-objects -q .git/objects/pack/pack >/dev/null || exit 1; done"
    );
    let mut cmd = std::process::Command::new("sh");
    env.isolate(&mut cmd);
    let out = cmd
        .args(["-c", &script])
        .current_dir(env.registry())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn the_store_is_packed_by_the_next_change_and_never_while_git_holds_a_lock() {
    let alice = TestEnv::online();
    let bob = TestEnv::online();
    let remote = bare_remote(&alice, &alice.work()).display().to_string();
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &remote]);
    register(&alice, "team/base");
    alice.ok(&["sync"]);
    bob.ok(&["init", "--from", &remote]);
    add_packs(&bob, PACK_LIMIT + 5);
    let (packs, _) = object_files(&bob);
    assert!(packs > PACK_LIMIT, "{packs}");
    // doctor says that the store is due to be packed, and changes nothing.
    let doctor = bob.run(&["doctor"]);
    assert_eq!(doctor.code, 0, "{doctor:?}");
    assert!(
        doctor
            .stderr
            .contains(&format!("the object store has {packs} pack(s)")),
        "{doctor:?}"
    );
    assert_eq!(object_files(&bob).0, packs);

    // A git command at work in the registry (updating a branch of the user's own, by
    // its lock file): a sync does its work and leaves the packing for later.
    let lock = bob.registry().join(".git/refs/heads/wip.lock");
    std::fs::write(&lock, "").unwrap();
    register(&alice, "alice/one");
    alice.ok(&["sync"]);
    let run = bob.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("received 1 change(s)"), "{run:?}");
    assert!(object_files(&bob).0 > packs, "packed while git held a lock");
    assert!(lock.exists(), "git's lock file was touched");

    // Once git is done, the next change packs the store: a registration here.
    std::fs::remove_file(&lock).unwrap();
    register(&bob, "bob/one");
    let (packs, _) = object_files(&bob);
    assert!(packs <= 2, "{packs} packs after the next change");
    let doctor = bob.run(&["doctor"]);
    assert!(!doctor.stderr.contains("object store"), "{doctor:?}");
    assert_eq!(bob.ok(&["list", "--json"]).matches("\"name\"").count(), 3);
}

#[test]
fn a_push_the_remote_refuses_is_named_as_refused_not_unreachable() {
    let alice = TestEnv::online();
    let remote = bare_remote(&alice, &alice.work());
    let url = remote.display().to_string();
    alice.ok(&["init"]);
    alice.ok(&["remote", "set", &url]);
    register(&alice, "team/base");
    alice.ok(&["sync"]);
    // The remote's keeper protects the branch: every push is declined.
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'main is protected' >&2\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    register(&alice, "alice/two");
    let error = alice.fails(5, &["sync"]);
    assert!(
        error.starts_with(&format!(
            "repodex: error: {url} refused the push: [remote rejected] (pre-receive hook declined);"
        )),
        "{error}"
    );
    assert!(!error.contains("cannot reach"), "{error}");
    assert!(error.contains("ask whoever keeps it"), "{error}");
}
