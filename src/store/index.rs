//! index.txt, OpenSSL's certificate database: six TAB-separated fields a line,
//! parsed and written back byte for byte.

use anyhow::{Context, bail};
use serde::Serialize;
use time::OffsetDateTime;

// Moved down to pki (which must not depend on the store); re-exported so callers keep their paths.
pub use crate::pki::asn1time::parse_asn1_time;
pub use crate::pki::reason::Reason;

/// A line's first field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    Revoked,
    Expired,
    Suspended,
}

impl Status {
    pub fn letter(self) -> char {
        match self {
            Self::Valid => 'V',
            Self::Revoked => 'R',
            Self::Expired => 'E',
            Self::Suspended => 'S',
        }
    }
}

/// The parsed revocation field: `revtime[,reason[,extra]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub time: OffsetDateTime,
    pub reason: Option<Reason>,
    /// For `holdInstruction,<OID>`, `keyTime,<time>`, `CAkeyTime,<time>`.
    pub extra: Option<String>,
    /// For keyTime / CAkeyTime: the invalidity date.
    pub invalidity: Option<OffsetDateTime>,
}

/// One line of index.txt. The fields are kept as written so the line
/// round-trips exactly; typed views parse them on demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub status: String,
    pub expiry: String,
    pub revocation: String,
    pub serial: String,
    pub file: String,
    pub subject: String,
}

impl Entry {
    /// A new V line.
    pub fn valid(not_after: OffsetDateTime, serial: &str, subject: &str) -> Self {
        Self {
            status: "V".into(),
            expiry: format_cert_time(not_after),
            revocation: String::new(),
            serial: serial.to_string(),
            file: "unknown".into(),
            subject: subject.to_string(),
        }
    }

    /// Parse one line (without its newline).
    pub fn parse(line: &str) -> anyhow::Result<Self> {
        EntryRef::parse(line).map(|e| e.to_owned())
    }

    pub fn status(&self) -> anyhow::Result<Status> {
        Ok(match self.status.as_str() {
            "V" => Status::Valid,
            "R" => Status::Revoked,
            "E" => Status::Expired,
            "S" => Status::Suspended,
            other => bail!("unknown status '{other}' (expected V, R, E or S)"),
        })
    }

    /// The status, with V lines past their notAfter shown as expired.
    pub fn effective_status(&self, now: OffsetDateTime) -> Status {
        match self.status() {
            Ok(Status::Valid) if self.not_after().is_some_and(|t| t <= now) => Status::Expired,
            Ok(s) => s,
            Err(_) => Status::Valid,
        }
    }

    pub fn not_after(&self) -> Option<OffsetDateTime> {
        parse_asn1_time(&self.expiry).ok()
    }

    pub fn revocation_info(&self) -> anyhow::Result<Revocation> {
        parse_revocation(&self.revocation)
    }

    /// Mark revoked now; OpenSSL's R-line format.
    pub fn revoke(&mut self, when: OffsetDateTime, reason: Reason) {
        self.status = "R".into();
        self.revocation = format!("{},{}", format_revocation_time(when), reason.openssl_name());
    }

    /// The line as it goes in the file, without the newline.
    pub fn to_line(&self) -> String {
        [&self.status, &self.expiry, &self.revocation, &self.serial, &self.file, &self.subject]
            .map(String::as_str)
            .join("\t")
    }

    /// The CN from the oneline subject, unescaped as far as OpenSSL escapes it.
    pub fn common_name(&self) -> Option<String> {
        subject_field(&self.subject, "CN")
    }
}

/// The revocation field `revtime[,reason[,extra]]`, parsed.
pub fn parse_revocation(field: &str) -> anyhow::Result<Revocation> {
    let mut parts = field.splitn(3, ',');
    let time_str = parts.next().unwrap_or_default();
    if time_str.is_empty() {
        bail!("an R line needs a revocation date");
    }
    let time = parse_asn1_time(time_str).with_context(|| format!("bad revocation date '{time_str}'"))?;
    let reason = match parts.next() {
        None => None,
        Some(r) => Some(Reason::from_openssl(r).with_context(|| format!("unknown revocation reason '{r}'"))?),
    };
    let extra = parts.next().map(str::to_string);
    let pseudo = match field.split(',').nth(1) {
        Some(p) if ["keyTime", "CAkeyTime", "holdInstruction"].iter().any(|k| p.eq_ignore_ascii_case(k)) => {
            p.to_ascii_lowercase()
        }
        _ => String::new(),
    };
    let invalidity = match (pseudo.as_str(), &extra) {
        ("keytime" | "cakeytime", Some(t)) => {
            Some(parse_asn1_time(t).with_context(|| format!("bad invalidity date '{t}'"))?)
        }
        ("keytime" | "cakeytime" | "holdinstruction", None) => bail!("'{pseudo}' needs a value after it"),
        _ => None,
    };
    Ok(Revocation { time, reason, extra, invalidity })
}

