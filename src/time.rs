//! Durations and points in time as users write them: `24h`, `3d`, `2w`, `90m`,
//! `2026-11-20`, `2026-11-20T10:00:00Z`, `3 days ago`.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Parse `30s`, `90m`, `24h`, `7d`, `2w` (also with a space, and `3 days`, `1 week`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit.trim().trim_end_matches(" ago").trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return None,
    };
    number.checked_mul(seconds).map(Duration::from_secs)
}

/// Parse a point in time: a duration back from `now` (`3d`, `3 days ago`), a date
/// (`2026-11-20`, midnight UTC), or an RFC 3339 date-time.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Some(back) = parse_duration(text) {
        return Some(now - chrono::Duration::from_std(back).ok()?);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Some(t.with_timezone(&Utc));
    }
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Parse a date as people write one for an expiry: `2027-01-31` (midnight UTC) or an
/// RFC 3339 date-time; not a duration.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if parse_duration(text).is_some() {
        return None;
    }
    parse_time(text, Utc::now())
}

/// "3 days ago", "5 minutes ago", "just now": how long ago `then` was.
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    let (n, unit) = match seconds {
        0..=59 => return "just now".into(),
        60..=3599 => (seconds / 60, "minute"),
        3600..=86_399 => (seconds / 3600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(
            parse_duration("3 days"),
            Some(Duration::from_secs(3 * 86_400))
        );
        assert_eq!(parse_duration("2w"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
        let now = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_time("1d", now).unwrap().to_rfc3339(),
            "2026-11-23T12:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-11-20", now).unwrap().to_rfc3339(),
            "2026-11-20T00:00:00+00:00"
        );
        assert_eq!(parse_time("HEAD~1", now), None);
        assert_eq!(ago(now - chrono::Duration::days(3), now), "3 days ago");
        assert_eq!(ago(now - chrono::Duration::minutes(1), now), "1 minute ago");
    }
}
