//! `repodex import minsky`: the repositories Minsky's session databases know.
//!
//! Reads every form listed in `shared/minsky-formats.md`: the JSON session database
//! (a bare array, `{"sessions": [...]}`, or a migration backup
//! `{"data": {"sessions": [...]}}`), the SQLite database's `sessions` table, and the
//! PostgreSQL `sessions` and `projects` tables. Names are derived again from the URLs
//! (never trusted from `repoName`), every spelling of one repository becomes one entry,
//! and each record that cannot name a repository is reported with the reason. What the
//! registry already knows (`repodex:<name>`, a recorded clone) is asked of the caller,
//! since this module does not read the registry; a `projects` row counts only when a
//! session used its repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::ImportError;
use crate::url::{quote, GitUrl};
use crate::{Error, Result};

/// Largest JSON session database read.
pub const MAX_JSON_SIZE: u64 = 256 * 1024 * 1024;

/// One session (or project) record, as read from a database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Where it came from, for reports: `session-db.json: session abc`.
    pub origin: String,
    pub repo_url: Option<String>,
    /// From PostgreSQL's `projects` table, when the session has a project.
    pub slug: Option<String>,
    pub display_name: Option<String>,
    /// A row of PostgreSQL's `projects` table, not a session: it says a repository was
    /// set up, not that anyone worked in it (migration 0047 puts `edobry/minsky` in
    /// every database).
    pub project: bool,
}

/// What the registry says of a session's `repoUrl`, asked by [`plan`] before the URL is
/// read as a repository to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// It names this entry (`repodex:<name>`, a recorded clone of it, a `file://` URL
    /// of one): the entry's name and the identity key of its URL.
    Entry { name: String, key: Option<String> },
    /// It is `repodex:<name>` and names no entry: why.
    Missing(String),
}

/// A repository the records name, with everything they say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Repository {
    pub url: GitUrl,
    /// Minsky's project slug, used as the name when it is a valid one.
    pub slug: Option<String>,
    pub display_name: Option<String>,
    /// How many records named it.
    pub records: usize,
}

/// What the records amount to.
#[derive(Debug, Default)]
pub struct Plan {
    /// One per repository, by URL identity.
    pub repositories: BTreeMap<String, Repository>,
    /// Records that name no repository, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Entries the records name (by `repodex:<name>`, or as a clone of the entry), with
    /// how many records named each: known already, never registered again.
    pub entries: BTreeMap<String, usize>,
}

/// Read the JSON session database in any of its three shapes.
pub fn read_json(path: &Path) -> Result<Vec<Record>> {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = read_limited(path, MAX_JSON_SIZE)?;
    let bad = |problem: String| {
        Error::from(ImportError::MinskyData {
            origin: path.display().to_string(),
            problem,
        })
    };
    let document: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("is not valid JSON (line {}: {e})", e.line())))?;
    // `(key, record)`: the key of an object keyed by session id (`minsky ... --from`),
    // else none.
    let keyed: Vec<(Option<&String>, &serde_json::Value)> = match &document {
        serde_json::Value::Array(list) => list.iter().map(|s| (None, s)).collect(),
        serde_json::Value::Object(o) => match (o.get("sessions"), o.get("data").and_then(|d| d.get("sessions"))) {
            (Some(serde_json::Value::Array(list)), _) | (None, Some(serde_json::Value::Array(list))) => {
                list.iter().map(|s| (None, s)).collect()
            }
            (None, None) if !o.is_empty() && o.values().all(|v| v.get("repoUrl").is_some() || v.get("repoName").is_some()) => {
                o.iter().map(|(k, s)| (Some(k), s)).collect()
            }
            _ => return Err(bad("has no sessions (expected an array, {\"sessions\": [...]}, an object keyed by session id, or a backup's {\"data\": {\"sessions\": [...]}})".into())),
        },
        _ => return Err(bad("is not a Minsky session database".into())),
    };
    Ok(keyed
        .into_iter()
        .enumerate()
        .map(|(i, (key, s))| {
            let field = |k: &str| s.get(k).and_then(|v| v.as_str()).map(str::to_string);
            // Today's backups key records by `sessionId`; older files by `session`.
            let id = field("sessionId")
                .or_else(|| field("session"))
                .or_else(|| key.cloned())
                .unwrap_or_else(|| format!("#{}", i + 1));
            Record {
                origin: format!("{label}: session {id}"),
                repo_url: field("repoUrl"),
                ..Record::default()
            }
        })
        .collect())
}

