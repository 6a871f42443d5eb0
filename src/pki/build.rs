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
