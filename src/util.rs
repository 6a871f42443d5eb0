//! Small parsers shared by commands: durations, times, hex.

use anyhow::{Context, bail};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Parse a duration such as `24h`, `7d`, `90d`, `1y`, `2w`, `30m`, `1y6d` or `90s`.
/// A year is 365 days. Zero is accepted here; callers refuse it where it makes no sense.
pub fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let s = text.trim();
    if s.is_empty() {
        bail!("empty duration (use e.g. 24h, 7d, 90d, 1y)");
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if digits.is_empty() {
            bail!("invalid duration '{text}': expected a number before '{ch}' (use e.g. 24h, 7d, 90d, 1y)");
        }
        let n: i64 = digits.parse().with_context(|| format!("invalid duration '{text}': number too large"))?;
        digits.clear();
        let unit: i64 = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            'y' => 365 * 86_400,
            _ => bail!("invalid duration '{text}': unknown unit '{ch}' (use s, m, h, d, w or y)"),
        };
        let part = n.checked_mul(unit).context("duration too large")?;
        total = total.checked_add(part).context("duration too large")?;
    }
    if !digits.is_empty() {
        bail!("invalid duration '{text}': missing unit after {digits} (use e.g. {digits}d)");
    }
    // Nobody needs a certificate valid for more than a millennium; it also keeps dates in range.
    if total > 1000 * 365 * 86_400 {
        bail!("invalid duration '{text}': longer than 1000 years");
    }
    Ok(Duration::seconds(total))
}

/// Describe a duration the way a person would write it back.
pub fn format_duration(d: Duration) -> String {
    let secs = d.whole_seconds();
    if secs % (365 * 86_400) == 0 && secs != 0 {
        format!("{}y", secs / (365 * 86_400))
    } else if secs % 86_400 == 0 && secs != 0 {
        format!("{}d", secs / 86_400)
    } else if secs % 3600 == 0 && secs != 0 {
        format!("{}h", secs / 3600)
    } else if secs % 60 == 0 && secs != 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// Parse a point in time: RFC 3339 (`2026-01-02T03:04:05Z`), a date (`2026-01-02`,
/// midnight UTC), `now`, or `now+DURATION` / `now-DURATION`, or `+DURATION`.
pub fn parse_time(text: &str) -> anyhow::Result<OffsetDateTime> {
    let s = text.trim();
    let now = OffsetDateTime::now_utc();
    if s == "now" {
        return Ok(now);
    }
    for (prefix, sign) in [("now+", 1), ("now-", -1), ("+", 1), ("-", -1)] {
        if let Some(rest) = s.strip_prefix(prefix) {
            let d = parse_duration(rest)?;
            return Ok(if sign > 0 { now + d } else { now - d });
        }
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(s, &date_fmt) {
        return Ok(d.midnight().assume_utc());
    }
    bail!("invalid time '{text}' (use RFC 3339 like 2026-01-02T03:04:05Z, a date like 2026-01-02, or now+7d)")
}

/// RFC 3339 in UTC, seconds precision: what every JSON field uses.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A date for people: `2026-02-23 11:42 UTC`.
pub fn human_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&fmt).unwrap_or_else(|_| rfc3339(t))
}

/// Whole days from now until `t` (negative when past).
pub fn days_left(t: OffsetDateTime) -> i64 {
    (t - OffsetDateTime::now_utc()).whole_days()
}

/// Upper-case hex of bytes, no separators.
pub fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Colon-separated upper-case hex, as `openssl x509 -text` shows key identifiers.
pub fn hex_colon(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h").unwrap(), Duration::hours(24));
        assert_eq!(parse_duration("90d").unwrap(), Duration::days(90));
        assert_eq!(parse_duration("1y").unwrap(), Duration::days(365));
        assert_eq!(parse_duration("1y6d").unwrap(), Duration::days(371));
        assert_eq!(parse_duration("0d").unwrap(), Duration::ZERO);
        for bad in ["", "d", "7", "7x", "-1d", "99999999999999999999d", "5000y"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(Duration::days(90)), "90d");
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(parse_time("2026-01-02T03:04:05Z").unwrap()), "2026-01-02T03:04:05Z");
        assert_eq!(rfc3339(parse_time("2026-01-02").unwrap()), "2026-01-02T00:00:00Z");
        assert!(parse_time("yesterday").is_err());
    }
}
