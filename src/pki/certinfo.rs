//! Read certificates: PEM/DER loading and a summary of the fields people and
//! scripts ask about.

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::build::Profile;
use super::names::{self, San};
use crate::pki::{dates, hex};

/// Certificates (DER) from PEM (any number of CERTIFICATE blocks) or one DER certificate.
pub fn load_certs(bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let blocks = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
        let certs: Vec<Vec<u8>> = blocks
            .into_iter()
            .filter(|p| p.tag() == "CERTIFICATE" || p.tag() == "X509 CERTIFICATE" || p.tag() == "TRUSTED CERTIFICATE")
            .map(pem::Pem::into_contents)
            .collect();
        if certs.is_empty() {
            bail!("no CERTIFICATE block in this PEM file");
        }
        check_pem_trailer(bytes)?;
        for (i, der) in certs.iter().enumerate() {
            check_sane(&parse(der)?).with_context(|| format!("certificate #{} in the file", i + 1))?;
        }
        return Ok(certs);
    }
    refuse_plain_text(bytes, "a certificate", "CERTIFICATE")?;
    check_sane(&parse(bytes)?)?;
    Ok(vec![bytes.to_vec()])
}

/// The certificate blocks of PEM, or one DER blob, without judging their
/// contents: for verify, a malformed certificate is an answer, not an error.
/// Errors only when there is no certificate here at all.
pub fn cert_blocks(bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let blocks = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
        let certs: Vec<Vec<u8>> = blocks
            .into_iter()
            .filter(|p| p.tag() == "CERTIFICATE" || p.tag() == "X509 CERTIFICATE" || p.tag() == "TRUSTED CERTIFICATE")
            .map(pem::Pem::into_contents)
            .collect();
        if certs.is_empty() {
            bail!("no CERTIFICATE block in this PEM file");
        }
        check_pem_trailer(bytes)?;
        return Ok(certs);
    }
    refuse_plain_text(bytes, "a certificate", "CERTIFICATE")?;
    if bytes.first() != Some(&0x30) {
        bail!("not a certificate: neither PEM nor DER");
    }
    Ok(vec![bytes.to_vec()])
}

/// Text that is not PEM is a common mistake (a key, a config, the wrong file):
/// say so rather than print a DER parser's complaint.
pub fn refuse_plain_text(bytes: &[u8], what: &str, label: &str) -> anyhow::Result<()> {
    if bytes.first() != Some(&0x30) && std::str::from_utf8(bytes).is_ok() {
        bail!("not {what}: no PEM block (-----BEGIN {label}-----) and not DER");
    }
    Ok(())
}

/// Text may follow the last PEM block (`openssl s_client -showcerts` prints
/// plenty), binary bytes may not: they mean a damaged or spliced file.
pub fn check_pem_trailer(bytes: &[u8]) -> anyhow::Result<()> {
    let Some(end) = crate::bytes::rfind(bytes, b"-----END ") else { return Ok(()) };
    let after = &bytes[end..];
    let line_end = crate::bytes::find_byte(b'\n', after).map_or(after.len(), |i| i + 1);
    let trailer = &after[line_end..];
    let binary = std::str::from_utf8(trailer)
        .map_or(true, |t| t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')));
    if binary {
        bail!("{} bytes of binary garbage after the last PEM block", trailer.len());
    }
    Ok(())
}

/// What RFC 5280 requires of a certificate and a hostile one gets wrong:
/// a positive serial of at most 20 octets, and names without control
/// characters or a common name longer than 64 characters.
pub fn check_sane(cert: &X509Certificate<'_>) -> anyhow::Result<()> {
    let serial = cert.raw_serial();
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        bail!("the certificate's serial number is negative (RFC 5280 requires a positive integer)");
    }
    if serial.len() > 21 || (serial.len() == 21 && serial[0] != 0) {
        bail!("the certificate's serial number is {} bytes long (RFC 5280 allows at most 20)", serial.len());
    }
    for (what, name) in [("subject", cert.subject()), ("issuer", cert.issuer())] {
        names::check_name_sane(name).with_context(|| format!("the certificate's {what}"))?;
    }
    Ok(())
}

