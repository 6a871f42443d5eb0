//! CRLs as bytes: loading (PEM or DER, several in one file), finding an entry,
//! and the next CRL number as OpenSSL writes it.

use anyhow::{Context, anyhow, bail};
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::reason::Reason;

/// CRLs (DER) from PEM (any number of `X509 CRL` blocks) or one DER CRL.
pub fn load_crls(bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    if bytes.is_empty() {
        bail!("the file is empty");
    }
    let ders: Vec<Vec<u8>> = if crate::bytes::find(bytes, b"-----BEGIN ").is_some() {
        let crls = pem_crl_blocks(bytes)?;
        if crls.is_empty() {
            bail!("no X509 CRL block in this PEM file");
        }
        crls
    } else {
        vec![bytes.to_vec()]
    };
    // Only the envelope and header are checked here: a full parse of a large CRL
    // costs more than the whole verification, and every consumer parses it anyway.
    for (i, der) in ders.iter().enumerate() {
        check_envelope(der).with_context(|| format!("CRL #{} in the file", i + 1))?;
    }
    Ok(ders)
}

/// The `X509 CRL` blocks of a PEM file. A CRL of 100,000 entries is 6 MB of
/// base64: decoding it in one pass here is several times faster than a general
/// PEM parser that builds strings line by line.
fn pem_crl_blocks(bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for body in crl_pem_bodies(bytes) {
        let body = body?;
        out.push(decode_base64_lines(body)?);
    }
    Ok(out)
}

/// Decode a PEM body line by line straight into the output: lines whose
/// length is a multiple of 4 (all of them, as PEM writers wrap at 64) decode
/// on their own, so the 6 MB body is never copied first.
fn decode_base64_lines(body: &[u8]) -> anyhow::Result<Vec<u8>> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let bad = |e: base64::DecodeError| anyhow!("malformed PEM: bad base64 in an X509 CRL block ({e})");
    let lines: Vec<&[u8]> = body.split(|b| *b == b'\n').map(<[u8]>::trim_ascii).filter(|l| !l.is_empty()).collect();
    if lines.iter().all(|l| l.len() % 4 == 0) {
        let mut der = Vec::with_capacity(body.len() / 4 * 3);
        for line in lines {
            engine.decode_vec(line, &mut der).map_err(bad)?;
        }
        return Ok(der);
    }
    engine.decode(lines.concat()).map_err(bad)
}

/// The base64 bodies of the `X509 CRL` blocks, found without scanning the
/// bodies byte by byte for markers: base64 has no '-', so the first '-' after
/// a BEGIN line starts its END line.
fn crl_pem_bodies(bytes: &[u8]) -> impl Iterator<Item = anyhow::Result<&[u8]>> {
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let at = crate::bytes::find(rest, BEGIN)?;
        let body_start = &rest[at + BEGIN.len()..];
        let dash = crate::bytes::find_byte(b'-', body_start).unwrap_or(body_start.len());
        if !body_start[dash..].starts_with(END) {
            rest = &[];
            return Some(Err(anyhow!("malformed PEM: a BEGIN X509 CRL line without its END line")));
        }
        rest = &body_start[dash + END.len()..];
        Some(Ok(&body_start[..dash]))
    })
}

