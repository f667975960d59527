//! Migrating from Minsky: its JSON, SQLite and PostgreSQL session databases, with the
//! junk values real databases hold (shared/minsky-formats.md).

use crate::servers::Postgres;
use crate::support::TestEnv;
use pretty_assertions::assert_eq;

fn names(env: &TestEnv) -> Vec<String> {
    let listed: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// Sessions as Minsky wrote them: one repository under many spellings, local ones, junk.
fn sessions(env: &TestEnv) -> serde_json::Value {
    let local = env.make_repo("local/minsky-local");
    serde_json::json!([
        {"session": "s1", "repoName": "edobry/minsky", "repoUrl": "https://github.com/edobry/minsky.git", "createdAt": "2025-06-01T00:00:00Z"},
        {"session": "s2", "repoName": "edobry/minsky", "repoUrl": "git@github.com:edobry/minsky.git", "createdAt": "2025-06-02T00:00:00Z", "taskId": "#12"},
        {"session": "s3", "repoName": "local-minsky", "repoUrl": "https://GitHub.com/edobry/minsky/", "createdAt": "2025-06-03T00:00:00Z"},
        {"session": "s4", "repoName": "local/minsky", "repoUrl": local.to_str().unwrap(), "createdAt": "2025-06-04T00:00:00Z"},
        {"session": "s5", "repoName": "local/", "repoUrl": format!("file://{}", local.display()), "createdAt": "2025-06-05T00:00:00Z"},
        {"session": "s6", "repoName": "local--", "repoUrl": ".", "createdAt": "2025-06-06T00:00:00Z"},
        {"session": "s7", "repoName": "x", "repoUrl": "/", "createdAt": "2025-06-07T00:00:00Z"},
        {"session": "s8", "repoName": "minsky", "repoUrl": "minsky", "createdAt": "2025-06-08T00:00:00Z"},
        {"session": "s9", "repoName": "gone", "repoUrl": "/srv/deleted/repo", "createdAt": "2025-06-09T00:00:00Z"},
        {"session": "s10", "repoName": "other/tool", "repoUrl": "https://gitlab.com/other/tool.git", "createdAt": "2025-06-10T00:00:00Z", "backendType": "remote"},
        {"session": "s11", "repoName": "no-url", "createdAt": "2025-06-11T00:00:00Z"}
    ])
}

#[test]
fn json_in_its_three_shapes_with_junk() {
    for shape in ["array", "object", "backup"] {
        let env = TestEnv::new();
        let list = sessions(&env);
        let document = match shape {
            "array" => list,
            "object" => {
                serde_json::json!({"sessions": list, "baseDir": "/home/me/.local/state/minsky"})
            }
            _ => {
                serde_json::json!({"timestamp": "2025-07-01", "version": 1, "data": {"sessions": list, "baseDir": "/x"}})
            }
        };
        let file = env.work().join("session-db.json");
        std::fs::write(&file, serde_json::to_string(&document).unwrap()).unwrap();

        let dry = env.run(&[
            "import",
            "minsky",
            "--json",
            file.to_str().unwrap(),
            "--dry-run",
        ]);
        assert_eq!(dry.code, 0, "{dry:?}");
        assert!(
            dry.stdout
                .contains("11 records name 3 repositories; 5 skipped; nothing changed"),
            "{shape}: {}",
            dry.stderr
        );
        assert_eq!(names(&env), Vec::<String>::new(), "dry run changed nothing");

        let run = env.run(&["import", "minsky", "--json", file.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{run:?}");
        for (session, reason) in [
            ("s6", "its repository URL '.' names no repository"),
            ("s7", "its repository URL '/' names no repository"),
            (
                "s8",
                "its repository URL 'minsky' is not a URL or an absolute path",
            ),
            (
                "s9",
                "its local repository '/srv/deleted/repo' no longer exists",
            ),
            ("s11", "has no repository URL"),
        ] {
            assert!(
                run.stderr.contains(&format!(
                    "skipped session-db.json: session {session}: {reason}"
                )),
                "{shape} {session}: {}",
                run.stderr
            );
        }
        assert!(
            run.stdout.contains("registered edobry/minsky (3 records)"),
            "{}",
            run.stderr
        );
        assert_eq!(
            names(&env),
            ["edobry/minsky", "minsky-local", "other/tool"],
            "{shape}"
        );
        // Again: nothing new.
        let head = env.head();
        let again = env.run(&["import", "minsky", "--json", file.to_str().unwrap()]);
        assert!(
            again.stdout.contains("0 registered, 3 already known"),
            "{}",
            again.stderr
        );
        assert_eq!(env.head(), head);
    }
}

#[test]
fn sqlite_session_database_and_default_locations() {
    let env = TestEnv::new();
    let state = env.root().join("state/minsky");
    std::fs::create_dir_all(&state).unwrap();
    let db = rusqlite::Connection::open(state.join("sessions.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE sessions (session TEXT PRIMARY KEY, repoName TEXT NOT NULL, repoUrl TEXT, createdAt TEXT NOT NULL, taskId TEXT, last_activity_at TEXT);
         INSERT INTO sessions VALUES ('a', 'edobry/minsky', 'https://github.com/edobry/minsky', '2025-12-01', '#1', NULL);
         INSERT INTO sessions VALUES ('b', 'edobry/minsky', 'ssh://git@github.com/edobry/minsky.git', '2025-12-02', NULL, '2025-12-03');
         INSERT INTO sessions VALUES ('c', 'local--', '.', '2025-12-04', NULL, NULL);
         INSERT INTO sessions VALUES ('d', 'x', NULL, '2025-12-05', NULL, NULL);",
    )
    .unwrap();
    drop(db);
    // No flags: the default locations under $XDG_STATE_HOME/minsky.
    let run = env.run(&["import", "minsky"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("4 records: 1 registered, 0 already known, 2 records skipped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("skipped sessions.db: session d: has no repository URL"),
        "{}",
        run.stderr
    );
    assert_eq!(names(&env), ["edobry/minsky"]);
    // A file that is not a database, and no data at all, are clear errors.
    let junk = env.work().join("junk.db");
    std::fs::write(&junk, "not sqlite").unwrap();
    let error = env.fails(2, &["import", "minsky", "--sqlite", junk.to_str().unwrap()]);
    assert!(
        error.contains("junk.db: has no readable sessions table"),
        "{error}"
    );
    let empty = TestEnv::new();
    let error = empty.fails(2, &["import", "minsky"]);
    assert!(error.contains("no Minsky data found"), "{error}");
}

#[test]
fn postgres_sessions_and_projects_from_a_real_server() {
    let server = Postgres::start();
    let mut client = postgres::Client::connect(&server.url(), postgres::NoTls).unwrap();
    client
        .batch_execute(
            "CREATE TABLE projects (id uuid PRIMARY KEY, slug text UNIQUE, repo_url text, display_name text, created_at timestamptz);
             CREATE TABLE sessions (session varchar PRIMARY KEY, repo_name text, repo_url text NOT NULL, created_at timestamptz, task_id text, project_id uuid REFERENCES projects(id), status text);
             INSERT INTO projects VALUES ('00000000-0000-0000-0000-000000000001', 'minsky', 'https://github.com/edobry/minsky.git', 'Minsky CLI', now());
             INSERT INTO projects VALUES ('00000000-0000-0000-0000-000000000002', 'docs-site', 'git@github.com:edobry/docs.git', 'The docs', now());
             INSERT INTO sessions VALUES ('p1', 'edobry/minsky', 'https://github.com/edobry/minsky', now(), '#1', '00000000-0000-0000-0000-000000000001', 'done');
             INSERT INTO sessions VALUES ('p2', 'edobry/minsky', 'git@github.com:edobry/minsky.git', now(), '#2', '00000000-0000-0000-0000-000000000001', NULL);
             INSERT INTO sessions VALUES ('p3', 'local/', '/', now(), NULL, NULL, NULL);
             INSERT INTO sessions VALUES ('p4', 'other/tool', 'https://gitlab.com/other/tool', now(), NULL, NULL, NULL);
             -- Minsky's backfill stamped the project edobry/minsky on every old session.
             INSERT INTO sessions VALUES ('p5', 'team/web', 'https://gitlab.com/team/web', now(), NULL, '00000000-0000-0000-0000-000000000001', NULL);",
        )
        .unwrap();
    let env = TestEnv::new();
    let mut cmd = env.command(&["import", "minsky"]);
    cmd.env("MINSKY_PERSISTENCE_POSTGRES_URL", server.url());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("skipped postgres: session p3: its repository URL '/' names no repository"),
        "{stderr}"
    );
    // Minsky's slug names the entry, its display name describes it; a project stamped
    // on a session of another repository names nothing; a project no session used is
    // left out.
    assert_eq!(names(&env), ["minsky", "other/tool", "team/web"]);
    assert!(
        stderr.contains(
            "skipped postgres: project docs-site: no session used this project's repository"
        ),
        "{stderr}"
    );
    let web: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "team/web", "--json"])).unwrap();
    assert_eq!(web["description"], serde_json::Value::Null);

    // The same database, found through Minsky's own config file.
    let second = TestEnv::new();
    let config = second.root().join("config/minsky");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.yaml"),
        format!(
            "persistence:\n  backend: postgres\n  postgres:\n    connectionString: \"{}\"\n",
            server.url()
        ),
    )
    .unwrap();
    second.ok(&["import", "minsky"]);
    assert_eq!(names(&second), names(&env));
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "minsky", "--json"])).unwrap();
    assert_eq!(info["description"], "Minsky CLI");
    assert_eq!(info["url"], "https://github.com/edobry/minsky");
    // A connection that fails says so without repeating the connection string.
    let error = env.fails(
        2,
        &[
            "import",
            "minsky",
            "--postgres",
            "postgresql://u:pw-secret@127.0.0.1:1/db",
        ],
    );
    assert!(
        error.contains("cannot connect to Minsky's PostgreSQL database"),
        "{error}"
    );
    assert!(!error.contains("pw-secret"), "{error}");
}

