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
use super::report::ClientCertInfo;
use super::vocab::TrustSource;
use crate::pki::dates;
use crate::pki::keys::{self, KeyFile};
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
    /// The leaf certificate, DER.
    pub leaf: Vec<u8>,
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
        let kp = match keys::parse_key(key) {
            Ok(KeyFile::Plain(kp)) => kp,
            Ok(KeyFile::Encrypted(_)) => return Err(IdentityError::EncryptedKey),
            Err(e) => return Err(IdentityError::NoKey(e)),
        };
        let key_der = PrivateKeyDer::Pkcs8(kp.serialize_der().into());
        let certs: Vec<CertificateDer<'static>> = chain.iter().map(|d| CertificateDer::from(d.clone())).collect();
        let certified = CertifiedKey::from_der(certs, key_der, provider).map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => IdentityError::KeyMismatch,
            other => IdentityError::Other(anyhow!("{other}")),
        })?;
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
            seconds_left: (na - OffsetDateTime::now_utc()).whole_seconds(),
        };
        let now = OffsetDateTime::now_utc();
        let ours = OurCert {
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
            expired: na <= now,
            not_after: dates::human_time(na),
            client_auth: certinfo::eku_flags(&leaf).is_none_or(|(_, client)| client),
            revoked: None,
            issuer_acceptable: None,
            acceptable: Vec::new(),
            chain_length: chain.len(),
        };
        Ok(Self {
            key: Arc::new(certified),
            days_left: info.days_left,
            seconds_left: (na - now).whole_seconds(),
            info,
            ours,
            issuers,
            leaf: leaf_der,
        })
    }

    /// Record what the store says about this certificate (`revoked on DATE for REASON`).
    pub fn set_revoked(&mut self, revoked: Option<String>) {
        self.info.revoked_in_store.clone_from(&revoked);
        self.ours.revoked = revoked;
    }
}

/// The CAs the server certificate must chain to.
pub struct Trust {
    pub roots: Arc<RootCertStore>,
    pub source: TrustSource,
    pub file: Option<PathBuf>,
    /// Subjects of the anchors.
    pub anchors: Vec<String>,
}

fn subjects(ders: &[Vec<u8>]) -> Vec<String> {
    ders.iter().filter_map(|d| certinfo::parse(d).ok().map(|c| names::display_name(c.subject()))).collect()
}

impl Trust {
    /// Trust exactly these certificates; an error names the one (1-based) that cannot be an anchor.
    pub fn from_ders(source: TrustSource, file: Option<PathBuf>, ders: &[Vec<u8>]) -> Result<Self, (usize, String)> {
        let mut roots = RootCertStore::empty();
        for (i, d) in ders.iter().enumerate() {
            roots.add(CertificateDer::from(d.clone())).map_err(|e| (i + 1, e.to_string()))?;
        }
        Ok(Self { roots: Arc::new(roots), source, file, anchors: subjects(ders) })
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
                return Self { roots: Arc::new(roots), source: TrustSource::System, file: Some(path), anchors: names };
            }
        }
        Self { roots: Arc::new(RootCertStore::empty()), source: TrustSource::System, file: None, anchors: Vec::new() }
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