/// One DER SEQUENCE spanning exactly the bytes given, with a readable CRL header.
fn check_envelope(der: &[u8]) -> anyhow::Result<()> {
    match tlv(der, 0) {
        Some((0x30, _, end)) if end == der.len() => {}
        Some((0x30, _, end)) if end < der.len() => bail!("{} bytes of garbage after the CRL", der.len() - end),
        _ => bail!("not a valid CRL: truncated or not DER"),
    }
    if header_of_der(der).is_none() {
        bail!("not a valid CRL: unreadable header");
    }
    Ok(())
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

/// The entry for a certificate (`serial_raw`) in whichever CRL of `bytes` (a
/// PEM bundle or one DER CRL) `issuer` issued and signed. The other CRLs are
/// told apart by their header and never decoded whole, so a bundle that also
/// holds a large CRL of another CA costs little.
pub fn find_signed(
    bytes: &[u8],
    issuer: &x509_parser::certificate::X509Certificate<'_>,
    serial_raw: &[u8],
) -> Option<Listed> {
    use base64::Engine as _;
    let want = issuer.subject().as_raw();
    let listed_in = |der: &[u8]| {
        let crl = parse(der).ok()?;
        crl.verify_signature(issuer.public_key()).ok()?;
        find(der, want, serial_raw)
    };
    if crate::bytes::find(bytes, b"-----BEGIN ").is_none() {
        return header_of_der(bytes).filter(|h| h.issuer_raw == want).and_then(|_| listed_in(bytes));
    }
    let engine = base64::engine::general_purpose::STANDARD;
    crl_pem_bodies(bytes).map_while(Result::ok).find_map(|body| {
        let b64: Vec<u8> = body.iter().filter(|b| !b.is_ascii_whitespace()).take(2048).copied().collect();
        let usable = b64.len() - b64.len() % 4;
        let head = engine.decode(&b64[..usable]).or_else(|_| engine.decode(b64.trim_ascii_end())).ok()?;
        header_of_der(&head).filter(|h| h.issuer_raw == want)?;
        listed_in(&decode_base64_lines(body).ok()?)
    })
}

/// The earliest nextUpdate among the CRLs (the first one to lock clients out).
pub fn earliest_next_update(ders: &[Vec<u8>]) -> Option<OffsetDateTime> {
    ders.iter().filter_map(|d| header_of_der(d)?.next_update).min()
}

/// What the first few hundred bytes of a CRL say: who issued it and when it
/// expires. Reading only the header keeps the expiry warnings of every signing
/// command O(1), however many entries the CRL lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub issuer_raw: Vec<u8>,
    pub this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
}

/// The header of each CRL in a PEM file (or of one DER CRL), decoding only each block's start.
pub fn headers(bytes: &[u8]) -> Vec<Header> {
    use base64::Engine as _;
    if crate::bytes::find(bytes, b"-----BEGIN ").is_none() {
        return header_of_der(bytes).into_iter().collect();
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    for body in crl_pem_bodies(bytes).map_while(Result::ok) {
        // 2 KiB of base64 is 1.5 KiB of DER: room for any realistic issuer name.
        let b64: Vec<u8> = body.iter().filter(|b| !b.is_ascii_whitespace()).take(2048).copied().collect();
        let usable = b64.len() - b64.len() % 4;
        if let Ok(der) = engine.decode(&b64[..usable]).or_else(|_| engine.decode(b64.trim_ascii_end())) {
            out.extend(header_of_der(&der));
        }
    }
    out
}

/// One DER TLV at `pos`: (tag, content start, content end). The end may lie
/// past a truncated buffer; callers only step into or over what they need.
pub(crate) fn tlv(buf: &[u8], pos: usize) -> Option<(u8, usize, usize)> {
    let tag = *buf.get(pos)?;
    let first = *buf.get(pos + 1)? as usize;
    let (len, start) = if first < 0x80 {
        (first, pos + 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *buf.get(pos + 2 + i)? as usize;
        }
        (len, pos + 2 + n)
    };
    Some((tag, start, start.checked_add(len)?))
}

pub(crate) fn time_at(buf: &[u8], pos: usize) -> Option<(OffsetDateTime, usize)> {
    let (tag, start, end) = tlv(buf, pos)?;
    if tag != 0x17 && tag != 0x18 {
        return None;
    }
    let text = std::str::from_utf8(buf.get(start..end)?).ok()?;
    Some((super::asn1time::parse_asn1_time(text).ok()?, end))
}

fn header_of_der(der: &[u8]) -> Option<Header> {
    let (tag, outer, _) = tlv(der, 0)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, mut pos, _) = tlv(der, outer)?;
    if tag != 0x30 {
        return None;
    }
    if let Some((0x02, _, end)) = tlv(der, pos) {
        pos = end; // version
    }
    let (_, _, sig_end) = tlv(der, pos)?; // signature algorithm
    let (tag, _, issuer_end) = tlv(der, sig_end)?;
    if tag != 0x30 {
        return None;
    }
    let issuer_raw = der.get(sig_end..issuer_end)?.to_vec();
    let (this_update, after) = time_at(der, issuer_end)?;
    let next_update = time_at(der, after).map(|(t, _)| t);
    Some(Header { issuer_raw, this_update, next_update })
}

