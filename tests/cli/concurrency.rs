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