/// Parse one DER certificate, insisting that nothing trails it.
pub fn parse(der: &[u8]) -> anyhow::Result<X509Certificate<'_>> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(|e| anyhow!("not a valid X.509 certificate: {e}"))?;
    if !rest.is_empty() {
        bail!("{} bytes of garbage after the certificate", rest.len());
    }
    Ok(cert)
}

pub fn to_pem(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// The certificate's serial as index.txt writes it: upper-case hex, whole bytes.
pub fn serial_hex(cert: &X509Certificate<'_>) -> String {
    let raw = cert.raw_serial();
    // DER adds a leading zero to keep the number positive; BN_bn2hex drops it.
    let trimmed = match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => raw,
    };
    if trimmed.is_empty() { "00".to_string() } else { hex::hex_upper(trimmed) }
}

pub fn not_before(cert: &X509Certificate<'_>) -> OffsetDateTime {
    cert.validity().not_before.to_datetime()
}

pub fn not_after(cert: &X509Certificate<'_>) -> OffsetDateTime {
    cert.validity().not_after.to_datetime()
}

/// The SANs of a certificate.
pub fn sans(cert: &X509Certificate<'_>) -> Vec<San> {
    match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.iter().filter_map(San::from_general_name).collect(),
        _ => Vec::new(),
    }
}

/// (serverAuth, clientAuth) from the EKU extension; no EKU means any purpose.
pub fn eku_flags(cert: &X509Certificate<'_>) -> Option<(bool, bool)> {
    match cert.extended_key_usage() {
        Ok(Some(ext)) => Some((ext.value.server_auth || ext.value.any, ext.value.client_auth || ext.value.any)),
        _ => None,
    }
}

pub fn is_ca(cert: &X509Certificate<'_>) -> bool {
    matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca)
}

pub fn subject_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
        _ => None,
    })
}

pub fn authority_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::AuthorityKeyIdentifier(k) => k.key_identifier.as_ref().map(|k| k.0.to_vec()),
        _ => None,
    })
}

pub fn sha256_fingerprint(der: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    hex::hex_colon(d.as_ref())
}

/// A CA's nameConstraints extension (RFC 5280 §4.2.1.10).
#[derive(Debug, Clone, Serialize)]
pub struct NameConstraintsSummary {
    pub critical: bool,
    /// Names under the CA must fall inside one of these (per type).
    pub permitted: Vec<Subtree>,
    /// Names under the CA must fall inside none of these.
    pub excluded: Vec<Subtree>,
}

/// One subtree, in the shape of a SAN: `{"type": "dns", "value": "example.com"}`;
/// an IP subtree is `10.0.0.0/8`, a directory name `CN=x, O=y`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subtree {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
}

impl std::fmt::Display for Subtree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, names::printable(&self.value))
    }
}

fn subtree(gn: &x509_parser::extensions::GeneralName<'_>) -> Subtree {
    use x509_parser::extensions::GeneralName as G;
    let (kind, value) = match gn {
        G::DNSName(v) => ("dns", (*v).to_string()),
        G::RFC822Name(v) => ("email", (*v).to_string()),
        G::URI(v) => ("uri", (*v).to_string()),
        G::IPAddress(b) => ("ip", ip_subtree(b)),
        G::DirectoryName(n) => ("dirname", names::display_name(n)),
        G::RegisteredID(oid) => ("rid", oid.to_id_string()),
        G::OtherName(oid, _) => ("other", oid.to_id_string()),
        _ => ("other", String::new()),
    };
    Subtree { kind, value }
}

/// An address and mask (8 or 32 bytes) as CIDR when the mask is a prefix, else `addr/mask`.
fn ip_subtree(b: &[u8]) -> String {
    let half = b.len() / 2;
    let addr = |bytes: &[u8]| -> Option<std::net::IpAddr> {
        match bytes.len() {
            4 => Some(std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
            16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
            _ => None,
        }
    };
    let (Some(ip), Some(mask)) = (addr(&b[..half]), addr(&b[half..])) else { return hex::hex_colon(b) };
    let bits: Vec<bool> = b[half..].iter().flat_map(|m| (0..8).rev().map(move |i| m >> i & 1 == 1)).collect();
    let prefix = bits.iter().take_while(|x| **x).count();
    if bits[prefix..].iter().all(|x| !x) { format!("{ip}/{prefix}") } else { format!("{ip}/{mask}") }
}

pub fn name_constraints(cert: &X509Certificate<'_>) -> Option<NameConstraintsSummary> {
    let ext = cert.name_constraints().ok().flatten()?;
    let list = |t: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
        t.as_ref().map(|v| v.iter().map(|s| subtree(&s.base)).collect()).unwrap_or_default()
    };
    Some(NameConstraintsSummary {
        critical: ext.critical,
        permitted: list(&ext.value.permitted_subtrees),
        excluded: list(&ext.value.excluded_subtrees),
    })
}

