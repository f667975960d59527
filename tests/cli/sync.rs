//! Sharing a registry: two teammates (separate HOME, XDG folders and registries) and a
//! bare git remote in a temporary folder; a third registry mounted as a layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{entry_path, git_in, run_with_stdin, Rng, TestEnv};
use pretty_assertions::assert_eq;
use serde_json::Value;

struct Team {
    dir: tempfile::TempDir,
    url: String,
    alice: TestEnv,
    bob: TestEnv,
}

/// A bare repository to share through, under `dir`.
fn bare_remote(env: &TestEnv, dir: &Path, name: &str) -> String {
    git_in(env, dir, &["init", "-q", "--bare", "-b", "main", name]);
    dir.join(name).display().to_string()
}

/// Alice starts a registry and shares it; Bob joins from the remote.
fn team() -> Team {
    team_in_format("2")
}

/// [`team`], with a registry made in `format`.
fn team_in_format(format: &str) -> Team {
    let dir = tempfile::tempdir().unwrap();
    let alice = TestEnv::online();
    let bob = TestEnv::online();
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["init", "--format", format]);
    alice.ok(&["remote", "set", &url]);
    register(&alice, "shared/app");
    synced(&alice);
    bob.ok(&["init", "--from", &url]);
    Team {
        dir,
        url,
        alice,
        bob,
    }
}

/// A URL no test ever fetches from (nothing listens on port 9 of 127.0.0.1).
fn url_of(name: &str) -> String {
    format!("git://127.0.0.1:9/team/{name}")
}

fn register(env: &TestEnv, name: &str) {
    env.ok(&["register", &url_of(name), "--name", name, "--no-fetch"]);
}

/// Sync; expect success, a clean and sound registry, and a passing doctor.
fn synced(env: &TestEnv) -> String {
    let run = env.run(&["sync"]);
    assert_eq!(run.code, 0, "sync failed: {run:?}");
    env.assert_plain_git_happy();
    env.ok(&["doctor"]);
    run.stderr
}

/// Every entry, by name, as `list --json` shows it.
fn entries(env: &TestEnv) -> BTreeMap<String, Value> {
    let list: Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e.clone()))
        .collect()
}

