//! Certificate times as mtlsctl reports them: RFC 3339 for JSON, a short UTC
//! form for people, and days left until a time.

use time::OffsetDateTime;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = time::macros::datetime!(2026-01-02 03:04:05 +01:00);
        assert_eq!(rfc3339(t), "2026-01-02T02:04:05Z");
        assert_eq!(human_time(t), "2026-01-02 02:04 UTC");
    }
}
