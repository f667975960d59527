//! git's transport policy, as the git that runs repodex's remote helper applies it: which
//! protocols it may use (`GIT_ALLOW_PROTOCOL`, `protocol.<name>.allow`, `protocol.allow`,
//! `GIT_PROTOCOL_FROM_USER`) and how it rewrites URLs (`url.<base>.insteadOf`,
//! `url.<base>.pushInsteadOf`).
//!
//! git checks the `repodex` transport itself; the URL the helper then uses is the
//! helper's to check, exactly as git would for that URL given to it directly. The
//! settings are read by asking git (`git config`), which sees what the calling git sees:
//! its `-c` settings (`GIT_CONFIG_PARAMETERS`) and the repository (`GIT_DIR`). gix's
//! configuration snapshot knows these keys too, but not `GIT_CONFIG_PARAMETERS`, and
//! keeps its policy check to itself.

use std::collections::BTreeMap;

use crate::Result;

/// Which way a URL is used: `pushInsteadOf` applies only to pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Fetch,
    Push,
}

/// The transports repodex hands to git (and never a command-running one).
pub const TRANSPORTS: [&str; 5] = ["file", "git", "http", "https", "ssh"];

/// git's transport policy and URL rewrites, as read once.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `GIT_ALLOW_PROTOCOL`: when set, the only protocols allowed.
    allow_protocol: Option<String>,
    /// `GIT_PROTOCOL_FROM_USER` read as git reads it (unset: true).
    from_user: bool,
    /// `protocol.allow`.
    default: Option<String>,
    /// `protocol.<name>.allow`, by name.
    per_protocol: BTreeMap<String, String>,
    /// `url.<base>.insteadOf`: (prefix, base).
    instead_of: Vec<(String, String)>,
    /// `url.<base>.pushInsteadOf`: (prefix, base).
    push_instead_of: Vec<(String, String)>,
}

impl Policy {
    /// The policy of the calling git: `allow_protocol` and `from_user` are the values of
    /// `GIT_ALLOW_PROTOCOL` and `GIT_PROTOCOL_FROM_USER` (which the context reads), the
    /// rest from `git config`.
    pub fn of_calling_git(
        allow_protocol: Option<String>,
        from_user: Option<String>,
    ) -> Result<Policy> {
        let settings = super::command::transport_settings()?;
        Ok(Policy::from_settings(allow_protocol, from_user, &settings))
    }

    /// The policy from its parts: `settings` are `(key, value)` pairs as `git config`
    /// lists them (section and key in lower case).
    pub fn from_settings(
        allow_protocol: Option<String>,
        from_user: Option<String>,
        settings: &[(String, String)],
    ) -> Policy {
        let mut policy = Policy {
            allow_protocol,
            from_user: from_user.as_deref().is_none_or(git_bool),
            ..Policy::default()
        };
        for (key, value) in settings {
            if key == "protocol.allow" {
                policy.default = Some(value.clone());
            } else if let Some(name) = key
                .strip_prefix("protocol.")
                .and_then(|rest| rest.strip_suffix(".allow"))
            {
                policy
                    .per_protocol
                    .insert(name.to_ascii_lowercase(), value.clone());
            } else if let Some(base) = key
                .strip_prefix("url.")
                .and_then(|rest| rest.strip_suffix(".pushinsteadof"))
            {
                policy
                    .push_instead_of
                    .push((value.clone(), base.to_string()));
            } else if let Some(base) = key
                .strip_prefix("url.")
                .and_then(|rest| rest.strip_suffix(".insteadof"))
            {
                policy.instead_of.push((value.clone(), base.to_string()));
            }
        }
        policy
    }

    /// `url` as git uses it for `direction`: the longest matching `insteadOf` prefix (for
    /// a push, `pushInsteadOf` first) replaced by its base.
    pub fn rewrite(&self, url: &str, direction: Direction) -> String {
        let longest = |rules: &[(String, String)]| {
            rules
                .iter()
                .filter(|(prefix, _)| url.starts_with(prefix.as_str()))
                .max_by_key(|(prefix, _)| prefix.len())
                .map(|(prefix, base)| format!("{base}{}", &url[prefix.len()..]))
        };
        let pushed = match direction {
            Direction::Push => longest(&self.push_instead_of),
            Direction::Fetch => None,
        };
        pushed
            .or_else(|| longest(&self.instead_of))
            .unwrap_or_else(|| url.to_string())
    }

