//! Encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`): PBES2 with PBKDF2 or scrypt
//! and AES-CBC or DES-EDE3-CBC, what easy-rsa and `openssl req` write, and
//! PKCS#12's pbeWithSHA1And3-KeyTripleDES-CBC (and its 2-key form), what
//! `openssl pkcs8 -topk8` wrote before OpenSSL 1.1. Any other scheme is named
//! by its OID, so "unsupported" never reads as "wrong passphrase".

use der::asn1::{AnyRef, ObjectIdentifier as Oid, OctetStringRef};
use der::{Decode, Reader, SliceReader, Tag, Tagged};
use pkcs8::pkcs5::pbes2::{self, Kdf};
use pkcs8::pkcs5::{EncryptionScheme, Error as P5};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use super::KeyError;

/// PBKDF2 iterations above this are refused: a key file must not be able to
/// hold a command for hours (OpenSSL writes 2,048; mtlsctl 200,000).
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;
/// scrypt memory (128·r·N bytes) above this is refused; OpenSSL's own limit is 32 MiB.
const MAX_SCRYPT_BYTES: u64 = 1 << 30;

const PBKDF2: Oid = pbes2::PBKDF2_OID;
const SCRYPT: Oid = pbes2::SCRYPT_OID;

/// The names OpenSSL gives the schemes and algorithms a key can name.
const NAMES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.5.13", "PBES2"),
    ("1.2.840.113549.1.5.12", "PBKDF2"),
    ("1.3.6.1.4.1.11591.4.11", "scrypt"),
    ("1.2.840.113549.2.7", "hmacWithSHA1"),
    ("1.2.840.113549.2.8", "hmacWithSHA224"),
    ("1.2.840.113549.2.9", "hmacWithSHA256"),
    ("1.2.840.113549.2.10", "hmacWithSHA384"),
    ("1.2.840.113549.2.11", "hmacWithSHA512"),
    ("1.2.840.113549.2.12", "hmacWithSHA512-224"),
    ("1.2.840.113549.2.13", "hmacWithSHA512-256"),
    ("1.2.643.7.1.1.4.2", "HMAC-GOST-34.11-2012-512"),
    ("2.16.840.1.101.3.4.1.2", "aes-128-cbc"),
    ("2.16.840.1.101.3.4.1.22", "aes-192-cbc"),
    ("2.16.840.1.101.3.4.1.42", "aes-256-cbc"),
    ("1.2.840.113549.3.7", "des-ede3-cbc"),
    ("1.3.14.3.2.7", "des-cbc"),
    ("1.2.840.113549.3.2", "rc2-cbc"),
    ("1.2.392.200011.61.1.1.1.2", "camellia-128-cbc"),
    ("1.2.392.200011.61.1.1.1.3", "camellia-192-cbc"),
    ("1.2.392.200011.61.1.1.1.4", "camellia-256-cbc"),
    ("1.2.410.200046.1.1.2", "aria-128-cbc"),
    ("1.2.410.200046.1.1.12", "aria-256-cbc"),
    ("1.2.156.10197.1.104.2", "sm4-cbc"),
    ("1.2.840.113549.1.5.1", "PBES1 pbeWithMD2AndDES-CBC"),
    ("1.2.840.113549.1.5.3", "PBES1 pbeWithMD5AndDES-CBC"),
    ("1.2.840.113549.1.5.4", "PBES1 pbeWithMD2AndRC2-CBC"),
    ("1.2.840.113549.1.5.6", "PBES1 pbeWithMD5AndRC2-CBC"),
    ("1.2.840.113549.1.5.10", "PBES1 pbeWithSHA1AndDES-CBC"),
    ("1.2.840.113549.1.5.11", "PBES1 pbeWithSHA1AndRC2-CBC"),
    ("1.2.840.113549.1.12.1.1", "PKCS#12 pbeWithSHA1And128BitRC4"),
    ("1.2.840.113549.1.12.1.2", "PKCS#12 pbeWithSHA1And40BitRC4"),
    ("1.2.840.113549.1.12.1.3", "PKCS#12 pbeWithSHA1And3-KeyTripleDES-CBC"),
    ("1.2.840.113549.1.12.1.4", "PKCS#12 pbeWithSHA1And2-KeyTripleDES-CBC"),
    ("1.2.840.113549.1.12.1.5", "PKCS#12 pbeWithSHA1And128BitRC2-CBC"),
    ("1.2.840.113549.1.12.1.6", "PKCS#12 pbeWithSHA1And40BitRC2-CBC"),
];