/// One index line borrowed from the file's text: parsing and validating it
/// allocates nothing, which matters when gen-crl walks 100,000 lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef<'a> {
    pub status: &'a str,
    pub expiry: &'a str,
    pub revocation: &'a str,
    pub serial: &'a str,
    pub file: &'a str,
    pub subject: &'a str,
    /// The parsed revocation field of an R line (validation parses it anyway).
    pub revoked: Option<Revocation>,
}

impl<'a> EntryRef<'a> {
    /// Parse and validate one line (without its newline).
    pub fn parse(line: &'a str) -> anyhow::Result<Self> {
        // Tabs are ASCII, so every bound is a character boundary of `line`.
        let [status, expiry, revocation, serial, file, subject] = field_bounds(line.as_bytes())?.map(|r| &line[r]);
        let mut e = Self { status, expiry, revocation, serial, file, subject, revoked: None };
        e.revoked = e.validate()?;
        Ok(e)
    }

    fn validate(&self) -> anyhow::Result<Option<Revocation>> {
        let status = self.status()?;
        parse_asn1_time(self.expiry).with_context(|| format!("bad expiry date '{}'", self.expiry))?;
        if self.serial.is_empty()
            || !self.serial.len().is_multiple_of(2)
            || !self.serial.bytes().all(|b| b.is_ascii_hexdigit())
        {
            bail!("bad serial '{}': expected an even number of hex digits", self.serial);
        }
        match status {
            Status::Revoked => Ok(Some(parse_revocation(self.revocation)?)),
            _ if !self.revocation.is_empty() => {
                bail!("a {} line must have an empty revocation field", self.status);
            }
            _ => Ok(None),
        }
    }

    pub fn status(&self) -> anyhow::Result<Status> {
        Ok(match self.status {
            "V" => Status::Valid,
            "R" => Status::Revoked,
            "E" => Status::Expired,
            "S" => Status::Suspended,
            other => bail!("unknown status '{other}' (expected V, R, E or S)"),
        })
    }

    pub fn not_after(&self) -> Option<OffsetDateTime> {
        parse_asn1_time(self.expiry).ok()
    }

    pub fn to_owned(&self) -> Entry {
        Entry {
            status: self.status.to_string(),
            expiry: self.expiry.to_string(),
            revocation: self.revocation.to_string(),
            serial: self.serial.to_string(),
            file: self.file.to_string(),
            subject: self.subject.to_string(),
        }
    }
}

/// The value of one attribute in an OpenSSL oneline subject (`/CN=a\/b/O=x`).
pub fn subject_field(subject: &str, key: &str) -> Option<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = subject.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('/') | Some('+')) => {
                cur.push('\\');
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '/' => {
                if !cur.is_empty() {
                    fields.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        fields.push(cur);
    }
    fields.iter().rev().find_map(|f| {
        let (k, v) = f.split_once('=')?;
        (k == key).then(|| unescape_oneline(v))
    })
}

pub use crate::pki::names::unescape_oneline;

/// A whole index.txt.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub entries: Vec<Entry>,
}

impl Index {
    /// Parse index.txt; errors name the line. A missing final newline is tolerated
    /// (the store repairs a torn last line before reading under the lock).
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut entries = Vec::new();
        if text.is_empty() {
            return Ok(Self { entries });
        }
        let body = text.strip_suffix('\n').unwrap_or(text);
        for (i, line) in body.split('\n').enumerate() {
            let e = Entry::parse(line).with_context(|| format!("line {}", i + 1))?;
            entries.push(e);
        }
        Ok(Self { entries })
    }

    /// Visit every line of an index.txt text without building an `Index`;
    /// errors name the line.
    pub fn each<'a>(text: &'a str, mut f: impl FnMut(EntryRef<'a>) -> anyhow::Result<()>) -> anyhow::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let body = text.strip_suffix('\n').unwrap_or(text);
        for (i, line) in body.split('\n').enumerate() {
            let e = EntryRef::parse(line).with_context(|| format!("line {}", i + 1))?;
            f(e)?;
        }
        Ok(())
    }

    pub fn to_text(&self) -> String {
        let mut s = String::with_capacity(self.entries.len() * 96);
        for e in &self.entries {
            s.push_str(&e.to_line());
            s.push('\n');
        }
        s
    }

    pub fn find_serial(&self, serial: &str) -> Option<usize> {
        let want = normalize_serial(serial);
        self.entries.iter().position(|e| e.serial.eq_ignore_ascii_case(&want))
    }
}

/// Upper-case, whole bytes, as `openssl ca -status` normalises its argument;
/// leading `0x` and colons are accepted too.
pub fn normalize_serial(input: &str) -> String {
    let s: String =
        input.trim().trim_start_matches("0x").trim_start_matches("0X").chars().filter(|c| *c != ':').collect();
    let s = s.to_ascii_uppercase();
    if s.len() % 2 == 1 { format!("0{s}") } else { s }
}

/// A certificate time as index.txt holds it: UTCTime before 2050, GeneralizedTime from then on.
pub fn format_cert_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    if (1950..2050).contains(&t.year()) {
        format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year() % 100,
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    } else {
        format_generalized(t)
    }
}

