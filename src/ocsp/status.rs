//! The certificate statuses of index.txt as the responder reads them: a
//! compact sorted table, rebuilt whenever the file's (inode, size, mtime)
//! changes, whoever wrote it (mtlsctl, `openssl ca`, a hand edit).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context, bail};
use time::OffsetDateTime;

use crate::pki::ocsp::CertState;
use crate::store::index::Reason;

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

/// A serial as a sort key: its length, then its magnitude, zero-padded, so
/// that comparing keys bytewise compares the serials as numbers.
type Key = [u8; MAX_SERIAL + 1];

fn key_of(serial: &[u8]) -> Option<Key> {
    if serial.len() > MAX_SERIAL {
        return None;
    }
    let mut k = [0u8; MAX_SERIAL + 1];
    k[0] = serial.len() as u8;
    k[1..=serial.len()].copy_from_slice(serial);
    Some(k)
}

/// One index line, 32 bytes: the serial and its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Row {
    key: Key,
    /// 0 revoked, 1 good: revoked sorts first, so a duplicate serial is revoked.
    kind: u8,
    reason: u8,
    revoked_at: i64,
}

const NO_REASON: u8 = 0xff;

impl Row {
    fn serial(&self) -> &[u8] {
        &self.key[1..=usize::from(self.key[0])]
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
        let Some(key) = key_of(serial) else { return CertState::Unknown };
        let i = self.rows.partition_point(|r| r.key < key);
        self.found(&key, i)
    }

    fn found(&self, key: &Key, i: usize) -> CertState {
        match self.rows.get(i) {
            Some(r) if r.key == *key => match r.kind {
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
        self.rows.iter().enumerate().map(|(i, r)| (r.serial(), self.found(&r.key, i)))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// One line's row; `None` for a serial too long to be asked about. Only the
/// fields OCSP answers from are read (status, serial, revocation), but each
/// line must still have its six fields, a known status and a hex serial.
fn row(line: &[u8]) -> anyhow::Result<Option<Row>> {
    let [status, _expiry, revocation, hex, _file, _subject] =
        crate::store::index::field_bounds(line)?.map(|r| &line[r]);
    if hex.is_empty() || hex.len() % 2 != 0 {
        bail!("bad serial: expected an even number of hex digits");
    }
    let mut bytes = [0u8; 32];
    let n = hex.len() / 2;
    if n > bytes.len() {
        return Ok(None);
    }
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let (Some(h), Some(l)) = (hex_val(pair[0]), hex_val(pair[1])) else { bail!("bad serial: not hex") };
        bytes[i] = h << 4 | l;
    }
    let start = bytes[..n].iter().position(|b| *b != 0).unwrap_or(n.saturating_sub(1));
    let Some(key) = key_of(&bytes[start..n]) else { return Ok(None) };
    let mut r = Row { key, kind: 1, reason: NO_REASON, revoked_at: 0 };
    match status {
        b"V" | b"E" => {}
        b"R" => {
            let field = std::str::from_utf8(revocation).map_err(|_| anyhow::anyhow!("bad revocation field"))?;
            let rev = crate::store::index::parse_revocation(field)?;
            // removeFromCRL takes a held certificate off the list: it is good again.
            if rev.reason != Some(Reason::RemoveFromCrl) {
                r.kind = 0;
                r.reason = rev.reason.map_or(NO_REASON, Reason::code);
                r.revoked_at = rev.time.unix_timestamp();
            }
        }
        // S (suspended) is held: revoked with certificateHold, as a CRL lists it.
        b"S" => {
            r.kind = 0;
            r.reason = Reason::CertificateHold.code();
        }
        other => bail!("unknown status '{}' (expected V, R, E or S)", String::from_utf8_lossy(other)),
    }
    Ok(Some(r))
}

/// Read index.txt into a table, in 1 MiB blocks (a 1,000,000-line index is
/// 100 MB; the table is a third of that). A last line without its newline is
/// an append still being written: it is left for the next reload.
pub fn load(path: &Path, generation: u64) -> anyhow::Result<Table> {
    use std::io::Read;
    let what = || format!("cannot read {}", path.display());
    let stamp = Stamp::of(path).with_context(what)?;
    let mut f = std::fs::File::open(path).with_context(what)?;
    // Lines are about 90 bytes: reserve once instead of doubling a large vector.
    let mut rows = Vec::with_capacity((stamp.size / 80) as usize + 16);
    let mut buf = vec![0u8; 1 << 20];
    let (mut filled, mut line_no) = (0usize, 0usize);
    loop {
        if filled == buf.len() {
            // One line longer than the buffer (a huge subject): grow for it.
            buf.resize(buf.len() * 2, 0);
        }
        let got = f.read(&mut buf[filled..]).with_context(what)?;
        if got == 0 {
            break;
        }
        filled += got;
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &buf[..filled]) {
            line_no += 1;
            let parsed = row(&buf[start..end]).with_context(|| format!("corrupt {} line {line_no}", path.display()))?;
            rows.extend(parsed);
            start = end + 1;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
    rows.sort_unstable_by(|a, b| a.key.cmp(&b.key).then(a.kind.cmp(&b.kind)));
    rows.dedup_by(|later, first| later.key == first.key);
    rows.shrink_to_fit();
    Ok(Table { rows, generation, stamp: Some(stamp) })
}

/// `load`, giving a writer that replaces the file in two renames (`openssl ca`:
/// index.txt to index.txt.old, then index.txt.new to index.txt) a moment to
/// finish when the file is briefly missing.
fn load_settled(path: &Path, generation: u64) -> anyhow::Result<Table> {
    for _ in 0..20 {
        if path.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    load(path, generation)
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
        let fresh = Arc::new(load_settled(&self.path, *generation).map_err(|e| format!("{e:#}")));
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
