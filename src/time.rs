//! Durations and points in time as users write them: `24h`, `3d`, `2w`, `90m`,
//! `2026-11-20`, `2026-11-20T10:00:00Z`, `3 days ago`.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest duration repodex takes: a hundred years (of 365.25 days), further back
/// than any registry goes, and far inside what date arithmetic can count.
pub const MAX_DURATION: Duration = Duration::from_secs(36_525 * 86_400);

/// [`MAX_DURATION`] as people say it.
pub const MAX_DURATION_WORDS: &str = "100 years";

/// Why a duration or a point in time was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadTime {
    /// It is not written as one.
    NotATime,
    /// It is one, but longer (or further away) than [`MAX_DURATION`].
    OutOfRange,
}

/// Parse `30s`, `90m`, `24h`, `7d`, `2w` (also with a space, and `3 days`, `1 week`), of
/// at most [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, BadTime> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or(BadTime::NotATime)?;
    let (number, unit) = text.split_at(split);
    if number.is_empty() {
        return Err(BadTime::NotATime);
    }
    let seconds: u64 = match unit.trim().trim_end_matches(" ago").trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return Err(BadTime::NotATime),
    };
    // Digits only: a number that does not fit is out of range, not malformed.
    let number: u64 = number.parse().map_err(|_| BadTime::OutOfRange)?;
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .filter(|d| *d <= MAX_DURATION)
        .ok_or(BadTime::OutOfRange)
}

/// Parse a point in time: a duration back from `now` (`3d`, `3 days ago`), a date
/// (`2026-11-20`, midnight UTC), or an RFC 3339 date-time.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, BadTime> {
    match parse_duration(text) {
        Ok(back) => {
            return chrono::Duration::from_std(back)
                .ok()
                .and_then(|back| now.checked_sub_signed(back))
                .ok_or(BadTime::OutOfRange)
        }
        Err(BadTime::OutOfRange) => return Err(BadTime::OutOfRange),
        Err(BadTime::NotATime) => {}
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| BadTime::NotATime)?;
    Ok(date
        .and_hms_opt(0, 0, 0)
        .ok_or(BadTime::NotATime)?
        .and_utc())
}

/// Parse a date as people write one for an expiry: `2027-01-31` (midnight UTC) or an
/// RFC 3339 date-time; not a duration.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if parse_duration(text).is_ok() {
        return None;
    }
    parse_time(text, Utc::now()).ok()
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
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(
            parse_duration("3 days"),
            Ok(Duration::from_secs(3 * 86_400))
        );
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_duration("soon"), Err(BadTime::NotATime));
        assert_eq!(parse_duration("5 parsecs"), Err(BadTime::NotATime));
        assert_eq!(
            parse_duration("5217w"),
            Ok(Duration::from_secs(5217 * 604_800))
        );
        assert_eq!(parse_duration("9999999999w"), Err(BadTime::OutOfRange));
        assert_eq!(
            parse_duration("99999999999999999999999s"),
            Err(BadTime::OutOfRange)
        );
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
        assert_eq!(parse_time("HEAD~1", now), Err(BadTime::NotATime));
        assert_eq!(parse_time("9999999999w", now), Err(BadTime::OutOfRange));
        assert_eq!(ago(now - chrono::Duration::days(3), now), "3 days ago");
        assert_eq!(ago(now - chrono::Duration::minutes(1), now), "1 minute ago");
    }
}
