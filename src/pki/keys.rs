//! Key generation and PKCS#8 (plain and PBES2-encrypted) encoding and decoding;
//! reading the encrypted keys other tools write (pbes, legacy).

mod legacy;
mod pbes;

use anyhow::{Context, anyhow, bail};
use pkcs8::der::Decode;
use rcgen::{KeyPair, PublicKeyData};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::{PemObject, SectionKind};
use serde::Serialize;
use zeroize::Zeroizing;

/// The key algorithms mtlsctl generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyType {
    EcP256,
    EcP384,
    Ed25519,
    Rsa2048,
    Rsa3072,
    Rsa4096,
}

impl KeyType {
    pub fn name(self) -> &'static str {
        match self {
            Self::EcP256 => "ec-p256",
            Self::EcP384 => "ec-p384",
            Self::Ed25519 => "ed25519",
            Self::Rsa2048 => "rsa-2048",
            Self::Rsa3072 => "rsa-3072",
            Self::Rsa4096 => "rsa-4096",
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096)
    }

    /// Generating this key takes long enough that people should be told.
    pub fn is_slow(self) -> bool {
        matches!(self, Self::Rsa3072 | Self::Rsa4096)
    }

    pub fn generate(self) -> anyhow::Result<KeyPair> {
        use rcgen::RsaKeySize;
        let kp = match self {
            Self::EcP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            Self::EcP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            Self::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
            Self::Rsa2048 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048),
            Self::Rsa3072 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_3072),
            Self::Rsa4096 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096),
        };
        kp.with_context(|| format!("cannot generate a {} key", self.name()))
    }

    /// A new key to hand out rather than sign with here: its PKCS#8 PEM (as
    /// `to_pkcs8_pem` writes it) and its SubjectPublicKeyInfo (DER). An EC key
    /// skips rcgen, which parses and checks the key it has just generated once
    /// more: a third of the cost of `issue`'s key.
    pub fn generate_pem_and_spki(self) -> anyhow::Result<(Zeroizing<String>, Vec<u8>)> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair};
        let alg = match self {
            Self::EcP256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
            Self::EcP384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
            _ => {
                let kp = self.generate()?;
                return Ok((to_pkcs8_pem(&kp, None)?, kp.subject_public_key_info()));
            }
        };
        let failed = || anyhow!("cannot generate a {} key", self.name());
        let kp = EcdsaKeyPair::generate(alg).map_err(|_| failed())?;
        let der = kp.to_pkcs8v1().map_err(|_| failed())?;
        let spki = aws_lc_rs::signature::KeyPair::public_key(&kp).as_der().map_err(|_| failed())?;
        let info = pkcs8::PrivateKeyInfo::from_der(der.as_ref()).map_err(|e| anyhow!("cannot encode the key: {e}"))?;
        let doc = pkcs8::SecretDocument::encode_msg(&info).map_err(|e| anyhow!("cannot encode the key: {e}"))?;
        let pem =
            doc.to_pem("PRIVATE KEY", pkcs8::LineEnding::LF).map_err(|e| anyhow!("cannot encode the key: {e}"))?;
        Ok((pem, spki.as_ref().to_vec()))
    }
}

/// A short description of a key's algorithm for people and JSON: `ec-p256`, `rsa-2048`...
pub fn describe_key(kp: &KeyPair) -> String {
    describe_spki(&kp.subject_public_key_info()).unwrap_or_else(|| "unknown".into())
}

/// Describe a SubjectPublicKeyInfo (DER).
pub fn describe_spki(spki_der: &[u8]) -> Option<String> {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::PublicKey;
    let (_, spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    Some(match spki.parsed().ok()? {
        PublicKey::RSA(rsa) => format!("rsa-{}", rsa.key_size()),
        PublicKey::EC(ec) => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => "ec-p256".into(),
                Some("1.3.132.0.34") => "ec-p384".into(),
                Some("1.3.132.0.35") => "ec-p521".into(),
                _ => format!("ec-{}", ec.key_size()),
            }
        }
        PublicKey::Unknown(_) if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => "ed25519".into(),
        PublicKey::Unknown(_) => spki.algorithm.algorithm.to_id_string(),
        PublicKey::DSA(_) => "dsa".into(),
        PublicKey::GostR3410(_) | PublicKey::GostR3410_2012(_) => "gost".into(),
    })
}

