//! A repository's page in a browser and its `owner/repo`, on the public forges and on
//! the servers a registry declares.

use super::{Forge, GitUrl, HostKind, Rules, Scheme};

/// Whose URL shapes a repository's page and `owner/repo` follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A public forge repodex knows by its host.
    Public(Forge),
    /// A server its registry declares (never [`HostKind::CaseInsensitive`]).
    Declared(HostKind),
}

impl GitUrl {
    /// `owner/repo` (or `group/subgroup/repo`) on the forges that name repositories
    /// so ([`Forge`]): what tools that take a forge repository want
    /// (`--github-repo owner/repo`). `None` on other hosts.
    pub fn forge_path(&self) -> Option<String> {
        self.forge_path_in(&Rules::default())
    }

    /// The repository's page in a browser, on the forges of [`GitUrl::forge_path`].
    pub fn web_url(&self) -> Option<String> {
        self.web_url_in(&Rules::default())
    }

    /// [`GitUrl::forge_path`] on the public forges and on the servers `rules` declares
    /// as a kind of forge: a GitHub Enterprise or Gitea repository's last two segments,
    /// a GitLab project's groups and name, a Bitbucket Server repository's project key
    /// (upper case, as Bitbucket shows it) and slug, `~user/repo` for a personal one.
    pub fn forge_path_in(&self, rules: &Rules) -> Option<String> {
        let segments = self.path_segments();
        let n = segments.len();
        match self.shape(rules)? {
            Shape::Public(_) | Shape::Declared(HostKind::GitLab) => {
                (n >= 2).then(|| segments.join("/"))
            }
            Shape::Declared(HostKind::BitbucketServer) => {
                let (_, owner, repo) = self.bitbucket_server_parts()?;
                Some(format!("{}/{repo}", bitbucket_owner(owner)))
            }
            Shape::Declared(_) => (n >= 2).then(|| segments[n - 2..].join("/")),
        }
    }

    /// [`GitUrl::web_url`] on the public forges and on the servers `rules` declares: on
    /// a declared server the page is on the server the URL names, over https (or over
    /// http, with the port, when that is how the repository is fetched).
    pub fn web_url_in(&self, rules: &Rules) -> Option<String> {
        let host = self.host.as_deref()?;
        match self.shape(rules)? {
            Shape::Public(_) => Some(format!(
                "https://{}/{}",
                host.strip_prefix("www.").unwrap_or(host),
                self.forge_path_in(rules)?
            )),
            Shape::Declared(HostKind::BitbucketServer) => {
                let (context, owner, repo) = self.bitbucket_server_parts()?;
                let mut page = self.web_origin(host);
                for segment in context {
                    page.push('/');
                    page.push_str(segment);
                }
                match owner.strip_prefix('~') {
                    Some(user) => page.push_str(&format!("/users/{user}/repos/{repo}")),
                    None => page.push_str(&format!(
                        "/projects/{}/repos/{repo}",
                        owner.to_ascii_uppercase()
                    )),
                }
                Some(page)
            }
            Shape::Declared(_) => {
                let segments = self.path_segments();
                (segments.len() >= 2)
                    .then(|| format!("{}/{}", self.web_origin(host), segments.join("/")))
            }
        }
    }

    /// Whose URL shapes this repository's page follows, if anyone's.
    fn shape(&self, rules: &Rules) -> Option<Shape> {
        let host = self.host.as_deref()?;
        if let Some(forge) = Forge::at(host) {
            return Some(Shape::Public(forge));
        }
        match rules.kind_of(host)? {
            HostKind::CaseInsensitive => None,
            kind => Some(Shape::Declared(kind)),
        }
    }

    /// `https://host` for a page on a self-hosted server; an `http://` URL keeps its
    /// scheme, and a web URL its port (an ssh port says nothing of the web server's).
    fn web_origin(&self, host: &str) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            _ => "https",
        };
        let port = match self.scheme {
            Scheme::Https | Scheme::Http => {
                self.port.filter(|p| Some(*p) != self.scheme.default_port())
            }
            _ => None,
        };
        match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }

    /// A Bitbucket Server repository's parts: the server's own folder (its context
    /// path, before `scm/` in a web URL), the project key or `~user`, and the slug.
    fn bitbucket_server_parts(&self) -> Option<(Vec<&str>, &str, &str)> {
        let segments = self.path_segments();
        let web = matches!(self.scheme, Scheme::Https | Scheme::Http);
        let (context, rest) = match segments.iter().position(|s| *s == "scm") {
            Some(i) if web => (segments[..i].to_vec(), &segments[i + 1..]),
            _ => (Vec::new(), &segments[..]),
        };
        match rest {
            [owner, repo] => Some((context, *owner, *repo)),
            _ => None,
        }
    }
}

/// A Bitbucket Server owner as Bitbucket shows it: a project key in upper case, a
/// personal `~user` as written.
fn bitbucket_owner(owner: &str) -> String {
    if owner.starts_with('~') {
        owner.to_string()
    } else {
        owner.to_ascii_uppercase()
    }
}