fn set_of(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn tree(env: &TestEnv) -> String {
    env.git(&["rev-parse", "HEAD^{tree}"])
}

#[test]
fn teammates_merge_disjoint_and_overlapping_edits() {
    let t = team();
    assert!(entries(&t.bob).contains_key("shared/app"));

    // Disjoint: each registers a repository.
    register(&t.alice, "alice/tool");
    register(&t.bob, "bob/site");
    // Overlapping: both change the shared entry, in different ways.
    t.alice.ok(&["tag", "add", "shared/app", "red"]);
    t.alice.ok(&["alias", "add", "shared/app", "app"]);
    t.bob.ok(&["tag", "add", "shared/app", "blue"]);
    t.bob
        .ok(&["set", "shared/app", "--description", "The team's app"]);

    assert!(synced(&t.alice).contains("sent your changes"));
    let bob_said = synced(&t.bob);
    assert!(bob_said.contains("merged"), "{bob_said}");
    assert!(bob_said.contains("+ alice/tool"), "{bob_said}");
    assert!(synced(&t.alice).contains("received"));

    assert_eq!(tree(&t.alice), tree(&t.bob));
    let app = &entries(&t.alice)["shared/app"];
    assert_eq!(
        set_of(&app["tags"]),
        BTreeSet::from(["red".into(), "blue".into()])
    );
    assert_eq!(set_of(&app["aliases"]), BTreeSet::from(["app".into()]));
    assert_eq!(app["description"], "The team's app");
    for env in [&t.alice, &t.bob] {
        let names: Vec<String> = entries(env).into_keys().collect();
        assert_eq!(names, ["alice/tool", "bob/site", "shared/app"]);
        // Plain git sees one history, with the merge in it.
        let log = env.git(&["log", "--format=%s"]);
        assert!(log.contains("sync: merge the registry's remote"), "{log}");
        assert_eq!(
            env.git(&["rev-parse", "HEAD"]),
            git_in(
                env,
                t.dir.path(),
                &["--git-dir=registry.git", "rev-parse", "main"]
            )
        );
    }
    // Nothing to do is said so, and changes nothing.
    let head = t.alice.head();
    assert!(synced(&t.alice).contains("already up to date"));
    assert_eq!(t.alice.head(), head);
}

#[test]
fn a_registry_shared_through_git_daemon_syncs_both_ways() {
    let alice = TestEnv::online();
    let bob = TestEnv::online();
    let upstreams = crate::servers::Upstreams::new(&alice);
    bare_remote(&alice, &upstreams.root, "registry.git");
    let daemon = crate::servers::GitDaemon::start_with_push(&upstreams);
    let url = daemon.url("registry");
    alice.ok(&["remote", "set", &url]);
    register(&alice, "alice/app");
    synced(&alice);
    bob.ok(&["init", "--from", &url]);
    register(&bob, "bob/app");
    bob.ok(&["tag", "add", "alice/app", "shared"]);
    synced(&bob);
    assert!(synced(&alice).contains("received 2 change(s)"));
    assert_eq!(tree(&alice), tree(&bob));
    assert_eq!(bob.ok(&["remote", "show"]).trim(), url);
}

#[test]
fn the_later_of_two_descriptions_wins_and_the_other_is_named() {
    let t = team();
    t.alice
        .ok(&["set", "shared/app", "--description", "from alice"]);
    synced(&t.alice);
    // Bob's change is the later one: his clock is a minute ahead.
    t.bob.clock_forward(60);
    t.bob
        .ok(&["set", "shared/app", "--description", "from bob"]);
    let said = synced(&t.bob);
    assert!(said.contains("changed on both sides"), "{said}");
    assert!(said.contains("from alice"), "{said}");
    synced(&t.alice);
    assert_eq!(entries(&t.alice)["shared/app"]["description"], "from bob");
    let message = t.alice.git(&["log", "-1", "--format=%B", "--merges"]);
    assert!(message.contains("\"from alice\""), "{message}");
}

#[test]
fn remote_data_comes_from_the_newer_fetch_and_a_double_rename_keeps_both_names() {
    let t = team();
    let file = &entry_path("shared/app");
    let entry = std::fs::read_to_string(t.alice.registry().join(file)).unwrap();
    let with_remote = |branch: &str, fetched: &str| {
        format!("{entry}\n[remote]\ndefault_branch = \"{branch}\"\nconfig_fetched = {fetched}\n")
    };
    // Alice's fetch is the newer, but Bob commits his older one later.
    t.alice
        .hand_commit(file, &with_remote("fresh", "2026-11-20T00:00:00Z"));
    t.bob.clock_forward(60);
    t.bob
        .hand_commit(file, &with_remote("stale", "2026-11-01T00:00:00Z"));
    synced(&t.alice);
    synced(&t.bob);
    synced(&t.alice);
    for env in [&t.alice, &t.bob] {
        assert_eq!(entries(env)["shared/app"]["default_branch"], "fresh");
    }

    // Renamed on both sides: the later name wins, the other becomes an alias.
    t.alice.ok(&["rename", "shared/app", "app-a"]);
    synced(&t.alice);
    t.bob.clock_forward(60);
    t.bob.ok(&["rename", "shared/app", "app-b"]);
    let said = synced(&t.bob);
    assert!(said.contains("renamed on both sides"), "{said}");
    synced(&t.alice);
    for env in [&t.alice, &t.bob] {
        let all = entries(env);
        assert!(!all.contains_key("app-a") && !all.contains_key("shared/app"));
        assert_eq!(
            set_of(&all["app-b"]["aliases"]),
            BTreeSet::from(["app-a".into()])
        );
        assert_eq!(env.ok(&["resolve", "app-a"]).trim(), url_of("shared/app"));
    }
}

#[test]
fn an_entry_forgotten_on_one_side_and_changed_on_the_other_is_kept() {
    let t = team();
    register(&t.alice, "shared/lib");
    synced(&t.alice);
    synced(&t.bob);
    t.alice.ok(&["forget", "shared/lib"]);
    t.bob.ok(&["tag", "add", "shared/lib", "keep-me"]);
    synced(&t.alice);
    let said = synced(&t.bob);
    assert!(said.contains("kept 'shared/lib'"), "{said}");
    synced(&t.alice);
    for env in [&t.alice, &t.bob] {
        assert_eq!(
            set_of(&entries(env)["shared/lib"]["tags"]),
            BTreeSet::from(["keep-me".into()])
        );
    }
    // Forgetting it again, with nothing changed elsewhere, removes it everywhere.
    t.bob.ok(&["forget", "shared/lib"]);
    synced(&t.bob);
    synced(&t.alice);
    assert!(!entries(&t.alice).contains_key("shared/lib"));
}

#[test]
fn a_rename_on_one_side_keeps_the_other_sides_changes() {
    let t = team();
    t.alice.ok(&["rename", "shared/app", "shared/application"]);
    t.bob.ok(&["tag", "add", "shared/app", "blue"]);
    t.bob.ok(&["alias", "add", "shared/app", "ap"]);
    synced(&t.alice);
    synced(&t.bob);
    synced(&t.alice);
    for env in [&t.alice, &t.bob] {
        let all = entries(env);
        assert!(!all.contains_key("shared/app"));
        let app = &all["shared/application"];
        assert_eq!(set_of(&app["tags"]), BTreeSet::from(["blue".into()]));
        assert_eq!(env.ok(&["resolve", "ap"]).trim(), url_of("shared/app"));
    }
}

#[test]
fn a_clash_no_rule_settles_stops_the_sync_and_changes_nothing() {
    let t = team();
    t.alice
        .ok(&["register", &url_of("one"), "--name", "tool", "--no-fetch"]);
    t.bob
        .ok(&["register", &url_of("two"), "--name", "tool", "--no-fetch"]);
    synced(&t.alice);
    let error = t.bob.fails(4, &["sync"]);
    assert!(error.contains("'tool' was registered here as"), "{error}");
    assert!(error.contains("repodex rename tool"), "{error}");
    // Settled as the message says, the sync goes through.
    t.bob.ok(&["rename", "tool", "tool-two"]);
    synced(&t.bob);
    synced(&t.alice);
    let names: Vec<String> = entries(&t.alice).into_keys().collect();
    assert_eq!(names, ["shared/app", "tool", "tool-two"]);

    // A rename on one side onto a name the other side gave a new repository: neither
    // entry may replace the other.
    t.alice.ok(&["rename", "shared/app", "web"]);
    t.bob
        .ok(&["register", &url_of("web"), "--name", "web", "--no-fetch"]);
    synced(&t.alice);
    let error = t.bob.fails(4, &["sync"]);
    assert!(
        error.contains("'web' names one repository here and another"),
        "{error}"
    );
    t.bob.ok(&["rename", "web", "website"]);
    synced(&t.bob);
    synced(&t.alice);
    let all = entries(&t.alice);
    assert_eq!(all["web"]["url"], url_of("shared/app"));
    assert_eq!(all["website"]["url"], url_of("web"));
}

#[test]
fn shared_settings_merge_by_the_later_change_and_a_filter_driver_is_refused() {
    let t = team();
    let settings = std::fs::read_to_string(t.alice.registry().join("registry.toml")).unwrap();
    t.alice.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"2d\"\n"),
    );
    synced(&t.alice);
    // Bob changes the same file, later, in another way; Alice changes the README.
    t.bob.clock_forward(60);
    t.bob.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"3d\"\n"),
    );
    let said = synced(&t.bob);
    assert!(
        said.contains("registry.toml changed on both sides"),
        "{said}"
    );
    synced(&t.alice);
    for env in [&t.alice, &t.bob] {
        let now = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
        assert!(now.contains("refresh_ttl = \"3d\""), "{now}");
    }
    // README.md changed on both sides: the side that merges keeps its own.
    t.alice.hand_commit("README.md", "alice's readme\n");
    synced(&t.alice);
    t.bob.hand_commit("README.md", "bob's readme\n");
    let said = synced(&t.bob);
    assert!(
        said.contains("README.md changed on both sides; kept the version from here"),
        "{said}"
    );
    synced(&t.alice);
    let readme = std::fs::read_to_string(t.alice.registry().join("README.md")).unwrap();
    assert_eq!(readme, "bob's readme\n");
    // A .gitattributes that names a filter driver is refused, by name.
    t.alice.hand_commit(".gitattributes", "* filter=lfs\n");
    // Alice's own sync does not send what no teammate's sync would take...
    let refused = t.alice.fails(4, &["sync"]);
    assert!(
        refused.contains("the line '* filter=lfs' is not one repodex writes (*.toml text eol=lf, *.age diff=age); remove it, so no teammate's sync would take it; nothing was sent"),
        "{refused}"
    );
    // ...plain git does, as a compromised machine would.
    git_in(
        &t.alice,
        &t.alice.registry(),
        &["push", "-q", &t.url, "HEAD:main"],
    );
    let error = t.bob.fails(4, &["sync"]);
    assert!(
        error.contains(
            ".gitattributes on the remote: the line '* filter=lfs' is not one repodex writes"
        ),
        "{error}"
    );
}

