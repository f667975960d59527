//! The identity key: the one spelling under which every spelling of a repository compares
//! equal, and the path segments a name is made from.

use super::parse::percent_decode;
use super::{Forge, Form, GitUrl, Rules, Scheme};

impl GitUrl {
    /// The key under which every spelling of one repository compares equal
    /// (docs/references.md has the table):
    ///
    /// - the host in lower case, `www.` folded on the forges, a port only when it is
    ///   not the scheme's default;
    /// - the path without a trailing `/` or `.git`, percent-encoded unreserved
    ///   characters decoded (`%2D` is `-`), in lower case on the forges that fold case
    ///   ([`Forge::folds_case`]) and as written elsewhere;
    /// - the scheme does not count (`git@host:o/r`, `ssh://git@host/o/r` and
    ///   `https://host/o/r` are one repository), and neither does the user of an
    ///   https URL or of ssh as `git` (every forge's convention, self-hosted ones too);
    /// - on other ssh servers, the user and a home-relative path do count:
    ///   `alice@srv:proj.git` and `bob@srv:proj.git` are two folders, and so are
    ///   `srv:proj.git` (in the home folder) and `srv:/proj.git`.
    ///
    /// Local repositories are keyed by their absolute path.
    pub fn identity_key(&self) -> String {
        self.identity_key_in(&Rules::default())
    }

    /// [`GitUrl::identity_key`] with a registry's [`Rules`]: on the hosts it declares
    /// case-insensitive, the path is compared in lower case as on the forges.
    pub fn identity_key_in(&self, rules: &Rules) -> String {
        if self.is_local() {
            let path = self.path.trim_end_matches('/');
            return format!("file://{}", if path.is_empty() { "/" } else { path });
        }
        let host = self.host.clone().unwrap_or_default();
        let forge = Forge::at(&host);
        let host = match forge {
            Some(_) => host.strip_prefix("www.").unwrap_or(&host).to_string(),
            None => host,
        };
        let mut key = String::new();
        // Whose folder the path is in, where that can differ between spellings.
        let personal = self.scheme == Scheme::Ssh
            && forge.is_none()
            && self.user.as_deref().is_some_and(|u| u != "git");
        if personal {
            key.push_str(self.user.as_deref().unwrap_or_default());
            key.push('@');
        }
        key.push_str(&host);
        if let Some(port) = self.port.filter(|p| Some(*p) != self.scheme.default_port()) {
            key.push(':');
            key.push_str(&port.to_string());
        }
        let home_relative = self.scheme == Scheme::Ssh
            && forge.is_none()
            && self.user.as_deref() != Some("git")
            && match self.form {
                Form::Scp => !self.path.starts_with('/'),
                _ => self.path.starts_with("/~"),
            };
        if home_relative {
            key.push_str("/~");
        }
        let folds = forge.is_some_and(Forge::folds_case) || rules.folds_case(&host);
        for segment in self.path_segments() {
            key.push('/');
            let segment = decode_unreserved(segment);
            if folds {
                key.push_str(&segment.to_lowercase());
            } else {
                key.push_str(&segment);
            }
        }
        key
    }

    /// The path segments a name is made from: `owner/repo` for `https://host/owner/repo.git`,
    /// the folder name for a local repository (without `.git`, and the parent's name for
    /// a `.git` folder itself).
    pub fn name_segments(&self) -> Vec<String> {
        let segments = self.path_segments();
        if self.is_local() {
            let mut last = segments
                .iter()
                .rev()
                .copied()
                .filter(|s| *s != ".git" && !s.is_empty());
            return last.next().map(|s| vec![s.to_string()]).unwrap_or_default();
        }
        segments.into_iter().map(str::to_string).collect()
    }
}

/// `segment` with each percent-encoded unreserved character (`A-Z a-z 0-9 - . _ ~`)
/// decoded, as RFC 3986 says they are equivalent; other escapes stay as written.
fn decode_unreserved(segment: &str) -> std::borrow::Cow<'_, str> {
    if !segment.contains('%') {
        return segment.into();
    }
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    // Only ASCII is decoded, so what was UTF-8 stays UTF-8.
    String::from_utf8(percent_decode(segment, unreserved))
        .expect("ASCII decoded into UTF-8 stays UTF-8")
        .into()
}