/// One revoked certificate as it goes into a CRL.
#[derive(Debug, Clone)]
pub struct Revoked {
    /// The serial's bytes, big-endian, as index.txt spells them.
    pub serial: Vec<u8>,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<Reason>,
    pub invalidity: Option<OffsetDateTime>,
}

/// Sign a CRL listing `revoked`. rcgen builds and signs the CRL without
/// entries (header, extensions, algorithm identifiers); the entries are then
/// encoded here straight into one buffer, DER exactly as rcgen writes them,
/// and the TBSCertList is signed again with the same key. For 100,000 entries
/// this avoids rcgen's per-entry allocations and the copies its DER writer
/// makes of nested sequences, which dominated gen-crl's time.
pub fn sign_crl(
    params: rcgen::CertificateRevocationListParams,
    issuer: &rcgen::Issuer<'_, &rcgen::KeyPair>,
    revoked: &[Revoked],
) -> anyhow::Result<Vec<u8>> {
    use rcgen::SigningKey as _;
    let mut params = params;
    params.revoked_certs = Vec::new();
    let base = params.signed_by(issuer).map_err(|e| anyhow!("cannot sign the CRL: {e}"))?.der().to_vec();
    if revoked.is_empty() {
        return Ok(base);
    }
    let (_, outer, outer_end) = tlv(&base, 0).context("rcgen wrote an unreadable CRL")?;
    let (_, tbs_start, tbs_end) = tlv(&base, outer).context("rcgen wrote an unreadable CRL")?;
    let alg = base.get(tbs_end..outer_end).and_then(|rest| tlv(rest, 0).map(|(_, _, e)| &rest[..e]));
    let alg = alg.context("rcgen wrote an unreadable CRL")?.to_vec();
    // TBSCertList children up to nextUpdate, then the extensions ([0]).
    let mut pos = tbs_start;
    for _ in 0..5 {
        pos = tlv(&base, pos).context("rcgen wrote an unreadable CRL")?.2;
    }
    let (head, exts) = (&base[tbs_start..pos], &base[pos..tbs_end]);

    let mut entries = Vec::with_capacity(revoked.len() * 48);
    for r in revoked {
        push_entry(&mut entries, r);
    }
    let mut content = Vec::with_capacity(head.len() + entries.len() + exts.len() + 8);
    content.extend_from_slice(head);
    push_tlv_header(&mut content, 0x30, entries.len());
    content.extend_from_slice(&entries);
    content.extend_from_slice(exts);
    drop(entries);
    let mut tbs = Vec::with_capacity(content.len() + 6);
    push_tlv_header(&mut tbs, 0x30, content.len());
    tbs.extend_from_slice(&content);
    drop(content);

    let sig = issuer.key().sign(&tbs).map_err(|e| anyhow!("cannot sign the CRL: {e}"))?;
    let mut body = tbs;
    body.extend_from_slice(&alg);
    push_tlv_header(&mut body, 0x03, sig.len() + 1);
    body.push(0);
    body.extend_from_slice(&sig);
    let mut der = Vec::with_capacity(body.len() + 6);
    push_tlv_header(&mut der, 0x30, body.len());
    der.extend_from_slice(&body);
    Ok(der)
}

fn push_tlv_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// RFC 5280 Time: UTCTime from 1950 to 2049, GeneralizedTime otherwise (or
/// always, for `generalized`). Digits are written directly: this runs twice
/// per entry of a CRL that may hold 100,000.
fn push_time(out: &mut Vec<u8>, t: OffsetDateTime, generalized: bool) {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = t.year();
    let utc = !generalized && (1950..2050).contains(&year);
    let two = |out: &mut Vec<u8>, v: u8| out.extend_from_slice(&[b'0' + v / 10, b'0' + v % 10]);
    if utc {
        out.extend_from_slice(&[0x17, 13]);
        two(out, (year % 100) as u8);
    } else {
        out.extend_from_slice(&[0x18, 15]);
        let y = year.clamp(0, 9999) as u16;
        two(out, (y / 100) as u8);
        two(out, (y % 100) as u8);
    }
    for v in [t.month() as u8, t.day(), t.hour(), t.minute(), t.second()] {
        two(out, v);
    }
    out.push(b'Z');
}

