//! Legacy PEM encryption (`Proc-Type: 4,ENCRYPTED` and `DEK-Info`), what
//! `openssl ec -des3`, `openssl rsa -aes256 -traditional` and OpenSSL 1.x's
//! `genrsa -aes256` write: the SEC1 or PKCS#1 body in CBC mode under a key
//! from EVP_BytesToKey (MD5, one round, the IV's first 8 bytes as salt).

use anyhow::{anyhow, bail};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};
use zeroize::Zeroizing;

use super::KeyError;

/// What the decrypted body is, by the PEM label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Sec1,
    Pkcs1,
    Pkcs8,
}

/// A legacy-encrypted PEM key, not yet decrypted.
pub struct LegacyPem {
    pub body: Body,
    /// The DEK-Info cipher, as written (`AES-256-CBC`).
    pub cipher: String,
    iv: Vec<u8>,
    data: Zeroizing<Vec<u8>>,
}

#[derive(Clone, Copy)]
enum Cipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
    Des,
}

impl Cipher {
    fn by_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "AES-128-CBC" => Self::Aes128,
            "AES-192-CBC" => Self::Aes192,
            "AES-256-CBC" => Self::Aes256,
            "DES-EDE3-CBC" => Self::DesEde3,
            "DES-CBC" => Self::Des,
            _ => return None,
        })
    }

    fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
            Self::Des => 8,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            Self::Aes128 | Self::Aes192 | Self::Aes256 => 16,
            Self::DesEde3 | Self::Des => 8,
        }
    }
}

/// The first legacy-encrypted key in a PEM file, if it has one.
pub(super) fn find(bytes: &[u8]) -> anyhow::Result<Option<LegacyPem>> {
    if crate::bytes::find(bytes, b"Proc-Type:").is_none() {
        return Ok(None);
    }
    let items = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
    for p in items {
        let Some(proc_type) = p.headers().get("Proc-Type") else { continue };
        let body = match p.tag() {
            "EC PRIVATE KEY" => Body::Sec1,
            "RSA PRIVATE KEY" => Body::Pkcs1,
            "PRIVATE KEY" => Body::Pkcs8,
            other => bail!("the PEM block {other} is encrypted, and mtlsctl reads only EC, RSA and PKCS#8 keys"),
        };
        if proc_type.replace(' ', "") != "4,ENCRYPTED" {
            bail!("malformed PEM: unexpected Proc-Type: {proc_type}");
        }
        let Some(dek) = p.headers().get("DEK-Info") else {
            bail!("malformed PEM: an encrypted key without DEK-Info");
        };
        let (cipher, iv_hex) = dek.split_once(',').unwrap_or((dek, ""));
        let iv = parse_hex(iv_hex.trim()).ok_or_else(|| anyhow!("malformed PEM: DEK-Info IV {iv_hex:?} is not hex"))?;
        return Ok(Some(LegacyPem {
            body,
            cipher: cipher.trim().to_string(),
            iv,
            data: Zeroizing::new(p.into_contents()),
        }));
    }
    Ok(None)
}

impl LegacyPem {
    fn cipher(&self) -> Result<Cipher, KeyError> {
        let c = Cipher::by_name(&self.cipher)
            .ok_or_else(|| KeyError::UnsupportedEncryption(format!("legacy PEM encryption {}", self.cipher)))?;
        if self.iv.len() != c.iv_len() {
            return Err(KeyError::UnsupportedEncryption(format!(
                "legacy PEM encryption {} with a {}-byte IV",
                self.cipher,
                self.iv.len()
            )));
        }
        let block = c.iv_len();
        if self.data.is_empty() || !self.data.len().is_multiple_of(block) {
            return Err(KeyError::Corrupt(format!(
                "{} bytes of {} ciphertext, not a whole number of {block}-byte blocks",
                self.data.len(),
                self.cipher
            )));
        }
        Ok(c)
    }

    /// The scheme in a few words for people.
    pub(super) fn describe(&self) -> String {
        let body = match self.body {
            Body::Sec1 => "EC",
            Body::Pkcs1 => "RSA",
            Body::Pkcs8 => "PKCS#8",
        };
        let note = match self.check() {
            Ok(()) => "",
            Err(KeyError::Corrupt(_)) => ", corrupt",
            Err(_) => ", not supported",
        };
        format!("legacy PEM ({body}, {}){note}", self.cipher)
    }

    /// Whether mtlsctl can decrypt it (before any passphrase is asked for).
    pub(super) fn check(&self) -> Result<(), KeyError> {
        self.cipher().map(|_| ())
    }