#[test]
fn a_push_overtaken_by_a_teammate_fetches_merges_and_retries() {
    let t = team();
    register(&t.alice, "alice/racer");
    register(&t.bob, "bob/racer");
    // Bob's push runs a pre-push hook that lets Alice sync first, once: a real race,
    // with Alice's push landing between Bob's fetch and his push.
    let marker = t.bob.root().join("raced");
    let alice_sync = t.alice.command(&["sync"]);
    let vars: Vec<String> = alice_sync
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}='{}'", k.to_str()?, v?.to_str()?)))
        .collect();
    let hook = format!(
        "#!/bin/sh\nif [ ! -e '{marker}' ]; then touch '{marker}'; cd '{work}' && env -i PATH=\"$PATH\" {vars} '{bin}' sync >/dev/null 2>&1 || exit 1; fi\nexit 0\n",
        marker = marker.display(),
        work = t.alice.work().display(),
        vars = vars.join(" "),
        bin = env!("CARGO_BIN_EXE_repodex"),
    );
    let hook_path = t.bob.registry().join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook_path.parent().unwrap()).unwrap();
    std::fs::write(&hook_path, hook).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook_path, std::fs::Permissions::from_mode(0o755)).unwrap();

    let said = synced(&t.bob);
    assert!(marker.exists(), "the hook ran");
    assert!(said.contains("after 1 pushes overtaken"), "{said}");
    synced(&t.alice);
    assert_eq!(tree(&t.alice), tree(&t.bob));
    let names: Vec<String> = entries(&t.alice).into_keys().collect();
    assert_eq!(names, ["alice/racer", "bob/racer", "shared/app"]);
}

