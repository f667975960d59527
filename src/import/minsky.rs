//! `repodex import minsky`: the repositories Minsky's session databases know.
//!
//! Reads every form listed in `shared/minsky-formats.md`: the JSON session database
//! (a bare array, `{"sessions": [...]}`, or a migration backup
//! `{"data": {"sessions": [...]}}`), the SQLite database's `sessions` table, and the
//! PostgreSQL `sessions` and `projects` tables. Names are derived again from the URLs
//! (never trusted from `repoName`), every spelling of one repository becomes one entry,
//! and each record that cannot name a repository is reported with the reason.

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
    /// Records whose repository is `repodex:<name>`: `(origin, name)`, an entry to
    /// resolve, never a URL to register.
    pub references: Vec<(String, String)>,
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
    let sessions = match &document {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(o) => match (o.get("sessions"), o.get("data").and_then(|d| d.get("sessions"))) {
            (Some(serde_json::Value::Array(list)), _) | (None, Some(serde_json::Value::Array(list))) => list,
            _ => return Err(bad("has no sessions (expected an array, {\"sessions\": [...]} or a backup's {\"data\": {\"sessions\": [...]}})".into())),
        },
        _ => return Err(bad("is not a Minsky session database".into())),
    };
    Ok(sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let field = |k: &str| s.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let id = field("session").unwrap_or_else(|| format!("#{}", i + 1));
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
            reason: crate::error::one_line(&e),
        })
    })?;
    let bad = |e: postgres::Error| {
        Error::from(ImportError::Postgres {
            action: "read",
            reason: crate::error::one_line(&e),
        })
    };
    let mut records = Vec::new();
    let has_projects = client
        .query_one("SELECT to_regclass('projects') IS NOT NULL", &[])
        .map_err(bad)?
        .get::<_, bool>(0);
    let sessions = if has_projects {
        "SELECT s.session::text, s.repo_url::text, p.slug::text, p.display_name::text \
         FROM sessions s LEFT JOIN projects p ON p.id = s.project_id"
    } else {
        "SELECT session::text, repo_url::text, NULL::text, NULL::text FROM sessions"
    };
    for row in client.query(sessions, &[]).map_err(bad)? {
        records.push(Record {
            origin: format!(
                "postgres: session {}",
                row.get::<_, Option<String>>(0).unwrap_or_default()
            ),
            repo_url: row.get(1),
            slug: row.get(2),
            display_name: row.get(3),
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

/// Turn records into one repository per URL identity, and the reasons for the rest.
pub fn plan(records: Vec<Record>) -> Plan {
    let mut plan = Plan::default();
    for record in records {
        let raw = record
            .repo_url
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if let Some(name) = crate::url::entry_reference(raw) {
            plan.references.push((record.origin, name.to_string()));
            continue;
        }
        let url = match repository_of(record.repo_url.as_deref()) {
            Ok(url) => url,
            Err(reason) => {
                plan.skipped.push((record.origin, reason));
                continue;
            }
        };
        let repository = plan
            .repositories
            .entry(url.identity_key())
            .or_insert_with(|| Repository {
                url: url.clone(),
                slug: None,
                display_name: None,
                records: 0,
            });
        repository.records += 1;
        repository.slug = repository.slug.take().or(record.slug);
        repository.display_name = repository.display_name.take().or(record.display_name);
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

/// Where Minsky keeps its data when no source is given: the JSON and SQLite session
/// databases under `$XDG_STATE_HOME/minsky/` (when they exist), and `MINSKY_POSTGRES_URL`.
pub fn default_sources(ctx: &crate::Context) -> (Vec<PathBuf>, Vec<PathBuf>, Option<String>) {
    let state = Some(ctx.minsky_state_dir());
    let existing = |name: &str| {
        state
            .iter()
            .map(|s| s.join(name))
            .filter(|p| p.is_file())
            .collect::<Vec<_>>()
    };
    let postgres = ctx.minsky_postgres_url();
    (
        existing("session-db.json"),
        existing("sessions.db"),
        postgres,
    )
}