/// One revokedCertificates entry, as rcgen encodes it: serial, date, and the
/// reasonCode (absent for unspecified, RFC 5280 §5.3.1) and invalidityDate
/// (always GeneralizedTime, §5.3.2) extensions.
fn push_entry(out: &mut Vec<u8>, r: &Revoked) {
    let mut serial: &[u8] = &r.serial;
    while serial.first() == Some(&0) {
        serial = &serial[1..];
    }
    let mut body = Vec::with_capacity(64);
    match serial.first() {
        None => body.extend_from_slice(&[0x02, 0x01, 0x00]),
        Some(b) if b & 0x80 != 0 => {
            push_tlv_header(&mut body, 0x02, serial.len() + 1);
            body.push(0);
            body.extend_from_slice(serial);
        }
        Some(_) => {
            push_tlv_header(&mut body, 0x02, serial.len());
            body.extend_from_slice(serial);
        }
    }
    push_time(&mut body, r.revoked_at, false);
    let reason = r.reason.filter(|x| *x != Reason::Unspecified);
    if reason.is_some() || r.invalidity.is_some() {
        let mut exts = Vec::with_capacity(40);
        if let Some(reason) = reason {
            // SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED code } }
            exts.extend_from_slice(&[0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01, reason.code()]);
        }
        if let Some(t) = r.invalidity {
            // SEQUENCE { OID 2.5.29.24, OCTET STRING { GeneralizedTime } }
            exts.extend_from_slice(&[0x30, 0x18, 0x06, 0x03, 0x55, 0x1d, 0x18, 0x04, 0x11]);
            push_time(&mut exts, t, true);
        }
        push_tlv_header(&mut body, 0x30, exts.len());
        body.extend_from_slice(&exts);
    }
    push_tlv_header(out, 0x30, body.len());
    out.extend_from_slice(&body);
}

/// Parse a `crlnumber`/`serial` file: one line of hex digits.
pub fn parse_hex_number(text: &str) -> anyhow::Result<Vec<u8>> {
    let s = text.trim().as_bytes();
    let nibble = |b: u8| -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    };
    if s.is_empty() || !s.iter().all(u8::is_ascii_hexdigit) {
        bail!("expected a line of hex digits, found {:?}", text.trim());
    }
    let mut out = Vec::with_capacity(s.len().div_ceil(2));
    let (head, rest) = if s.len() % 2 == 1 { (Some(s[0]), &s[1..]) } else { (None, s) };
    if let Some(h) = head {
        out.extend(nibble(h));
    }
    for pair in rest.chunks_exact(2) {
        if let (Some(hi), Some(lo)) = (nibble(pair[0]), nibble(pair[1])) {
            out.push(hi << 4 | lo);
        }
    }
    Ok(out)
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
    if n.is_empty() { "00".to_string() } else { crate::pki::hex::hex_upper(&n) }
}

