//! Revocation: which index lines a request names, and marking them revoked
//! under the lock in OpenSSL's R-line format.

use anyhow::Context;
use time::OffsetDateTime;

use super::Store;
use super::error::Notice;
use super::fsio::{self, Mode};
use super::index::{Entry, Index, Reason, Status, normalize_serial};
use crate::pki::{certinfo, names};

/// What to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeTarget {
    /// One serial (hex, any case, with or without colons).
    Serial(String),
    /// Every valid certificate with this common name.
    Cn(String),
    /// A certificate this store's CA signed (see [`Store::revoke_target_cert`]).
    Cert { serial: String, subject: String, der: Vec<u8> },
}

/// Why nothing was revoked. Every one leaves the index as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevokeError {
    #[error("'{0}' is not a hex serial number")]
    BadSerial(String),
    #[error("no certificate with serial {0} in this store's index.txt; nothing changed")]
    UnknownSerial(String),
    #[error("no certificate with CN \"{0}\" in this store; nothing changed")]
    UnknownCn(String),
    #[error(
        "no valid certificate with CN \"{cn}\" ({found} found: {revoked} already revoked, {} expired); nothing changed",
        found - revoked
    )]
    NoValidCn { cn: String, found: usize, revoked: usize },
    #[error("certificate {serial} {subject} is already revoked{when}; nothing changed")]
    AlreadyRevoked { serial: String, subject: String, when: String },
    #[error(
        "serial {serial} is recorded for {recorded} in index.txt, but the certificate is for {subject}; nothing changed"
    )]
    SubjectMismatch { serial: String, recorded: String, subject: String },
    #[error("the certificate was issued by {issuer}, not by this store's CA ({ca}); nothing changed")]
    ForeignCert { issuer: String, ca: String },
    /// A CRL signed by the CA that it lists itself: every client is refused.
    #[error(
        "that is this store's own CA certificate ({ca}): a CA listed in its own CRL makes OpenSSL and nginx refuse every certificate it issued; nothing changed"
    )]
    OwnCa { ca: String },
}

/// Nothing was revoked, but taking the lock repaired index.txt first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}; index.txt was repaired first (see above), nothing else changed", .0.to_string().trim_end_matches("; nothing changed"))]
pub struct AfterRepair(pub RevokeError);

/// What `revoke` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The lines as they now read (status R).
    pub entries: Vec<Entry>,
    /// A certificate file's serial that index.txt lacked and that was added first.
    pub added: Option<String>,
    /// For a keyCompromise revocation: the certificates still valid that carry
    /// a revoked one's public key (the compromised key is still accepted through them).
    pub same_key: Vec<SameKey>,
}

/// A valid, unexpired certificate of the store whose public key is that of a
/// certificate revoked for keyCompromise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameKey {
    pub serial: String,
    /// The index line's subject (OpenSSL's oneline form).
    pub subject: String,
    /// The serial of the certificate revoked for keyCompromise with that key.
    pub compromised: String,
}

/// Whether an index line is revoked for keyCompromise.
fn revoked_for_compromise(e: &Entry) -> bool {
    e.status == "R" && e.revocation_info().ok().and_then(|r| r.reason) == Some(Reason::KeyCompromise)
}

fn spki_of(der: &[u8]) -> Option<Vec<u8>> {
    certinfo::parse(der).ok().map(|c| c.public_key().raw.to_vec())
}

fn already_revoked(e: &Entry) -> RevokeError {
    let when = e
        .revocation_info()
        .map(|r| {
            let reason = r.reason.map(|x| format!(" ({})", x.openssl_name())).unwrap_or_default();
            format!(" on {}{reason}", crate::pki::dates::human_time(r.time))
        })
        .unwrap_or_default();
    RevokeError::AlreadyRevoked { serial: e.serial.clone(), subject: e.subject.clone(), when }
}

