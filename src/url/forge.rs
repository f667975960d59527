//! What repodex knows of the forges: which hosts name repositories `owner/repo`, which
//! compare those names without regard to case, and which path of a page in a browser
//! is the repository itself.

/// A forge whose URLs repodex understands beyond git's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    GitHub,
    /// gitlab.com: groups and subgroups, and `/-/` before every page of a project.
    GitLab,
    /// Codeberg and gitea.com (Gitea, Forgejo).
    Gitea,
    Bitbucket,
    /// git.sr.ht: `~owner/repo`.
    SourceHut,
}

/// The forges' hosts, in lower case, without `www.`.
const HOSTS: &[(&str, Forge)] = &[
    ("github.com", Forge::GitHub),
    ("gitlab.com", Forge::GitLab),
    ("codeberg.org", Forge::Gitea),
    ("gitea.com", Forge::Gitea),
    ("bitbucket.org", Forge::Bitbucket),
    ("git.sr.ht", Forge::SourceHut),
];

impl Forge {
    /// The forge at `host` (lower case; `www.` is folded).
    pub fn at(host: &str) -> Option<Forge> {
        let host = host.strip_prefix("www.").unwrap_or(host);
        HOSTS.iter().find(|(h, _)| *h == host).map(|(_, f)| *f)
    }

    /// The hosts of the forges repodex knows, for messages.
    pub fn hosts() -> Vec<&'static str> {
        HOSTS.iter().map(|(h, _)| *h).collect()
    }

    /// Its host, for the shorthands that name it (`github:owner/repo`).
    pub fn host(self) -> &'static str {
        HOSTS
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(h, _)| *h)
            .expect("every forge has a host")
    }

    /// Are owner and repository names the same whatever their case? GitHub, GitLab,
    /// Gitea and Bitbucket answer `Owner/Repo` and `owner/repo` with one repository;
    /// sourcehut's repository names are case-sensitive.
    pub fn folds_case(self) -> bool {
        !matches!(self, Forge::SourceHut)
    }

    /// The repository part of a path on this forge (segments, without a `.git`
    /// suffix), and what follows it when the path is a page of the repository in a
    /// browser (`tree/main/src`), or `None` when the path is the repository itself.
    pub fn split_browser_path(self, segments: &[&str]) -> Option<(usize, String)> {
        let repo_len = match self {
            // Repositories are exactly owner/repo.
            Forge::GitHub | Forge::Gitea | Forge::Bitbucket | Forge::SourceHut => 2,
            // Groups nest; a project's pages are under `/-/`.
            Forge::GitLab => segments.iter().position(|s| *s == "-")?,
        };
        (segments.len() > repo_len && repo_len >= 2)
            .then(|| (repo_len, segments[repo_len..].join("/")))
    }

    /// The npm-style shorthand `github:owner/repo` and its kin.
    pub fn of_shorthand(prefix: &str) -> Option<Forge> {
        match prefix {
            "github" => Some(Forge::GitHub),
            "gitlab" => Some(Forge::GitLab),
            "bitbucket" => Some(Forge::Bitbucket),
            _ => None,
        }
    }
}

/// What a team declares one of its own servers to be (`hosts` in `registry.toml`): the
/// software it runs, which says how a repository's URL maps to its page and its
/// `owner/repo`. Every kind compares names without regard to case, as the public
/// forges do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// GitHub Enterprise Server: `owner/repo`, as github.com.
    GitHub,
    /// A self-managed GitLab: groups and subgroups, as gitlab.com.
    GitLab,
    /// Gitea or Forgejo: `owner/repo`, possibly below a folder of the server.
    Gitea,
    /// Bitbucket Server or Data Center: `/scm/PROJECT/repo.git` over https,
    /// `/PROJECT/repo.git` over ssh, and pages under `/projects/PROJECT/repos/repo`.
    BitbucketServer,
    /// None of those, or one repodex does not know: names ignore case there, and that
    /// is all repodex knows (what `case_insensitive_hosts` declared).
    CaseInsensitive,
}

/// The kinds as `hosts` spells them; `forgejo` is Gitea's other name.
const KINDS: &[(&str, HostKind)] = &[
    ("github", HostKind::GitHub),
    ("gitlab", HostKind::GitLab),
    ("gitea", HostKind::Gitea),
    ("forgejo", HostKind::Gitea),
    ("bitbucket-server", HostKind::BitbucketServer),
    ("case-insensitive", HostKind::CaseInsensitive),
];

impl HostKind {
    /// The kind `name` spells (`gitlab`, `bitbucket-server`), in any case.
    pub fn parse(name: &str) -> Option<HostKind> {
        let name = name.trim().to_ascii_lowercase();
        KINDS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }

    /// Every spelling `hosts` takes, for messages.
    pub fn spellings() -> impl Iterator<Item = &'static str> {
        KINDS.iter().map(|(n, _)| *n)
    }
}
