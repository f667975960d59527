//! The library's layers, kept: no import circle between its top-level modules (nor
//! between the files of `src/ops/`), the environment snapshot at the bottom imports
//! nothing from the crate, and no layer below the operations imports them or their
//! front ends. docs/design.md, "Code shape", draws the layers and says why each is where
//! it is.
//!
//! The graph is read from the source, as a reader would: every `crate::<module>` path
//! (in `use` lines and in code, braces included) of every file under `src/`, comments
//! left out, a name the crate's root re-exports (`crate::Registry`) counted as the
//! module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The ground floor: what every layer may read, importing nothing from the crate.
const GROUND: &str = "env";

/// The modules that only front ends and operations may import.
const UPPER: &[&str] = &["ops", "mcp", "cli"];

/// The modules below the operations, which must not import [`UPPER`].
const LOWER: &[&str] = &[
    "env", "text", "time", "url", "git", "store", "remote", "context", "vault", "sync", "import",
];

/// The crate-wide error that sums every layer's (src/error.rs) sits above them all, but
/// until `git::Error` and the store's own error take its place below (#31, "errors per
/// layer") the layers still return it: naming it is not counted as an import of
/// `error`. Every other item of error.rs is.
const SUMMING_ERROR: &[&str] = &["Error", "ErrorKind", "Result"];

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of a file without its comments (line comments, doc comments included, and
/// block comments), string literals kept as they are.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '\'' {
            // A character literal ('"', '\'', '/') is copied whole; a lifetime is not one.
            let ahead: Vec<char> = chars.clone().take(3).collect();
            let len = match ahead.as_slice() {
                ['\\', _, '\'', ..] => 3,
                [_, '\'', ..] => 2,
                _ => 0,
            };
            out.push(c);
            for _ in 0..len {
                out.extend(chars.next());
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Every path that follows `prefix` (`crate::`): its first two segments, one per item
/// of a brace group (`crate::{store::Registry, Error}`).
fn paths_after(code: &str, prefix: &str) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = 0;
            let mut items = Vec::new();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        items.push(&group[item_start..i]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&group[item_start..i]);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
            for item in items {
                let item = item.trim();
                let first = ident(item);
                let second = item[first.len()..]
                    .trim_start()
                    .strip_prefix("::")
                    .map(|s| ident(s.trim_start().trim_start_matches('{').trim_start()))
                    .unwrap_or("");
                if !first.is_empty() {
                    paths.push((first.to_string(), second.to_string()));
                }
            }
        } else {
            let first = ident(rest);
            let second = rest[first.len()..]
                .strip_prefix("::")
                .map(ident)
                .unwrap_or("");
            paths.push((first.to_string(), second.to_string()));
        }
    }
    paths
}