/// `name (OID)`, or the OID alone when it has no name here.
fn named(oid: &Oid) -> String {
    let id = oid.to_string();
    match NAMES.iter().find(|(o, _)| *o == id) {
        Some((_, name)) => format!("{name} ({id})"),
        None => format!("OID {id}"),
    }
}

fn unsupported(what: String) -> KeyError {
    KeyError::UnsupportedEncryption(what)
}

/// The scheme of an encrypted PKCS#8 key, or why mtlsctl cannot open it
/// (before any passphrase is asked for). Malformed DER is an `Err` of anyhow.
pub(super) fn check(der: &[u8]) -> anyhow::Result<()> {
    if let Some(p12) = Pkcs12Pbe::parse(der) {
        return p12.and_then(|p| p.check()).map_err(Into::into);
    }
    let enc = match pkcs8::EncryptedPrivateKeyInfo::from_der(der) {
        Ok(enc) => enc,
        // The pkcs8 crate refuses unknown OIDs while parsing: find which one.
        Err(e) => {
            return Err(name_unsupported(der).map_or_else(|| anyhow::anyhow!("corrupt encrypted key: {e}"), Into::into));
        }
    };
    check_parsed(&enc).map_err(Into::into)
}

fn check_parsed(enc: &pkcs8::EncryptedPrivateKeyInfo<'_>) -> Result<(), KeyError> {
    let params = match &enc.encryption_algorithm {
        EncryptionScheme::Pbes2(p) => p,
        EncryptionScheme::Pbes1(alg) => return Err(unsupported(named(&alg.oid()))),
        _ => return Err(unsupported("an unknown password-based scheme".into())),
    };
    let block = match params.encryption {
        pbes2::EncryptionScheme::DesEde3Cbc { .. } => 8,
        _ => 16,
    };
    let len = enc.encrypted_data.len();
    if len == 0 || !len.is_multiple_of(block) {
        return Err(KeyError::Corrupt(format!("{len} bytes of ciphertext, not a whole number of {block}-byte blocks")));
    }
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ROUNDS => Err(unsupported(format!(
            "PBKDF2 at {} iterations (mtlsctl allows at most {MAX_PBKDF2_ROUNDS})",
            p.iteration_count
        ))),
        Kdf::Scrypt(p) => {
            let bytes = 128u64.saturating_mul(u64::from(p.block_size)).saturating_mul(p.cost_parameter);
            if bytes > MAX_SCRYPT_BYTES || p.parallelization > 16 {
                return Err(unsupported(format!(
                    "scrypt with N={} r={} p={} (mtlsctl allows at most 1 GiB of memory and p=16)",
                    p.cost_parameter, p.block_size, p.parallelization
                )));
            }
            Ok(())
        }
        Kdf::Pbkdf2(_) => Ok(()),
        _ => Err(unsupported("PBES2 and an unknown key derivation".into())),
    }
}

