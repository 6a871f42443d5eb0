//! webpki's refusals in words a person can act on.

use rustls_pki_types::UnixTime;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;

use super::{Code, Purpose, Verdict};
use crate::pki::reason::Reason;
use crate::pki::{certinfo, crl, names};
use crate::util;

/// Everything `explain` needs to turn a webpki error into words.
pub(super) struct Facts<'a> {
    pub leaf: &'a X509Certificate<'a>,
    pub chain_certs: &'a [Vec<u8>],
    pub crls: &'a [Vec<u8>],
    pub ca_label: &'a str,
    pub crl_label: &'a str,
    pub purpose: Purpose,
}

fn to_time(t: UnixTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub(super) fn reason_words(r: Option<Reason>) -> String {
    match r {
        Some(Reason::Unspecified) | None => "no reason given".into(),
        Some(r) => r.openssl_name().into(),
    }
}

/// The verdict for a revoked path: which certificate is listed, and what the CRL says.
fn revoked(f: &Facts<'_>) -> Verdict {
    if let Some(l) = f.crls.iter().find_map(|c| crl::find(c, f.leaf.issuer().as_raw(), f.leaf.raw_serial())) {
        let msg = format!("revoked on {} ({})", util::human_time(l.revoked_at), reason_words(l.reason));
        return Verdict { code: Code::Revoked, message: msg, listed: Some(l), notes: Vec::new() };
    }
    for der in f.chain_certs {
        let Ok(ca) = certinfo::parse(der) else { continue };
        if let Some(l) = f.crls.iter().find_map(|c| crl::find(c, ca.issuer().as_raw(), ca.raw_serial())) {
            let msg = format!(
                "its issuing CA {} was revoked on {} ({})",
                names::display_name(ca.subject()),
                util::human_time(l.revoked_at),
                reason_words(l.reason)
            );
            return Verdict { code: Code::Revoked, message: msg, listed: Some(l), notes: Vec::new() };
        }
    }
    Verdict::refused(Code::Revoked, "revoked".into())
}

#[allow(deprecated)]
pub(super) fn explain(err: &webpki::Error, f: &Facts<'_>) -> Verdict {
    use webpki::Error as E;
    let leaf_not_after = certinfo::not_after(f.leaf);
    let v = Verdict::refused;
    match err {
        E::CertExpired { not_after, .. } => {
            let t = to_time(*not_after);
            if (t - leaf_not_after).whole_seconds().abs() <= 1 {
                v(Code::Expired, format!("expired on {}", util::human_time(t)))
            } else {
                v(Code::Expired, format!("a CA certificate in its chain expired on {}", util::human_time(t)))
            }
        }
        E::CertNotValidYet { not_before, .. } => {
            v(Code::NotYetValid, format!("not yet valid: valid from {}", util::human_time(to_time(*not_before))))
        }
        E::CertRevoked => revoked(f),
        E::UnknownIssuer => v(
            Code::UnknownIssuer,
            format!("issued by {}, which is not {}", names::display_name(f.leaf.issuer()), f.ca_label),
        ),
        E::InvalidSignatureForPublicKey | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => v(
            Code::BadSignature,
            format!(
                "its signature does not verify with the key of {}: it was issued by another CA with the same name, or altered",
                names::display_name(f.leaf.issuer())
            ),
        ),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            let allowed = match certinfo::eku_flags(f.leaf) {
                Some((true, false)) => " (its extended key usage allows only server authentication)",
                Some((false, true)) => " (its extended key usage allows only client authentication)",
                Some((false, false)) => " (its extended key usage allows neither TLS use)",
                _ => "",
            };
            v(Code::WrongPurpose, format!("not valid for {}{allowed}", f.purpose.words()))
        }
        E::CrlExpired { next_update, .. } => v(
            Code::CrlExpired,
            format!(
                "the CRL {} expired on {}: revocation cannot be checked, so the certificate is refused (as nginx and OpenSSL refuse it); publish a new one with `mtlsctl gen-crl`",
                f.crl_label,
                util::human_time(to_time(*next_update))
            ),
        ),
        E::UnknownRevocationStatus => v(
            Code::RevocationUnknown,
            format!(
                "revocation status unknown: {} holds no CRL from {}; pass its CRL with --crl, or --no-crl to skip the check",
                f.crl_label,
                names::display_name(f.leaf.issuer())
            ),
        ),
        E::InvalidCrlSignatureForPublicKey | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            v(Code::CrlInvalid, format!("the CRL {} is not signed by the certificate's issuer", f.crl_label))
        }
        E::IssuerNotCrlSigner => {
            v(Code::CrlInvalid, "the CA that signed the CRL may not sign CRLs (no cRLSign key usage)".into())
        }
        E::CaUsedAsEndEntity => {
            v(Code::NotEndEntity, "it is a CA certificate, not a client or server certificate".into())
        }
        E::NameConstraintViolation => {
            v(Code::NameConstraints, "its names are outside the issuing CA's name constraints".into())
        }
        E::PathLenConstraintViolated | E::EndEntityUsedAsCa | E::MaximumPathDepthExceeded => {
            v(Code::InvalidChain, format!("its chain is not valid: {err}"))
        }
        other => v(Code::Invalid, format!("not valid: {other}")),
    }
}