/// The index positions `target` names; an empty list for a certificate file the
/// index lacks (it is added, as `openssl ca -revoke` does).
pub fn select(index: &Index, target: &RevokeTarget, now: OffsetDateTime) -> Result<Vec<usize>, RevokeError> {
    match target {
        RevokeTarget::Serial(s) => {
            let want = normalize_serial(s);
            if want.is_empty() || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(RevokeError::BadSerial(s.clone()));
            }
            let i = index.find_serial(&want).ok_or(RevokeError::UnknownSerial(want))?;
            if index.entries[i].status == "R" {
                return Err(already_revoked(&index.entries[i]));
            }
            Ok(vec![i])
        }
        RevokeTarget::Cn(cn) => {
            let matching: Vec<usize> = (0..index.entries.len())
                .filter(|&i| index.entries[i].common_name().as_deref() == Some(cn.as_str()))
                .collect();
            let valid: Vec<usize> =
                matching.iter().copied().filter(|&i| index.entries[i].effective_status(now) == Status::Valid).collect();
            if !valid.is_empty() {
                return Ok(valid);
            }
            if matching.is_empty() {
                return Err(RevokeError::UnknownCn(cn.clone()));
            }
            let revoked = matching.iter().filter(|&&i| index.entries[i].status == "R").count();
            Err(RevokeError::NoValidCn { cn: cn.clone(), found: matching.len(), revoked })
        }
        RevokeTarget::Cert { serial, subject, .. } => match index.find_serial(serial) {
            Some(i) => {
                let e = &index.entries[i];
                if e.status == "R" {
                    return Err(already_revoked(e));
                }
                if e.subject != *subject {
                    return Err(RevokeError::SubjectMismatch {
                        serial: serial.clone(),
                        recorded: e.subject.clone(),
                        subject: subject.clone(),
                    });
                }
                Ok(vec![i])
            }
            None => Ok(Vec::new()),
        },
    }
}

/// The index line a certificate gets when it is recorded.
fn entry_of(der: &[u8]) -> anyhow::Result<Entry> {
    let cert = certinfo::parse(der)?;
    Ok(Entry::valid(certinfo::not_after(&cert), &certinfo::serial_hex(&cert), &names::openssl_oneline(cert.subject())))
}

impl Store {
    /// A certificate file as a revocation target, refused unless this store's CA signed it.
    pub fn revoke_target_cert(&self, der: &[u8]) -> anyhow::Result<RevokeTarget> {
        let cert = certinfo::parse(der)?;
        let ca_der = self.ca_cert_der()?;
        let ca = certinfo::parse(&ca_der)?;
        if cert.public_key().raw == ca.public_key().raw {
            return Err(RevokeError::OwnCa { ca: names::display_name(ca.subject()) }.into());
        }
        if cert.issuer().as_raw() != ca.subject().as_raw() || cert.verify_signature(Some(ca.public_key())).is_err() {
            return Err(RevokeError::ForeignCert {
                issuer: names::display_name(cert.issuer()),
                ca: names::display_name(ca.subject()),
            }
            .into());
        }
        Ok(RevokeTarget::Cert {
            serial: certinfo::serial_hex(&cert),
            subject: names::openssl_oneline(cert.subject()),
            der: der.to_vec(),
        })
    }

    /// What `revoke` would change (to ask before revoking).
    /// The lock is taken only to repair a last line a crash or an editor left, then released.
    pub fn revoke_preview(&self, target: &RevokeTarget, now: OffsetDateTime) -> anyhow::Result<Vec<Entry>> {
        let (index, repaired) = {
            let (_lock, repaired) = self.lock_noting()?;
            (self.read_index()?, repaired)
        };
        let picked = match select(&index, target, now) {
            Ok(p) => p,
            Err(why) if repaired => return Err(AfterRepair(why).into()),
            Err(why) => return Err(why.into()),
        };
        match target {
            RevokeTarget::Cert { der, .. } if picked.is_empty() => Ok(vec![entry_of(der)?]),
            _ => Ok(picked.iter().map(|&i| index.entries[i].clone()).collect()),
        }
    }

    /// Revoke what `target` names at `now` with `reason`, under the lock.
    /// Once the new index.txt is renamed into place the revocation is made:
    /// a failure after that (flushing the directory) is a notice, not an error.
    pub fn revoke(&self, target: &RevokeTarget, reason: Reason, now: OffsetDateTime) -> anyhow::Result<Revoked> {
        let (_lock, repaired) = self.lock_noting()?;
        let mut index = self.read_index()?;
        let mut positions = match select(&index, target, now) {
            Ok(p) => p,
            // The lock's repair changed index.txt: never claim "nothing changed".
            Err(why) if repaired => return Err(AfterRepair(why).into()),
            Err(why) => return Err(why.into()),
        };
        let mut added = None;
        if let (RevokeTarget::Cert { der, .. }, true) = (target, positions.is_empty()) {
            let entry = entry_of(der)?;
            added = Some(entry.serial.clone());
            index.entries.push(entry);
            positions.push(index.entries.len() - 1);
        }
        let mut entries = Vec::with_capacity(positions.len());
        for &i in &positions {
            index.entries[i].revoke(now, reason);
            entries.push(index.entries[i].clone());
        }
        let same_key = if reason == Reason::KeyCompromise {
            let keys: Vec<(String, Vec<u8>)> = entries
                .iter()
                .filter_map(|e| {
                    // A certificate file named on the command line may be the only copy.
                    let spki = match target {
                        RevokeTarget::Cert { der, .. } => spki_of(der),
                        _ => self.recorded_spki(&e.serial),
                    }?;
                    Some((e.serial.clone(), spki))
                })
                .collect();
            let all: Vec<&Entry> = index.entries.iter().collect();
            self.live_with_keys(&all, &keys, now)
        } else {
            Vec::new()
        };
        let unflushed = fsio::write_atomic_committed(&self.paths.index, index.to_text().as_bytes(), Mode::Public)
            .context("cannot record the revocation")?;
        if let Some(e) = unflushed {
            self.notice(Notice::NotFlushed { path: self.paths.index.clone(), error: format!("{e:#}") });
        }
        for e in &entries {
            self.move_easyrsa_files(e);
        }
        Ok(Revoked { entries, added, same_key })
    }

