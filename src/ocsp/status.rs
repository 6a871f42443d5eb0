//! The certificate statuses of index.txt as the responder reads them: a
//! compact sorted table, rebuilt whenever the file's (inode, size, mtime)
//! changes, whoever wrote it (mtlsctl, `openssl ca`, a hand edit).

use std::io::BufRead;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context;
use time::OffsetDateTime;

use crate::pki::ocsp::CertState;
use crate::store::index::{EntryRef, Reason, Status};

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: i64,
    mtime_ns: i64,
}

impl Stamp {
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let m = std::fs::metadata(path)?;
        Ok(Self { dev: m.dev(), ino: m.ino(), size: m.size(), mtime: m.mtime(), mtime_ns: m.mtime_nsec() })
    }
}

/// Serials longer than this cannot appear in a CertID (RFC 5280: 20 octets).
const MAX_SERIAL: usize = 20;

/// One index line, 32 bytes: the serial's magnitude and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    serial: [u8; MAX_SERIAL],
    len: u8,
    /// 0 revoked, 1 good: revoked sorts first, so a duplicate serial is revoked.
    kind: u8,
    reason: u8,
    revoked_at: i64,
}

const NO_REASON: u8 = 0xff;

impl Row {
    fn key(&self) -> &[u8] {
        &self.serial[..self.len as usize]
    }
}

/// The statuses of one version of index.txt.
#[derive(Debug)]
pub struct Table {
    rows: Vec<Row>,
    /// Bumped on every reload; responses cached under another generation are stale.
    pub generation: u64,
    stamp: Option<Stamp>,
}

impl Table {
    /// The status of `serial` (magnitude bytes): unknown when this CA never issued it.
    pub fn state(&self, serial: &[u8]) -> CertState {
        let i = self.rows.partition_point(|r| cmp_key(r.key(), serial).is_lt());
        self.found(serial, i)
    }

