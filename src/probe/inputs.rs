//! What a probe is given: the client identity (certificate chain and key,
//! ready for rustls, with what the report says about it) and the CAs the
//! server certificate is checked against. Bytes in, no paths looked up here
//! beyond the system CA bundle.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::anyhow;
use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use time::OffsetDateTime;

use super::diagnose::OurCert;
use super::recorder::ServerPolicy;
use super::report::{ClientCertInfo, IdentityCheck};
use super::vocab::TrustSource;
use crate::pki::dates;
use crate::pki::keys::{self, KeyFile};
use crate::pki::verify::{self, Purpose};
use crate::pki::{certinfo, names};

/// Our identity, ready for rustls, with what the report says about it.
#[derive(Clone)]
pub struct Identity {
    pub key: Arc<CertifiedKey>,
    pub info: ClientCertInfo,
    pub ours: OurCert,
    /// Raw issuer Names of our chain (each certificate's issuer), to match against CA hints.
    pub issuers: Vec<Vec<u8>>,
    pub days_left: i64,
    /// Seconds until the leaf's notAfter (negative once expired).
    pub seconds_left: i64,
    /// Seconds from the leaf's notBefore to its notAfter.
    pub lifetime: i64,
    /// The leaf certificate, DER.
    pub leaf: Vec<u8>,
    /// The certificates sent after the leaf.
    pub intermediates: Vec<Vec<u8>>,
}

/// The store's CA and CRL, to check our identity against before it is sent.
pub struct IdentityCa<'a> {
    pub anchors: &'a [Vec<u8>],
    pub intermediates: &'a [Vec<u8>],
    pub crls: &'a [Vec<u8>],
    /// How the policy's words name the CA ("this CA (CN=x)").
    pub label: String,
    pub crl_label: String,
}

/// Why an identity cannot be used; the face turns these into words naming its files.
#[derive(Debug)]
pub enum IdentityError {
    /// The certificate file holds no certificate.
    NoCertificate(anyhow::Error),
    /// The key file holds no usable key.
    NoKey(anyhow::Error),
    /// The key is encrypted: probe needs it in the clear.
    EncryptedKey,
    /// The key does not belong to the certificate.
    KeyMismatch,
    Other(anyhow::Error),
}

impl Identity {
    /// Build from a PEM/DER chain (leaf first) and a private key.
    pub fn from_bytes(
        chain: &[u8],
        key: &[u8],
        source: String,
        provider: &CryptoProvider,
    ) -> Result<Self, IdentityError> {
        let chain = certinfo::load_certs(chain).map_err(IdentityError::NoCertificate)?;
        let certs: Vec<CertificateDer<'static>> = chain.iter().map(|d| CertificateDer::from(d.clone())).collect();
        // A key in the clear goes to rustls as written: one parse of it (each parse
        // checks the key, an elliptic-curve multiplication). Anything rustls refuses
        // takes the long way, whose errors say why.
        let certified = match keys::plain_pem_key(key).map(|k| CertifiedKey::from_der(certs.clone(), k, provider)) {
            Some(Ok(c)) => c,
            _ => Self::certified_key(certs, key, provider)?,
        };
        let leaf_der = chain.first().cloned().ok_or_else(|| IdentityError::NoCertificate(anyhow!("no certificate")))?;
        let leaf = certinfo::parse(&leaf_der).map_err(IdentityError::NoCertificate)?;
        let na = certinfo::not_after(&leaf);
        let issuers =
            chain.iter().filter_map(|d| certinfo::parse(d).ok().map(|c| c.issuer().as_raw().to_vec())).collect();
        let info = ClientCertInfo {
            source,
            subject: names::display_name(leaf.subject()),
            issuer: names::display_name(leaf.issuer()),
            serial: certinfo::serial_hex(&leaf),
            not_after: dates::rfc3339(na),
            days_left: dates::days_left(na),
            chain_length: chain.len(),
            revoked_in_store: None,
            check: IdentityCheck { code: verify::Code::Valid, message: String::new() },
            seconds_left: (na - OffsetDateTime::now_utc()).whole_seconds(),
        };
        let now = OffsetDateTime::now_utc();
        let ours = OurCert {
            subject: info.subject.clone(),
            cn: names::common_name(leaf.subject()),
            issuer: info.issuer.clone(),
            not_after: dates::human_time(na),
            client_auth: true,
            chain_length: chain.len(),
            ..OurCert::default()
        };
        let mut identity = Self {
            key: Arc::new(certified),
            days_left: info.days_left,
            seconds_left: (na - now).whole_seconds(),
            lifetime: (na - certinfo::not_before(&leaf)).whole_seconds(),
            info,
            ours,
            issuers,
            intermediates: chain.get(1..).unwrap_or_default().to_vec(),
            leaf: leaf_der,
        };
        // The certificate's own rules, by the same policy as verify (its chain needs the CA: `check_with_ca`).
        let own = verify::check_leaf(&identity.leaf, &[Purpose::Client], now);
        identity.apply(&own);
        Ok(identity)
    }

