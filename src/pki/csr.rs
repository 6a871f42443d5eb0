//! Certificate requests (PKCS#10): reading one, checking its proof of
//! possession, and the CA's policy for what it takes from it (subject CN and
//! O, SANs, the key) and what it ignores.

use anyhow::{anyhow, bail};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::build::Profile;
use super::keys;
use super::names::{MAX_SANS, San, Subject};

/// What a request asks for, reduced to what the CA takes from it.
pub struct Request {
    pub der: Vec<u8>,
    pub cn: String,
    pub org: Option<String>,
    pub sans: Vec<San>,
    pub spki: Vec<u8>,
    pub key_type: String,
    /// Subject attributes other than CN and O, which are dropped.
    pub dropped_attrs: Vec<String>,
    /// Requested extensions other than subjectAltName, which are ignored.
    pub ignored_exts: Vec<String>,
    /// The request asks for extendedKeyUsage serverAuth (ignored like the
    /// rest, but a sign that the requester means a server).
    pub asks_server_auth: bool,
}

/// The DER of the one request in PEM or DER bytes.
fn request_der(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    if bytes.is_empty() {
        bail!("the file is empty");
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let blocks = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
        return blocks
            .into_iter()
            .find(|p| p.tag() == "CERTIFICATE REQUEST" || p.tag() == "NEW CERTIFICATE REQUEST")
            .map(pem::Pem::into_contents)
            .ok_or_else(|| anyhow!("no CERTIFICATE REQUEST block in this PEM file"));
    }
    super::certinfo::refuse_plain_text(bytes, "a certificate request", "CERTIFICATE REQUEST")?;
    Ok(bytes.to_vec())
}

/// Parse a request and check its self-signature.
pub fn parse_request(bytes: &[u8]) -> anyhow::Result<Request> {
    let der = request_der(bytes)?;
    let (rest, req) =
        X509CertificationRequest::from_der(&der).map_err(|e| anyhow!("not a PKCS#10 certificate request: {e}"))?;
    if !rest.is_empty() {
        bail!("{} bytes of garbage after the certificate request", rest.len());
    }
    let key_type =
        keys::describe_spki(req.certification_request_info.subject_pki.raw).unwrap_or_else(|| "unknown".into());
    check_signature_algorithm(&req.signature_algorithm.algorithm.to_id_string(), &key_type)?;
    req.verify_signature().map_err(|e| {
        anyhow!("the request's signature does not verify ({e}): it was altered, or not signed by the key it carries")
    })?;
    let info = &req.certification_request_info;
    let mut cn = None;
    let mut org = None;
    let mut dropped_attrs = Vec::new();
    for rdn in info.subject.iter() {
        for attr in rdn.iter() {
            let value = attr.as_str().map(str::to_string);
            match attr.attr_type().to_id_string().as_str() {
                "2.5.4.3" if cn.is_none() => {
                    cn = Some(value.map_err(|_| anyhow!("the request's commonName is not a text string"))?)
                }
                "2.5.4.10" if org.is_none() => {
                    org = Some(value.map_err(|_| anyhow!("the request's organizationName is not a text string"))?)
                }
                oid => dropped_attrs.push(oid.to_string()),
            }
        }
    }
    let Some(cn) = cn else {
        bail!("the request has no commonName (CN) in its subject; mtlsctl names certificates by CN");
    };
    let (sans, ignored_exts) = requested_names(&req)?;
    let spki = info.subject_pki.raw.to_vec();
    let asks_server_auth = req
        .requested_extensions()
        .is_some_and(|mut exts| exts.any(|e| matches!(e, ParsedExtension::ExtendedKeyUsage(eku) if eku.server_auth)));
    Ok(Request { der: der.clone(), cn, org, sans, spki, key_type, dropped_attrs, ignored_exts, asks_server_auth })
}