/// Read the SQLite session database's `sessions` table.
pub fn read_sqlite(path: &Path) -> Result<Vec<Record>> {
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad = |problem: String| {
        Error::from(ImportError::MinskyData {
            origin: path.display().to_string(),
            problem,
        })
    };
    if !path.is_file() {
        return Err(bad("does not exist".into()));
    }
    let db =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| bad(format!("cannot be opened as SQLite ({e})")))?;
    let mut statement = db
        .prepare("SELECT session, repoUrl FROM sessions")
        .map_err(|e| bad(format!("has no readable sessions table ({e})")))?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, Option<String>>(0)?,
                row.get::<_, Option<String>>(1)?,
            ))
        })
        .map_err(|e| bad(format!("cannot be read ({e})")))?;
    let mut records = Vec::new();
    for row in rows {
        let (session, repo_url) =
            row.map_err(|e| bad(format!("has a row that cannot be read ({e})")))?;
        records.push(Record {
            origin: format!("{label}: session {}", session.unwrap_or_default()),
            repo_url,
            ..Record::default()
        });
    }
    Ok(records)
}

/// Read PostgreSQL's `sessions` (with their projects) and `projects` tables. The
/// connection string is never repeated in messages: it may hold a password.
pub fn read_postgres(url: &str) -> Result<Vec<Record>> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| {
        Error::from(ImportError::Postgres {
            action: "connect to",
            reason: crate::text::one_line(&e),
        })
    })?;
    let bad = |e: postgres::Error| {
        Error::from(ImportError::Postgres {
            action: "read",
            reason: crate::text::one_line(&e),
        })
    };
    let mut records = Vec::new();
    let has_projects = client
        .query_one("SELECT to_regclass('projects') IS NOT NULL", &[])
        .map_err(bad)?
        .get::<_, bool>(0);
    let sessions = if has_projects {
        "SELECT s.session::text, s.repo_url::text, p.slug::text, p.display_name::text, \
         p.repo_url::text FROM sessions s LEFT JOIN projects p ON p.id = s.project_id"
    } else {
        "SELECT session::text, repo_url::text, NULL::text, NULL::text, NULL::text FROM sessions"
    };
    for row in client.query(sessions, &[]).map_err(bad)? {
        let repo_url: Option<String> = row.get(1);
        let project_url: Option<String> = row.get(4);
        // A migration stamped the project `edobry/minsky` on every session of its day,
        // whatever its repository: the project names the session's repository only
        // when the project's own URL is the session's.
        let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => match (crate::url::interpret(a), crate::url::interpret(b)) {
                (Ok(a), Ok(b)) => a.url.identity_key() == b.url.identity_key(),
                _ => false,
            },
            _ => false,
        };
        let trusted = same(&repo_url, &project_url);
        records.push(Record {
            origin: format!(
                "postgres: session {}",
                row.get::<_, Option<String>>(0).unwrap_or_default()
            ),
            slug: if trusted { row.get(2) } else { None },
            display_name: if trusted { row.get(3) } else { None },
            repo_url,
            project: false,
        });
    }
    if has_projects {
        for row in client
            .query(
                "SELECT slug::text, repo_url::text, display_name::text FROM projects",
                &[],
            )
            .map_err(bad)?
        {
            let slug: Option<String> = row.get(0);
            records.push(Record {
                origin: format!("postgres: project {}", slug.clone().unwrap_or_default()),
                repo_url: row.get(1),
                slug,
                display_name: row.get(2),
                project: true,
            });
        }
    }
    Ok(records)
}