    /// The key read by `parse_key` (every format mtlsctl reads) and joined to the chain.
    fn certified_key(
        certs: Vec<CertificateDer<'static>>,
        key: &[u8],
        provider: &CryptoProvider,
    ) -> Result<CertifiedKey, IdentityError> {
        let kp = match keys::parse_key(key) {
            Ok(KeyFile::Plain(kp)) => kp,
            Ok(KeyFile::Encrypted(_)) => return Err(IdentityError::EncryptedKey),
            Err(e) => return Err(IdentityError::NoKey(e)),
        };
        let key_der = PrivateKeyDer::Pkcs8(kp.serialize_der().into());
        CertifiedKey::from_der(certs, key_der, provider).map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => IdentityError::KeyMismatch,
            other => IdentityError::Other(anyhow!("{other}")),
        })
    }

    /// Check our identity against the store's CA and CRL (path, revocation), by
    /// the policy of verify; the leaf's own rules were checked when it was read.
    pub fn check_with_ca(&mut self, ca: &IdentityCa<'_>, at: OffsetDateTime) -> anyhow::Result<()> {
        if self.info.check.code != verify::Code::Valid {
            return Ok(());
        }
        let intermediates: Vec<Vec<u8>> = self.intermediates.iter().chain(ca.intermediates).cloned().collect();
        let revocation = if ca.crls.is_empty() {
            verify::Revocation::Off
        } else {
            verify::Revocation::Chain { missing_ca_crl: verify::MissingCaCrl::CheckLeafOnly }
        };
        let req = verify::Request {
            leaf: &self.leaf,
            intermediates: &intermediates,
            anchors: ca.anchors,
            crls: ca.crls,
            purposes: &[Purpose::Client],
            subjects: &[],
            at,
            revocation,
            max_depth: None,
            labels: verify::Labels { ca: ca.label.clone(), crl: ca.crl_label.clone() },
        };
        let v = verify::verify(&req)?;
        self.apply(&v);
        Ok(())
    }

    /// What a verdict of the policy says about our certificate.
    fn apply(&mut self, v: &verify::Verdict) {
        use verify::Code;
        self.info.check = IdentityCheck { code: v.code, message: v.message.clone() };
        self.ours.expired = v.code == Code::Expired;
        self.ours.not_yet_valid = v.code == Code::NotYetValid;
        self.ours.client_auth = v.code != Code::WrongPurpose;
        if let Some(l) = v.listed.as_ref().filter(|_| v.code == Code::Revoked) {
            let reason = l.reason.map(|r| format!(" for {}", r.openssl_name())).unwrap_or_default();
            self.set_revoked(Some(format!("revoked on {}{reason}", dates::human_time(l.revoked_at))));
        }
    }

    /// Record that the store says this certificate is revoked (`revoked on DATE for REASON`).
    pub fn set_revoked(&mut self, revoked: Option<String>) {
        self.info.revoked_in_store.clone_from(&revoked);
        self.ours.revoked = revoked;
    }

    /// Record that the store's CRLs say a CA of this certificate's chain is revoked, in words.
    pub fn set_ca_revoked(&mut self, words: String) {
        if self.info.revoked_in_store.is_none() {
            self.info.revoked_in_store = Some(words.clone());
        }
        // The policy check read this store's CRL only: it must not say "not revoked".
        if self.info.check.code == verify::Code::Valid {
            self.info.check =
                IdentityCheck { code: verify::Code::Revoked, message: format!("revoked with its chain: {words}") };
        }
        self.ours.ca_revoked = Some(words);
    }
}