/// The CAs of `chain` (DER, this CA first, the root last) that no CRL in
/// `crls` speaks for: no CRL there names the CA as issuer and verifies with
/// its key. Their display names, in chain order; empty when the bundle covers
/// the whole chain, as nginx's `ssl_crl` (which checks every CA) needs.
pub fn uncovered(chain: &[Vec<u8>], crls: &[Vec<u8>]) -> Vec<String> {
    let parsed: Vec<CertificateRevocationList<'_>> = crls.iter().filter_map(|d| parse(d).ok()).collect();
    chain
        .iter()
        .filter_map(|der| super::certinfo::parse(der).ok())
        .filter(|ca| {
            !parsed
                .iter()
                .any(|c| c.issuer().as_raw() == ca.subject().as_raw() && c.verify_signature(ca.public_key()).is_ok())
        })
        .map(|ca| super::names::display_name(ca.subject()))
        .collect()
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

    /// A CA key and the parameters of a CA that may sign CRLs.
    fn test_ca() -> (rcgen::KeyPair, rcgen::CertificateParams) {
        let ca = crate::pki::keys::KeyType::EcP256.generate().unwrap();
        let mut p = rcgen::CertificateParams::default();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.key_usages = vec![rcgen::KeyUsagePurpose::CrlSign, rcgen::KeyUsagePurpose::KeyCertSign];
        (ca, p)
    }

    /// Our entry encoder must produce exactly the TBSCertList rcgen would.
    #[test]
    fn sign_crl_encodes_entries_as_rcgen_does() {
        let (ca, p) = test_ca();
        let issuer = rcgen::Issuer::new(p, &ca);
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let old = now - time::Duration::days(40 * 365);
        let late = now + time::Duration::days(30 * 365);
        let mut revoked = Vec::new();
        for (i, serial) in [vec![0x01], vec![0x80], vec![0x00, 0x7f], vec![0x00], vec![0xff; 20], vec![0x12; 16]]
            .into_iter()
            .enumerate()
        {
            for (j, reason) in
                [None, Some(Reason::Unspecified), Some(Reason::KeyCompromise), Some(Reason::RemoveFromCrl)]
                    .into_iter()
                    .enumerate()
            {
                let mut serial = serial.clone();
                serial.push((i * 4 + j) as u8);
                revoked.push(Revoked {
                    serial,
                    revoked_at: [now, old, late][(i + j) % 3],
                    reason,
                    invalidity: (j % 2 == 1).then_some(old),
                });
            }
        }
        let params = |with: bool| rcgen::CertificateRevocationListParams {
            this_update: now,
            next_update: now + time::Duration::days(7),
            crl_number: rcgen::SerialNumber::from_slice(&[0x10, 0x01]),
            issuing_distribution_point: None,
            revoked_certs: if with {
                revoked
                    .iter()
                    .map(|r| rcgen::RevokedCertParams {
                        serial_number: rcgen::SerialNumber::from_slice(&r.serial),
                        revocation_time: r.revoked_at,
                        reason_code: r.reason.map(|x| match x {
                            Reason::Unspecified => rcgen::RevocationReason::Unspecified,
                            Reason::KeyCompromise => rcgen::RevocationReason::KeyCompromise,
                            _ => rcgen::RevocationReason::RemoveFromCrl,
                        }),
                        invalidity_date: r.invalidity,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        };
        let theirs = params(true).signed_by(&issuer).unwrap().der().to_vec();
        let ours = sign_crl(params(false), &issuer, &revoked).unwrap();
        let tbs = |der: &[u8]| {
            let (_, start, _) = tlv(der, 0).unwrap();
            let (_, _, end) = tlv(der, start).unwrap();
            der[start..end].to_vec()
        };
        assert_eq!(tbs(&ours), tbs(&theirs));
        // And the whole CRL parses, with its signature over our TBS verifying.
        let crl = parse(&ours).unwrap();
        assert_eq!(crl.iter_revoked_certificates().count(), revoked.len());
        let spki = rcgen::PublicKeyData::subject_public_key_info(&ca);
        let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki).unwrap();
        crl.verify_signature(&spki).unwrap();
    }

    #[test]
    fn header_matches_full_parse() {
        let (ca, p) = test_ca();
        let issuer = rcgen::Issuer::new(p, &ca);
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let revoked = (0..2000u32)
            .map(|i| rcgen::RevokedCertParams {
                serial_number: rcgen::SerialNumber::from_slice(&i.to_be_bytes()),
                revocation_time: now,
                reason_code: None,
                invalidity_date: None,
            })
            .collect();
        let crl = rcgen::CertificateRevocationListParams {
            this_update: now,
            next_update: now + time::Duration::days(7),
            crl_number: rcgen::SerialNumber::from_slice(&[1]),
            issuing_distribution_point: None,
            revoked_certs: revoked,
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
        .signed_by(&issuer)
        .unwrap();
        let der = crl.der().to_vec();
        let full = parse(&der).unwrap();
        let pem = to_pem(&der);
        for h in [headers(&der), headers(pem.as_bytes())] {
            assert_eq!(h.len(), 1);
            assert_eq!(h[0].issuer_raw, full.issuer().as_raw());
            assert_eq!(h[0].this_update, full.last_update().to_datetime());
            assert_eq!(h[0].next_update, full.next_update().map(|t| t.to_datetime()));
        }
        assert!(headers(b"garbage").is_empty());
        assert!(headers(&der[..10]).is_empty());
    }
}
