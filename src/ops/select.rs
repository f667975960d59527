//! The one way to select many repositories, for every command that takes many
//! (`list`'s filters, `refresh`, `clone`, `status`, `pull`, `exec`, and the MCP tools):
//!
//! - references by the usual rule, or name globs (an argument with `*`, `?` or `[`:
//!   `acme/*`), each adding what it names;
//! - `--tag EXPR`, tags combined with `,` (or), `+` (and) and `^` or `!` (not): `work`,
//!   `work,oss`, `work+rust`, `^archived`, `work+^archived`; `+` binds tighter than
//!   `,`, and `and`, `or`, `not`, `&&`, `||` and parentheses read too, for a quoted
//!   expression (`'work && !(legacy || archived)'`). Repeated, all must hold;
//! - `--layer NAME`, only entries of that mounted layer; `--all`, every entry;
//! - `--cloned`, only entries with a clone recorded on this machine.
//!
//! docs/guide.md ("Selecting repositories") documents it for users.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::error::Refused;
use super::sources::{self, Sources};
use crate::store::catalog::Record;
use crate::store::clones::Recorded;
use crate::{Context, Error, Result, Summary};

/// What the user asked to select.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// References or name globs; each adds the entries it names.
    pub references: Vec<String>,
    /// Tag expressions; an entry must satisfy every one.
    pub tags: Vec<String>,
    /// Only entries of this mounted layer.
    pub layer: Option<String>,
    /// Every entry (the default for some commands when nothing else is given).
    pub all: bool,
    /// Only entries with a clone recorded on this machine.
    pub cloned: bool,
}

/// What a command selects when the user names nothing (no reference, no `--all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenEmpty {
    /// Every entry (`list`).
    Everything,
    /// Every entry with a clone here (`status`, `pull`, `exec`).
    Cloned,
    /// Nothing: the user must say which (`clone`, `refresh`).
    Refuse,
}

/// Where a command may select from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The user's registry and its read-only layers (reading commands).
    WithLayers,
    /// The user's own registry: commands that change an entry or fetch for it.
    Own,
}

/// One selected entry, with its recorded clones.
#[derive(Debug, Clone)]
pub struct Selected {
    pub summary: Summary,
    /// The read-only layer it comes from; `None` for the user's own registry.
    pub layer: Option<String>,
    /// Its clones recorded on this machine.
    pub clones: Vec<Recorded>,
}

impl Selected {
    pub fn name(&self) -> &str {
        &self.summary.name
    }
}

impl Selection {
    /// Does it name anything (a reference, a filter, `--all`)?
    pub fn is_empty(&self) -> bool {
        self.references.is_empty()
            && self.tags.is_empty()
            && self.layer.is_none()
            && !self.all
            && !self.cloned
    }
}

/// The entries `selection` selects, in name order (the user's registry first, then each
/// layer), each with its clones. An unknown reference, glob, tag or layer is refused
/// with suggestions; an empty result is refused with what was asked, so that no
/// command runs over nothing without saying so.
pub fn select(
    ctx: &Context,
    selection: &Selection,
    when_empty: WhenEmpty,
    scope: Scope,
) -> Result<Vec<Selected>> {
    let sources = sources::sources(ctx)?;
    select_in(&sources, selection, when_empty, scope)
}

/// [`select`] over registries already open.
pub fn select_in(
    sources: &Sources,
    selection: &Selection,
    when_empty: WhenEmpty,
    scope: Scope,
) -> Result<Vec<Selected>> {
    if selection.is_empty() && when_empty == WhenEmpty::Refuse {
        return Err(Refused::NothingSelected.into());
    }
    if let Some(layer) = &selection.layer {
        if scope == Scope::Own {
            return Err(Refused::LayerIsReadOnly {
                layer: layer.clone(),
            }
            .into());
        }
        if !sources.layers.iter().any(|(name, _)| name == layer) {
            return Err(crate::sync::error::SyncError::NoSuchLayer {
                name: layer.clone(),
            }
            .into());
        }
    }
    let tags = selection
        .tags
        .iter()
        .map(|t| TagExpr::parse(t))
        .collect::<Result<Vec<_>>>()?;
    check_tags(sources, &tags, scope)?;
    // Named entries: (layer, name) pairs.
    let named = named_entries(sources, &selection.references, scope)?;
    let cloned_only = selection.cloned || (selection.is_empty() && when_empty == WhenEmpty::Cloned);
    let mut selected = Vec::new();
    for (layer, registry) in sources.each() {
        if scope == Scope::Own && layer.is_some() {
            break;
        }
        if selection.layer.is_some() && selection.layer.as_deref() != layer {
            continue;
        }
        // The clones of this registry's entries, read once.
        let clones: BTreeMap<Option<String>, Vec<Recorded>> = match layer {
            None => registry.clones_by_entry(&registry.clones()?),
            Some(_) => BTreeMap::new(),
        };
        let mut consider = |summary: Summary| {
            if !tags.iter().all(|t| t.matches(&summary.tags)) {
                return;
            }
            let clones = clones
                .get(&Some(summary.name.clone()))
                .cloned()
                .unwrap_or_default();
            if cloned_only && clones.is_empty() {
                return;
            }
            selected.push(Selected {
                summary,
                layer: layer.map(str::to_string),
                clones,
            });
        };
        match &named {
            Some(named) => {
                for name in named.get(&layer.map(str::to_string)).into_iter().flatten() {
                    if let Some(Record::Entry(summary)) = registry.record(name) {
                        consider(summary);
                    }
                }
            }
            None => {
                for record in registry.records() {
                    if let Record::Entry(summary) = record {
                        consider(summary);
                    }
                }
            }
        }
    }
    if selected.is_empty() && selection.is_empty() && when_empty == WhenEmpty::Cloned {
        return Err(Refused::NoClones.into());
    }
    if selected.is_empty() && !(selection.is_empty() && when_empty == WhenEmpty::Everything) {
        return Err(Refused::SelectedNothing {
            what: describe(selection, cloned_only),
        }
        .into());
    }
    Ok(selected)
}

