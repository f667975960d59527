//! A registry's own URL rules: the hosts its team declares in `registry.toml`.

use super::HostKind;

/// A registry's own additions to the URL rules: the hosts its team declares (`hosts` in
/// `registry.toml`, and the older `case_insensitive_hosts`), such as a self-hosted
/// GitLab or Gitea. A declared host compares names without regard to case, and one
/// declared as a kind of forge has pages and `owner/repo` as that forge does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// Each declared host, in lower case, with its kind.
    hosts: Vec<(String, HostKind)>,
}

impl Rules {
    /// Hosts declared case-insensitive and nothing more.
    pub fn with_case_insensitive_hosts(hosts: &[String]) -> Rules {
        Rules::declared(std::iter::empty(), hosts)
    }

    /// The hosts `kinds` declares, and the hosts of the older `case_insensitive`
    /// list that `kinds` does not name, as [`HostKind::CaseInsensitive`].
    pub fn declared<'a>(
        kinds: impl IntoIterator<Item = (&'a str, HostKind)>,
        case_insensitive: &[String],
    ) -> Rules {
        let mut hosts: Vec<(String, HostKind)> = kinds
            .into_iter()
            .map(|(host, kind)| (host.to_ascii_lowercase(), kind))
            .collect();
        for host in case_insensitive {
            let host = host.to_ascii_lowercase();
            if !hosts.iter().any(|(h, _)| *h == host) {
                hosts.push((host, HostKind::CaseInsensitive));
            }
        }
        Rules { hosts }
    }

    /// What `host` (lower case) is declared to be, if anything.
    pub fn kind_of(&self, host: &str) -> Option<HostKind> {
        self.hosts.iter().find(|(h, _)| h == host).map(|(_, k)| *k)
    }

    pub(super) fn folds_case(&self, host: &str) -> bool {
        self.kind_of(host).is_some()
    }

    /// These rules, and `other`'s for the hosts these do not declare.
    pub fn or(mut self, other: &Rules) -> Rules {
        for (host, kind) in &other.hosts {
            if self.kind_of(host).is_none() {
                self.hosts.push((host.clone(), *kind));
            }
        }
        self
    }
}
