//! The canary of `--no-client-cert`: a client certificate from a CA made in
//! memory for this run only. No server can trust it, so a server that lets it
//! in does not verify client certificates (SPEC §3, `enforcement: unverified`).

use std::sync::Arc;

use anyhow::anyhow;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use time::{Duration, OffsetDateTime};

/// The canary's subject, so a server log shows what the connection was.
pub const CANARY_CN: &str = "mtlsctl probe canary (untrusted)";

/// A fresh CA and a client certificate it signed, ready for rustls.
pub fn certificate(provider: &CryptoProvider) -> anyhow::Result<Arc<CertifiedKey>> {
    let now = OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "mtlsctl probe canary CA (in memory, this run only)");
    ca.distinguished_name = dn;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - Duration::minutes(5);
    ca.not_after = now + Duration::hours(1);
    let issuer = Issuer::new(ca, &ca_key);

    let key = KeyPair::generate()?;
    let mut leaf = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CANARY_CN);
    leaf.distinguished_name = dn;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.not_before = now - Duration::minutes(5);
    leaf.not_after = now + Duration::hours(1);
    let cert = leaf.signed_by(&key, &issuer)?;
    let key_der = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    CertifiedKey::from_der(chain, key_der, provider).map(Arc::new).map_err(|e| anyhow!("canary certificate: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_is_a_client_certificate_of_an_unknown_ca() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let k = certificate(&provider).unwrap();
        let der = k.cert[0].to_vec();
        let c = crate::pki::certinfo::parse(&der).unwrap();
        assert!(crate::pki::names::display_name(c.subject()).contains("canary"));
        assert_ne!(c.subject().as_raw(), c.issuer().as_raw());
        assert_eq!(crate::pki::certinfo::eku_flags(&c), Some((false, true)));
        // Two runs never share a CA.
        let k2 = certificate(&provider).unwrap();
        assert_ne!(k.cert[0].as_ref(), k2.cert[0].as_ref());
    }
}
