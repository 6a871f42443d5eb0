//! Certificate times as mtlsctl reports them: RFC 3339 for JSON, a short UTC
//! form for people, and the time left until a time.

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

/// Time left until an end, in the unit that fits (SPEC §8): "90 days",
/// "6 days 3 h" past 2 days, "23h59m", "45 min", "10 s", and "expired 10 s
/// ago" once past. Past a minute it is rounded to the nearest minute, so a
/// certificate printed the moment it was made for 90d reads "90 days", not
/// "89 days 23 h".
pub fn time_left(d: time::Duration) -> String {
    // To the nearest second: a certificate made for 1m reads "1 min" the moment it is shown.
    let ms = d.whole_milliseconds();
    let secs = i64::try_from(if ms < 0 { -((500 - ms) / 1000) } else { (ms + 500) / 1000 }).unwrap_or(i64::MIN);
    if secs < 0 {
        return format!("expired {} ago", time_left(time::Duration::seconds(secs.saturating_neg())));
    }
    if secs < 60 {
        return format!("{secs} s");
    }
    let mins = secs.saturating_add(30) / 60;
    let (days, hours) = (mins / 1440, mins % 1440 / 60);
    if mins > 2 * 1440 {
        match hours {
            0 => format!("{days} days"),
            h => format!("{days} days {h} h"),
        }
    } else if mins >= 60 {
        format!("{}h{:02}m", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    }
}

/// How long until `t`, from now, in the words of [`time_left`].
pub fn time_left_until(t: OffsetDateTime) -> String {
    time_left(t - OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_is_in_the_unit_that_fits() {
        let d = time::Duration::seconds;
        assert_eq!(time_left(d(90 * 86_400)), "90 days");
        // Printed a moment after issuing 90d or 1m: still 90 days, 1 min.
        assert_eq!(time_left(time::Duration::days(90) - time::Duration::milliseconds(300)), "90 days");
        assert_eq!(time_left(time::Duration::minutes(1) - time::Duration::milliseconds(300)), "1 min");
        assert_eq!(time_left(time::Duration::milliseconds(-10_400)), "expired 10 s ago");
        assert_eq!(time_left(d(89 * 86_400 + 23 * 3600 + 5 * 60)), "89 days 23 h");
        assert_eq!(time_left(d(6 * 86_400 + 3 * 3600 + 5)), "6 days 3 h");
        assert_eq!(time_left(d(2 * 86_400 + 60)), "2 days");
        assert_eq!(time_left(d(2 * 86_400)), "48h00m");
        assert_eq!(time_left(d(86_400)), "24h00m");
        assert_eq!(time_left(d(86_399 - 59)), "23h59m");
        assert_eq!(time_left(d(8 * 3600)), "8h00m");
        assert_eq!(time_left(d(3600)), "1h00m");
        assert_eq!(time_left(d(45 * 60 + 10)), "45 min");
        assert_eq!(time_left(d(59)), "59 s");
        assert_eq!(time_left(d(60)), "1 min");
        assert_eq!(time_left(d(10)), "10 s");
        assert_eq!(time_left(d(0)), "0 s");
        assert_eq!(time_left(d(-10)), "expired 10 s ago");
        assert_eq!(time_left(d(-3 * 86_400)), "expired 3 days ago");
        assert!(time_left(d(i64::MIN)).starts_with("expired "), "no overflow");
    }

    #[test]
    fn formats() {
        let t = time::macros::datetime!(2026-01-02 03:04:05 +01:00);
        assert_eq!(rfc3339(t), "2026-01-02T02:04:05Z");
        assert_eq!(human_time(t), "2026-01-02 02:04 UTC");
    }
}