fn read_limited(path: &Path, max: u64) -> Result<String> {
    use std::io::Read;
    // A file the user named that cannot be read is bad input, as for `import file`.
    let unreadable = |e: std::io::Error| ImportError::CannotRead {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut text = String::new();
    file.take(max)
        .read_to_string(&mut text)
        .map_err(unreadable)?;
    Ok(text)
}

/// Turn records into one repository per URL identity (by `rules`), and the reasons for
/// the rest. `known` answers for a `repoUrl` the registry already knows as an entry. A
/// project row counts only when a session used its repository, or with
/// `unused_projects`; otherwise it is skipped, with that reason.
pub fn plan(
    records: Vec<Record>,
    rules: &crate::url::Rules,
    unused_projects: bool,
    known: &mut dyn FnMut(&str) -> Option<Known>,
) -> Plan {
    let mut plan = Plan::default();
    // The identity keys of the repositories sessions used.
    let mut used = std::collections::BTreeSet::new();
    // The identity key of each entry named, to fold a URL of it into the entry.
    let mut entry_keys = BTreeMap::new();
    let (sessions, projects): (Vec<Record>, Vec<Record>) =
        records.into_iter().partition(|r| !r.project);
    for (record, is_project) in sessions
        .into_iter()
        .map(|r| (r, false))
        .chain(projects.into_iter().map(|r| (r, true)))
    {
        let raw = record
            .repo_url
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        let unused = |key: &Option<String>| {
            is_project && !unused_projects && !key.as_ref().is_some_and(|k| used.contains(k))
        };
        let unused_reason = || {
            "no session used this project's repository (Minsky's migrations add edobry/minsky to every database); --unused-projects imports it".to_string()
        };
        match known(raw) {
            Some(Known::Entry { name, key }) => {
                if unused(&key) {
                    plan.skipped.push((record.origin, unused_reason()));
                    continue;
                }
                if let Some(key) = key {
                    if !is_project {
                        used.insert(key.clone());
                    }
                    entry_keys.insert(key, name.clone());
                }
                *plan.entries.entry(name).or_default() += 1;
                continue;
            }
            Some(Known::Missing(reason)) => {
                plan.skipped.push((record.origin, reason));
                continue;
            }
            None => {}
        }
        let url = match repository_of(record.repo_url.as_deref()) {
            Ok(url) => url,
            Err(reason) => {
                plan.skipped.push((record.origin, reason));
                continue;
            }
        };
        let key = url.identity_key_in(rules);
        if unused(&Some(key.clone())) {
            plan.skipped.push((record.origin, unused_reason()));
            continue;
        }
        if !is_project {
            used.insert(key.clone());
        }
        let repository = plan.repositories.entry(key).or_insert_with(|| Repository {
            url: url.clone(),
            slug: None,
            display_name: None,
            records: 0,
        });
        repository.records += 1;
        repository.slug = repository.slug.take().or(record.slug);
        repository.display_name = repository.display_name.take().or(record.display_name);
    }
    // A URL of an entry that other records named is that entry, not one more to register.
    for (key, name) in entry_keys {
        if let Some(repository) = plan.repositories.remove(&key) {
            *plan.entries.entry(name).or_default() += repository.records;
        }
    }
    plan
}

/// The repository a `repoUrl` names, or why it names none.
fn repository_of(repo_url: Option<&str>) -> std::result::Result<GitUrl, String> {
    let raw = repo_url.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err("has no repository URL".into());
    }
    if raw == "." || raw == "/" || raw == ".." {
        return Err(format!(
            "its repository URL {} names no repository",
            quote(raw)
        ));
    }
    let looks_local = raw.starts_with('/') || raw.starts_with("file://");
    if !looks_local && !crate::url::looks_like_url(raw) {
        return Err(format!(
            "its repository URL {} is not a URL or an absolute path",
            quote(raw)
        ));
    }
    let parsed = crate::url::interpret(raw).map_err(|e| e.to_string())?;
    if let Some(path) = parsed.url.local_path() {
        if !crate::git::Repo::exists_at(&PathBuf::from(path)) {
            return Err(format!(
                "its local repository {} no longer exists or is not a git repository",
                quote(path)
            ));
        }
    }
    // A secret in a session's URL is not carried over.
    Ok(parsed.url)
}

