//! Certificate parameters for each profile, and signing.

use anyhow::{Context, anyhow};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, NameConstraints, SerialNumber,
};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::names::San;

/// What a leaf certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// TLS client authentication (EKU clientAuth)
    Client,
    /// TLS server authentication (EKU serverAuth)
    Server,
    /// Both: a service that accepts and makes mTLS connections
    Peer,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Peer => "peer",
        }
    }

    fn ekus(self) -> Vec<ExtendedKeyUsagePurpose> {
        match self {
            Self::Client => vec![ExtendedKeyUsagePurpose::ClientAuth],
            Self::Server => vec![ExtendedKeyUsagePurpose::ServerAuth],
            Self::Peer => vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth],
        }
    }

    /// The profile a certificate's EKUs describe, if any.
    pub fn from_ekus(server: bool, client: bool) -> Option<Self> {
        match (server, client) {
            (true, true) => Some(Self::Peer),
            (true, false) => Some(Self::Server),
            (false, true) => Some(Self::Client),
            (false, false) => None,
        }
    }
}

/// Certificates start this long before "now", so a peer whose clock is a little
/// behind does not reject a certificate issued a second ago.
pub const BACKDATE: Duration = Duration::minutes(5);

/// A fresh serial: 16 random bytes, positive, with no leading zero byte, so
/// it always prints as 32 upper-case hex digits (127 bits of entropy).
pub fn random_serial() -> anyhow::Result<Vec<u8>> {
    let mut bytes = vec![0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("no system randomness"))?;
    bytes[0] &= 0x7f;
    if bytes[0] == 0 {
        bytes[0] = 0x01;
    }
    Ok(bytes)
}

/// What a leaf certificate says about its subject.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    pub cn: String,
    pub org: Option<String>,
    pub sans: Vec<San>,
    pub profile: Profile,
    /// SPIFFE X.509-SVID: the one URI SAN is the SPIFFE ID.
    pub spiffe: bool,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub serial: Vec<u8>,
    pub rsa_key: bool,
    /// Where relying parties find the CA's OCSP responder, CRL and certificate.
    pub urls: CaUrls,
}

/// The CA's published URLs, carried by every certificate it issues:
/// authorityInfoAccess (id-ad-ocsp, id-ad-caIssuers) and crlDistributionPoints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaUrls {
    pub ocsp_url: Option<String>,
    pub crl_url: Option<String>,
    pub issuer_url: Option<String>,
}

impl CaUrls {
    pub fn is_empty(&self) -> bool {
        self.ocsp_url.is_none() && self.crl_url.is_none() && self.issuer_url.is_none()
    }

    /// Add authorityInfoAccess (non-critical, RFC 5280 4.2.2.1) and
    /// crlDistributionPoints for the URLs that are set.
    pub fn apply(&self, p: &mut CertificateParams) {
        if let Some(crl) = &self.crl_url {
            p.crl_distribution_points = vec![rcgen::CrlDistributionPoint { uris: vec![crl.clone()] }];
        }
        let mut access = Vec::new();
        // id-ad-ocsp 1.3.6.1.5.5.7.48.1, id-ad-caIssuers 1.3.6.1.5.5.7.48.2
        for (url, method) in [(&self.ocsp_url, 1u8), (&self.issuer_url, 2u8)] {
            if let Some(url) = url {
                let mut desc = der_tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, method]);
                // GeneralName uniformResourceIdentifier [6] IA5String (implicit)
                desc.extend(der_tlv(0x86, url.as_bytes()));
                access.extend(der_tlv(0x30, &desc));
            }
        }
        if !access.is_empty() {
            let ext = rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], der_tlv(0x30, &access));
            p.custom_extensions.push(ext);
        }
    }
}

