//! Concurrent repodex processes never lose a change.

use crate::support::TestEnv;

#[test]
fn eight_processes_registering_at_once_lose_nothing() {
    let env = TestEnv::new();
    // No registry yet: the first uses race to create it too.
    std::thread::scope(|scope| {
        for worker in 0..8 {
            let env = &env;
            scope.spawn(move || {
                for i in 0..25 {
                    let url = format!("https://example.com/team{worker}/repo{i}.git");
                    let run = env.run(&["register", &url]);
                    assert_eq!(run.code, 0, "{url}: {run:?}");
                    assert_eq!(run.stdout, format!("team{worker}/repo{i}\n"));
                }
            });
        }
    });
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 200);
    env.assert_plain_git_happy();
    // One commit per registration after the registry's first, in one line of history.
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "201\n");
    assert_eq!(env.git(&["rev-list", "--merges", "--count", "HEAD"]), "0\n");
    assert!(env.ok(&["doctor"]).starts_with("ok: 200 entries"));
}

/// Eight processes at once, each making thirty changes to its own entries (registering,
/// renaming, aliasing, tagging, forgetting, refreshing), the same ones on every machine
/// however fast: every change reported as done is in the registry at the end, history
/// is one line, and git is happy.
#[test]
fn eight_processes_mixing_every_change_lose_nothing() {
    use std::collections::{BTreeMap, BTreeSet};
    /// Entry name -> (aliases, tags).
    type Model = BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>;
    let env = TestEnv::online();
    env.ok(&["init"]);
    // One local upstream per worker, for its refreshes (no server, no internet).
    let upstreams: Vec<String> = (0..8)
        .map(|w| env.make_repo(&format!("up{w}")).display().to_string())
        .collect();
    // Per worker: entry name -> (aliases, tags) for what its successful operations say.
    let models: Vec<(Model, [usize; 6])> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let (env, upstream) = (&env, &upstreams[w]);
                scope.spawn(move || {
                    let mut model = Model::new();
                    // How many changes of each kind this worker made, in the order of
                    // the match below.
                    let mut made = [0usize; 6];
                    let name = format!("w{w}/up");
                    let run = env.run(&["register", upstream, "--name", &name, "--no-fetch"]);
                    assert_eq!(run.code, 0, "{run:?}");
                    model.insert(name, Default::default());
                    let mut rng = crate::support::Rng(0x9e37_79b9_7f4a_7c15u64 ^ (w as u64 + 1));
                    let mut next = move || rng.next();
                    for i in 0..30 {
                        let names: Vec<String> = model.keys().cloned().collect();
                        let pick = names[next() as usize % names.len()].clone();
                        let kind = match next() % 6 {
                            0 => {
                                let new = format!("w{w}/r{i}");
                                let url = format!("https://example.com/w{w}/r{i}");
                                let run =
                                    env.run(&["register", &url, "--name", &new, "--no-fetch"]);
                                assert_eq!(run.code, 0, "{run:?}");
                                model.insert(new, Default::default());
                                0
                            }
                            1 if pick != format!("w{w}/up") => {
                                let new = format!("w{w}/n{i}");
                                let run = env.run(&["rename", &pick, &new]);
                                assert_eq!(run.code, 0, "{run:?}");
                                let kept = model.remove(&pick).unwrap();
                                model.insert(new, kept);
                                1
                            }
                            2 => {
                                let alias = format!("w{w}-a{i}");
                                let run = env.run(&["alias", "add", &pick, &alias]);
                                assert_eq!(run.code, 0, "{run:?}");
                                model.get_mut(&pick).unwrap().0.insert(alias);
                                2
                            }
                            3 => {
                                let tag = ["red", "green", "blue"][next() as usize % 3];
                                let run = env.run(&["tag", "add", &pick, tag]);
                                assert_eq!(run.code, 0, "{run:?}");
                                model.get_mut(&pick).unwrap().1.insert(tag.to_string());
                                3
                            }
                            4 if pick != format!("w{w}/up") => {
                                let run = env.run(&["forget", &pick]);
                                assert_eq!(run.code, 0, "{run:?}");
                                model.remove(&pick);
                                4
                            }
                            _ => {
                                let run = env.run(&["refresh", &format!("w{w}/up")]);
                                assert_eq!(run.code, 0, "{run:?}");
                                5
                            }
                        };
                        made[kind] += 1;
                    }
                    (model, made)
                })
            })
            .collect();
        workers.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    let actual: Model = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let set = |key: &str| -> BTreeSet<String> {
                e[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            };
            (
                e["name"].as_str().unwrap().to_string(),
                (set("aliases"), set("tags")),
            )
        })
        .collect();
    // Every kind of change was made, by several workers, 240 changes in all.
    let mut made = [0usize; 6];
    for (_, counts) in &models {
        for (all, one) in made.iter_mut().zip(counts) {
            *all += one;
        }
    }
    assert_eq!(made.iter().sum::<usize>(), 8 * 30, "{made:?}");
    assert!(
        made.iter().all(|&n| n >= 8),
        "some kind of change was hardly made: {made:?}"
    );
    let expected: Model = models.into_iter().flat_map(|(model, _)| model).collect();
    assert_eq!(actual, expected);
    // Every refreshed upstream's default branch was learned.
    for w in 0..8 {
        let info = env.ok(&["resolve", &format!("w{w}/up"), "--json"]);
        assert!(info.contains("\"main\""), "{info}");
    }
    env.assert_plain_git_happy();
    assert_eq!(env.git(&["rev-list", "--merges", "--count", "HEAD"]), "0\n");
    assert!(env.ok(&["doctor"]).starts_with("ok:"));
}
