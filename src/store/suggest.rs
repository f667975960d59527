//! Suggestions for a reference that matches nothing: the entry names nearest to it.
//!
//! A miss at 100,000 entries must not cost a hundred hits, so the catalog's names and
//! aliases are scanned as text, once, byte by byte, and the substring searches and the
//! edit distance run only for the few candidates that cheap bounds let through (see
//! [`Near`]).

use super::catalog::{Catalog, KeyKind};

/// Up to three entry names close to `reference`, nearest first: names, their last
/// segments and aliases that contain it (or that it contains), or that are a few edits
/// from it (at most a third of the longer, and at least 2).
pub fn nearest(catalog: &Catalog, reference: &str) -> Vec<String> {
    let wanted = reference.to_lowercase();
    let mut scored = scored(
        &Near::new(&wanted),
        catalog.names_region(),
        catalog.keys_region(KeyKind::Alias),
        PIECE,
    );
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut names: Vec<String> = Vec::new();
    for (_, name) in scored {
        if !names.contains(&name) {
            names.push(name);
        }
        if names.len() == 3 {
            break;
        }
    }
    names
}

/// Texts longer than this are scanned in pieces of about this size, spread on the
/// machine's cores (a registry of 100,000 entries has about 20; one of 10,000, two).
const PIECE: usize = 256 * 1024;

/// Below this many pieces the scan stays on the calling thread, so that small
/// registries do not start one.
const PIECES_PER_THREAD: usize = 4;

/// Every near candidate among `names` (one per line) and their last segments, and
/// among `aliases` (catalog key lines, `a:<alias>\t<name>`), with its closeness and the
/// name it stands for, in the order scanned; the texts are cut in pieces of about
/// `piece` bytes at line ends.
fn scored(near: &Near, names: &[u8], aliases: &[u8], piece: usize) -> Vec<(f64, String)> {
    let mut work: Vec<(&[u8], bool)> = pieces(names, piece).map(|p| (p, false)).collect();
    work.extend(pieces(aliases, piece).map(|p| (p, true)));
    crate::parallel::map(
        &work,
        PIECES_PER_THREAD,
        || (),
        |(), &(text, alias)| {
            let mut scored = Vec::new();
            if alias {
                near.scan(text, KeyKind::Alias.prefix().len(), |line| {
                    if let Some(closeness) = near.closeness(&line.head) {
                        scored.push((closeness, String::from_utf8_lossy(line.tail).into_owned()));
                    }
                });
            } else {
                near.scan(text, 0, |line| {
                    for candidate in [line.head, line.segment] {
                        if let Some(closeness) = near.closeness(&candidate) {
                            let name = String::from_utf8_lossy(line.head.text).into_owned();
                            scored.push((closeness, name));
                        }
                    }
                });
            }
            scored
        },
    )
    .into_iter()
    .flatten()
    .collect()
}

/// `text` cut after the first line end at or past every `size` bytes.
fn pieces(text: &[u8], size: usize) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = match rest.get(size..) {
            Some(after) => memchr::memchr(b'\n', after).map_or(rest.len(), |i| size + i + 1),
            None => rest.len(),
        };
        let (piece, after) = rest.split_at(cut);
        rest = after;
        Some(piece)
    })
}

/// How near candidates are to one wanted reference, with the bounds that turn most of
/// them away after one pass over their bytes.
///
/// Both bounds on the edit distance (optimal string alignment, as strsim computes it)
/// are sound: every byte of a candidate that the reference lacks costs an edit of its
/// own, and so does every byte of the longer string beyond what the two have in common
/// (from counts). They count bytes where the distance counts characters, so they are
/// used only when both strings are ASCII (every name and alias is; a reference may not
/// be). One string inside the other is found by one search of the whole text for the
/// reference, and by a search in the reference only for candidates it has every byte of.
struct Near<'a> {
    wanted: &'a str,
    ascii: bool,
    /// Per byte: [`ABSENT`] when `wanted` lacks it, and [`STOP`] for the bytes that
    /// end a part of a line.
    table: [u8; 256],
    counts: [u16; 256],
    within: memchr::memmem::Finder<'a>,
}

const ABSENT: u8 = 1;
const STOP: u8 = 2;

/// A candidate and what the scan learnt about it.
#[derive(Debug, Clone, Copy)]
struct Candidate<'a> {
    /// Its bytes: a whole field or the part after a '/', so always whole characters.
    text: &'a [u8],
    /// How many of its bytes the reference lacks; `None` when it is not ASCII.
    absent: Option<usize>,
    /// Whether the reference occurs in it.
    holds_wanted: bool,
}