#[test]
fn offline_edits_wait_for_the_next_sync() {
    let t = team();
    register(&t.bob, "bob/offline");
    let before = t.bob.head();
    let mut cmd = t.bob.command(&["sync"]);
    cmd.env("REPODEX_OFFLINE", "1");
    let run = run_with_stdin(cmd, "");
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("offline"), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1);
    assert_eq!(t.bob.head(), before);
    // Later, online: delivered.
    synced(&t.bob);
    synced(&t.alice);
    assert!(entries(&t.alice).contains_key("bob/offline"));
}

#[test]
fn a_sync_stopped_at_any_step_loses_nothing_and_the_next_one_finishes() {
    for step in ["before-head", "after-head", "after-worktree"] {
        for merge in [false, true] {
            let t = team();
            register(&t.alice, "alice/new");
            synced(&t.alice);
            if merge {
                // Bob has a change of his own: his sync makes a merge commit.
                register(&t.bob, "bob/new");
            }
            let before = t.bob.head();
            let mut cmd = t.bob.command(&["sync"]);
            cmd.env("REPODEX_TEST_FAILPOINT", step);
            let run = run_with_stdin(cmd, "");
            assert_ne!(run.code, 0, "{step}: the failpoint did not stop the sync");
            // The next command repairs whatever the stop left, and nothing is lost.
            let names: Vec<String> = entries(&t.bob).into_keys().collect();
            let moved = t.bob.head() != before;
            assert_eq!(moved, step != "before-head", "{step}, merge {merge}");
            assert_eq!(names.contains(&"alice/new".to_string()), moved, "{step}");
            assert_eq!(names.contains(&"bob/new".to_string()), merge, "{step}");
            t.bob.assert_plain_git_happy();
            // The next sync delivers everything, both ways.
            synced(&t.bob);
            synced(&t.alice);
            assert_eq!(tree(&t.alice), tree(&t.bob), "{step}, merge {merge}");
        }
    }
}

#[test]
fn a_remote_that_never_answers_is_abandoned_at_the_deadline_fetching_or_pushing() {
    // Fetching: a port that accepts connections and never says anything.
    let env = TestEnv::online();
    register(&env, "solo");
    let hole = crate::servers::BlackHole::start();
    env.ok(&[
        "remote",
        "set",
        &format!("git://127.0.0.1:{}/never.git", hole.port),
    ]);
    let mut cmd = env.command(&["sync"]);
    cmd.env("REPODEX_TIMEOUT", "2");
    let run = run_with_stdin(cmd, "");
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("did not answer within 2 s"), "{run:?}");

    // Pushing: a push that hangs (here in a pre-push hook) is killed at the deadline.
    let t = team();
    register(&t.bob, "bob/slow");
    let hook = t.bob.registry().join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\nsleep 30\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = t.bob.command(&["sync"]);
    cmd.env("REPODEX_TIMEOUT", "2");
    // (Had the push not been killed, it would have succeeded after the hook's sleep.)
    let run = run_with_stdin(cmd, "");
    assert_eq!(run.code, 5, "{run:?}");
    assert!(run.stderr.contains("did not answer within 2 s"), "{run:?}");
    // Once the remote answers again, the work is delivered.
    std::fs::remove_file(&hook).unwrap();
    synced(&t.bob);
    synced(&t.alice);
    assert!(entries(&t.alice).contains_key("bob/slow"));
}

#[test]
fn a_sync_without_a_remote_says_how_to_add_one() {
    let env = TestEnv::online();
    register(&env, "solo");
    let error = env.fails(2, &["sync"]);
    assert!(error.contains("repodex remote set URL"), "{error}");
    let error = env.fails(2, &["remote", "set", "ext::evil"]);
    assert!(error.contains("transport prefix"), "{error}");
}