    fn found(&self, serial: &[u8], i: usize) -> CertState {
        match self.rows.get(i) {
            Some(r) if r.key() == serial => match r.kind {
                0 => CertState::Revoked {
                    time: OffsetDateTime::from_unix_timestamp(r.revoked_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    reason: (r.reason != NO_REASON).then_some(r.reason),
                },
                _ => CertState::Good,
            },
            _ => CertState::Unknown,
        }
    }

    /// Every serial (magnitude bytes) with its status, in serial order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], CertState)> {
        self.rows.iter().enumerate().map(|(i, r)| (r.key(), self.found(r.key(), i)))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Serials compare as numbers: shorter magnitudes first, then bytewise.
fn cmp_key(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// One line's row; `None` for a serial too long to be asked about.
fn row(e: &EntryRef<'_>) -> anyhow::Result<Option<Row>> {
    let hex = e.serial.as_bytes();
    let mut bytes = [0u8; 32];
    let n = hex.len() / 2;
    if n > bytes.len() {
        return Ok(None);
    }
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let (Some(h), Some(l)) = (hex_val(pair[0]), hex_val(pair[1])) else { anyhow::bail!("bad serial") };
        bytes[i] = h << 4 | l;
    }
    let start = bytes[..n].iter().position(|b| *b != 0).unwrap_or(n.saturating_sub(1));
    let mag = &bytes[start..n];
    if mag.len() > MAX_SERIAL {
        return Ok(None);
    }
    let mut serial = [0u8; MAX_SERIAL];
    serial[..mag.len()].copy_from_slice(mag);
    let mut r = Row { serial, len: mag.len() as u8, kind: 1, reason: NO_REASON, revoked_at: 0 };
    match e.status()? {
        Status::Valid | Status::Expired => {}
        // S lines (suspended) are held: revoked with certificateHold, as a CRL lists them.
        Status::Revoked | Status::Suspended => {
            let rev = e.revoked.clone();
            let reason = rev.as_ref().and_then(|v| v.reason).or((e.status == "S").then_some(Reason::CertificateHold));
            // removeFromCRL takes a held certificate off the list: it is good again.
            if reason != Some(Reason::RemoveFromCrl) {
                r.kind = 0;
                r.reason = reason.map_or(NO_REASON, Reason::code);
                r.revoked_at = rev.map_or(0, |v| v.time.unix_timestamp());
            }
        }
    }
    Ok(Some(r))
}

/// Read index.txt line by line into a table. A last line without its newline
/// is an append still being written: it is left for the next reload.
pub fn load(path: &Path, generation: u64) -> anyhow::Result<Table> {
    let stamp = Stamp::of(path).with_context(|| format!("cannot read {}", path.display()))?;
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Lines are about 90 bytes: reserve once instead of doubling a 1,000,000-row vector.
    let mut rows = Vec::with_capacity((stamp.size / 64) as usize + 16);
    let mut reader = std::io::BufReader::with_capacity(1 << 16, f);
    let mut line = String::new();
    let mut n = 0usize;
    loop {
        line.clear();
        if reader.read_line(&mut line).with_context(|| format!("cannot read {}", path.display()))? == 0 {
            break;
        }
        n += 1;
        let Some(text) = line.strip_suffix('\n') else { break };
        let e = EntryRef::parse(text).with_context(|| format!("corrupt {} line {n}", path.display()))?;
        if let Some(r) = row(&e).with_context(|| format!("corrupt {} line {n}", path.display()))? {
            rows.push(r);
        }
    }
    rows.sort_unstable_by(|a, b| cmp_key(a.key(), b.key()).then(a.kind.cmp(&b.kind)));
    rows.dedup_by(|later, first| later.key() == first.key());
    rows.shrink_to_fit();
    Ok(Table { rows, generation, stamp: Some(stamp) })
}

/// The current table of an index.txt, reloaded when the file changes.
pub struct Watch {
    path: PathBuf,
    current: RwLock<Arc<Result<Table, String>>>,
    reload: Mutex<u64>,
}

impl Watch {
    pub fn new(path: &Path) -> anyhow::Result<Self> {
        let table = load(path, 1)?;
        Ok(Self { path: path.to_path_buf(), current: RwLock::new(Arc::new(Ok(table))), reload: Mutex::new(1) })
    }

    fn get(&self) -> Arc<Result<Table, String>> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    fn stamp_of(t: &Result<Table, String>) -> Option<Stamp> {
        t.as_ref().ok().and_then(|t| t.stamp)
    }

    /// The table for the file as it is now: one stat, and a reload when it
    /// changed (other callers wait for that reload rather than answer from the
    /// old one, so a revocation is in the next response). A file that cannot
    /// be read gives an error, never the stale table.
    pub fn current(&self) -> Arc<Result<Table, String>> {
        let now = Stamp::of(&self.path).ok();
        let cur = self.get();
        if now.is_some() && Self::stamp_of(&cur) == now {
            return cur;
        }
        let mut generation = match self.reload.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let cur = self.get();
        if now.is_some() && Self::stamp_of(&cur) == Stamp::of(&self.path).ok() {
            return cur;
        }
        *generation += 1;
        let fresh = Arc::new(load(&self.path, *generation).map_err(|e| format!("{e:#}")));
        match self.current.write() {
            Ok(mut g) => *g = Arc::clone(&fresh),
            Err(p) => *p.into_inner() = Arc::clone(&fresh),
        }
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = "V\t300101000000Z\t\t0A\tunknown\t/CN=a\n\
        R\t300101000000Z\t240101000000Z,keyCompromise\t00FF\tunknown\t/CN=b\n\
        R\t300101000000Z\t240101000000Z,removeFromCRL\t0C\tunknown\t/CN=c\n\
        E\t200101000000Z\t\t0D\tunknown\t/CN=d\n\
        V\t300101000000Z\t\t0E\tunknown\t/CN=e";

    #[test]
    fn statuses_from_lines() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("index.txt");
        std::fs::write(&p, LINES).expect("write");
        let t = load(&p, 1).expect("load");
        // The torn last line is not read yet.
        assert_eq!(t.len(), 4);
        assert_eq!(t.state(&[0x0a]), CertState::Good);
        assert!(matches!(t.state(&[0xff]), CertState::Revoked { reason: Some(1), .. }));
        assert_eq!(t.state(&[0x0c]), CertState::Good);
        assert_eq!(t.state(&[0x0d]), CertState::Good);
        assert_eq!(t.state(&[0x0e]), CertState::Unknown);
        assert_eq!(t.state(&[0x01, 0x0a]), CertState::Unknown);
    }

    #[test]
    fn a_change_is_seen_on_the_next_call() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("index.txt");
        std::fs::write(&p, "V\t300101000000Z\t\t0A\tunknown\t/CN=a\n").expect("write");
        let w = Watch::new(&p).expect("watch");
        assert_eq!(w.current().as_ref().as_ref().expect("table").state(&[0x0a]), CertState::Good);
        std::fs::write(&p, "R\t300101000000Z\t240101000000Z\t0A\tunknown\t/CN=a\n").expect("write");
        let t = w.current();
        let t = t.as_ref().as_ref().expect("table");
        assert!(matches!(t.state(&[0x0a]), CertState::Revoked { reason: None, .. }));
        assert_eq!(t.generation, 2);
        std::fs::write(&p, "garbage\n").expect("write");
        assert!(w.current().is_err(), "a corrupt index must not leave the old table in use");
    }
}