/// One line of a scanned text: its first field (after the skipped prefix), that
/// field's last segment, and the rest of the line after a tab.
struct Line<'a> {
    head: Candidate<'a>,
    segment: Candidate<'a>,
    tail: &'a [u8],
}

impl<'a> Near<'a> {
    fn new(wanted: &'a str) -> Near<'a> {
        let mut table = [ABSENT; 256];
        let mut counts = [0u16; 256];
        for b in wanted.bytes() {
            table[b as usize] = 0;
            counts[b as usize] = counts[b as usize].saturating_add(1);
        }
        for b in [b'\n', b'\t', b'/'] {
            table[b as usize] |= STOP;
        }
        Near {
            wanted,
            ascii: wanted.is_ascii(),
            table,
            counts,
            within: memchr::memmem::Finder::new(wanted.as_bytes()),
        }
    }

    /// Call `each` for every line of `text`, skipping `skip` bytes at its start.
    fn scan<'t>(&self, text: &'t [u8], skip: usize, mut each: impl FnMut(Line<'t>)) {
        let lw = self.wanted.len();
        // Every place the reference occurs, from one search; none spans two lines,
        // since a reference with a newline occurs in no line.
        let mut found = if lw == 0 || self.wanted.contains('\n') {
            Vec::new()
        } else {
            self.within.find_iter(text).collect()
        }
        .into_iter()
        .peekable();
        let holds = |from: usize, to: usize, places: &[usize]| {
            lw == 0 || places.iter().any(|&p| p >= from && p + lw <= to)
        };
        let mut places = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let head_start = (start + skip).min(text.len());
            // One pass to the end of the first field (one branch per byte, for the
            // three bytes that end a part): the bytes the reference lacks, in the field
            // and after its last '/', and whether any is not ASCII.
            let (mut absent, mut high, mut length) = (0, 0u8, 0);
            let (mut segment_start, mut absent_before_segment) = (head_start, 0);
            for &b in &text[head_start..] {
                let kind = self.table[b as usize];
                if kind & STOP != 0 {
                    if b != b'/' {
                        break;
                    }
                    segment_start = head_start + length + 1;
                    absent_before_segment = absent + usize::from(kind & ABSENT);
                }
                absent += usize::from(kind & ABSENT);
                high |= b;
                length += 1;
            }
            let head_end = head_start + length;
            let end = match text.get(head_end) {
                Some(b'\t') => {
                    memchr::memchr(b'\n', &text[head_end..]).map_or(text.len(), |n| head_end + n)
                }
                _ => head_end,
            };
            places.clear();
            while let Some(&p) = found.peek().filter(|&&p| p < end) {
                places.push(p);
                found.next();
            }
            let ascii = high < 0x80;
            let candidate = |from: usize, absent: usize| Candidate {
                text: &text[from..head_end],
                absent: ascii.then_some(absent),
                holds_wanted: holds(from, head_end, &places),
            };
            if start < end {
                each(Line {
                    head: candidate(head_start, absent),
                    segment: candidate(segment_start, absent - absent_before_segment),
                    tail: text.get(head_end + 1..end).unwrap_or_default(),
                });
            }
            start = end + 1;
        }
    }

    /// How close `candidate` is (1 is the same), or `None` when it is not near.
    #[inline(always)]
    fn closeness(&self, candidate: &Candidate) -> Option<f64> {
        // Most candidates end here: more bytes the reference lacks than edits allowed
        // (and so not inside it either).
        let longest = self.wanted.len().max(candidate.text.len()).max(1);
        if let (false, true, Some(absent)) = (candidate.holds_wanted, self.ascii, candidate.absent)
        {
            if absent > (longest / 3).max(2) {
                return None;
            }
        }
        self.measure(candidate)
    }