    /// The public key (SubjectPublicKeyInfo, DER) of the certificate recorded for `serial`.
    pub(crate) fn recorded_spki(&self, serial: &str) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.recorded_cert(serial)).ok()?;
        let der = certinfo::load_certs(&bytes).ok()?.into_iter().next()?;
        spki_of(&der)
    }

    /// The lines of `entries` valid at `now` whose certificate carries one of
    /// `keys` (compromised serial, its public key).
    fn live_with_keys(&self, entries: &[&Entry], keys: &[(String, Vec<u8>)], now: OffsetDateTime) -> Vec<SameKey> {
        if keys.is_empty() {
            return Vec::new();
        }
        entries
            .iter()
            .filter(|e| e.status == "V" && e.effective_status(now) == Status::Valid)
            .filter_map(|e| {
                let spki = self.recorded_spki(&e.serial)?;
                let (compromised, _) = keys.iter().find(|(s, k)| *k == spki && *s != e.serial)?;
                Some(SameKey { serial: e.serial.clone(), subject: e.subject.clone(), compromised: compromised.clone() })
            })
            .collect()
    }

    /// Every line of `entries` valid at `now` that carries the public key of a
    /// line revoked for keyCompromise (what `check` reports).
    pub(crate) fn compromised_keys_in_use(&self, entries: &[&Entry], now: OffsetDateTime) -> Vec<SameKey> {
        let keys: Vec<(String, Vec<u8>)> = entries
            .iter()
            .filter(|e| revoked_for_compromise(e))
            .filter_map(|e| Some((e.serial.clone(), self.recorded_spki(&e.serial)?)))
            .collect();
        self.live_with_keys(entries, &keys, now)
    }

    /// In an easy-rsa PKI, move a revoked certificate's files where `easyrsa
    /// revoke` puts them (revoked/certs_by_serial/<SERIAL>.crt,
    /// revoked/private_by_serial/<SERIAL>.key, revoked/reqs_by_serial/<SERIAL>.req),
    /// so easy-rsa, like mtlsctl, can issue the name again. Only when
    /// issued/<name>.crt is that very certificate, and never over an existing
    /// file. The revocation is already recorded: a failure is a notice. The
    /// copy under the new-certificates directory stays (index.txt's record).
    fn move_easyrsa_files(&self, entry: &Entry) {
        let Some(mirror) = entry.common_name().and_then(|cn| self.easyrsa_mirror(&cn)) else { return };
        let holds_it = std::fs::read(&mirror.crt)
            .ok()
            .and_then(|b| certinfo::load_certs(&b).ok())
            .and_then(|c| c.into_iter().next())
            .and_then(|d| certinfo::parse(&d).ok().map(|c| certinfo::serial_hex(&c)))
            .is_some_and(|s| s == entry.serial);
        if !holds_it {
            return;
        }
        let out = self.paths.root.join("revoked");
        let req = self.paths.csr_dir.join(format!("{}.req", mirror.name));
        let moves = [
            (mirror.crt.clone(), out.join("certs_by_serial").join(format!("{}.crt", entry.serial)), false),
            (mirror.key.clone(), out.join("private_by_serial").join(format!("{}.key", entry.serial)), true),
            (req, out.join("reqs_by_serial").join(format!("{}.req", entry.serial)), false),
        ];
        for (from, to, private) in &moves {
            if !from.exists() {
                continue;
            }
            let moved = to
                .parent()
                .map_or(Ok(()), |d| {
                    fsio::create_dir(fsio::parent_of(d), false).and_then(|()| fsio::create_dir(d, *private))
                })
                .and_then(|()| fsio::rename_noreplace(from, to))
                .and_then(|()| to.parent().map_or(Ok(()), fsio::sync_dir));
            if let Err(e) = moved {
                self.notice(Notice::EasyrsaFilesNotMoved { path: from.clone(), error: format!("{e:#}") });
                return;
            }
        }
        for d in [fsio::parent_of(&mirror.crt), fsio::parent_of(&mirror.key), self.paths.csr_dir.as_path()] {
            fsio::sync_dir(d).ok();
        }
        self.notice(Notice::EasyrsaFilesMoved { name: mirror.name, to: out });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(status: &str, expiry: &str, rev: &str, serial: &str, cn: &str) -> String {
        format!("{status}\t{expiry}\t{rev}\t{serial}\tunknown\t/CN={cn}\n")
    }

    fn index() -> Index {
        let text = [
            line("V", "350101000000Z", "", "0A", "alpha"),
            line("V", "350101000000Z", "", "0B", "alpha"),
            line("R", "350101000000Z", "250101000000Z,keyCompromise", "0C", "alpha"),
            line("V", "200101000000Z", "", "0D", "alpha"),
            line("R", "350101000000Z", "250101000000Z", "0E", "gone"),
            line("V", "200101000000Z", "", "0F", "old"),
        ]
        .concat();
        Index::parse(&text).expect("index")
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-06-01 00:00 UTC)
    }

    #[test]
    fn a_serial_is_found_in_any_spelling() {
        let ix = index();
        assert_eq!(select(&ix, &RevokeTarget::Serial("0a".into()), now()), Ok(vec![0]));
        assert_eq!(select(&ix, &RevokeTarget::Serial("0B".into()), now()), Ok(vec![1]));
        // An expired V line is still revocable by serial, as with openssl ca.
        assert_eq!(select(&ix, &RevokeTarget::Serial("0d".into()), now()), Ok(vec![3]));
    }

    #[test]
    fn a_bad_or_unknown_serial_is_refused() {
        let ix = index();
        assert_eq!(select(&ix, &RevokeTarget::Serial("xyz".into()), now()), Err(RevokeError::BadSerial("xyz".into())));
        assert_eq!(select(&ix, &RevokeTarget::Serial("".into()), now()), Err(RevokeError::BadSerial("".into())));
        assert_eq!(
            select(&ix, &RevokeTarget::Serial("99".into()), now()),
            Err(RevokeError::UnknownSerial("99".into()))
        );
    }

    #[test]
    fn a_revoked_serial_is_refused_with_when_and_why() {
        let err = select(&index(), &RevokeTarget::Serial("0C".into()), now()).unwrap_err();
        let RevokeError::AlreadyRevoked { serial, when, .. } = &err else { panic!("{err:?}") };
        assert_eq!(serial, "0C");
        assert!(when.contains("keyCompromise"), "{when}");
        assert!(err.to_string().contains("already revoked"), "{err}");
    }

    #[test]
    fn a_cn_selects_every_valid_match_and_only_those() {
        // 0A and 0B are valid; 0C is revoked and 0D expired.
        assert_eq!(select(&index(), &RevokeTarget::Cn("alpha".into()), now()), Ok(vec![0, 1]));
    }

    #[test]
    fn a_cn_without_a_valid_match_says_what_was_found() {
        let ix = index();
        assert_eq!(
            select(&ix, &RevokeTarget::Cn("nobody".into()), now()),
            Err(RevokeError::UnknownCn("nobody".into()))
        );
        let err = select(&ix, &RevokeTarget::Cn("gone".into()), now()).unwrap_err();
        assert_eq!(err, RevokeError::NoValidCn { cn: "gone".into(), found: 1, revoked: 1 });
        let err = select(&ix, &RevokeTarget::Cn("old".into()), now()).unwrap_err();
        assert!(err.to_string().contains("0 already revoked, 1 expired"), "{err}");
    }

    #[test]
    fn a_certificate_file_is_matched_by_serial_and_subject() {
        let ix = index();
        let cert = |serial: &str, subject: &str| RevokeTarget::Cert {
            serial: serial.into(),
            subject: subject.into(),
            der: Vec::new(),
        };
        assert_eq!(select(&ix, &cert("0A", "/CN=alpha"), now()), Ok(vec![0]));
        assert!(matches!(select(&ix, &cert("0A", "/CN=mallory"), now()), Err(RevokeError::SubjectMismatch { .. })));
        assert!(matches!(select(&ix, &cert("0C", "/CN=alpha"), now()), Err(RevokeError::AlreadyRevoked { .. })));
        // Not in the index: nothing selected, the caller adds it.
        assert_eq!(select(&ix, &cert("77", "/CN=new"), now()), Ok(Vec::new()));
    }
}