/// The entries the references and globs name, by layer; `None` when there are none (so
/// every entry is considered).
fn named_entries(
    sources: &Sources,
    references: &[String],
    scope: Scope,
) -> Result<Option<BTreeMap<Option<String>, BTreeSet<String>>>> {
    if references.is_empty() {
        return Ok(None);
    }
    let mut named: BTreeMap<Option<String>, BTreeSet<String>> = BTreeMap::new();
    for reference in references {
        if is_glob(reference) {
            let glob =
                glob::Pattern::new(&reference.to_lowercase()).map_err(|e| Refused::BadGlob {
                    pattern: reference.clone(),
                    reason: e.to_string(),
                })?;
            let mut any = false;
            for (layer, registry) in sources.each() {
                if scope == Scope::Own && layer.is_some() {
                    break;
                }
                for record in registry.records() {
                    if let Record::Entry(s) = record {
                        if glob.matches(&s.name) || s.aliases.iter().any(|a| glob.matches(a)) {
                            named
                                .entry(layer.map(str::to_string))
                                .or_default()
                                .insert(s.name);
                            any = true;
                        }
                    }
                }
            }
            if !any {
                return Err(Refused::GlobMatchesNothing {
                    pattern: reference.clone(),
                }
                .into());
            }
            continue;
        }
        let (layer, name) = match scope {
            Scope::Own => (None, super::find::own_entry(&sources.registry, reference)?),
            Scope::WithLayers => {
                let found = super::find::find(&sources.registry, reference)?;
                (found.layer, found.resolved.name)
            }
        };
        named.entry(layer).or_default().insert(name);
    }
    Ok(Some(named))
}

/// Is `reference` a name glob rather than a reference?
pub fn is_glob(reference: &str) -> bool {
    reference.contains(['*', '?', '['])
}

/// Every tag an expression names must be some entry's tag, or the user mistyped it:
/// refused with the nearest tags.
pub fn check_tags(sources: &Sources, exprs: &[TagExpr], scope: Scope) -> Result<()> {
    let wanted: BTreeSet<&str> = exprs.iter().flat_map(TagExpr::tags).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut known: BTreeSet<String> = BTreeSet::new();
    for (layer, registry) in sources.each() {
        if scope == Scope::Own && layer.is_some() {
            break;
        }
        for record in registry.records() {
            if let Record::Entry(s) = record {
                known.extend(s.tags);
            }
        }
    }
    for tag in wanted {
        if !known.contains(tag) {
            let mut near: Vec<(usize, &String)> = known
                .iter()
                .map(|k| (strsim::damerau_levenshtein(tag, k), k))
                .filter(|(d, k)| *d <= 2.max(k.len() / 3))
                .collect();
            near.sort();
            return Err(Refused::UnknownTag {
                tag: tag.to_string(),
                suggestions: near.into_iter().take(3).map(|(_, k)| k.clone()).collect(),
            }
            .into());
        }
    }
    Ok(())
}

/// The selection in words, for "nothing matched".
fn describe(selection: &Selection, cloned_only: bool) -> String {
    let mut parts = Vec::new();
    if !selection.references.is_empty() {
        parts.push(selection.references.join(" "));
    }
    for tag in &selection.tags {
        parts.push(format!("--tag {tag}"));
    }
    if let Some(layer) = &selection.layer {
        parts.push(format!("--layer {layer}"));
    }
    if cloned_only {
        parts.push("with a clone on this machine".to_string());
    }
    if parts.is_empty() {
        "every entry".to_string()
    } else {
        parts.join(", ")
    }
}

/// A tag expression (`work+^archived,oss`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagExpr {
    Tag(String),
    Not(Box<TagExpr>),
    And(Vec<TagExpr>),
    Or(Vec<TagExpr>),
}

impl TagExpr {
    /// Parse `text`; a malformed expression is refused with where it went wrong.
    pub fn parse(text: &str) -> Result<TagExpr> {
        let tokens = tokens(text).map_err(|why| bad_tags(text, &why))?;
        let mut parser = Parser { tokens, at: 0 };
        let expr = parser.or().map_err(|why| bad_tags(text, &why))?;
        if parser.at != parser.tokens.len() {
            return Err(bad_tags(
                text,
                &format!("unexpected {}", parser.tokens[parser.at].shown()),
            ));
        }
        Ok(expr)
    }