/// The library's top-level modules (lib.rs's `mod` lines) and what its root re-exports,
/// by the module each name comes from.
fn library() -> (BTreeSet<String>, BTreeMap<String, String>) {
    let lib = code_of(&std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs"));
    let mut modules = BTreeSet::new();
    let mut reexports = BTreeMap::new();
    for line in lib.lines().map(str::trim) {
        let line = line.trim_start_matches("pub ");
        if let Some(name) = line.strip_prefix("mod ") {
            modules.insert(name.trim_end_matches(';').trim().to_string());
        } else if let Some(path) = line.strip_prefix("use ") {
            let path = path.trim_end_matches(';');
            let module = ident(path).to_string();
            let names = match path.rfind("::{") {
                Some(at) => path[at + 3..].trim_end_matches('}').to_string(),
                None => path.rsplit("::").next().unwrap_or("").to_string(),
            };
            for name in names.split(',') {
                reexports.insert(name.trim().to_string(), module.clone());
            }
        }
    }
    (modules, reexports)
}

/// The top-level module a file of src/ belongs to (`store` for store/catalog/mod.rs),
/// and whether it is the library's (the binaries' roots and cli/ are not).
fn module_of(file: &Path) -> String {
    let relative = file.strip_prefix(src()).expect("under src/");
    let first = relative.components().next().expect("a path");
    let first = first.as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

fn relative(file: &Path) -> String {
    file.strip_prefix(src().parent().unwrap())
        .unwrap()
        .display()
        .to_string()
}

/// The import graph between the top-level modules: module -> module it imports ->
/// the files that do.
fn module_graph() -> Graph {
    let (modules, reexports) = library();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph = Graph::new();
    for file in files {
        let from = module_of(&file);
        let code = code_of(&std::fs::read_to_string(&file).expect("readable"));
        // The library's own files name it `crate::`; the command line (cli/) and the
        // other binaries name it `repodex::`.
        let prefix = if modules.contains(&from) {
            "crate::"
        } else if from == "cli" {
            "repodex::"
        } else {
            continue;
        };
        for (first, second) in paths_after(&code, prefix) {
            let to = if modules.contains(&first) {
                if first == "error" && SUMMING_ERROR.contains(&second.as_str()) {
                    continue;
                }
                first
            } else if let Some(module) = reexports.get(&first) {
                if module == "error" && SUMMING_ERROR.contains(&first.as_str()) {
                    continue;
                }
                module.clone()
            } else {
                continue;
            };
            if to != from {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(relative(&file));
            }
        }
    }
    graph
}

/// The import graph between the files of src/ops/ (`super::lookup`, `crate::ops::lookup`).
fn ops_graph() -> Graph {
    let ops = src().join("ops");
    let mut files = Vec::new();
    rust_files(&ops, &mut files);
    let names: BTreeSet<String> = files
        .iter()
        .filter(|f| f.parent() == Some(ops.as_path()))
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|name| name != "mod")
        .collect();
    let mut graph = Graph::new();
    for file in files.iter().filter(|f| f.parent() == Some(ops.as_path())) {
        let from = file.file_stem().unwrap().to_string_lossy().into_owned();
        let code = code_of(&std::fs::read_to_string(file).expect("readable"));
        let mut paths = paths_after(&code, "crate::ops::");
        paths.extend(paths_after(&code, "super::"));
        for (to, _) in paths {
            if to != from && names.contains(&to) {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(relative(file));
            }
        }
    }
    graph
}

/// Each circle of `graph` (a strongly connected component of more than one node),
/// described with the edges that make it and the files that make each edge.
fn circles(graph: &Graph) -> Vec<String> {
    // Tarjan's algorithm, iterative enough for a graph of tens of nodes.
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<&'g str>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flat_map(|edges| edges.keys()) {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state
        .found
        .iter()
        .map(|component| {
            let mut text = format!("circle {}:", component.join(" <-> "));
            for a in component {
                for (b, files) in &graph[*a] {
                    if component.contains(&b.as_str()) {
                        let files: Vec<_> = files.iter().map(String::as_str).collect();
                        text.push_str(&format!("\n  {a} -> {b} ({})", files.join(", ")));
                    }
                }
            }
            text
        })
        .collect()
}

#[test]
fn no_import_circle_between_modules() {
    let found = circles(&module_graph());
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_import_circle_between_operations() {
    let found = circles(&ops_graph());
    assert!(found.is_empty(), "in src/ops/: {}", found.join("\n"));
}

#[test]
fn the_ground_floor_imports_nothing_from_the_crate() {
    let code = code_of(&std::fs::read_to_string(src().join(format!("{GROUND}.rs"))).unwrap());
    let imports = paths_after(&code, "crate::");
    assert!(
        imports.is_empty(),
        "src/{GROUND}.rs imports {imports:?} from the crate"
    );
}

#[test]
fn layers_below_the_operations_do_not_import_them() {
    let graph = module_graph();
    let mut wrong = Vec::new();
    for lower in LOWER {
        for (to, files) in graph.get(*lower).into_iter().flatten() {
            if UPPER.contains(&to.as_str()) {
                let files: Vec<_> = files.iter().map(String::as_str).collect();
                wrong.push(format!("{lower} -> {to} ({})", files.join(", ")));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_reader_sees_what_a_reader_sees() {
    // The parser itself, on the shapes the source uses.
    let code = code_of(
        "use crate::{store::{Registry, Location}, Error};\n\
         // use crate::ops::x;\n\
         let s = \"// not a comment\"; let q = '\"'; crate::git::Repo::open(p);\n\
         /// [`crate::mcp`]\n",
    );
    assert_eq!(
        paths_after(&code, "crate::"),
        [
            ("store".to_string(), "Registry".to_string()),
            ("Error".to_string(), String::new()),
            ("git".to_string(), "Repo".to_string()),
        ]
    );
    assert!(library().0.contains("store"));
    assert_eq!(
        library().1.get("Registry").map(String::as_str),
        Some("store")
    );
}