/// The scheme in a few words for people (`PBES2, PBKDF2-hmacWithSHA256, aes-256-cbc`),
/// or what mtlsctl cannot open.
pub(super) fn describe(der: &[u8]) -> String {
    if let Some(p12) = Pkcs12Pbe::parse(der) {
        return match p12 {
            Ok(p) => {
                let note = if p.check().is_ok() { "" } else { ", not supported" };
                format!("{} ({} rounds){note}", named_short(&p.scheme), p.rounds)
            }
            Err(_) => "corrupt".into(),
        };
    }
    let Ok(enc) = pkcs8::EncryptedPrivateKeyInfo::from_der(der) else {
        return match name_unsupported(der) {
            Some(KeyError::UnsupportedEncryption(what)) => format!("{what}, not supported"),
            _ => "corrupt".into(),
        };
    };
    let EncryptionScheme::Pbes2(p) = &enc.encryption_algorithm else {
        return check_parsed(&enc).err().map_or_else(|| "PBES1".into(), |e| e.to_string());
    };
    let kdf = match &p.kdf {
        Kdf::Pbkdf2(k) => format!("PBKDF2-{} ({} rounds)", named_short(&k.prf.oid()), k.iteration_count),
        Kdf::Scrypt(k) => format!("scrypt (N={}, r={}, p={})", k.cost_parameter, k.block_size, k.parallelization),
        _ => "unknown key derivation".into(),
    };
    let note = match check_parsed(&enc) {
        Ok(()) => "",
        Err(KeyError::Corrupt(_)) => ", corrupt",
        Err(_) => ", not supported",
    };
    format!("PKCS#8 PBES2, {kdf}, {}{note}", named_short(&p.encryption.oid()))
}

/// The name alone, else the OID.
fn named_short(oid: &Oid) -> String {
    let id = oid.to_string();
    NAMES.iter().find(|(o, _)| *o == id).map_or(id, |(_, n)| (*n).to_string())
}

/// Which algorithm of an EncryptedPrivateKeyInfo the pkcs8 crate does not
/// know: the scheme, PBES2's key derivation, its PRF or its cipher. `None`
/// when the structure itself is broken.
fn name_unsupported(der: &[u8]) -> Option<KeyError> {
    let mut r = SliceReader::new(der).ok()?;
    let alg = r
        .sequence(|r| {
            let alg = AlgorithmIdentifierRef::decode(r)?;
            OctetStringRef::decode(r)?;
            Ok(alg)
        })
        .ok()?;
    if alg.oid != pbes2::PBES2_OID {
        return Some(unsupported(named(&alg.oid)));
    }
    let (kdf, cipher) = alg
        .parameters?
        .sequence(|r| Ok((AlgorithmIdentifierRef::decode(r)?, AlgorithmIdentifierRef::decode(r)?)))
        .ok()?;
    if kdf.oid != PBKDF2 && kdf.oid != SCRYPT {
        return Some(unsupported(format!("PBES2 and the key derivation {}", named(&kdf.oid))));
    }
    if kdf.oid == PBKDF2 {
        if let Some(prf) = kdf.parameters.and_then(pbkdf2_prf) {
            let known = [
                "1.2.840.113549.2.7",
                "1.2.840.113549.2.8",
                "1.2.840.113549.2.9",
                "1.2.840.113549.2.10",
                "1.2.840.113549.2.11",
            ];
            if !known.contains(&prf.to_string().as_str()) {
                return Some(unsupported(format!("PBES2, PBKDF2 and the PRF {}", named(&prf))));
            }
        }
    }
    let known = [pbes2::AES_128_CBC_OID, pbes2::AES_192_CBC_OID, pbes2::AES_256_CBC_OID, pbes2::DES_EDE3_CBC_OID];
    if !known.contains(&cipher.oid) {
        return Some(unsupported(format!("PBES2 and the cipher {}", named(&cipher.oid))));
    }
    None
}

