//! One certificate as the policy sees it: parsed strictly, with the rules
//! that concern the certificate alone (encoding, extensions, key, signature
//! algorithm).

use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Version;

use crate::pki::crl::tlv;
use crate::pki::names;

/// Extensions this policy processes, so they may be critical.
const KNOWN_CRITICAL: [&str; 6] = [
    "2.5.29.19", // basicConstraints
    "2.5.29.15", // keyUsage
    "2.5.29.37", // extKeyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.30", // nameConstraints
    "2.5.29.32", // certificatePolicies (any policy accepted)
];

/// Parse one DER certificate; a refusal is words about what is wrong with it.
pub(super) fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| match e {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => parse_words(&e),
        x509_parser::nom::Err::Incomplete(_) => "it is truncated".to_string(),
    })?;
    if !rest.is_empty() {
        return Err(format!("{} bytes of data follow the certificate's encoding", rest.len()));
    }
    Ok(cert)
}

fn parse_words(e: &X509Error) -> String {
    match e {
        X509Error::InvalidVersion => "its version field is invalid".into(),
        X509Error::InvalidSerial => "its serial number is not a valid integer".into(),
        X509Error::InvalidAlgorithmIdentifier => "an algorithm identifier is malformed".into(),
        X509Error::InvalidX509Name => "its subject or issuer name is malformed".into(),
        X509Error::InvalidDate => "its validity dates are malformed".into(),
        X509Error::InvalidSPKI => "its public key is malformed".into(),
        X509Error::InvalidSubjectUID | X509Error::InvalidIssuerUID => "a unique identifier field is malformed".into(),
        X509Error::InvalidExtensions => {
            "its extensions are malformed (or present in a version 1 or 2 certificate)".into()
        }
        X509Error::DuplicateExtensions => "it carries the same extension twice".into(),
        X509Error::InvalidSignatureValue => "its signature value is malformed".into(),
        _ => "it is not a well-formed DER X.509 certificate".into(),
    }
}

/// Encoding rules RFC 5280 sets that a parser lets through.
pub(super) fn malformed(der: &[u8], cert: &X509Certificate<'_>) -> Option<String> {
    let serial = cert.raw_serial();
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        return Some("its serial number is negative (RFC 5280 requires a positive integer)".into());
    }
    if serial.len() > 21 || (serial.len() == 21 && serial[0] != 0) {
        return Some(format!("its serial number is {} bytes long (RFC 5280 allows at most 20)", serial.len()));
    }
    if cert.version() != X509Version::V3 && !cert.extensions().is_empty() {
        return Some("it is a version 1 or 2 certificate with extensions (only version 3 may have them)".into());
    }
    if cert.extensions_map().is_err() {
        return Some("it carries the same extension twice".into());
    }
    for ext in cert.extensions() {
        if let ParsedExtension::ParseError { .. } = ext.parsed_extension() {
            return Some(format!("its {} extension is malformed", ext_name(&ext.oid.to_id_string())));
        }
    }
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        if san.value.general_names.iter().any(|g| matches!(g, GeneralName::Invalid(..))) {
            return Some("its subject alternative name extension holds a malformed name".into());
        }
    }
    if !signature_fields_agree(der) {
        return Some("its two signature algorithm fields disagree (RFC 5280 §4.1.1.2)".into());
    }
    if let Err(e) = names::check_name_sane(cert.subject()).and_then(|()| names::check_name_sane(cert.issuer())) {
        return Some(format!("its name is unusable: {e}"));
    }
    None
}

/// Certificate.signatureAlgorithm and TBSCertificate.signature, byte for byte.
fn signature_fields_agree(der: &[u8]) -> bool {
    let inner = || -> Option<bool> {
        let (_, outer, _) = tlv(der, 0)?;
        let (_, mut pos, tbs_end) = tlv(der, outer)?;
        if let Some((0xa0, _, end)) = tlv(der, pos) {
            pos = end; // version
        }
        let (_, _, serial_end) = tlv(der, pos)?;
        let (_, _, alg_end) = tlv(der, serial_end)?;
        let (_, _, outer_alg_end) = tlv(der, tbs_end)?;
        Some(der.get(serial_end..alg_end)? == der.get(tbs_end..outer_alg_end)?)
    };
    inner().unwrap_or(false)
}