/// PBKDF2-SHA256 rounds for encrypted keys: slow enough to resist guessing,
/// fast enough that a signing command stays under a second.
const PBKDF2_ROUNDS: u32 = 200_000;

/// The PKCS#8 PEM of a key, encrypted with PBES2 (PBKDF2-SHA256, AES-256-CBC)
/// when a passphrase is given: the scheme `openssl pkey -passin` opens.
pub fn to_pkcs8_pem(kp: &KeyPair, passphrase: Option<&str>) -> anyhow::Result<Zeroizing<String>> {
    let der = Zeroizing::new(kp.serialize_der());
    let mut info = pkcs8::PrivateKeyInfo::from_der(&der).map_err(|e| anyhow!("cannot encode the key: {e}"))?;
    // aws-lc writes Ed25519 keys as PKCS#8 v2 (RFC 5958, public key included),
    // which OpenSSL 3.0 and so nginx and curl refuse as "unsupported". v1
    // (RFC 8410), what `openssl genpkey` writes, is read by everyone.
    info.public_key = None;
    match passphrase {
        None => {
            let doc = pkcs8::SecretDocument::encode_msg(&info).map_err(|e| anyhow!("cannot encode the key: {e}"))?;
            doc.to_pem("PRIVATE KEY", pkcs8::LineEnding::LF).map_err(|e| anyhow!("cannot encode the key: {e}"))
        }
        Some(pass) => {
            let mut salt = [0u8; 16];
            let mut iv = [0u8; 16];
            aws_lc_rs::rand::fill(&mut salt).map_err(|_| anyhow!("no system randomness"))?;
            aws_lc_rs::rand::fill(&mut iv).map_err(|_| anyhow!("no system randomness"))?;
            let params = pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ROUNDS, &salt, &iv)
                .map_err(|e| anyhow!("cannot set up key encryption: {e}"))?;
            let doc = info
                .encrypt_with_params(params, pass.as_bytes())
                .map_err(|e| anyhow!("cannot encrypt the key: {e}"))?;
            let pem = doc
                .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
                .map_err(|e| anyhow!("cannot encode the key: {e}"))?;
            Ok(Zeroizing::new(pem.to_string()))
        }
    }
}

/// What a key file holds, before any passphrase is applied.
pub enum KeyFile {
    Plain(KeyPair),
    Encrypted(EncryptedKey),
}

/// An encrypted key, not yet decrypted.
pub enum EncryptedKey {
    /// `ENCRYPTED PRIVATE KEY`: EncryptedPrivateKeyInfo DER.
    Pkcs8(Zeroizing<Vec<u8>>),
    /// `Proc-Type: 4,ENCRYPTED` over a SEC1, PKCS#1 or PKCS#8 body.
    Legacy(legacy::LegacyPem),
}

impl EncryptedKey {
    /// Whether mtlsctl can decrypt this key at all, so an unsupported scheme
    /// is reported before a passphrase is asked for.
    /// The scheme in a few words for people: `PKCS#8 PBES2, PBKDF2-hmacWithSHA256
    /// (200000 rounds), aes-256-cbc`, `legacy PEM (EC, DES-EDE3-CBC)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Pkcs8(der) => pbes::describe(der),
            Self::Legacy(l) => l.describe(),
        }
    }

    pub fn check(&self) -> anyhow::Result<()> {
        match self {
            Self::Pkcs8(der) => pbes::check(der),
            Self::Legacy(l) => l.check().map_err(Into::into),
        }
    }
}

/// rustls-pki-types' PEM errors carry the marker lines as bytes: say them as text.
fn pem_words(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::MissingSectionEnd { end_marker } => {
            format!("no \"-----END {}-----\" line: the file is cut short", String::from_utf8_lossy(end_marker).trim())
        }
        E::IllegalSectionStart { line } => format!("a bad BEGIN line \"{}\"", String::from_utf8_lossy(line).trim()),
        other => other.to_string(),
    }
}

/// The first private key of a PEM file as written, when it is in the clear, for
/// a reader that checks the key itself (rustls): the key `parse_key` would read,
/// without reading it. None for anything else (encrypted, DER, malformed, no key),
/// which is `parse_key`'s to read or to explain.
pub fn plain_pem_key(bytes: &[u8]) -> Option<PrivateKeyDer<'static>> {
    if !matches!(legacy::find(bytes), Ok(None)) {
        return None;
    }
    for item in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        let (kind, der) = item.ok()?;
        match kind {
            SectionKind::PrivateKey => return Some(PrivateKeyDer::Pkcs8(der.into())),
            SectionKind::EcPrivateKey => return Some(PrivateKeyDer::Sec1(der.into())),
            SectionKind::RsaPrivateKey => return Some(PrivateKeyDer::Pkcs1(der.into())),
            _ => {}
        }
    }
    None
}