    /// Does an entry with `tags` satisfy it?
    pub fn matches(&self, tags: &[String]) -> bool {
        match self {
            TagExpr::Tag(t) => tags.iter().any(|have| have == t),
            TagExpr::Not(e) => !e.matches(tags),
            TagExpr::And(all) => all.iter().all(|e| e.matches(tags)),
            TagExpr::Or(any) => any.iter().any(|e| e.matches(tags)),
        }
    }

    /// The tags it names.
    pub fn tags(&self) -> Vec<&str> {
        match self {
            TagExpr::Tag(t) => vec![t.as_str()],
            TagExpr::Not(e) => e.tags(),
            TagExpr::And(v) | TagExpr::Or(v) => v.iter().flat_map(TagExpr::tags).collect(),
        }
    }
}

fn bad_tags(text: &str, why: &str) -> Error {
    Refused::BadTagExpression {
        expression: text.to_string(),
        why: why.to_string(),
    }
    .into()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Tag(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

impl Token {
    fn shown(&self) -> String {
        match self {
            Token::Tag(t) => format!("'{t}'"),
            Token::And => "'+'".into(),
            Token::Or => "','".into(),
            Token::Not => "'^'".into(),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
        }
    }
}

fn tokens(text: &str) -> std::result::Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        match c {
            _ if c.is_whitespace() => i += 1,
            _ if two == "&&" || two == "||" => {
                tokens.push(if two == "&&" { Token::And } else { Token::Or });
                i += 2;
            }
            '+' | '&' => {
                tokens.push(Token::And);
                i += 1;
            }
            ',' | '|' => {
                tokens.push(Token::Or);
                i += 1;
            }
            '^' | '!' => {
                tokens.push(Token::Not);
                i += 1;
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"+&,|^!()".contains(chars[i])
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect::<String>().to_lowercase();
                tokens.push(match word.as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    _ => {
                        crate::store::name::validate_tag(&word).map_err(|e| e.to_string())?;
                        Token::Tag(word)
                    }
                });
            }
        }
    }
    if tokens.is_empty() {
        return Err("it names no tag".into());
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> std::result::Result<TagExpr, String> {
        let mut terms = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.pop().expect("one")
        } else {
            TagExpr::Or(terms)
        })
    }

    fn and(&mut self) -> std::result::Result<TagExpr, String> {
        let mut factors = vec![self.not()?];
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            factors.push(self.not()?);
        }
        Ok(if factors.len() == 1 {
            factors.pop().expect("one")
        } else {
            TagExpr::And(factors)
        })
    }

    fn not(&mut self) -> std::result::Result<TagExpr, String> {
        match self.tokens.get(self.at).cloned() {
            Some(Token::Not) => {
                self.at += 1;
                Ok(TagExpr::Not(Box::new(self.not()?)))
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("a '(' is not closed".into());
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Token::Tag(tag)) => {
                self.at += 1;
                Ok(TagExpr::Tag(tag))
            }
            Some(other) => Err(format!("expected a tag, found {}", other.shown())),
            None => Err("it ends where a tag should be".into()),
        }
    }
}

/// Every folder recorded as a clone of a selected entry, in selection order.
pub fn clone_paths(selected: &[Selected]) -> Vec<(String, PathBuf)> {
    selected
        .iter()
        .flat_map(|s| {
            s.clones
                .iter()
                .map(|c| (s.name().to_string(), c.path.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Each expression against entries tagged so, and which it selects.
    #[test]
    fn tag_expressions_select_as_documented() {
        let entries = [
            ("a", tags(&["work"])),
            ("b", tags(&["work", "rust"])),
            ("c", tags(&["oss"])),
            ("d", tags(&["work", "archived"])),
            ("e", tags(&[])),
        ];
        let cases = [
            ("work", "abd"),
            ("work,oss", "abcd"),
            ("work+rust", "b"),
            ("^work", "ce"),
            ("!work", "ce"),
            ("work+^archived", "ab"),
            ("work+rust,oss", "bc"),
            ("oss,work+rust", "bc"),
            ("work && !(archived || rust)", "a"),
            ("not work and not oss", "e"),
            ("WORK", "abd"),
        ];
        for (expr, expected) in cases {
            let parsed = TagExpr::parse(expr).unwrap();
            let got: String = entries
                .iter()
                .filter(|(_, t)| parsed.matches(t))
                .map(|(n, _)| *n)
                .collect();
            assert_eq!(got, expected, "{expr}");
        }
    }

    #[test]
    fn malformed_expressions_say_where() {
        for (expr, words) in [
            ("", "names no tag"),
            ("work+", "ends where a tag should be"),
            ("(work", "'(' is not closed"),
            ("work)", "unexpected ')'"),
            ("+work", "expected a tag, found '+'"),
            ("wo/rk", "tag"),
        ] {
            let error = TagExpr::parse(expr).unwrap_err().to_string();
            assert!(error.contains(words), "{expr:?}: {error}");
        }
    }
}
