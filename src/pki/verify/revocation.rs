//! CRLs as the policy reads them: the issuer may sign CRLs, the signature
//! verifies, thisUpdate <= at < nextUpdate, no critical extension it does not
//! process (a critical CRLNumber is invalid), and the entry for a serial.
//! The entries are walked in place: a 100,000-entry CRL costs one hash of its
//! bytes and one scan for the serial, nothing per entry beyond a compare.

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::AlgorithmIdentifier;

use super::Code;
use super::cert;
use crate::pki::crl::{Listed, time_at, tlv};
use crate::pki::dates;
use crate::pki::reason::Reason;

/// A CRL's parts, borrowed from its DER.
pub(super) struct CrlView<'a> {
    tbs: &'a [u8],
    alg: &'a [u8],
    tbs_alg: &'a [u8],
    sig: &'a [u8],
    pub issuer: &'a [u8],
    this_update: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    entries: &'a [u8],
    exts: &'a [u8],
}

/// Split a DER CRL into its parts; `None` when it is not a readable CRL.
pub(super) fn view(der: &[u8]) -> Option<CrlView<'_>> {
    let (0x30, outer, _) = tlv(der, 0)? else { return None };
    let (0x30, tbs_in, tbs_end) = tlv(der, outer)? else { return None };
    let (_, _, alg_end) = tlv(der, tbs_end)?;
    let (0x03, sig_start, sig_end) = tlv(der, alg_end)? else { return None };
    let mut pos = tbs_in;
    if let Some((0x02, _, end)) = tlv(der, pos) {
        pos = end;
    }
    let (_, _, tbs_alg_end) = tlv(der, pos)?;
    let tbs_alg = der.get(pos..tbs_alg_end)?;
    let (0x30, _, issuer_end) = tlv(der, tbs_alg_end)? else { return None };
    let issuer = der.get(tbs_alg_end..issuer_end)?;
    let (this_update, mut pos) = time_at(der, issuer_end)?;
    let next_update = time_at(der, pos).map(|(t, end)| {
        pos = end;
        t
    });
    let mut entries: &[u8] = &[];
    if let Some((0x30, s, e)) = tlv(der, pos).filter(|_| pos < tbs_end) {
        entries = der.get(s..e)?;
        pos = e;
    }
    let mut exts: &[u8] = &[];
    if let Some((0xa0, s, _)) = tlv(der, pos).filter(|_| pos < tbs_end) {
        let (0x30, es, ee) = tlv(der, s)? else { return None };
        exts = der.get(es..ee)?;
    }
    Some(CrlView {
        tbs: der.get(outer..tbs_end)?,
        alg: der.get(tbs_end..alg_end)?,
        tbs_alg,
        sig: der.get(sig_start..sig_end)?,
        issuer,
        this_update,
        next_update,
        entries,
        exts,
    })
}

/// The TLV children of a SEQUENCE's contents: (tag, whole TLV, contents).
fn children(buf: &[u8]) -> impl Iterator<Item = (u8, &[u8], &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let (tag, s, e) = tlv(buf, pos)?;
        let whole = buf.get(pos..e)?;
        let content = buf.get(s..e)?;
        pos = e;
        Some((tag, whole, content))
    })
}

/// One extension: (OID content bytes, critical, value).
fn extension(ext: &[u8]) -> Option<(&[u8], bool, &[u8])> {
    let mut it = children(ext);
    let (0x06, _, oid) = it.next()? else { return None };
    let (mut tag, _, mut content) = it.next()?;
    let mut critical = false;
    if tag == 0x01 {
        critical = content.first().is_some_and(|b| *b != 0);
        (tag, _, content) = it.next()?;
    }
    (tag == 0x04).then_some((oid, critical, content))
}

const OID_CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
const OID_AKI: &[u8] = &[0x55, 0x1d, 0x23];
const OID_REASON: &[u8] = &[0x55, 0x1d, 0x15];
const OID_INVALIDITY: &[u8] = &[0x55, 0x1d, 0x18];

/// What a checked CRL says about one serial.
pub(super) enum Entry {
    NotListed,
    Listed(Listed),
}

/// A CRL that proves nothing, with the words why.
pub(super) type Problem = (Code, String);