/// A session that took its repository as `repodex:<name>` (Minsky's `--repo
/// repodex:mk`) names an entry: known when it resolves, never registered as a URL.
#[test]
fn sessions_that_name_a_repodex_entry_are_that_entry() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
    ]);
    let file = env.work().join("session-db.json");
    let sessions = serde_json::json!([
        {"session": "s1", "repoName": "mk", "repoUrl": "repodex:mk", "createdAt": "2026-11-01T00:00:00Z"},
        {"session": "s2", "repoName": "gone", "repoUrl": "repodex:nothing", "createdAt": "2026-11-02T00:00:00Z"},
    ]);
    std::fs::write(&file, sessions.to_string()).unwrap();
    let report: serde_json::Value = serde_json::from_str(&env.ok(&[
        "import",
        "minsky",
        "--json",
        file.to_str().unwrap(),
        "--output-json",
    ]))
    .unwrap();
    assert_eq!(report["known"], 1, "{report}");
    assert_eq!(report["registered"], serde_json::json!([]), "{report}");
    let skipped = report["skipped"].to_string();
    assert!(
        skipped.contains("repodex:nothing, which names no entry here"),
        "{skipped}"
    );
    assert_eq!(names(&env), vec!["edobry/minsky".to_string()]);
}

/// Today's Minsky writes backups `session-backup-<ms>.json` in its state folder, with
/// records keyed `sessionId`, and reads an object keyed by session id: both are read
/// from where Minsky puts them, and labelled by their session ids.
#[test]
fn todays_backups_from_their_default_place_in_each_shape() {
    let env = TestEnv::new();
    let state = env.root().join("state/minsky");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(
        state.join("session-backup-1764547200000.json"),
        serde_json::json!({"sessions": [
            {"sessionId": "task-md#12", "repoName": "edobry/minsky", "repoUrl": "https://github.com/edobry/minsky.git", "createdAt": "2026-11-01T00:00:00Z", "shortId": "12", "backendType": "github", "status": "done"},
            {"sessionId": "task-md#13", "repoName": "junk", "repoUrl": ".", "createdAt": "2026-11-02T00:00:00Z"},
        ], "baseDir": "/home/me/.local/state/minsky"})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        state.join("session-backup-1764633600000.json"),
        serde_json::json!({
            "task-md#14": {"repoName": "other/tool", "repoUrl": "git@gitlab.com:other/tool.git", "createdAt": "2026-11-03T00:00:00Z"},
        })
        .to_string(),
    )
    .unwrap();
    let run = env.run(&["import", "minsky"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("session-backup-1764547200000.json: session task-md#13"),
        "{}",
        run.stderr
    );
    assert_eq!(names(&env), ["edobry/minsky", "other/tool"]);
}

/// Minsky's own tables (fixtures/minsky-postgres: the DDL its migrations create, and
/// the project row migration 0047 seeds in every database): what sessions used is
/// imported; a project no session used is listed as skipped, and `--unused-projects`
/// brings it in; sessions that took `repodex:<name>` (a name with a slash too) or a
/// recorded clone of an entry (its path, or a `file://` URL of it) are that entry.
#[test]
fn minskys_own_tables_bring_only_what_sessions_used() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/minsky-postgres");
    let server = Postgres::start();
    let mut client = postgres::Client::connect(&server.url(), postgres::NoTls).unwrap();
    for file in ["schema.sql", "seed.sql"] {
        client
            .batch_execute(&std::fs::read_to_string(fixtures.join(file)).unwrap())
            .unwrap();
    }
    let env = TestEnv::new();
    env.ok(&["register", "https://github.com/team/up.git"]);
    env.ok(&[
        "register",
        "https://gitlab.com/team/api.git",
        "--alias",
        "api",
    ]);
    let upstream = env.make_repo("upstream/lib");
    env.ok(&["register", upstream.to_str().unwrap()]);
    // A clone of it, recorded by a scan.
    let checkouts = env.work().join("checkouts");
    std::fs::create_dir_all(&checkouts).unwrap();
    let clone = checkouts.join("lib");
    crate::support::git_in(
        &env,
        &checkouts,
        &["clone", "-q", upstream.to_str().unwrap(), "lib"],
    );
    env.ok(&["import", "scan", checkouts.to_str().unwrap()]);
    let clone = clone.canonicalize().unwrap();
    client
        .batch_execute(&format!(
            "INSERT INTO projects (slug, repo_url, display_name) VALUES ('team/up', 'https://github.com/team/up.git', 'Up');
             INSERT INTO sessions (session, repo_name, repo_url, created_at, project_id) VALUES
               ('s-up', 'local-repodex:team/up', 'repodex:team/up', now(), (SELECT id FROM projects WHERE slug = 'team/up')),
               ('s-api', 'local-repodex:API', 'repodex:API', now(), NULL),
               ('s-lib', 'local/lib', 'file://{clone}', now(), NULL),
               ('s-lib-path', 'local/lib', '{clone}', now(), NULL),
               ('s-tool', 'other/tool', 'https://gitlab.com/other/tool.git', now(), NULL),
               ('s-gone', 'local-repodex:gone', 'repodex:gone', now(), NULL),
               -- Migration 0047 stamped edobry/minsky on the sessions of its day.
               ('s-junk', 'local--', '.', now(), (SELECT id FROM projects WHERE slug = 'edobry/minsky')),
               ('s-word', 'minsky', 'minsky', now(), NULL);",
            clone = clone.display()
        ))
        .unwrap();
    let mut cmd = env.command(&["import", "minsky"]);
    cmd.env("MINSKY_PERSISTENCE_POSTGRES_URL", server.url());
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert_eq!(names(&env), ["lib", "other/tool", "team/api", "team/up"]);
    assert!(
        stdout.contains("10 records: 1 registered, 3 already known, 4 records skipped"),
        "{stdout}{stderr}"
    );
    for (what, reason) in [
        (
            "project edobry/minsky",
            "no session used this project's repository (Minsky's migrations add edobry/minsky to every database); --unused-projects imports it",
        ),
        ("session s-gone", "its repository is repodex:gone, which names no entry here"),
        ("session s-junk", "its repository URL '.' names no repository"),
        ("session s-word", "its repository URL 'minsky' is not a URL or an absolute path"),
    ] {
        assert!(
            stderr.contains(&format!("skipped postgres: {what}: {reason}")),
            "{what}: {stderr}"
        );
    }
    // The option brings the unused project in, named by its slug.
    let mut cmd = env.command(&["import", "minsky", "--unused-projects"]);
    cmd.env("MINSKY_PERSISTENCE_POSTGRES_URL", server.url());
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        names(&env),
        ["edobry/minsky", "lib", "other/tool", "team/api", "team/up"]
    );
    let info: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "edobry/minsky", "--json"])).unwrap();
    assert_eq!(info["description"], "Minsky");
}

/// `import minsky --help` names Minsky's variables in the order they are read.
#[test]
fn import_minsky_help_names_the_variables_in_order() {
    let env = TestEnv::new();
    let help = env.ok(&["import", "minsky", "--help"]);
    let at = |word: &str| {
        help.find(word)
            .unwrap_or_else(|| panic!("{word} is not in the help:\n{help}"))
    };
    let order = [
        "$XDG_STATE_HOME/minsky/session-db.json",
        "session-backup-<ms>.json",
        "MINSKY_PERSISTENCE_SQLITE_PATH",
        "MINSKY_SESSIONDB_SQLITE_PATH",
        "$XDG_STATE_HOME/minsky/sessions.db",
        "MINSKY_PERSISTENCE_POSTGRES_URL",
        "MINSKY_POSTGRES_URL",
        "$XDG_CONFIG_HOME/minsky/config.yaml",
    ];
    for pair in order.windows(2) {
        assert!(
            at(pair[0]) < at(pair[1]),
            "{} before {}:\n{help}",
            pair[0],
            pair[1]
        );
    }
    assert!(help.contains("--unused-projects"), "{help}");
}