/// The SANs a request asks for, and the names of the other extensions it asks
/// for (which the profile decides instead). Refused rather than guessed at: more
/// than one extensionRequest attribute or subjectAltName extension (which would
/// be merged or one dropped), and a subjectAltName that does not parse (the
/// certificate would be issued without it).
fn requested_names(req: &X509CertificationRequest<'_>) -> anyhow::Result<(Vec<San>, Vec<String>)> {
    let mut sans = Vec::new();
    let mut ignored_exts = Vec::new();
    let mut san_exts = 0;
    let mut requests = 0;
    for attr in req.certification_request_info.iter_attributes() {
        if attr.oid.to_id_string() != EXTENSION_REQUEST {
            continue;
        }
        requests += 1;
        if requests > 1 {
            bail!("the request holds more than one extensionRequest attribute; a request has at most one");
        }
        let ParsedCriAttribute::ExtensionRequest(exts) = attr.parsed_attribute() else {
            bail!("the request's extensionRequest attribute is malformed");
        };
        for ext in &exts.extensions {
            if ext.oid.to_id_string() == SUBJECT_ALT_NAME {
                san_exts += 1;
                if san_exts > 1 {
                    bail!("the request holds more than one subjectAltName extension; a request has at most one");
                }
            }
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(s) => sans.extend(general_names(&s.general_names, sans.len())?),
                ParsedExtension::ParseError { error } if ext.oid.to_id_string() == SUBJECT_ALT_NAME => {
                    bail!(
                        "the request's subjectAltName extension is malformed ({error}); it is refused rather than signed without its names"
                    )
                }
                other => ignored_exts.push(extension_name(other)),
            }
        }
    }
    Ok((sans, ignored_exts))
}

const EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";
const SUBJECT_ALT_NAME: &str = "2.5.29.17";

/// The SANs of one extension, `before` of them already taken.
fn general_names(names: &[GeneralName<'_>], before: usize) -> anyhow::Result<Vec<San>> {
    let count = before + names.len();
    if count > MAX_SANS {
        bail!(
            "the request asks for {count} subject alternative names; mtlsctl issues at most {MAX_SANS} per certificate"
        );
    }
    names
        .iter()
        .map(|gn| {
            San::from_general_name(gn).ok_or_else(|| {
                anyhow!(
                    "the request asks for a subject alternative name mtlsctl cannot issue ({})",
                    general_name_kind(gn)
                )
            })
        })
        .collect()
}

fn extension_name(ext: &ParsedExtension<'_>) -> String {
    match ext {
        ParsedExtension::BasicConstraints(bc) => {
            format!("basicConstraints CA:{}", if bc.ca { "TRUE" } else { "FALSE" })
        }
        ParsedExtension::KeyUsage(_) => "keyUsage".into(),
        ParsedExtension::ExtendedKeyUsage(_) => "extendedKeyUsage".into(),
        ParsedExtension::NameConstraints(_) => "nameConstraints".into(),
        ParsedExtension::SubjectKeyIdentifier(_) => "subjectKeyIdentifier".into(),
        _ => "other".into(),
    }
}

fn general_name_kind(gn: &GeneralName<'_>) -> &'static str {
    match gn {
        GeneralName::OtherName(..) => "otherName",
        GeneralName::X400Address(_) => "x400Address",
        GeneralName::DirectoryName(_) => "directoryName",
        GeneralName::EDIPartyName(_) => "ediPartyName",
        GeneralName::RegisteredID(_) => "registeredID",
        GeneralName::IPAddress(_) => "a malformed IP address",
        _ => "an unsupported name",
    }
}

/// The signature algorithms mtlsctl checks a request's proof of possession
/// with, by OID: (name, the key types it goes with).
const SIGNATURES: &[(&str, &str, &[&str])] = &[
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", &["ec-p256", "ec-p384"]),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", &["ec-p256", "ec-p384"]),
    ("1.3.101.112", "Ed25519", &["ed25519"]),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption", &["rsa"]),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", &["rsa"]),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", &["rsa"]),
];

/// Signatures over SHA-1, refused whatever the key.
const SHA1_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.3.14.3.2.29", "sha1WithRSA"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
];

/// The largest RSA key whose signature can be checked (and that TLS stacks take).
const MAX_RSA_BITS: u32 = 8192;