    /// The decrypted DER body.
    pub(super) fn decrypt(&self, passphrase: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let cipher = self.cipher()?;
        let key = bytes_to_key(passphrase.as_bytes(), &self.iv[..8], cipher.key_len());
        let mut buf = Zeroizing::new(self.data.to_vec());
        let iv = self.iv.as_slice();
        let plain = match cipher {
            Cipher::Aes128 => cbc_decrypt::<aes::Aes128>(&key, iv, &mut buf),
            Cipher::Aes192 => cbc_decrypt::<aes::Aes192>(&key, iv, &mut buf),
            Cipher::Aes256 => cbc_decrypt::<aes::Aes256>(&key, iv, &mut buf),
            Cipher::DesEde3 => cbc_decrypt::<des::TdesEde3>(&key, iv, &mut buf),
            Cipher::Des => cbc_decrypt::<des::Des>(&key, iv, &mut buf),
        };
        // A wrong passphrase shows as a padding failure (or, rarely, as garbage the caller refuses).
        let len = plain.ok_or(KeyError::WrongPassphrase)?;
        buf.truncate(len);
        Ok(buf)
    }
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

/// CBC-decrypt in place; the plaintext's length, `None` on bad padding.
pub(super) fn cbc_decrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Option<usize>
where
    C: cbc::cipher::BlockDecryptMut + cbc::cipher::BlockCipher + cbc::cipher::KeyInit,
    cbc::Decryptor<C>: KeyIvInit + BlockDecryptMut,
{
    let d = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    d.decrypt_padded_mut::<Pkcs7>(buf).ok().map(<[u8]>::len)
}

/// OpenSSL's EVP_BytesToKey with MD5 and one round: D1 = MD5(pass‖salt),
/// Di = MD5(Di-1‖pass‖salt), the key their concatenation's first `len` bytes.
fn bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Option<[u8; 16]> = None;
    while key.len() < len {
        let mut h = Md5::new();
        if let Some(p) = prev {
            h.update(p);
        }
        h.update(pass);
        h.update(salt);
        let d: [u8; 16] = h.finalize().into();
        key.extend_from_slice(&d);
        prev = Some(d);
    }
    key.truncate(len);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl enc -aes-256-cbc -P -md md5 -S 0102030405060708 -pass pass:pw` prints this key.
    #[test]
    fn bytes_to_key_is_openssls() {
        let key = bytes_to_key(b"pw", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        assert_eq!(crate::pki::hex::hex_upper(&key), EXPECTED_AES256_KEY);
    }

    const EXPECTED_AES256_KEY: &str = "222776D258E716EFDAA0CF5A7E504B9D21982575418A44BE8D93693294778EEA";
}

#[cfg(test)]
mod header_tests {
    use super::*;

    fn legacy(dek: &str) -> String {
        format!(
            "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: {dek}\n\nAAAAAAAAAAAAAAAAAAAAAA==\n-----END EC PRIVATE KEY-----\n"
        )
    }

    /// Odd DEK-Info lines are errors or named schemes, never a panic or a wrong passphrase.
    #[test]
    fn odd_dek_info_is_named() {
        let unsupported = |dek: &str| {
            let l = find(legacy(dek).as_bytes()).expect("parse").expect("legacy");
            match l.check() {
                Err(KeyError::UnsupportedEncryption(what)) => what,
                other => panic!("{dek}: {other:?}"),
            }
        };
        assert_eq!(
            unsupported("CAMELLIA-256-CBC,00112233445566778899AABBCCDDEEFF"),
            "legacy PEM encryption CAMELLIA-256-CBC"
        );
        assert!(unsupported("AES-256-CBC,0011").contains("2-byte IV"));
        assert!(unsupported("DES-EDE3-CBC,").contains("0-byte IV"));
        let short =
            legacy("AES-256-CBC,00112233445566778899AABBCCDDEEFF").replace("AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAA=");
        let l = find(short.as_bytes()).expect("parse").expect("legacy");
        assert!(matches!(l.check(), Err(KeyError::Corrupt(_))), "{:?}", l.check());
        assert!(find(legacy("AES-256-CBC,XYZ").as_bytes()).is_err());
        let ok =
            find(legacy("aes-128-cbc,00112233445566778899AABBCCDDEEFF").as_bytes()).expect("parse").expect("legacy");
        assert_eq!(ok.body, Body::Sec1);
        ok.check().expect("supported");
        // A body that is no key under this passphrase: a wrong passphrase, however the padding fell.
        let e = crate::pki::keys::decrypt_key(&crate::pki::keys::EncryptedKey::Legacy(ok), "pw").expect_err("garbage");
        assert!(e.downcast_ref::<KeyError>().is_some_and(KeyError::is_wrong_passphrase), "{e:#}");
        // No Proc-Type: not legacy at all.
        assert!(find(b"-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n").expect("ok").is_none());
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use crate::pki::keys::{self, KeyFile};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any Proc-Type, DEK-Info and body: parsing, describing, checking and decrypting
        /// return (an error or a key), never panic.
        #[test]
        fn odd_legacy_pems_never_panic(
            label in prop::sample::select(vec!["EC PRIVATE KEY", "RSA PRIVATE KEY", "PRIVATE KEY", "DSA PRIVATE KEY"]),
            proc_type in prop::sample::select(vec!["4,ENCRYPTED", "4, ENCRYPTED", "4,MIC-ONLY", ""]),
            cipher in prop::sample::select(vec!["AES-128-CBC", "AES-192-CBC", "AES-256-CBC", "DES-EDE3-CBC", "DES-CBC", "BF-CBC", ""]),
            iv in proptest::collection::vec(any::<u8>(), 0..20),
            body in proptest::collection::vec(any::<u8>(), 0..80),
            pass in "[a-z]{0,8}",
        ) {
            use base64::Engine as _;
            let iv_hex: String = iv.iter().map(|b| format!("{b:02X}")).collect();
            let text = format!(
                "-----BEGIN {label}-----\nProc-Type: {proc_type}\nDEK-Info: {cipher},{iv_hex}\n\n{}\n-----END {label}-----\n",
                base64::engine::general_purpose::STANDARD.encode(&body)
            );
            if let Ok(KeyFile::Encrypted(k)) = keys::parse_key(text.as_bytes()) {
                let _ = k.describe();
                let _ = k.check();
                let _ = keys::decrypt_key(&k, &pass);
            }
        }
    }
}
