//! The MCP resources: each entry's cached configuration files, read from the registry
//! (never from the network).
//!
//! A file's URI is `repodex://<name>/<path>`, the name percent-encoded as one segment
//! (`repodex://edobry%2Fminsky/.minsky/config.yaml`), which is what the template
//! `repodex://{name}/{+path}` expands to.

use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate,
};
use rmcp::ErrorData;

use super::{tool_error, Server};

const SCHEME: &str = "repodex://";

/// How many entries one page of `resources/list` reads.
const PAGE: usize = 100;

pub(super) fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![ResourceTemplate::new(
        "repodex://{name}/{+path}",
        "configuration file",
    )
    .with_description(
        "A registered repository's cached configuration file: name is the entry's name, \
         path the file's path in the repository",
    )])
}

/// One page of the cached files: `PAGE` entries from `cursor` (an entry index).
pub(super) fn list(
    server: &Server,
    cursor: Option<String>,
) -> Result<ListResourcesResult, ErrorData> {
    let start = match cursor {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ErrorData::invalid_params(format!("bad cursor {c:?}"), None))?,
    };
    let sources = server.sources().map_err(internal)?;
    let registry = &sources.registry;
    let mut resources = Vec::new();
    let mut seen = 0;
    for record in registry.records().skip(start).take(PAGE) {
        seen += 1;
        let Ok(entry) = registry.entry(record.name()) else {
            continue;
        };
        for (path, text) in &entry.config.files {
            resources.push(
                Resource::new(uri(&entry.name, path), format!("{}: {path}", entry.name))
                    .with_description(format!("{path} of {}, as last fetched", entry.url))
                    .with_mime_type(mime_type(path))
                    .with_size(text.len() as u64),
            );
        }
    }
    let mut result = ListResourcesResult::with_all_items(resources);
    if seen == PAGE {
        result.next_cursor = Some((start + PAGE).to_string());
    }
    Ok(result)
}

pub(super) fn read(server: &Server, uri_text: &str) -> Result<ReadResourceResult, ErrorData> {
    let not_found = || {
        ErrorData::resource_not_found(
            format!("no such resource {uri_text:?}; resources/list lists them"),
            None,
        )
    };
    let (name, path) = parse(uri_text).ok_or_else(not_found)?;
    let sources = server.sources().map_err(internal)?;
    let entry = sources.registry.entry(&name).map_err(|_| not_found())?;
    let text = entry.config.files.get(&path).ok_or_else(not_found)?;
    Ok(ReadResourceResult::new(vec![ResourceContents::text(
        text.clone(),
        uri_text,
    )
    .with_mime_type(mime_type(&path))]))
}

fn internal(error: crate::Error) -> ErrorData {
    ErrorData::internal_error(tool_error(error), None)
}

/// `repodex://<name>/<path>`, the name's reserved characters percent-encoded.
fn uri(name: &str, path: &str) -> String {
    let mut out = String::from(SCHEME);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push('/');
    out.push_str(path);
    out
}

/// The entry name and file path of a resource URI.
fn parse(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix(SCHEME)?;
    let (name, path) = rest.split_once('/')?;
    let mut bytes = Vec::new();
    let mut iter = name.bytes();
    while let Some(b) = iter.next() {
        if b == b'%' {
            let hex = [iter.next()?, iter.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    let name = String::from_utf8(bytes).ok()?;
    (!name.is_empty() && !path.is_empty()).then(|| (name, path.to_string()))
}

fn mime_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("yaml" | "yml") => "application/yaml",
        Some("json") => "application/json",
        Some("toml") => "application/toml",
        Some("md") => "text/markdown",
        _ => "text/plain",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_names_its_entry_and_file_and_back() {
        let u = uri("edobry/minsky", ".minsky/config.yaml");
        assert_eq!(u, "repodex://edobry%2Fminsky/.minsky/config.yaml");
        assert_eq!(
            parse(&u),
            Some(("edobry/minsky".into(), ".minsky/config.yaml".into()))
        );
        assert_eq!(parse("repodex://%2/x"), None);
        assert_eq!(parse("file:///etc/passwd"), None);
    }
}