/// The PRF of PBKDF2-params (salt, iterationCount, keyLength?, prf?), if named.
fn pbkdf2_prf(params: AnyRef<'_>) -> Option<Oid> {
    params
        .sequence(|r| {
            let mut prf = None;
            while !r.is_finished() {
                let item = AnyRef::decode(r)?;
                if item.tag() == Tag::Sequence {
                    prf = Some(item.decode_as::<AlgorithmIdentifierRef<'_>>()?.oid);
                }
            }
            Ok(prf)
        })
        .ok()
        .flatten()
}

/// Decrypt an encrypted PKCS#8 key to the plain PKCS#8 DER it holds.
pub(super) fn decrypt(der: &[u8], passphrase: &str) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    check(der)?;
    if let Some(p12) = Pkcs12Pbe::parse(der) {
        return Ok(p12?.decrypt(passphrase)?);
    }
    let enc =
        pkcs8::EncryptedPrivateKeyInfo::from_der(der).map_err(|e| anyhow::anyhow!("corrupt encrypted key: {e}"))?;
    let doc = enc.decrypt(passphrase.as_bytes()).map_err(|e| match e {
        pkcs8::Error::EncryptedPrivateKey(
            P5::UnsupportedAlgorithm { .. } | P5::NoPbes1CryptSupport | P5::AlgorithmParametersInvalid { .. },
        ) => unsupported(e.to_string()),
        // A wrong passphrase shows as a padding failure, or as padding-valid garbage that is no DER.
        _ => KeyError::WrongPassphrase,
    })?;
    Ok(Zeroizing::new(doc.as_bytes().to_vec()))
}

const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
const PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";

/// An EncryptedPrivateKeyInfo under a PKCS#12 password-based scheme
/// (RFC 7292 appendix C): `pbeWithSHA1And3-KeyTripleDES-CBC` and its 2-key form.
struct Pkcs12Pbe<'a> {
    scheme: Oid,
    salt: &'a [u8],
    rounds: u32,
    data: &'a [u8],
}

impl<'a> Pkcs12Pbe<'a> {
    /// `None` when the key uses another scheme; `Some(Err)` when it is one of
    /// these with broken parameters.
    fn parse(der: &'a [u8]) -> Option<Result<Self, KeyError>> {
        let mut r = SliceReader::new(der).ok()?;
        let (alg, data) = r
            .sequence(|r| {
                let alg = AlgorithmIdentifierRef::decode(r)?;
                let data = OctetStringRef::decode(r)?;
                Ok((alg, data))
            })
            .ok()?;
        let id = alg.oid.to_string();
        if id != PBE_SHA1_3DES && id != PBE_SHA1_2DES {
            return None;
        }
        let corrupt = || KeyError::Corrupt("unreadable PKCS#12 PBE parameters".into());
        let params = || -> Option<(&'a [u8], u32)> {
            let mut p = SliceReader::new(alg.parameters?.value()).ok()?;
            let salt = OctetStringRef::decode(&mut p).ok()?;
            let rounds = u32::decode(&mut p).ok()?;
            Some((salt.as_bytes(), rounds))
        };
        Some(
            params()
                .map(|(salt, rounds)| Self { scheme: alg.oid, salt, rounds, data: data.as_bytes() })
                .ok_or_else(corrupt),
        )
    }

    fn check(&self) -> Result<(), KeyError> {
        if self.rounds == 0 || self.rounds > MAX_PBKDF2_ROUNDS {
            return Err(unsupported(format!(
                "{} at {} iterations (mtlsctl allows 1 to {MAX_PBKDF2_ROUNDS})",
                named(&self.scheme),
                self.rounds
            )));
        }
        let len = self.data.len();
        if len == 0 || !len.is_multiple_of(8) {
            return Err(KeyError::Corrupt(format!("{len} bytes of ciphertext, not a whole number of 8-byte blocks")));
        }
        Ok(())
    }

