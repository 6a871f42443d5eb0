//! ASN.1 times as index.txt and CRLs spell them (UTCTime and GeneralizedTime, UTC).

use anyhow::{Context, bail};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Parse `YYMMDDHHMMSSZ` (UTCTime, 50-99 = 19xx) or `YYYYMMDDHHMMSSZ`.
pub fn parse_asn1_time(s: &str) -> anyhow::Result<OffsetDateTime> {
    let digits = s.strip_suffix('Z').context("missing trailing Z")?.as_bytes();
    if !digits.iter().all(u8::is_ascii_digit) {
        bail!("not digits");
    }
    // Digits only from here: two-digit fields are plain arithmetic (this runs
    // for every line of a 100,000-line index).
    let two = |i: usize| (digits[i] - b'0') * 10 + (digits[i + 1] - b'0');
    let (year, rest) = match digits.len() {
        12 => {
            let yy = i32::from(two(0));
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        14 => (i32::from(two(0)) * 100 + i32::from(two(2)), 4),
        n => bail!("expected 13 or 15 characters, found {}", n + 1),
    };
    let month = Month::try_from(two(rest)).context("bad month")?;
    let date = Date::from_calendar_date(year, month, two(rest + 2)).context("bad day")?;
    let time = Time::from_hms(two(rest + 4), two(rest + 6), two(rest + 8)).context("bad time of day")?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}