#[test]
fn content_from_a_compromised_teammate_is_refused_with_its_name() {
    let t = team();
    // Someone pushes, with plain git, a file that is not part of a registry and an
    // entry that is a symlink.
    let clone = t.dir.path().join("evil");
    git_in(&t.alice, t.dir.path(), &["clone", "-q", &t.url, "evil"]);
    std::fs::write(clone.join("run-me.sh"), "#!/bin/sh\necho pwned\n").unwrap();
    let evil = clone.join(entry_path("evil"));
    std::fs::create_dir_all(evil.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", evil).unwrap();
    git_in(&t.alice, &clone, &["add", "."]);
    git_in(&t.alice, &clone, &["commit", "-qm", "evil"]);
    git_in(&t.alice, &clone, &["push", "-q", "origin", "main"]);

    register(&t.bob, "bob/fine");
    let error = t.bob.fails(4, &["sync"]);
    assert!(error.contains("run-me.sh"), "{error}");
    assert!(!t.bob.registry().join("run-me.sh").exists());
    let error = t.alice.fails(4, &["sync"]);
    assert!(error.contains("run-me.sh"), "{error}");
    // A new machine will not start from it either.
    let carol = TestEnv::online();
    let run = carol.run(&["init", "--from", &t.url]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(!carol.registry().exists());
}

#[test]
fn credentials_changed_on_both_sides_keep_the_later_and_stay_encrypted() {
    let t = team();
    let bob_key = t.bob.ok(&["identity"]).trim().to_string();
    let set = |env: &TestEnv, secret: &str| {
        let run = run_with_stdin(env.command(&["creds", "set", "shared/app"]), secret);
        assert_eq!(run.code, 0, "{run:?}");
    };
    set(&t.alice, "alice-secret-1");
    t.alice.ok(&["recipients", "add", &bob_key]);
    synced(&t.alice);
    synced(&t.bob);
    // The recipients came from someone else: Bob checks them before encrypting anything.
    let run = run_with_stdin(t.bob.command(&["creds", "set", "shared/app"]), "x");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("recipients accept"), "{run:?}");
    t.bob.ok(&["recipients", "accept"]);

    set(&t.alice, "alice-secret-2");
    t.bob.clock_forward(60);
    set(&t.bob, "bob-secret-3");
    synced(&t.alice);
    let said = synced(&t.bob);
    assert!(
        said.contains("credential of 'shared/app' changed on both sides"),
        "{said}"
    );
    synced(&t.alice);
    for env in [&t.alice, &t.bob] {
        let shown = env.ok(&["creds", "show", "shared/app", "--reveal"]);
        assert!(shown.contains("bob-secret-3"), "{shown}");
    }
    // Bob adds Carol while Alice sets a new secret: the secret Bob takes from the
    // remote is encrypted again to his recipients, so Carol can read it.
    let carol = t.bob.root().join("carol-identity.txt");
    let mut cmd = t.bob.command(&["identity"]);
    cmd.env("REPODEX_IDENTITY", &carol);
    let carol_key = run_with_stdin(cmd, "").stdout.trim().to_string();
    t.bob.ok(&["recipients", "add", &carol_key]);
    // Alice's new secret is the later change (Bob's clock ran ahead above).
    t.alice.clock_forward(120);
    set(&t.alice, "alice-secret-4");
    synced(&t.alice);
    synced(&t.bob);
    let mut cmd = t.bob.command(&["creds", "show", "shared/app", "--reveal"]);
    cmd.env("REPODEX_IDENTITY", &carol);
    let run = run_with_stdin(cmd, "");
    assert!(run.stdout.contains("alice-secret-4"), "{run:?}");
    for env in [&t.alice, &t.bob] {
        for secret in [
            "alice-secret-1",
            "alice-secret-2",
            "bob-secret-3",
            "alice-secret-4",
        ] {
            env.assert_secret_absent(secret);
        }
    }
}

#[test]
fn an_organisations_registry_mounts_as_a_read_only_layer() {
    let t = team();
    let org = TestEnv::online();
    let org_url = bare_remote(&org, t.dir.path(), "org.git");
    org.ok(&["remote", "set", &org_url]);
    register(&org, "org/platform");
    org.ok(&[
        "register",
        &url_of("shared/app"),
        "--name",
        "org/app",
        "--no-fetch",
    ]);
    synced(&org);

    t.alice.ok(&["registry", "add", "acme", &org_url]);
    assert!(t.alice.ok(&["registry", "list"]).contains("acme"));
    // Found in the layer, after the user's own registry.
    assert_eq!(
        t.alice.ok(&["resolve", "platform"]).trim(),
        url_of("org/platform")
    );
    let which = t.alice.ok(&["which", "platform"]);
    assert!(
        which.contains("layer 'acme'") && which.contains("rule 5"),
        "{which}"
    );
    // The user's own entry wins over the layer's for the same URL.
    let which = t.alice.ok(&["which", &url_of("shared/app")]);
    assert!(
        which.contains("'shared/app' in your registry") && which.contains("rule 3"),
        "{which}"
    );
    let list = t.alice.ok(&["list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("org/platform") && l.contains("acme")),
        "{list}"
    );
    let json = entries(&t.alice);
    assert_eq!(json["org/platform"]["layer"], "acme");
    assert_eq!(json["shared/app"]["layer"], Value::Null);
    // Read-only: changing a layer's entry is refused, and nothing is changed.
    let error = t.alice.fails(2, &["tag", "add", "org/platform", "mine"]);
    assert!(error.contains("read-only layer 'acme'"), "{error}");

    // The organisation adds a repository; Alice's sync brings the layer up to date.
    register(&org, "org/new");
    synced(&org);
    let said = synced(&t.alice);
    assert!(said.contains("layer acme: updated"), "{said}");
    assert_eq!(
        t.alice.ok(&["resolve", "org/new"]).trim(),
        url_of("org/new")
    );
    // Nothing of the layer went into Alice's registry or its remote.
    synced(&t.bob);
    assert!(!entries(&t.bob).contains_key("org/platform"));

    t.alice.ok(&["registry", "rm", "acme"]);
    t.alice.fails(3, &["resolve", "platform"]);
}

/// What the final registry must hold, built from the operations that succeeded.
#[derive(Default, Clone)]
struct Expected {
    name: String,
    aliases: BTreeSet<String>,
    tags: BTreeSet<String>,
    secret: Option<String>,
    forgotten: bool,
}

#[test]
fn a_randomized_run_of_two_teammates_loses_nothing() {
    let seed: u64 = std::env::var("REPODEX_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026);
    let mut rng = Rng(seed);
    let t = team();
    let bob_key = t.bob.ok(&["identity"]).trim().to_string();
    run_with_stdin(
        t.alice.command(&["creds", "set", "shared/app"]),
        "seed-secret",
    );
    t.alice.ok(&["recipients", "add", &bob_key]);
    synced(&t.alice);
    synced(&t.bob);
    t.bob.ok(&["recipients", "accept"]);

    let sides = [&t.alice, &t.bob];
    let prefixes = ["a", "b"];
    // Per entry (by its URL): what the operations that succeeded say it must be.
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
    expected.insert(
        url_of("shared/app"),
        Expected {
            name: "shared/app".into(),
            secret: Some("seed-secret".into()),
            ..Expected::default()
        },
    );
    // Per side: entries registered since its last sync (only those may be forgotten,
    // so no teammate has changed them), and entries the side knows.
    let mut unsynced: [BTreeSet<String>; 2] = Default::default();
    let mut known: [BTreeSet<String>; 2] = [
        BTreeSet::from([url_of("shared/app")]),
        BTreeSet::from([url_of("shared/app")]),
    ];
    let mut counter = 0;
    let operations = 240;
    // How often each kind of operation ran, so the run cannot quietly do nothing.
    let mut ran: BTreeMap<&str, usize> = BTreeMap::new();
    for step in 0..operations {
        let side = rng.below(2);
        let env = sides[side];
        let own: Vec<String> = known[side]
            .iter()
            .filter(|u| {
                u.contains(&format!("/team/{}-", prefixes[side])) && !expected[*u].forgotten
            })
            .cloned()
            .collect();
        let any: Vec<String> = known[side]
            .iter()
            .filter(|u| !expected[*u].forgotten)
            .cloned()
            .collect();
        counter += 1;
        match rng.below(10) {
            0 | 1 => {
                let name = format!("{}-{counter}", prefixes[side]);
                register(env, &name);
                *ran.entry("register").or_default() += 1;
                let url = url_of(&name);
                expected.insert(
                    url.clone(),
                    Expected {
                        name,
                        ..Expected::default()
                    },
                );
                unsynced[side].insert(url.clone());
                known[side].insert(url);
            }
            2 | 3 if !any.is_empty() => {
                // Tags merge as sets: either side may tag any entry.
                let url = &any[rng.below(any.len())];
                let tag = ["red", "green", "blue", "ops", "web"][rng.below(5)];
                env.ok(&["tag", "add", url, tag]);
                *ran.entry("tag").or_default() += 1;
                expected.get_mut(url).unwrap().tags.insert(tag.into());
            }
            4 if !own.is_empty() => {
                let url = &own[rng.below(own.len())];
                let alias = format!("{}-alias-{counter}", prefixes[side]);
                env.ok(&["alias", "add", url, &alias]);
                *ran.entry("alias").or_default() += 1;
                expected.get_mut(url).unwrap().aliases.insert(alias);
            }
            5 if !own.is_empty() => {
                let url = &own[rng.below(own.len())];
                let name = format!("{}-renamed-{counter}", prefixes[side]);
                env.ok(&["rename", url, &name]);
                *ran.entry("rename").or_default() += 1;
                expected.get_mut(url).unwrap().name = name;
            }
            6 if !own.is_empty() => {
                let url = &own[rng.below(own.len())];
                let secret = format!("secret-{counter}");
                let run = run_with_stdin(env.command(&["creds", "set", url]), &secret);
                assert_eq!(run.code, 0, "step {step}: {run:?}");
                *ran.entry("creds").or_default() += 1;
                expected.get_mut(url).unwrap().secret = Some(secret);
            }
            7 if !unsynced[side].is_empty() => {
                let url = unsynced[side].iter().next().unwrap().clone();
                env.ok(&["forget", &url]);
                *ran.entry("forget").or_default() += 1;
                unsynced[side].remove(&url);
                expected.get_mut(&url).unwrap().forgotten = true;
            }
            _ => {
                synced(env);
                unsynced[side].clear();
                *ran.entry("sync").or_default() += 1;
                // After a sync a side knows everything that was on the remote.
                let all: Vec<String> = expected.keys().cloned().collect();
                for url in all {
                    let pushed_by_other = !unsynced[1 - side].contains(&url);
                    if pushed_by_other {
                        known[side].insert(url);
                    }
                }
            }
        }
    }
    for kind in [
        "register", "tag", "alias", "rename", "creds", "forget", "sync",
    ] {
        assert!(
            ran.get(kind).copied().unwrap_or(0) >= 5,
            "{ran:?}, seed {seed}"
        );
    }
    let merges = t.alice.git(&["rev-list", "--merges", "--count", "HEAD"]);
    assert!(
        merges.trim().parse::<usize>().unwrap() >= 5,
        "{merges} merges, seed {seed}"
    );
    // Two rounds of syncs deliver everything to both.
    for env in [&t.alice, &t.bob, &t.alice] {
        synced(env);
    }
    assert_eq!(tree(&t.alice), tree(&t.bob), "seed {seed}");
    let alive: BTreeMap<String, &Expected> = expected
        .iter()
        .filter(|(_, e)| !e.forgotten)
        .map(|(_, e)| (e.name.clone(), e))
        .collect();
    for env in [&t.alice, &t.bob] {
        let actual = entries(env);
        assert_eq!(
            actual.keys().collect::<Vec<_>>(),
            alive.keys().collect::<Vec<_>>(),
            "seed {seed}"
        );
        for (name, want) in &alive {
            let got = &actual[name];
            assert_eq!(set_of(&got["tags"]), want.tags, "{name}, seed {seed}");
            assert_eq!(set_of(&got["aliases"]), want.aliases, "{name}, seed {seed}");
        }
    }
    for (name, want) in &alive {
        if let Some(secret) = &want.secret {
            let shown = t.bob.ok(&["creds", "show", name, "--reveal"]);
            assert!(
                shown.contains(secret.as_str()),
                "{name}: {shown}, seed {seed}"
            );
        }
    }
}

/// Whether `env`'s registry is in format 2, by its settings and by where its entries are.
fn in_format_2(env: &TestEnv, names: &[&str]) -> bool {
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    let moved = names
        .iter()
        .all(|n| env.registry().join(entry_path(n)).exists());
    let flat = names
        .iter()
        .any(|n| env.registry().join(format!("repos/{n}.toml")).exists());
    assert_eq!(
        settings.contains("format = 2"),
        moved && !flat,
        "{settings}"
    );
    moved
}

#[test]
fn a_migration_reaches_teammates_through_sync_and_loses_nothing() {
    let t = team_in_format("1");
    register(&t.alice, "alice/tool");
    synced(&t.alice);
    synced(&t.bob);
    // Both change the shared entry's description, Alice later; each also registers
    // something the other has not seen.
    t.bob
        .ok(&["set", "shared/app", "--description", "Bob's words"]);
    t.bob.ok(&["tag", "add", "shared/app", "blue"]);
    register(&t.bob, "bob/site");
    t.alice.clock_forward(60);
    t.alice
        .ok(&["set", "shared/app", "--description", "Alice's words"]);
    register(&t.alice, "alice/more");
    t.alice.clock_forward(60);
    // Alice migrates and sends it.
    t.alice.ok(&["migrate"]);
    synced(&t.alice);
    assert!(in_format_2(&t.alice, &["shared/app", "alice/tool"]));

    // Bob's sync follows the migration first, then merges.
    let said = synced(&t.bob);
    assert!(said.contains("migrated this registry"), "{said}");
    let names = ["shared/app", "alice/tool", "alice/more", "bob/site"];
    assert!(in_format_2(&t.bob, &names));
    let app = &entries(&t.bob)["shared/app"];
    // The later edit wins: a migration moves files, it does not change them.
    assert_eq!(app["description"], "Alice's words");
    assert_eq!(set_of(&app["tags"]), BTreeSet::from(["blue".into()]));
    synced(&t.alice);
    assert_eq!(tree(&t.alice), tree(&t.bob));
    assert_eq!(
        entries(&t.alice).keys().collect::<Vec<_>>(),
        ["alice/more", "alice/tool", "bob/site", "shared/app"]
    );
    // An entry's log goes on across the migration, on both sides.
    assert!(t.bob.ok(&["log", "bob/site"]).contains("register bob/site"));
    // A new machine starts in format 2.
    let carol = TestEnv::online();
    carol.ok(&["init", "--from", &t.url]);
    assert!(in_format_2(&carol, &names));
}

#[test]
fn a_teammate_still_in_format_1_merges_into_a_migrated_registry() {
    let t = team_in_format("1");
    synced(&t.bob);
    // Bob migrates but has not synced; Alice, still in format 1, pushes an entry and
    // a settings change.
    t.bob.ok(&["migrate"]);
    register(&t.alice, "alice/tool");
    let settings = std::fs::read_to_string(t.alice.registry().join("registry.toml")).unwrap();
    t.alice.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"7d\"\n"),
    );
    synced(&t.alice);
    // Bob's merge keeps format 2, places Alice's entry, and keeps her setting.
    synced(&t.bob);
    assert!(in_format_2(&t.bob, &["shared/app", "alice/tool"]));
    let settings = std::fs::read_to_string(t.bob.registry().join("registry.toml")).unwrap();
    assert!(settings.contains("refresh_ttl = \"7d\""), "{settings}");
    // Alice receives the migration with Bob's merge.
    synced(&t.alice);
    assert!(in_format_2(&t.alice, &["shared/app", "alice/tool"]));
    assert_eq!(tree(&t.alice), tree(&t.bob));
}

/// The team's registry is itself a registered repository: `remote set repodex:<name>`
/// syncs with that entry's URL.
#[test]
fn the_sync_remote_can_be_named_by_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let alice = TestEnv::online();
    let url = bare_remote(&alice, dir.path(), "registry.git");
    alice.ok(&["register", "--no-fetch", &url, "--name", "team/registry"]);
    let run = alice.run(&["remote", "set", "repodex:team/registry"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("repodex: note: repodex:team/registry is {url}")),
        "{}",
        run.stderr
    );
    assert_eq!(alice.ok(&["remote", "show"]).trim(), url);
    synced(&alice);
    let error = alice.fails(3, &["remote", "set", "repodex:nothing"]);
    assert!(error.contains("no repository matches 'nothing'"), "{error}");
}