    fn decrypt(&self, passphrase: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        // The password as a BMPString with its two-byte terminator (RFC 7292 B.1).
        let mut password: Zeroizing<Vec<u8>> =
            Zeroizing::new(passphrase.encode_utf16().flat_map(u16::to_be_bytes).collect());
        password.extend_from_slice(&[0, 0]);
        let mut key = pkcs12_kdf(&password, self.salt, 1, self.rounds, 24);
        if self.scheme.to_string() == PBE_SHA1_2DES {
            // Two-key triple DES: K3 = K1.
            let k1: Vec<u8> = key[..8].to_vec();
            key[16..24].copy_from_slice(&k1);
        }
        let iv = pkcs12_kdf(&password, self.salt, 2, self.rounds, 8);
        let mut buf = Zeroizing::new(self.data.to_vec());
        let len = super::legacy::cbc_decrypt::<des::TdesEde3>(&key, &iv, &mut buf).ok_or(KeyError::WrongPassphrase)?;
        buf.truncate(len);
        // Padding that happens to check out under a wrong passphrase still decrypts to no key.
        if pkcs8::PrivateKeyInfo::from_der(&buf).is_err() {
            return Err(KeyError::WrongPassphrase);
        }
        Ok(buf)
    }
}

/// The PKCS#12 key derivation with SHA-1 (RFC 7292 appendix B.2): `n` bytes
/// of key material of kind `id` (1 key, 2 IV).
fn pkcs12_kdf(password: &[u8], salt: &[u8], id: u8, rounds: u32, n: usize) -> Zeroizing<Vec<u8>> {
    use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY as SHA1, digest};
    const V: usize = 64;
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let len = V * src.len().div_ceil(V);
        src.iter().copied().cycle().take(len).collect()
    };
    let mut i: Zeroizing<Vec<u8>> = Zeroizing::new([fill(salt), fill(password)].concat());
    let mut out = Zeroizing::new(Vec::with_capacity(n + 20));
    while out.len() < n {
        let mut block = Zeroizing::new(vec![id; V]);
        block.extend_from_slice(&i);
        let mut a = digest(&SHA1, &block).as_ref().to_vec();
        for _ in 1..rounds {
            a = digest(&SHA1, &a).as_ref().to_vec();
        }
        out.extend_from_slice(&a);
        let b: Vec<u8> = a.iter().copied().cycle().take(V).collect();
        // I_j = (I_j + B + 1) mod 2^(8v), for each v-byte block of I.
        for chunk in i.chunks_mut(V) {
            let mut carry = 1u16;
            for (x, y) in chunk.iter_mut().zip(&b).rev() {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = sum as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::keys::{self, KeyFile, KeyType};

    /// A key encrypted as mtlsctl encrypts it (with few rounds, for speed) as DER.
    fn encrypted_der() -> Vec<u8> {
        let kp = KeyType::EcP256.generate().expect("key");
        let plain = kp.serialize_der();
        let info = pkcs8::PrivateKeyInfo::from_der(&plain).expect("pkcs8");
        let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(1000, &[7; 16], &[9; 16]).expect("params");
        info.encrypt_with_params(params, b"pw").expect("encrypt").as_bytes().to_vec()
    }

    /// An encrypted key, with one OID's encoding replaced.
    fn with_oid_replaced(from: &[u8], to: &[u8]) -> Vec<u8> {
        let der = encrypted_der();
        let at = der.windows(from.len()).position(|w| w == from).expect("OID in the key");
        let mut out = der.to_vec();
        out[at..at + from.len()].copy_from_slice(to);
        out
    }

    fn unsupported_text(der: &[u8]) -> String {
        let e = check(der).expect_err("unsupported");
        match e.downcast_ref::<KeyError>() {
            Some(KeyError::UnsupportedEncryption(what)) => {
                // Decrypting says the same, whatever the passphrase.
                let d = decrypt(der, "pw").expect_err("unsupported");
                assert!(matches!(d.downcast_ref::<KeyError>(), Some(KeyError::UnsupportedEncryption(_))), "{d:#}");
                what.clone()
            }
            _ => panic!("not an unsupported scheme: {e:#}"),
        }
    }

    /// Hand-made OIDs in each place of the structure are named, never read as a wrong passphrase.
    #[test]
    fn unknown_oids_are_named_where_they_are() {
        // aes-256-cbc (2.16.840.1.101.3.4.1.42) becomes .43
        let aes256 = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A];
        let mut other = aes256;
        other[10] = 0x2B;
        let what = unsupported_text(&with_oid_replaced(&aes256, &other));
        assert_eq!(what, "PBES2 and the cipher OID 2.16.840.1.101.3.4.1.43");
        // hmacWithSHA256 (1.2.840.113549.2.9) becomes hmacWithSHA512-256 (2.13)
        let sha256 = [0x06, 0x08, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x09];
        let mut other = sha256;
        other[9] = 0x0D;
        let what = unsupported_text(&with_oid_replaced(&sha256, &other));
        assert_eq!(what, "PBES2, PBKDF2 and the PRF hmacWithSHA512-256 (1.2.840.113549.2.13)");
        // PBES2 (1.2.840.113549.1.5.13) becomes PBES1 pbeWithSHA1AndDES-CBC (1.5.10): parameters then do not parse.
        let pbes2 = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D];
        let mut other = pbes2;
        other[10] = 0x0A;
        let what = unsupported_text(&with_oid_replaced(&pbes2, &other));
        assert!(what.contains("pbeWithSHA1AndDES-CBC (1.2.840.113549.1.5.10)"), "{what}");
        // PBKDF2 (1.2.840.113549.1.5.12) becomes 1.5.99.
        let pbkdf2 = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0C];
        let mut other = pbkdf2;
        other[10] = 0x63;
        let what = unsupported_text(&with_oid_replaced(&pbkdf2, &other));
        assert_eq!(what, "PBES2 and the key derivation OID 1.2.840.113549.1.5.99");
    }

    /// A key file cannot hold a command for hours or take all memory: such parameters are refused unread.
    #[test]
    fn costly_parameters_are_refused() {
        let encoded = |kdf: Kdf<'_>| {
            let params = pbes2::Parameters { kdf, encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: &[0; 16] } };
            let enc = pkcs8::EncryptedPrivateKeyInfo {
                encryption_algorithm: EncryptionScheme::Pbes2(params),
                encrypted_data: &[0; 48],
            };
            der::Encode::to_der(&enc).expect("encode")
        };
        let salt = [1u8; 16];
        let slow = encoded(Kdf::Pbkdf2(pbes2::Pbkdf2Params {
            salt: &salt,
            iteration_count: 20_000_000,
            key_length: None,
            prf: pbes2::Pbkdf2Prf::HmacWithSha256,
        }));
        assert_eq!(unsupported_text(&slow), "PBKDF2 at 20000000 iterations (mtlsctl allows at most 10000000)");
        let big = encoded(Kdf::Scrypt(pbes2::ScryptParams {
            salt: &salt,
            cost_parameter: 1 << 21,
            block_size: 8,
            parallelization: 1,
            key_length: None,
        }));
        assert!(unsupported_text(&big).starts_with("scrypt with N=2097152 r=8 p=1"));
    }

    #[test]
    fn a_wrong_passphrase_is_not_unsupported() {
        let KeyFile::Encrypted(key) = keys::parse_key(&encrypted_der()).expect("parse") else { panic!("plain") };
        key.check().expect("supported");
        assert!(keys::decrypt_key(&key, "pw").is_ok());
        let e = keys::decrypt_key(&key, "not pw").expect_err("wrong");
        assert!(e.downcast_ref::<KeyError>().is_some_and(KeyError::is_wrong_passphrase), "{e:#}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 128, ..Default::default() })]

        /// A mutated or cut encrypted key is named, refused or read: never a panic.
        #[test]
        fn mutated_encrypted_keys_never_panic(
            edits in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 1..6),
            cut in 1usize..260,
        ) {
            let mut der = encrypted_der();
            for (i, v) in edits {
                if i < der.len() {
                    der[i] = v;
                }
            }
            der.truncate(cut);
            let _ = describe(&der);
            let _ = check(&der);
            let _ = keys::parse_key(&der);
        }
    }
}