/// Read a private key: PKCS#8 (plain or encrypted), SEC1 or PKCS#1 (plain or
/// legacy-encrypted PEM), PEM or DER.
pub fn parse_key(bytes: &[u8]) -> anyhow::Result<KeyFile> {
    // Before the PEM reader below, which cannot read the legacy headers.
    if let Some(l) = legacy::find(bytes)? {
        return Ok(KeyFile::Encrypted(EncryptedKey::Legacy(l)));
    }
    let mut saw_pem = false;
    for item in <(SectionKind, Vec<u8>)>::pem_slice_iter(bytes) {
        let (kind, der) = match item {
            Ok(x) => x,
            Err(e) => bail!("malformed PEM: {}", pem_words(&e)),
        };
        saw_pem = true;
        let der = Zeroizing::new(der);
        match kind {
            SectionKind::PrivateKey => {
                return Ok(KeyFile::Plain(key_from_der(PrivateKeyDer::Pkcs8(der.to_vec().into()))?));
            }
            SectionKind::EcPrivateKey => {
                return Ok(KeyFile::Plain(key_from_der(PrivateKeyDer::Sec1(der.to_vec().into()))?));
            }
            SectionKind::RsaPrivateKey => {
                return Ok(KeyFile::Plain(key_from_der(PrivateKeyDer::Pkcs1(der.to_vec().into()))?));
            }
            _ => {}
        }
    }
    // rustls-pki-types does not know the encrypted label; find it ourselves.
    if let Ok(items) = pem::parse_many(bytes) {
        for p in items {
            if p.tag() == "ENCRYPTED PRIVATE KEY" {
                return Ok(KeyFile::Encrypted(EncryptedKey::Pkcs8(Zeroizing::new(p.into_contents()))));
            }
        }
    }
    if saw_pem || looks_like_pem(bytes) {
        bail!(
            "no private key in this PEM file (expected PRIVATE KEY, EC PRIVATE KEY, RSA PRIVATE KEY or ENCRYPTED PRIVATE KEY)"
        );
    }
    // DER: encrypted PKCS#8 first (its structure is distinct), then plain.
    if pkcs8::EncryptedPrivateKeyInfo::from_der(bytes).is_ok() {
        return Ok(KeyFile::Encrypted(EncryptedKey::Pkcs8(Zeroizing::new(bytes.to_vec()))));
    }
    match PrivateKeyDer::try_from(bytes) {
        Ok(k) => Ok(KeyFile::Plain(key_from_der(k)?)),
        Err(_) => bail!("not a private key (neither PEM nor DER PKCS#8, SEC1 or PKCS#1)"),
    }
}

fn key_from_der(der: PrivateKeyDer<'_>) -> anyhow::Result<KeyPair> {
    if let PrivateKeyDer::Pkcs8(p8) = &der {
        if let Some(kp) = pkcs8_by_oid(p8) {
            return Ok(kp);
        }
    }
    let kp = KeyPair::try_from(&der).map_err(|e| anyhow!("unsupported or corrupt private key: {e}"))?;
    // SEC1 and PKCS#1 keys are re-read as PKCS#8 so they are written back in one format.
    if !matches!(der, PrivateKeyDer::Pkcs8(_)) {
        if let Ok(pkcs8) = pkcs8_of(&kp) {
            if let Some(kp) = pkcs8_by_oid(&pkcs8.as_slice().into()) {
                return Ok(kp);
            }
            return KeyPair::try_from(pkcs8.as_slice()).map_err(|e| anyhow!("unsupported private key: {e}"));
        }
    }
    Ok(kp)
}