/// Refuse, before checking the signature, a request signed in a way mtlsctl
/// cannot check, so that it is not reported as altered; and SHA-1, which
/// collisions broke (a chosen-prefix collision costs little since 2020), for RSA
/// and ECDSA alike.
pub fn check_signature_algorithm(sig_oid: &str, key_type: &str) -> anyhow::Result<()> {
    if let Some((_, name)) = SHA1_SIGNATURES.iter().find(|(oid, _)| *oid == sig_oid) {
        bail!(
            "the request is signed with {name}: SHA-1 signatures can be forged by collision (SHAttered, 2017); sign it with SHA-256 or stronger"
        );
    }
    let rsa_bits = key_type.strip_prefix("rsa-").and_then(|b| b.parse::<u32>().ok());
    let family = if rsa_bits.is_some() { "rsa" } else { key_type };
    let supported = SIGNATURES.iter().find(|(oid, _, _)| *oid == sig_oid);
    let name = supported.map_or_else(|| signature_name(sig_oid), |(_, n, _)| (*n).to_string());
    let fits = supported.is_some_and(|(_, _, keys)| keys.contains(&family));
    if !fits || rsa_bits.is_some_and(|b| b > MAX_RSA_BITS) {
        bail!(
            "unsupported key/signature algorithm: the request is signed with {name} by a {key_type} key; mtlsctl takes \
             ECDSA P-256/P-384 with SHA-256/384, Ed25519, or RSA 2048-{MAX_RSA_BITS} bits with SHA-256/384/512"
        );
    }
    Ok(())
}

/// A name for a signature algorithm mtlsctl does not take.
fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512".into(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        "1.3.101.113" => "Ed448".into(),
        other => format!("the algorithm {other}"),
    }
}

/// Refuse keys no modern peer accepts rather than issue a certificate that fails later.
pub fn check_key(key_type: &str) -> anyhow::Result<()> {
    if let Some(bits) = key_type.strip_prefix("rsa-").and_then(|b| b.parse::<u32>().ok()) {
        if bits < 2048 {
            bail!("the request's key is RSA {bits} bits; at least 2048 are required");
        }
        if bits > MAX_RSA_BITS {
            bail!("the request's key is RSA {bits} bits; at most {MAX_RSA_BITS} are supported");
        }
        return Ok(());
    }
    match key_type {
        "ec-p256" | "ec-p384" | "ed25519" => Ok(()),
        other => bail!("the request's key type ({other}) is not supported: use ec-p256, ec-p384, ed25519 or RSA"),
    }
}

impl Request {
    /// The subject the CA issues for this request. A SPIFFE request is
    /// recognised by its one spiffe:// URI SAN, so it gets the SVID shape.
    pub fn subject(&self, profile: Option<Profile>) -> anyhow::Result<Subject> {
        let uris: Vec<&String> =
            self.sans.iter().filter_map(|s| if let San::Uri(u) = s { Some(u) } else { None }).collect();
        let spiffe_id = match uris.as_slice() {
            [one] if one.starts_with("spiffe://") => Some(one.as_str()),
            _ => None,
        };
        // Each name goes through the same checks as one typed on the command
        // line, in the same order: the CN, then each SAN.
        super::names::check_subject_cn(&self.cn)?;
        let other_sans = self
            .sans
            .iter()
            .filter(|s| !matches!((s, spiffe_id), (San::Uri(u), Some(id)) if u == id))
            .map(|s| San::parse(&s.to_string()))
            .collect::<anyhow::Result<Vec<San>>>()?;
        Subject::from_names(&self.cn, self.org.as_deref(), &other_sans, spiffe_id, profile)
    }

    /// Whether the requested key is RSA (its certificate then gets keyEncipherment).
    pub fn rsa_key(&self) -> bool {
        self.key_type.starts_with("rsa-")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_algorithms_are_named_not_called_altered() {
        assert!(check_signature_algorithm("1.2.840.10045.4.3.2", "ec-p256").is_ok());
        assert!(check_signature_algorithm("1.2.840.113549.1.1.11", "rsa-4096").is_ok());
        assert!(check_signature_algorithm("1.3.101.112", "ed25519").is_ok());
        for (oid, key) in [
            ("1.2.840.10045.4.3.4", "ec-p384"),
            ("1.2.840.10045.4.3.3", "ec-p521"),
            ("1.3.101.113", "1.3.101.113"),
            ("1.2.840.113549.1.1.10", "rsa-2048"),
            ("1.2.840.113549.1.1.11", "rsa-16384"),
        ] {
            let e = check_signature_algorithm(oid, key).unwrap_err().to_string();
            assert!(e.starts_with("unsupported key/signature algorithm"), "{oid} {key}: {e}");
        }
        for (oid, key) in [("1.2.840.113549.1.1.5", "rsa-2048"), ("1.2.840.10045.4.1", "ec-p256")] {
            let e = check_signature_algorithm(oid, key).unwrap_err().to_string();
            assert!(e.contains("SHA-1"), "{e}");
        }
    }
}