pub(super) fn ext_name(oid: &str) -> String {
    match oid {
        "2.5.29.19" => "basicConstraints".into(),
        "2.5.29.15" => "keyUsage".into(),
        "2.5.29.37" => "extendedKeyUsage".into(),
        "2.5.29.17" => "subjectAltName".into(),
        "2.5.29.30" => "nameConstraints".into(),
        "2.5.29.32" => "certificatePolicies".into(),
        "2.5.29.14" => "subjectKeyIdentifier".into(),
        "2.5.29.35" => "authorityKeyIdentifier".into(),
        "2.5.29.31" => "cRLDistributionPoints".into(),
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess".into(),
        other => format!("OID {other}"),
    }
}

/// A critical extension this policy does not process (RFC 5280 §4.2: refuse).
pub(super) fn unknown_critical(cert: &X509Certificate<'_>) -> Option<String> {
    cert.extensions()
        .iter()
        .filter(|e| e.critical)
        .map(|e| e.oid.to_id_string())
        .find(|oid| !KNOWN_CRITICAL.contains(&oid.as_str()))
        .map(|oid| ext_name(&oid))
}

/// RSA below 2048 bits, DSA, and curves other than P-256/384/521 are weak.
pub(super) fn weak_key(cert: &X509Certificate<'_>) -> Option<String> {
    let spki = cert.public_key();
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(k)) => rsa_bits(k.modulus),
                _ => 0,
            };
            (bits < 2048).then(|| format!("an RSA key of {bits} bits (at least 2048 are required)"))
        }
        "1.2.840.10040.4.1" => Some("a DSA key (DSA is no longer accepted)".into()),
        "1.2.840.10045.2.1" => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7" | "1.3.132.0.34" | "1.3.132.0.35") => None,
                Some("1.2.840.10045.3.1.1") => {
                    Some("an EC key on curve P-192 (only P-256, P-384 and P-521 are accepted)".into())
                }
                Some(c) => Some(format!("an EC key on curve {c} (only P-256, P-384 and P-521 are accepted)")),
                None => Some("an EC key with explicit or missing curve parameters".into()),
            }
        }
        "1.3.101.112" | "1.3.101.113" => None,
        other => Some(format!("a key of an unsupported type (OID {other})")),
    }
}

fn rsa_bits(modulus: &[u8]) -> usize {
    let m: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    m.len() * 8 - m[0].leading_zeros() as usize
}

/// Signature algorithms no longer accepted (SHA-1, MD5), by OID.
pub(super) fn weak_signature_alg(oid: &str) -> Option<&'static str> {
    match oid {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => Some("SHA-1"),
        "1.2.840.113549.1.1.4" => Some("MD5"),
        _ => None,
    }
}

/// Does `issuer`'s key verify `cert`'s signature? `Err` when the algorithm is not supported.
pub(super) fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Result<bool, ()> {
    match cert.verify_signature(Some(issuer.public_key())) {
        Ok(()) => Ok(true),
        Err(X509Error::SignatureVerificationError) => Ok(false),
        Err(_) => Err(()),
    }
}

pub(super) fn self_issued(cert: &X509Certificate<'_>) -> bool {
    cert.subject().as_raw() == cert.issuer().as_raw()
}

/// (present, critical, cA, pathLen)
pub(super) fn basic_constraints(cert: &X509Certificate<'_>) -> Option<(bool, bool, Option<u32>)> {
    match cert.basic_constraints() {
        Ok(Some(bc)) => Some((bc.critical, bc.value.ca, bc.value.path_len_constraint)),
        _ => None,
    }
}

/// keyUsage bits when the extension is present: (keyCertSign, cRLSign, digitalSignature, keyEncipherment, keyAgreement).
pub(super) fn key_usage(cert: &X509Certificate<'_>) -> Option<[bool; 5]> {
    match cert.key_usage() {
        Ok(Some(ku)) => {
            let v = ku.value;
            Some([v.key_cert_sign(), v.crl_sign(), v.digital_signature(), v.key_encipherment(), v.key_agreement()])
        }
        _ => None,
    }
}
