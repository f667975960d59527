//! Real-world URLs: 1,051 repository URLs from package metadata (fixtures/urls), each
//! with the outcome the rules give it, read by repodex as `register` reads them; and
//! for every accepted one, gix's own parser must see the same host, port and path.

use repodex::store::repository_location;

struct Case<'a> {
    input: &'a str,
    outcome: &'a str,
    detail: &'a str,
}

fn corpus() -> Vec<Case<'static>> {
    let text: &'static str = include_str!("../../fixtures/urls/urls.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let mut cols = line.split('\t');
            Case {
                input: cols.next().unwrap(),
                outcome: cols.next().unwrap(),
                detail: cols.next().unwrap_or(""),
            }
        })
        .collect()
}

#[test]
fn every_url_from_package_metadata_becomes_the_repository_meant_or_a_clear_refusal() {
    let cases = corpus();
    assert!(cases.len() >= 1000, "the corpus has {} URLs", cases.len());
    // Relative inputs (`chalk/chalk`) are read against the package's folder (the tests'
    // working folder), which has no such paths.
    let mut wrong = Vec::new();
    let mut accepted = 0;
    for case in &cases {
        let got = repository_location(case.input);
        let ok = match (case.outcome, &got) {
            ("repository", Ok(parsed)) => parsed.url.identity_key() == case.detail,
            ("local", Ok(parsed)) => parsed.url.is_local(),
            ("refused", Err(e)) => e
                .to_string()
                .to_lowercase()
                .contains(&case.detail.to_lowercase()),
            _ => false,
        };
        if let Ok(parsed) = &got {
            accepted += 1;
            // No notice may repeat a secret, and each says what it changed.
            assert!(parsed.notices.iter().all(|n| !n.is_empty()));
        }
        if !ok {
            wrong.push(format!(
                "{}: expected {} {}, got {}",
                case.input,
                case.outcome,
                case.detail,
                match &got {
                    Ok(p) => format!("{} ({})", p.url.identity_key(), p.url),
                    Err(e) => format!("error: {e}"),
                }
            ));
        }
    }
    assert!(accepted > 900, "only {accepted} accepted");
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

/// What gix sees in a URL: its host, port and path, as it will fetch it.
fn gix_view(url: &str) -> Option<(Option<String>, Option<u16>, String)> {
    let parsed = gix::url::parse(gix::bstr::BStr::new(url.as_bytes())).ok()?;
    Some((
        parsed.host().map(str::to_string),
        parsed.port_or_default(),
        parsed.path.to_string(),
    ))
}

#[test]
fn what_repodex_stores_gix_parses_the_same() {
    let mut wrong = Vec::new();
    for case in corpus() {
        let Ok(parsed) = repository_location(case.input) else {
            continue;
        };
        let url = &parsed.url;
        let printed = url.to_string();
        let Some((host, port, path)) = gix_view(&printed) else {
            wrong.push(format!("{printed}: gix refuses it"));
            continue;
        };
        let ours_port = url.port().or(url.scheme().default_port());
        let ours_path = if url.is_local() {
            url.local_path().unwrap().to_string()
        } else {
            url.path().to_string()
        };
        // gix decodes percent-escapes in the path.
        let decoded = percent_decode(&ours_path);
        if host.as_deref() != url.host()
            || port != ours_port
            || (path != ours_path && path != decoded)
        {
            wrong.push(format!(
                "{printed}: repodex {:?} {:?} {:?}, gix {host:?} {port:?} {path:?}",
                url.host(),
                ours_port,
                ours_path
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes
            .get(i + 1..i + 3)
            .filter(|_| bytes[i] == b'%')
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
        {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