/// A team whose registry lives on `master` (made with plain git, or by a host that
/// names its first branch so): `init --from` and `sync` follow the remote's HEAD, push
/// back to `master`, and never create a `main` beside it.
#[test]
fn a_registry_kept_on_master_is_joined_and_synced_on_master() {
    let dir = tempfile::tempdir().unwrap();
    let alice = TestEnv::online();
    let bob = TestEnv::online();
    git_in(
        &alice,
        dir.path(),
        &["init", "-q", "--bare", "-b", "master", "registry.git"],
    );
    let url = dir.path().join("registry.git").display().to_string();
    register(&alice, "shared/app");
    // Alice's registry reaches the remote's master with plain git.
    alice.git(&["push", "-q", &url, "main:master"]);
    alice.ok(&["remote", "set", &url]);

    bob.ok(&["init", "--from", &url]);
    assert!(bob.ok(&["list", "--names"]).contains("shared/app"));
    assert_eq!(
        bob.git(&["config", "branch.main.merge"]).trim(),
        "refs/heads/master"
    );
    register(&bob, "bob/site");
    let said = synced(&bob);
    assert!(said.contains("sent"), "{said}");
    let branches = git_in(
        &bob,
        dir.path(),
        &["--git-dir=registry.git", "branch", "--list"],
    );
    assert_eq!(
        branches.trim(),
        "* master",
        "a main branch appeared: {branches}"
    );

    // Alice's first sync asks the remote which branch, and records it.
    let said = synced(&alice);
    assert!(said.contains("received"), "{said}");
    assert!(alice.ok(&["list", "--names"]).contains("bob/site"));
    assert_eq!(
        alice.git(&["config", "branch.main.merge"]).trim(),
        "refs/heads/master"
    );
    assert_eq!(
        alice.git(&["rev-parse", "HEAD"]),
        git_in(
            &alice,
            dir.path(),
            &["--git-dir=registry.git", "rev-parse", "master"]
        )
    );
}