fn format_generalized(t: OffsetDateTime) -> String {
    format!("{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second())
}

/// A revocation time: UTCTime, the only form `openssl ca` reads back; from 2050
/// (which UTCTime cannot hold) GeneralizedTime.
pub fn format_revocation_time(t: OffsetDateTime) -> String {
    format_cert_time(t)
}

/// The byte ranges of an index line's six TAB-separated fields, found in one
/// pass without allocating: every reader of index.txt splits lines here.
pub fn field_bounds(line: &[u8]) -> anyhow::Result<[std::ops::Range<usize>; 6]> {
    let mut fields = [0..0, 0..0, 0..0, 0..0, 0..0, 0..0];
    let mut n = 0;
    let mut start = 0;
    for tab in crate::bytes::byte_positions(b'\t', line).chain(std::iter::once(line.len())) {
        if n < 6 {
            fields[n] = start..tab;
        }
        n += 1;
        start = tab + 1;
    }
    if n != 6 {
        bail!("expected 6 tab-separated fields, found {n}");
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENSSL_LINES: &str = "V\t261225114609Z\t\t01\tunknown\t/CN=a\\/b\\+c \\xC3\\xA9/O=Org\\/x
R\t261225114609Z\t261125114609Z,keyCompromise\t02\tunknown\t/CN=x
R\t20510101000000Z\t251125114609Z,CACompromise\t0A1B\tunknown\t/CN=y
R\t261225114609Z\t251125114609Z\t0C\tunknown\t/CN=z
R\t261225114609Z\t251125114609Z,keyTime,20250101000000Z\t0D\tunknown\t/CN=kt
R\t261225114609Z\t251125114609Z,holdInstruction,1.2.840.10040.2.2\t0E\tunknown\t/CN=h
E\t201225114609Z\t\t0F\tunknown\t/CN=old
";

    #[test]
    fn round_trips_openssl_lines() {
        let idx = Index::parse(OPENSSL_LINES).unwrap();
        assert_eq!(idx.to_text(), OPENSSL_LINES);
        assert_eq!(idx.entries[0].common_name().as_deref(), Some("a/b+c é"));
        let r = idx.entries[4].revocation_info().unwrap();
        assert_eq!(r.reason, Some(Reason::KeyCompromise));
        assert!(r.invalidity.is_some());
        assert_eq!(idx.entries[2].not_after().unwrap().year(), 2051);
    }

    #[test]
    fn rejects_bad_lines() {
        for bad in [
            "V\t261225114609Z\t\t01\tunknown",
            "X\t261225114609Z\t\t01\tunknown\t/CN=a",
            "V\t2612251146Z\t\t01\tunknown\t/CN=a",
            "V\t261225114609Z\t\t1\tunknown\t/CN=a",
            "R\t261225114609Z\t\t01\tunknown\t/CN=a",
            "R\t261225114609Z\t261125114609Z,bogus\t01\tunknown\t/CN=a",
            "",
        ] {
            assert!(Index::parse(&format!("{bad}\n")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_reason_round_trips() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_openssl(r.openssl_name()), Some(r));
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
    }

    #[test]
    fn times() {
        let t = parse_asn1_time("491231235959Z").unwrap();
        assert_eq!(format_cert_time(t), "491231235959Z");
        let t = parse_asn1_time("20500101000000Z").unwrap();
        assert_eq!(format_cert_time(t), "20500101000000Z");
        assert_eq!(parse_asn1_time("500101000000Z").unwrap().year(), 1950);
    }
}

/// Property tests: index.txt lines built from field-shaped pieces, valid or not,
/// never panic the parser, and what it accepts it writes back byte for byte.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::Index;

    /// index.txt lines built from field-shaped pieces, valid or not.
    fn index_line() -> impl Strategy<Value = String> {
        let status = prop_oneof![Just("V"), Just("R"), Just("E"), Just("S"), Just("X"), Just("")];
        let time = prop_oneof![
            Just("350101000000Z".to_string()),
            Just("20510101000000Z".to_string()),
            Just("991399999999Z".to_string()),
            "[0-9Z]{0,16}",
        ];
        let rev = prop_oneof![
            Just(String::new()),
            Just("250101000000Z,keyCompromise".to_string()),
            Just("250101000000Z,keyTime,250101000000Z".to_string()),
            Just("250101000000Z,holdInstruction".to_string()),
            "[0-9A-Za-z,]{0,30}",
        ];
        let serial = prop_oneof!["[0-9A-F]{2,32}", "[0-9A-Fa-fg]{0,9}"];
        let subject = "(/[A-Z]{1,2}=[^\t\n]{0,20}){0,3}";
        (status, time, rev, serial, subject)
            .prop_map(|(s, t, r, n, subj)| format!("{s}\t{t}\t{r}\t{n}\tunknown\t{subj}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn index_parse_never_panics_and_round_trips(lines in proptest::collection::vec(index_line(), 0..6), junk in any::<Vec<u8>>()) {
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            if let Ok(idx) = Index::parse(&text) {
                let again = idx.to_text();
                prop_assert_eq!(&again, &text);
                prop_assert_eq!(Index::parse(&again).map(|i| i.to_text()).ok(), Some(again));
            }
            let _ = Index::parse(&String::from_utf8_lossy(&junk));
        }
    }
}