/// A certificate as `inspect`, `issue` and friends report it.
#[derive(Debug, Clone, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub index_subject: String,
    pub common_name: Option<String>,
    pub issuer: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub is_ca: bool,
    pub path_len: Option<u32>,
    pub profile: Option<Profile>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub sans: Vec<San>,
    /// The CA's nameConstraints: what names the certificates under it may hold.
    pub name_constraints: Option<NameConstraintsSummary>,
    pub key_type: String,
    pub signature_algorithm: String,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub self_signed: bool,
    pub sha256_fingerprint: String,
}

/// The purposes an extended key usage names, in OpenSSL's words (the `other` OIDs aside).
pub fn eku_names(v: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> Vec<&'static str> {
    [
        (v.any, "anyExtendedKeyUsage"),
        (v.server_auth, "serverAuth"),
        (v.client_auth, "clientAuth"),
        (v.code_signing, "codeSigning"),
        (v.email_protection, "emailProtection"),
        (v.time_stamping, "timeStamping"),
        (v.ocsp_signing, "OCSPSigning"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect()
}

pub fn summarize(der: &[u8]) -> anyhow::Result<CertSummary> {
    let cert = parse(der)?;
    let nb = not_before(&cert);
    let na = not_after(&cert);
    let mut key_usage = Vec::new();
    if let Ok(Some(ku)) = cert.key_usage() {
        let v = ku.value;
        for (on, name) in [
            (v.digital_signature(), "digitalSignature"),
            (v.non_repudiation(), "nonRepudiation"),
            (v.key_encipherment(), "keyEncipherment"),
            (v.data_encipherment(), "dataEncipherment"),
            (v.key_agreement(), "keyAgreement"),
            (v.key_cert_sign(), "keyCertSign"),
            (v.crl_sign(), "cRLSign"),
            (v.encipher_only(), "encipherOnly"),
            (v.decipher_only(), "decipherOnly"),
        ] {
            if on {
                key_usage.push(name.to_string());
            }
        }
    }
    let mut extended_key_usage = Vec::new();
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        extended_key_usage.extend(eku_names(eku.value).into_iter().map(str::to_string));
        extended_key_usage.extend(eku.value.other.iter().map(|o| o.to_id_string()));
    }
    let path_len = match cert.basic_constraints() {
        Ok(Some(bc)) => bc.value.path_len_constraint,
        _ => None,
    };
    let profile = eku_flags(&cert).and_then(|(s, c)| Profile::from_ekus(s, c)).filter(|_| !is_ca(&cert));
    Ok(CertSummary {
        subject: names::display_name(cert.subject()),
        index_subject: names::openssl_oneline(cert.subject()),
        common_name: names::common_name(cert.subject()),
        issuer: names::display_name(cert.issuer()),
        serial: serial_hex(&cert),
        not_before: dates::rfc3339(nb),
        not_after: dates::rfc3339(na),
        days_left: dates::days_left(na),
        is_ca: is_ca(&cert),
        path_len,
        profile,
        key_usage,
        extended_key_usage,
        sans: sans(&cert),
        name_constraints: name_constraints(&cert),
        key_type: super::keys::describe_spki(cert.public_key().raw).unwrap_or_else(|| "unknown".into()),
        signature_algorithm: sig_alg_name(&cert.signature_algorithm.algorithm.to_id_string()),
        subject_key_id: subject_key_id(&cert).map(|k| hex::hex_colon(&k)),
        authority_key_id: authority_key_id(&cert).map(|k| hex::hex_colon(&k)),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        sha256_fingerprint: sha256_fingerprint(der),
    })
}

pub fn sig_alg_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ED25519",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        other => other,
    }
    .to_string()
}