    /// May git use `protocol` here? `Err` says which setting forbids it.
    pub fn check(&self, protocol: &str) -> std::result::Result<(), String> {
        if let Some(list) = &self.allow_protocol {
            return if list.split(':').any(|p| p == protocol) {
                Ok(())
            } else {
                Err(format!("GIT_ALLOW_PROTOCOL is {list}"))
            };
        }
        let (key, value) = match (self.per_protocol.get(protocol), &self.default) {
            (Some(value), _) => (format!("protocol.{protocol}.allow"), value.as_str()),
            (None, Some(value)) => ("protocol.allow".to_string(), value.as_str()),
            (None, None) => match protocol {
                "file" | "git" | "http" | "https" | "ssh" => return Ok(()),
                "ext" => return Err(format!("git never allows {protocol} by default")),
                _ => ("its default".to_string(), "user"),
            },
        };
        match value {
            "always" => Ok(()),
            "never" => Err(format!("{key} is never")),
            "user" if self.from_user => Ok(()),
            "user" => Err(format!("{key} is user, and GIT_PROTOCOL_FROM_USER is 0")),
            other => Err(format!("{key} is '{other}', which git does not know")),
        }
    }

    /// The transports of [`TRANSPORTS`] this policy allows, as a `GIT_ALLOW_PROTOCOL`
    /// value for the git the helper runs: the user's policy, and never a transport
    /// that runs commands.
    pub fn allowed_transports(&self) -> String {
        TRANSPORTS
            .iter()
            .filter(|p| self.check(p).is_ok())
            .copied()
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// The protocol git would use for `url`: its scheme, the transport of `<transport>::`,
/// `ssh` for `host:path`, `file` for a path.
pub fn protocol_of(url: &str) -> String {
    if let Some((scheme, _)) = url.split_once("://") {
        if !scheme.contains(['/', ':']) {
            return scheme.to_ascii_lowercase();
        }
    }
    if let Some((transport, _)) = url.split_once("::") {
        if !transport.contains(['/', ':']) && !transport.is_empty() {
            return transport.to_ascii_lowercase();
        }
    }
    match (url.find(':'), url.find('/')) {
        (Some(colon), Some(slash)) if colon < slash => "ssh".into(),
        (Some(_), None) => "ssh".into(),
        _ => "file".into(),
    }
}

/// A boolean as git reads one from the environment.
fn git_bool(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off" | ""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(settings: &[(&str, &str)]) -> Policy {
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Policy::from_settings(None, None, &settings)
    }

    #[test]
    fn the_policy_is_git_s() {
        let p = policy(&[("protocol.file.allow", "never")]);
        assert_eq!(p.check("file"), Err("protocol.file.allow is never".into()));
        assert_eq!(p.check("https"), Ok(()));
        assert_eq!(p.allowed_transports(), "git:http:https:ssh");
        let p = policy(&[
            ("protocol.allow", "never"),
            ("protocol.https.allow", "always"),
        ]);
        assert!(p.check("git").is_err() && p.check("https").is_ok());
        let p = Policy::from_settings(Some("https:repodex".into()), None, &[]);
        assert_eq!(
            p.check("file"),
            Err("GIT_ALLOW_PROTOCOL is https:repodex".into())
        );
        let p = Policy::from_settings(
            None,
            Some("0".into()),
            &[("protocol.ssh.allow".into(), "user".into())],
        );
        assert!(p.check("ssh").is_err() && p.check("git").is_ok());
        assert!(policy(&[]).check("ext").is_err());
    }

    #[test]
    fn rewrites_take_the_longest_prefix_and_push_rules_first() {
        let p = policy(&[
            ("url.https://a/.insteadof", "git://h/"),
            ("url.https://b/x/.insteadof", "git://h/x/"),
            ("url.ssh://c/.pushinsteadof", "git://h/"),
        ]);
        assert_eq!(
            p.rewrite("git://h/x/r.git", Direction::Fetch),
            "https://b/x/r.git"
        );
        assert_eq!(
            p.rewrite("git://h/y.git", Direction::Fetch),
            "https://a/y.git"
        );
        assert_eq!(p.rewrite("git://h/y.git", Direction::Push), "ssh://c/y.git");
        assert_eq!(p.rewrite("https://z/r", Direction::Fetch), "https://z/r");
    }

    #[test]
    fn protocols_of_urls() {
        assert_eq!(protocol_of("https://h/r"), "https");
        assert_eq!(protocol_of("file:///srv/r"), "file");
        assert_eq!(protocol_of("/srv/r"), "file");
        assert_eq!(protocol_of("git@h:r.git"), "ssh");
        assert_eq!(protocol_of("ext::ssh h"), "ext");
    }
}