/// One DER tag-length-value.
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A URL a certificate may carry for OCSP, a CRL or the CA certificate:
/// `http://host[:port][/path]` (RFC 5280 4.2.1.13 and 4.2.2.1: relying parties
/// fetch these over plain HTTP, the responses being signed), printable ASCII
/// only, and none of the characters openssl.cnf's extension syntax gives a
/// meaning to (`,` `#` `$` quotes, backslash).
pub fn check_url(url: &str) -> anyhow::Result<()> {
    if let Some(c) = url.chars().find(|c| !c.is_ascii() || c.is_ascii_control() || *c == ' ') {
        anyhow::bail!("{url:?}: a URL must be printable ASCII without spaces (found {c:?}); percent-encode it");
    }
    if let Some(c) = url.chars().find(|c| ",#$\\\"'<>{}|^`".contains(*c)) {
        anyhow::bail!("{url:?}: the character {c:?} is not allowed here; percent-encode it");
    }
    let Some(rest) = url.strip_prefix("http://") else {
        anyhow::bail!(
            "{url:?}: must be an http:// URL (OCSP, CRL and CA certificate URLs are fetched over plain HTTP; what they serve is signed)"
        );
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(']') { h } else { host }
    });
    if name.is_empty() || name.contains('@') {
        anyhow::bail!("{url:?}: names no host (http://host[:port]/path)");
    }
    if url.len() > 1024 {
        anyhow::bail!("the URL is {} bytes long; at most 1024", url.len());
    }
    Ok(())
}

pub fn leaf_params(spec: &LeafSpec) -> anyhow::Result<CertificateParams> {
    // The last check before a signature, whatever path the names came by.
    super::names::check_common_name(&spec.cn)?;
    if let Some(o) = &spec.org {
        super::names::check_organization(o)?;
    }
    let mut p = CertificateParams::default();
    p.distinguished_name = super::names::subject(&spec.cn, spec.org.as_deref());
    p.subject_alt_names = spec.sans.iter().map(San::to_rcgen).collect::<anyhow::Result<_>>()?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // keyEncipherment only means something for RSA key transport (TLS 1.2 RSA kx);
    // SPIFFE X.509-SVIDs allow it, and OpenSSL's classic client profile sets it.
    if spec.rsa_key {
        p.key_usages.push(KeyUsagePurpose::KeyEncipherment);
    }
    p.extended_key_usages = spec.profile.ekus();
    p.use_authority_key_identifier_extension = true;
    p.not_before = spec.not_before;
    p.not_after = spec.not_after;
    p.serial_number = Some(SerialNumber::from_slice(&spec.serial));
    spec.urls.apply(&mut p);
    Ok(p)
}

/// What a CA certificate says.
#[derive(Debug, Clone)]
pub struct CaSpec {
    pub cn: String,
    pub org: Option<String>,
    pub path_len: Option<u8>,
    pub permitted_dns: Vec<String>,
    pub excluded_dns: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub serial: Vec<u8>,
    /// An intermediate carries the parent's key identifier.
    pub intermediate: bool,
}

pub fn ca_params(spec: &CaSpec) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = super::names::subject(&spec.cn, spec.org.as_deref());
    p.is_ca = IsCa::Ca(match spec.path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    if !spec.permitted_dns.is_empty() || !spec.excluded_dns.is_empty() {
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: spec.permitted_dns.iter().cloned().map(GeneralSubtree::DnsName).collect(),
            excluded_subtrees: spec.excluded_dns.iter().cloned().map(GeneralSubtree::DnsName).collect(),
        });
    }
    p.use_authority_key_identifier_extension = spec.intermediate;
    p.not_before = spec.not_before;
    p.not_after = spec.not_after;
    p.serial_number = Some(SerialNumber::from_slice(&spec.serial));
    p
}

/// A CA that can sign: its certificate (DER) and key.
pub struct Signer {
    pub cert_der: Vec<u8>,
    pub key: KeyPair,
}