/// A PKCS#8 key read as the algorithm its OID names. rcgen's `TryFrom` tries
/// Ed25519 first, which for an EC key parses and checks the whole key once in
/// vain before the EC attempt does it again. `None` (an OID not listed here, or
/// a key the named algorithm refuses) leaves the key to `TryFrom`, whose error
/// is the one reported.
fn pkcs8_by_oid(der: &rustls_pki_types::PrivatePkcs8KeyDer<'_>) -> Option<KeyPair> {
    use pkcs8::ObjectIdentifier as Oid;
    const EC: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
    const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
    const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
    const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    let info = pkcs8::PrivateKeyInfo::from_der(der.secret_pkcs8_der()).ok()?;
    let algorithm = &info.algorithm;
    // The same choice `TryFrom` arrives at for each of these keys.
    let alg = if algorithm.oid == EC {
        match algorithm.parameters_oid().ok()? {
            p if p == P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            p if p == P384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            p if p == P521 => &rcgen::PKCS_ECDSA_P521_SHA512,
            _ => return None,
        }
    } else if algorithm.oid == ED25519 {
        &rcgen::PKCS_ED25519
    } else if algorithm.oid == RSA {
        &rcgen::PKCS_RSA_SHA256
    } else {
        return None;
    };
    KeyPair::from_pkcs8_der_and_sign_algo(der, alg).ok()
}

/// Re-encode a key as PKCS#8 DER when it was read from another format.
fn pkcs8_of(kp: &KeyPair) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let der = kp.serialize_der();
    if pkcs8::PrivateKeyInfo::from_der(&der).is_ok() {
        return Ok(Zeroizing::new(der));
    }
    bail!("key is not PKCS#8")
}

/// Why an encrypted key could not be opened: the caller asks again, or gives up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("wrong passphrase: the decrypted key is not valid")]
    DecryptedGarbage,
    /// Damaged whatever the passphrase (a body that is no whole number of cipher blocks).
    #[error("corrupt encrypted key: {0}")]
    Corrupt(String),
    /// The scheme, named (`PBES2 and the cipher camellia-256-cbc (OID ...)`).
    #[error("the key is encrypted with {0}, which mtlsctl does not support")]
    UnsupportedEncryption(String),
}

impl KeyError {
    /// A wrong passphrase, however it showed.
    pub fn is_wrong_passphrase(&self) -> bool {
        matches!(self, Self::WrongPassphrase | Self::DecryptedGarbage)
    }
}