/// Where Minsky keeps its data when no source is given: the JSON session database and
/// the backups `session-backup-<ms>.json` in `$XDG_STATE_HOME/minsky/`, the SQLite
/// database there or where `MINSKY_PERSISTENCE_SQLITE_PATH` (or
/// `MINSKY_SESSIONDB_SQLITE_PATH`) says, and PostgreSQL at
/// `MINSKY_PERSISTENCE_POSTGRES_URL` (or `MINSKY_POSTGRES_URL`), else at
/// `persistence.postgres.connectionString` in `~/.config/minsky/config.yaml`.
pub fn default_sources(ctx: &crate::Context) -> (Vec<PathBuf>, Vec<PathBuf>, Option<String>) {
    let state = ctx.minsky_state_dir();
    let mut json: Vec<PathBuf> = [state.join("session-db.json")]
        .into_iter()
        .filter(|p| p.is_file())
        .collect();
    let mut backups: Vec<PathBuf> = std::fs::read_dir(&state)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("session-backup-") && n.ends_with(".json"))
                && p.is_file()
        })
        .collect();
    backups.sort();
    json.extend(backups);
    let sqlite = ctx
        .minsky_sqlite_path()
        .unwrap_or_else(|| state.join("sessions.db"));
    let sqlite: Vec<PathBuf> = [sqlite].into_iter().filter(|p| p.is_file()).collect();
    let postgres = ctx.minsky_postgres_url().or_else(|| {
        let config = std::fs::read_to_string(ctx.minsky_config_file()).ok()?;
        yaml_scalar(&config, &["persistence", "postgres", "connectionString"])
    });
    (json, sqlite, postgres)
}

/// The string at `path` in Minsky's YAML config (`persistence.postgres.connectionString`);
/// `None` when the file does not parse or has no such string.
fn yaml_scalar(text: &str, path: &[&str]) -> Option<String> {
    let documents = yaml_rust2::YamlLoader::load_from_str(text).ok()?;
    let mut node = documents.first()?;
    for key in path {
        node = &node[*key];
    }
    node.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::yaml_scalar;

    #[test]
    fn the_postgres_url_is_read_from_minskys_config() {
        let config = "# Minsky\nbackend: github\npersistence:\n  backend: postgres\n  sqlite:\n    dbPath: /x\n  postgres:\n    connectionString: \"postgresql://u:p@db:5432/minsky\"\n    pool: 4\nother:\n  postgres:\n    connectionString: nope\n";
        let path = ["persistence", "postgres", "connectionString"];
        assert_eq!(
            yaml_scalar(config, &path).as_deref(),
            Some("postgresql://u:p@db:5432/minsky")
        );
        assert_eq!(yaml_scalar("persistence:\n  backend: json\n", &path), None);
        assert_eq!(
            yaml_scalar("other:\n  postgres:\n    connectionString: nope\n", &path),
            None
        );
        // Any YAML: flow style and comments too.
        assert_eq!(
            yaml_scalar(
                "persistence: {postgres: {connectionString: 'postgresql://x/y'}} # flow\n",
                &path
            )
            .as_deref(),
            Some("postgresql://x/y")
        );
        assert_eq!(yaml_scalar("persistence: [unclosed\n", &path), None);
    }
}