impl Signer {
    pub fn issuer(&self) -> anyhow::Result<Issuer<'static, &KeyPair>> {
        Issuer::from_ca_cert_der(&self.cert_der.clone().into(), &self.key)
            .map_err(|e| anyhow!("cannot use the CA certificate as issuer: {e}"))
    }

    /// Sign `params` for the public key `subject_key`; returns the certificate DER.
    ///
    /// Refused when the CA is not valid yet: that means a clock is wrong (here or
    /// where the CA was made), and a certificate from it is rejected by every
    /// peer until the CA's notBefore. Clamping would hide the wrong clock and
    /// hand out a certificate that does not work when it says it does. A CA that
    /// is valid but younger than the backdate (`BACKDATE`, a courtesy to slow
    /// clocks) gets the backdate cut to its own notBefore: a leaf never starts
    /// before its issuer.
    pub fn sign(&self, params: &CertificateParams, subject_key: &impl rcgen::PublicKeyData) -> anyhow::Result<Vec<u8>> {
        let ca = super::certinfo::parse(&self.cert_der)?;
        let ca_start = super::certinfo::not_before(&ca);
        let now = OffsetDateTime::now_utc();
        if ca_start > now {
            anyhow::bail!(
                "the CA certificate is not valid until {} (now it is {}): check this machine's clock, \
                 or issue once the CA is valid",
                super::dates::rfc3339(ca_start),
                super::dates::rfc3339(now)
            );
        }
        let clamped;
        let params = if params.not_before < ca_start {
            let mut p = params.clone();
            p.not_before = ca_start;
            clamped = p;
            &clamped
        } else {
            params
        };
        let issuer = self.issuer()?;
        let cert = params.signed_by(subject_key, &issuer).context("cannot sign the certificate")?;
        Ok(cert.der().to_vec())
    }
}

/// Self-sign a root CA certificate.
pub fn self_sign(params: &CertificateParams, key: &KeyPair) -> anyhow::Result<Vec<u8>> {
    let cert = params.self_signed(key).context("cannot self-sign the CA certificate")?;
    Ok(cert.der().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::extensions::{GeneralName, ParsedExtension};

    #[test]
    fn urls_are_checked() {
        for ok in
            ["http://ocsp.example.com/", "http://127.0.0.1:8888", "http://[::1]:8888/ocsp?x=1&y=%20", "http://a/b;c"]
        {
            check_url(ok).unwrap_or_else(|e| panic!("{ok}: {e:#}"));
        }
        for bad in [
            "https://a/",
            "http://",
            "http://:80/",
            "http://u@h/",
            "ftp://a/",
            "http://a/\t",
            "http://a/ü",
            "http://a/,b",
        ] {
            assert!(check_url(bad).is_err(), "{bad} accepted");
        }
        assert!(check_url(&format!("http://a/{}", "x".repeat(1100))).is_err());
    }

    #[test]
    fn a_leaf_carries_aia_and_cdp_as_x509_parser_reads_them() {
        let now = OffsetDateTime::now_utc();
        let long = format!("http://pki.example.com/{}", "p".repeat(200));
        let spec = LeafSpec {
            cn: "svc".into(),
            org: None,
            sans: Vec::new(),
            profile: Profile::Client,
            spiffe: false,
            not_before: now,
            not_after: now + Duration::days(1),
            serial: random_serial().expect("serial"),
            rsa_key: false,
            urls: CaUrls {
                ocsp_url: Some("http://127.0.0.1:8888/".into()),
                crl_url: Some("http://pki.example.com/ca.crl".into()),
                issuer_url: Some(long.clone()),
            },
        };
        let key = KeyPair::generate().expect("key");
        let der = leaf_params(&spec).expect("params").self_signed(&key).expect("sign").der().to_vec();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("parse");
        let mut seen = Vec::new();
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    assert!(!ext.critical);
                    for d in &aia.accessdescs {
                        let GeneralName::URI(u) = d.access_location else { panic!("not a URI") };
                        seen.push((d.access_method.to_id_string(), u.to_string()));
                    }
                }
                ParsedExtension::CRLDistributionPoints(cdp) => seen.push(("cdp".into(), format!("{:?}", cdp.points))),
                _ => {}
            }
        }
        assert_eq!(
            seen.iter().filter(|(k, _)| k != "cdp").cloned().collect::<Vec<_>>(),
            vec![("1.3.6.1.5.5.7.48.1".into(), "http://127.0.0.1:8888/".into()), ("1.3.6.1.5.5.7.48.2".into(), long)]
        );
        assert!(seen.iter().any(|(k, v)| k == "cdp" && v.contains("http://pki.example.com/ca.crl")), "{seen:?}");
    }
}