    /// [`closeness`](Self::closeness) past its first bound.
    #[inline(never)]
    fn measure(&self, candidate: &Candidate) -> Option<f64> {
        let bytes = candidate.text;
        let (lw, lc) = (self.wanted.len(), bytes.len());
        let longest = lw.max(lc).max(1);
        let absent = candidate.absent.filter(|_| self.ascii);
        let inside = candidate.holds_wanted
            || (lw >= 3
                && lc <= lw
                && absent.is_none_or(|a| a == 0)
                && memchr::memmem::find(self.wanted.as_bytes(), bytes).is_some());
        if inside {
            // One inside the other: their edit distance is the difference in length.
            let closeness = lw.min(lc) as f64 / longest as f64;
            return Some(closeness.max(0.7));
        }
        let most = (longest / 3).max(2);
        if lw.abs_diff(lc) > most {
            return None;
        }
        // `closeness` turned away those with more absent bytes than `most`.
        if absent.is_some() {
            let mut counts = self.counts;
            let mut common = 0;
            for &b in bytes {
                if counts[b as usize] > 0 {
                    counts[b as usize] -= 1;
                    common += 1;
                }
            }
            if longest - common > most {
                return None;
            }
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let distance = strsim::osa_distance(self.wanted, text);
        (distance <= most).then(|| 1.0 - distance as f64 / longest as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::super::name::last_segment;
    use super::*;

    /// The rule without the bounds: what `Near` must agree with.
    fn unbounded(wanted: &str, candidate: &str) -> Option<f64> {
        let (lw, lc) = (wanted.len(), candidate.len());
        let longest = lw.max(lc).max(1);
        if candidate.contains(wanted) || (lw >= 3 && lc <= lw && wanted.contains(candidate)) {
            return Some((lw.min(lc) as f64 / longest as f64).max(0.7));
        }
        let most = (longest / 3).max(2);
        let distance = strsim::osa_distance(wanted, candidate);
        (distance <= most).then(|| 1.0 - distance as f64 / longest as f64)
    }

    #[test]
    fn the_scan_finds_what_the_edit_distance_of_every_candidate_finds() {
        // Names from real package metadata (fixtures/urls), one with a non-ASCII
        // letter, aliases made from them, and references made from them the ways
        // people mistype: a letter lost, doubled, swapped or changed (to a non-ASCII
        // one too), the owner left out, half of it, nothing at all.
        let corpus = include_str!("../../fixtures/urls/urls.txt");
        let mut names: Vec<String> = corpus
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|url| {
                // owner/name, from the URL's last two path segments.
                let (host, path) = match url.split_once("://") {
                    Some((_, rest)) => (1, rest),
                    None => (0, url),
                };
                let parts: Vec<&str> = path.split(['/', ':']).filter(|p| !p.is_empty()).collect();
                let [.., owner, name] = parts[host.min(parts.len())..] else {
                    return None;
                };
                let name = name.trim_end_matches(".git");
                Some(format!("{owner}/{name}").to_ascii_lowercase())
            })
            .step_by(3)
            .take(300)
            .collect();
        names.sort();
        names.dedup();
        assert!(names.len() >= 250, "the corpus has {} names", names.len());
        names.push("édouard/café".into());
        let aliases: Vec<(String, String)> = names
            .iter()
            .step_by(2)
            .map(|n| (last_segment(n).chars().take(4).collect(), n.clone()))
            .collect();
        let names_text: String = names.iter().map(|n| format!("{n}\n")).collect();
        let aliases_text: String = aliases
            .iter()
            .map(|(a, n)| format!("a:{a}\t{n}\n"))
            .collect();
        let mut wanted: Vec<String> = vec![String::new(), "é".into(), "café".into()];
        for (i, name) in names.iter().enumerate().step_by(5) {
            let chars: Vec<char> = name.chars().collect();
            let at = i % chars.len();
            let edit = |f: &dyn Fn(&mut Vec<char>)| {
                let mut c = chars.clone();
                f(&mut c);
                c.into_iter().collect::<String>()
            };
            wanted.push(name.clone());
            wanted.push(edit(&|c| {
                c.remove(at);
            }));
            wanted.push(edit(&|c| c.insert(at, c[at])));
            wanted.push(edit(&|c| c.swap(at, (at + 1) % chars.len())));
            wanted.push(edit(&|c| c[at] = 'x'));
            wanted.push(edit(&|c| c[at] = 'é'));
            wanted.push(last_segment(name).to_string());
            wanted.push(chars[..chars.len() / 2].iter().collect());
        }
        let mut near_ones = 0;
        for w in &wanted {
            let w = w.to_lowercase();
            let mut expected = Vec::new();
            for name in &names {
                for c in [name.as_str(), last_segment(name)] {
                    if let Some(closeness) = unbounded(&w, c) {
                        expected.push((closeness, name.clone()));
                    }
                }
            }
            for (alias, name) in &aliases {
                if let Some(closeness) = unbounded(&w, alias) {
                    expected.push((closeness, name.clone()));
                }
            }
            near_ones += expected.len();
            // Whole, and in pieces of a few lines each, on more than one thread.
            for piece in [PIECE, 100] {
                let (names, aliases) = (names_text.as_bytes(), aliases_text.as_bytes());
                let found = scored(&Near::new(&w), names, aliases, piece);
                assert_eq!(found, expected, "for {w:?} in pieces of {piece}");
            }
        }
        // The check means something only when many candidates are near.
        assert!(near_ones > 2000, "only {near_ones} near pairs");
    }
}