/// Decrypt an encrypted key.
pub fn decrypt_key(key: &EncryptedKey, passphrase: &str) -> anyhow::Result<KeyPair> {
    let (der, body) = match key {
        EncryptedKey::Pkcs8(der) => (pbes::decrypt(der, passphrase)?, legacy::Body::Pkcs8),
        EncryptedKey::Legacy(l) => (l.decrypt(passphrase)?, l.body),
    };
    // A wrong passphrase can decrypt to padding-valid garbage; parsing catches it.
    let parsed = match body {
        legacy::Body::Pkcs8 => {
            if let Some(kp) = pkcs8_by_oid(&der.as_slice().into()) {
                return Ok(kp);
            }
            KeyPair::try_from(der.as_slice()).ok()
        }
        legacy::Body::Sec1 => key_from_der(PrivateKeyDer::Sec1(der.to_vec().into())).ok(),
        legacy::Body::Pkcs1 => key_from_der(PrivateKeyDer::Pkcs1(der.to_vec().into())).ok(),
    };
    Ok(parsed.ok_or(KeyError::DecryptedGarbage)?)
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Whether a key and a certificate's public key belong together.
pub fn key_matches_spki(kp: &KeyPair, spki_der: &[u8]) -> bool {
    kp.subject_public_key_info() == spki_der
}

#[cfg(test)]
mod tests {
    /// The shortcut writes what rcgen's path writes: the same PEM for the
    /// key read back, and the public key rcgen derives from it.
    #[test]
    fn generated_pem_and_spki_match_rcgen() {
        for kt in [super::KeyType::EcP256, super::KeyType::EcP384, super::KeyType::Ed25519] {
            let (pem, spki) = kt.generate_pem_and_spki().expect("generate");
            let back = rcgen::KeyPair::from_pem(&pem).expect("parse");
            assert_eq!(*super::to_pkcs8_pem(&back, None).expect("pem"), *pem, "{kt:?}");
            assert_eq!(rcgen::PublicKeyData::subject_public_key_info(&back), spki, "{kt:?}");
            assert_eq!(super::describe_spki(&spki).as_deref(), Some(kt.name()));
        }
    }

    use super::*;

    /// Only a key in the clear in PEM goes to rustls as written; everything else is parse_key's.
    #[test]
    fn plain_pem_key_takes_only_a_clear_pem_key() {
        let kp = KeyType::EcP256.generate().unwrap();
        let plain = to_pkcs8_pem(&kp, None).unwrap();
        let Some(PrivateKeyDer::Pkcs8(der)) = plain_pem_key(plain.as_bytes()) else { panic!("not read") };
        assert_eq!(der.secret_pkcs8_der(), kp.serialize_der().as_slice());
        let encrypted = to_pkcs8_pem(&kp, Some("s3cret")).unwrap();
        assert!(plain_pem_key(encrypted.as_bytes()).is_none());
        assert!(plain_pem_key(&kp.serialize_der()).is_none());
        assert!(plain_pem_key(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_none());
        let cut = &plain.as_bytes()[..plain.len() - 10];
        assert!(plain_pem_key(cut).is_none(), "a cut-short file is parse_key's to explain");
    }

    #[test]
    fn round_trip_encrypted() {
        let kp = KeyType::EcP256.generate().unwrap();
        let pem = to_pkcs8_pem(&kp, Some("s3cret")).unwrap();
        let KeyFile::Encrypted(der) = parse_key(pem.as_bytes()).unwrap() else { panic!("not encrypted") };
        let wrong = decrypt_key(&der, "wrong").unwrap_err();
        assert!(
            matches!(wrong.downcast_ref::<KeyError>(), Some(KeyError::WrongPassphrase | KeyError::DecryptedGarbage)),
            "{wrong:#}"
        );
        let back = decrypt_key(&der, "s3cret").unwrap();
        assert_eq!(back.public_key_raw(), kp.public_key_raw());
    }

    #[test]
    fn describes_keys() {
        for kt in [KeyType::EcP256, KeyType::EcP384, KeyType::Ed25519, KeyType::Rsa2048] {
            let kp = kt.generate().unwrap();
            assert_eq!(describe_key(&kp), kt.name());
            let pem = to_pkcs8_pem(&kp, None).unwrap();
            assert!(matches!(parse_key(pem.as_bytes()).unwrap(), KeyFile::Plain(_)));
        }
    }

    /// The algorithm picked from the OID is the one rcgen's own detection picks.
    #[test]
    fn pkcs8_keys_keep_their_algorithm() {
        for kt in [KeyType::EcP256, KeyType::EcP384, KeyType::Ed25519, KeyType::Rsa2048] {
            let kp = kt.generate().unwrap();
            let der = kp.serialize_der();
            let by_oid = pkcs8_by_oid(&der.as_slice().into()).expect("known OID");
            let detected = KeyPair::try_from(der.as_slice()).unwrap();
            assert!(by_oid.algorithm() == detected.algorithm(), "{}", kt.name());
            assert_eq!(by_oid.public_key_raw(), kp.public_key_raw());
        }
        // A P-256 OID over a P-384 key is refused here and left to rcgen.
        let p384 = KeyType::EcP384.generate().unwrap().serialize_der();
        let mut info = pkcs8::PrivateKeyInfo::from_der(&p384).unwrap();
        info.algorithm.parameters = Some(pkcs8::der::asn1::AnyRef::from(&P256_OID));
        let lying = pkcs8::der::Encode::to_der(&info).unwrap();
        assert!(pkcs8_by_oid(&lying.as_slice().into()).is_none());
        assert!(parse_key(&lying).is_err());
    }

    const P256_OID: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

    /// OpenSSL 3.0 cannot read PKCS#8 v2: every key must go out as v1, and come back.
    #[test]
    fn ed25519_is_written_as_pkcs8_v1() {
        let kp = KeyType::Ed25519.generate().unwrap();
        let pem = to_pkcs8_pem(&kp, None).unwrap();
        let KeyFile::Plain(back) = parse_key(pem.as_bytes()).unwrap() else { panic!("not plain") };
        assert_eq!(back.public_key_raw(), kp.public_key_raw());
        let der = ::pem::parse(pem.as_bytes()).unwrap().into_contents();
        let info = pkcs8::PrivateKeyInfo::from_der(&der).unwrap();
        assert_eq!(info.version(), pkcs8::Version::V1);
        let enc = to_pkcs8_pem(&kp, Some("s3cret")).unwrap();
        let KeyFile::Encrypted(der) = parse_key(enc.as_bytes()).unwrap() else { panic!("not encrypted") };
        assert_eq!(decrypt_key(&der, "s3cret").unwrap().public_key_raw(), kp.public_key_raw());
    }
}
