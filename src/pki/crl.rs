//! CRLs as bytes: loading (PEM or DER, several in one file), finding an entry,
//! and the next CRL number as OpenSSL writes it.

use anyhow::{Context, anyhow, bail};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use crate::store::index::Reason;

/// CRLs (DER) from PEM (any number of `X509 CRL` blocks) or one DER CRL.
pub fn load_crls(bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    if bytes.is_empty() {
        bail!("the file is empty");
    }
    let ders: Vec<Vec<u8>> = if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let blocks = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
        let crls: Vec<Vec<u8>> =
            blocks.into_iter().filter(|p| p.tag() == "X509 CRL").map(pem::Pem::into_contents).collect();
        if crls.is_empty() {
            bail!("no X509 CRL block in this PEM file");
        }
        crls
    } else {
        vec![bytes.to_vec()]
    };
    for (i, der) in ders.iter().enumerate() {
        parse(der).with_context(|| format!("CRL #{} in the file", i + 1))?;
    }
    Ok(ders)
}

/// Parse one DER CRL, insisting that nothing trails it.
pub fn parse(der: &[u8]) -> anyhow::Result<CertificateRevocationList<'_>> {
    let (rest, crl) = CertificateRevocationList::from_der(der).map_err(|e| anyhow!("not a valid CRL: {e}"))?;
    if !rest.is_empty() {
        bail!("{} bytes of garbage after the CRL", rest.len());
    }
    Ok(crl)
}

pub fn to_pem(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("X509 CRL", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// What a CRL says about one certificate.
#[derive(Debug, Clone)]
pub struct Listed {
    pub revoked_at: OffsetDateTime,
    pub reason: Option<Reason>,
    pub invalidity: Option<OffsetDateTime>,
}

/// Serial bytes without DER's sign-padding zero.
fn trim_serial(raw: &[u8]) -> &[u8] {
    match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => raw,
    }
}

/// The entry for a serial (raw certificate serial bytes) in a CRL issued by `issuer_raw`.
pub fn find(crl_der: &[u8], issuer_raw: &[u8], serial_raw: &[u8]) -> Option<Listed> {
    let crl = parse(crl_der).ok()?;
    if crl.issuer().as_raw() != issuer_raw {
        return None;
    }
    let want = trim_serial(serial_raw);
    crl.iter_revoked_certificates().find(|r| trim_serial(r.raw_serial()) == want).map(|r| Listed {
        revoked_at: r.revocation_date.to_datetime(),
        reason: r.reason_code().and_then(|(_, rc)| Reason::from_code(rc.0)),
        invalidity: r.invalidity_date().map(|(_, t)| t.to_datetime()),
    })
}

/// The earliest nextUpdate among the CRLs (the first one to lock clients out).
pub fn earliest_next_update(ders: &[Vec<u8>]) -> Option<OffsetDateTime> {
    ders.iter().filter_map(|d| parse(d).ok()?.next_update().map(|t| t.to_datetime())).min()
}

/// Parse a `crlnumber`/`serial` file: one line of hex digits.
pub fn parse_hex_number(text: &str) -> anyhow::Result<Vec<u8>> {
    let s = text.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("expected a line of hex digits, found {s:?}");
    }
    let padded = if s.len() % 2 == 1 { format!("0{s}") } else { s.to_string() };
    (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).map_err(|e| anyhow!("bad hex: {e}")))
        .collect()
}

/// A number plus one, big-endian, as `BN_add_word` would.
pub fn increment(n: &[u8]) -> Vec<u8> {
    let mut out = n.to_vec();
    for b in out.iter_mut().rev() {
        let (v, carry) = b.overflowing_add(1);
        *b = v;
        if !carry {
            return strip_leading_zeros(out);
        }
    }
    out.insert(0, 1);
    out
}

fn strip_leading_zeros(mut v: Vec<u8>) -> Vec<u8> {
    while v.len() > 1 && v[0] == 0 {
        v.remove(0);
    }
    v
}

/// The number as OpenSSL writes `crlnumber`: upper-case hex, an even number of digits.
pub fn format_hex_number(n: &[u8]) -> String {
    let n = strip_leading_zeros(n.to_vec());
    if n.is_empty() { "00".to_string() } else { crate::util::hex_upper(&n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(format_hex_number(&increment(&parse_hex_number("01\n").unwrap())), "02");
        assert_eq!(format_hex_number(&increment(&parse_hex_number("FF").unwrap())), "0100");
        assert_eq!(format_hex_number(&increment(&parse_hex_number("0a").unwrap())), "0B");
        assert_eq!(format_hex_number(&increment(&parse_hex_number("1FF").unwrap())), "0200");
        assert!(parse_hex_number("zz").is_err());
        assert!(parse_hex_number("").is_err());
    }
}
