//! What users type into flags (durations, times, serials, SANs), parsed once,
//! when clap reads the command line.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::builder::ValueParserFactory;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::pki::names::San;

/// A flag's value, parsed when clap reads the command line. A value that does
/// not parse is not a usage error: the command reports it where it checks its
/// input, in its own words and with exit 1, so the order of the checks and
/// the exit codes stay what users and scripts know.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    text: String,
    value: Result<T, ParseError>,
}

impl<T: Clone> Parsed<T> {
    /// The value as the user typed it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value, or why it does not parse.
    pub fn get(&self) -> anyhow::Result<T> {
        self.value.clone().map_err(anyhow::Error::new)
    }
}

/// What a flag of type `Parsed<Self>` parses into.
pub trait FlagValue: Sized + Clone + Send + Sync + 'static {
    fn parse_flag(text: &str) -> anyhow::Result<Self>;
}

impl<T: FlagValue> Parsed<T> {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_string(), value: T::parse_flag(text).map_err(|e| ParseError(Arc::new(e))) }
    }
}

impl<T: FlagValue> ValueParserFactory for Parsed<T> {
    type Parser = fn(&str) -> Result<Self, Infallible>;

    fn value_parser() -> Self::Parser {
        |text| Ok(Self::new(text))
    }
}

/// A parse error kept until the command asks for the value: it prints as the
/// error it holds, with the same causes.
#[derive(Debug, Clone)]
struct ParseError(Arc<anyhow::Error>);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl FlagValue for Duration {
    fn parse_flag(text: &str) -> anyhow::Result<Self> {
        parse_duration(text)
    }
}

impl FlagValue for OffsetDateTime {
    fn parse_flag(text: &str) -> anyhow::Result<Self> {
        parse_time(text)
    }
}

impl FlagValue for San {
    fn parse_flag(text: &str) -> anyhow::Result<Self> {
        San::parse(text)
    }
}

/// A serial number as typed (`--serial`): as given, for messages and for the
/// store to check, and in the form index.txt holds (upper-case hex, an even
/// number of digits, no `0x` or colons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serial {
    given: String,
    hex: String,
}

impl Serial {
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The serial as index.txt spells it; not checked to be hex.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl std::str::FromStr for Serial {
    type Err = Infallible;

    fn from_str(text: &str) -> Result<Self, Infallible> {
        Ok(Self { given: text.to_string(), hex: crate::store::index::normalize_serial(text) })
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_reads_a_duration_or_a_percentage_of_the_lifetime() {
        let t0 = time::macros::datetime!(2026-12-01 00:00 UTC);
        let end = t0 + Duration::hours(24);
        let w = |s: &str| Window::parse_flag(s).unwrap();
        assert_eq!(w("8h"), Window::Left(Duration::hours(8)));
        assert!(!w("8h").due(t0, end, t0 + Duration::hours(15)));
        assert!(w("8h").due(t0, end, t0 + Duration::hours(16)));
        assert!(!w("50%").due(t0, end, t0 + Duration::hours(11)));
        assert!(w("50%").due(t0, end, t0 + Duration::hours(12)));
        assert!(w("100%").due(t0, end, t0));
        assert!(Window::parse_flag("101%").is_err());
        assert!(Window::parse_flag("x%").is_err());
        assert!(Window::parse_flag("soon").is_err());
    }
    use crate::pki::dates::rfc3339;

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
    }

    #[test]
    fn times() {
        assert_eq!(rfc3339(parse_time("2026-01-02T03:04:05Z").unwrap()), "2026-01-02T03:04:05Z");
        assert_eq!(rfc3339(parse_time("2026-01-02").unwrap()), "2026-01-02T00:00:00Z");
        assert!(parse_time("yesterday").is_err());
    }

    /// A bad value waits for the command, and then reads as the parser's
    /// error with the same causes.
    #[test]
    fn a_bad_value_keeps_its_error_and_causes() {
        let bad: Parsed<Duration> = Parsed::new("99999999999999999999d");
        assert_eq!(bad.text(), "99999999999999999999d");
        let direct = parse_duration("99999999999999999999d").unwrap_err();
        let kept = bad.get().unwrap_err();
        let words = |e: &anyhow::Error| e.chain().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(words(&kept), words(&direct));
        assert_eq!(words(&kept).len(), 2, "{kept:#}");
        assert_eq!(Parsed::<Duration>::new("7d").get().unwrap(), Duration::days(7));
    }

    #[test]
    fn serials_keep_what_was_typed() {
        let s: Serial = "0x3a:7f:0".parse().unwrap();
        assert_eq!(s.given(), "0x3a:7f:0");
        assert_eq!(s.hex(), "03A7F0");
    }
}

/// Property tests: whatever is typed into a duration or time flag parses or
/// is refused, never a panic.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn durations_and_times_never_panic(text in "[0-9a-zA-Z .:+-]{0,24}") {
            let _ = Parsed::<Duration>::new(&text).get();
            let _ = parse_time(&text);
        }
    }
}

/// `--before DURATION|PERCENT`: how close to its end a certificate or CRL is
/// due, as time left or as a share of its lifetime left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    Left(Duration),
    /// Percent of the lifetime (0 to 100).
    Share(f64),
}

impl Window {
    /// Due when at most the window of `[start, end]` remains at `now`.
    pub fn due(self, start: OffsetDateTime, end: OffsetDateTime, now: OffsetDateTime) -> bool {
        let left = end - now;
        match self {
            Self::Left(d) => left <= d,
            Self::Share(p) if p >= 100.0 => true,
            Self::Share(p) => left <= (end - start) * (p / 100.0),
        }
    }
}

impl FlagValue for Window {
    fn parse_flag(text: &str) -> anyhow::Result<Self> {
        if let Some(n) = text.trim().strip_suffix('%') {
            let p: f64 = n.trim().parse().with_context(|| format!("'{text}' is not a percentage (e.g. 33%)"))?;
            if !(0.0..=100.0).contains(&p) {
                bail!("'{text}' is not between 0% and 100%");
            }
            return Ok(Self::Share(p));
        }
        parse_duration(text).map(Self::Left)
    }
}