/// Check the CRL itself against its issuer at `at`; `Ok(has_crl_number)`.
pub(super) fn check(
    crl: &CrlView<'_>,
    issuer: &X509Certificate<'_>,
    at: OffsetDateTime,
    label: &str,
) -> Result<bool, Problem> {
    let invalid = |why: String| Err((Code::CrlInvalid, format!("the CRL {label} {why}")));
    if let Some([_, crl_sign, ..]) = cert::key_usage(issuer) {
        if !crl_sign {
            return invalid("was signed by a CA whose key usage does not include cRLSign".into());
        }
    }
    if crl.alg != crl.tbs_alg {
        return invalid("is malformed: its two signature algorithm fields disagree".into());
    }
    match signature_ok(crl, issuer) {
        Some(true) => {}
        Some(false) => return invalid("is not signed by the certificate's issuer".into()),
        None => return invalid("is signed with an algorithm mtlsctl does not accept".into()),
    }
    if crl.this_update > at {
        return invalid(format!("is not valid yet: it was issued for {}", dates::human_time(crl.this_update)));
    }
    match crl.next_update {
        Some(next) if at >= next => {
            return Err((
                Code::CrlExpired,
                format!(
                    "the CRL {label} expired on {}: revocation cannot be checked, so the certificate is refused (as nginx and OpenSSL refuse it); publish a new one with `mtlsctl gen-crl`",
                    dates::human_time(next)
                ),
            ));
        }
        Some(_) => {}
        None => return invalid("has no nextUpdate, so it cannot be known to be current".into()),
    }
    let mut has_number = false;
    for (_, _, ext) in children(crl.exts) {
        let Some((oid, critical, _)) = extension(ext) else { return invalid("has a malformed extension".into()) };
        match oid {
            OID_CRL_NUMBER if critical => {
                return invalid("marks its CRL number critical, which RFC 5280 §5.2.3 forbids".into());
            }
            OID_CRL_NUMBER => has_number = true,
            OID_AKI => {}
            _ if critical => {
                return invalid(format!(
                    "has a critical extension mtlsctl does not process ({}): a delta CRL, or one scoped by a distribution point, is not a complete CRL",
                    oid_words(oid)
                ));
            }
            _ => {}
        }
    }
    Ok(has_number)
}

fn oid_words(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x1d, 0x1b] => "deltaCRLIndicator".into(),
        [0x55, 0x1d, 0x1c] => "issuingDistributionPoint".into(),
        [0x55, 0x1d, 0x2e] => "freshestCRL".into(),
        _ => format!("OID {}", x509_parser::der_parser::oid::Oid::new(oid.into()).to_id_string()),
    }
}

fn signature_ok(crl: &CrlView<'_>, issuer: &X509Certificate<'_>) -> Option<bool> {
    let (_, alg) = AlgorithmIdentifier::from_der(crl.alg).ok()?;
    if cert::weak_signature_alg(&alg.algorithm.to_id_string()).is_some() {
        return None;
    }
    let (&unused, bits) = crl.sig.split_first()?;
    let sig = x509_parser::asn1_rs::BitString::new(unused, bits);
    match x509_parser::verify::verify_signature(issuer.public_key(), &alg, &sig, crl.tbs) {
        Ok(()) => Some(true),
        Err(x509_parser::error::X509Error::SignatureVerificationError) => Some(false),
        Err(_) => None,
    }
}

/// Serial bytes without DER's sign-padding zero.
fn trim_serial(raw: &[u8]) -> &[u8] {
    match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => raw,
    }
}

/// The entry for `serial` (raw certificate serial bytes). removeFromCRL
/// entries are not revocations (they belong to delta CRLs, RFC 5280 §5.3.1),
/// as OpenSSL reads them.
pub(super) fn lookup(crl: &CrlView<'_>, serial: &[u8], label: &str) -> Result<Entry, Problem> {
    let want = trim_serial(serial);
    for (_, _, entry) in children(crl.entries) {
        let Some((0x02, s, e)) = tlv(entry, 0) else { continue };
        if entry.get(s..e).map(trim_serial) != Some(want) {
            continue;
        }
        let bad = || (Code::CrlInvalid, format!("the CRL {label} has a malformed entry for this certificate"));
        let (revoked_at, after) = time_at(entry, e).ok_or_else(bad)?;
        let mut listed = Listed { revoked_at, reason: None, invalidity: None };
        if let Some((0x30, es, ee)) = tlv(entry, after) {
            for (_, _, ext) in children(entry.get(es..ee).ok_or_else(bad)?) {
                let (oid, critical, value) = extension(ext).ok_or_else(bad)?;
                match oid {
                    OID_REASON => match tlv(value, 0) {
                        Some((0x0a, s, e)) if e == s + 1 => listed.reason = Reason::from_code(value[s]),
                        _ => return Err(bad()),
                    },
                    OID_INVALIDITY => listed.invalidity = time_at(value, 0).map(|(t, _)| t),
                    _ if critical => {
                        return Err((
                            Code::CrlInvalid,
                            format!(
                                "the CRL {label} lists this certificate with a critical extension mtlsctl does not process ({}, as in an indirect CRL)",
                                oid_words(oid)
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        if listed.reason == Some(Reason::RemoveFromCrl) {
            return Ok(Entry::NotListed);
        }
        return Ok(Entry::Listed(listed));
    }
    Ok(Entry::NotListed)
}