/// The CAs the server certificate must chain to.
pub struct Trust {
    /// What rustls (webpki) checks against: every certificate given.
    pub roots: Arc<RootCertStore>,
    pub source: TrustSource,
    pub file: Option<PathBuf>,
    /// Subjects of the anchors.
    pub anchors: Vec<String>,
    /// mtlsctl's own validation (`pki::verify`), which decides for `--cacert`
    /// and the store; None for the system roots, which webpki decides alone.
    pub policy: Option<ServerPolicy>,
}

fn subjects(ders: &[Vec<u8>]) -> Vec<String> {
    ders.iter().filter_map(|d| certinfo::parse(d).ok().map(|c| names::display_name(c.subject()))).collect()
}

impl Trust {
    /// Trust exactly these certificates; an error names the one (1-based) that cannot be an anchor.
    /// Self-signed certificates are the anchors of the policy, the others intermediates
    /// (as `verify --ca` reads a bundle); `ca_label` names them in the policy's words.
    pub fn from_ders(
        source: TrustSource,
        file: Option<PathBuf>,
        ders: &[Vec<u8>],
        ca_label: String,
    ) -> Result<Self, (usize, String)> {
        let mut roots = RootCertStore::empty();
        for (i, d) in ders.iter().enumerate() {
            roots.add(CertificateDer::from(d.clone())).map_err(|e| (i + 1, e.to_string()))?;
        }
        let (anchors, intermediates) = verify::split_anchors(ders.to_vec());
        let policy = ServerPolicy { anchors, intermediates, ca_label };
        Ok(Self { roots: Arc::new(roots), source, file, anchors: subjects(ders), policy: Some(policy) })
    }

    /// The system bundle, where Debian/Ubuntu, RHEL/Fedora and Alpine keep it (or $SSL_CERT_FILE).
    pub fn system() -> Self {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(f) = std::env::var_os("SSL_CERT_FILE") {
            candidates.push(f.into());
        }
        for p in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"] {
            candidates.push(p.into());
        }
        for path in candidates {
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let Ok(blocks) = pem::parse_many(&bytes) else { continue };
            let ders: Vec<Vec<u8>> =
                blocks.into_iter().filter(|b| b.tag() == "CERTIFICATE").map(pem::Pem::into_contents).collect();
            let names = subjects(&ders);
            let mut roots = RootCertStore::empty();
            roots.add_parsable_certificates(ders.into_iter().map(CertificateDer::from));
            if !roots.is_empty() {
                return Self {
                    roots: Arc::new(roots),
                    source: TrustSource::System,
                    file: Some(path),
                    anchors: names,
                    policy: None,
                };
            }
        }
        Self {
            roots: Arc::new(RootCertStore::empty()),
            source: TrustSource::System,
            file: None,
            anchors: Vec::new(),
            policy: None,
        }
    }

    /// "--cacert ca.pem: CN=...", for the cause of an untrusted server.
    pub fn text(&self, show: impl Fn(&std::path::Path) -> String) -> String {
        let file = self.file.as_deref().map(show).unwrap_or_else(|| "no CA bundle found".into());
        let who = match self.source {
            TrustSource::Cacert => format!("--cacert {file}"),
            TrustSource::Store => format!("the store's CA {file}"),
            TrustSource::System => format!("the system roots {file}"),
        };
        if self.anchors.is_empty() {
            format!("{who}: no CA")
        } else if self.anchors.len() <= 3 {
            format!("{who}: {}", self.anchors.join("; "))
        } else {
            format!("{who}: {} CAs", self.anchors.len())
        }
    }
}
