//! The CA store: an OpenSSL `ca` directory (SPEC §1). Knows the layout, the
//! lock and the write discipline; knows nothing of the terminal.

pub mod check;
pub mod cnf;
pub mod error;
pub mod fsio;
pub mod identity;
pub mod index;
pub mod init;
pub mod issue;
pub mod lock;
pub mod parent;
pub mod publish;
pub mod revoke;
pub mod stamp;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, anyhow, bail};
use zeroize::Zeroizing;

use crate::pki::build::Signer;
use crate::pki::keys::{self, KeyFile};
pub use error::{Notice, Refused, StoreError};
use fsio::Mode;
use index::{Entry, Index};

/// An intermediate's CRL bundled with its parents' CRLs, under the store root.
const CHAIN_CRL: &str = "crl/ca-chain.crl";
/// The root of an intermediate's chain, under the store root.
const CA_ROOT: &str = "certs/ca-root.crt";

/// Where each file of a store lives.
#[derive(Debug, Clone)]
pub struct Paths {
    pub root: PathBuf,
    pub cnf: PathBuf,
    pub ca_cert: PathBuf,
    pub ca_chain: PathBuf,
    pub ca_key: PathBuf,
    pub index: PathBuf,
    pub serial: PathBuf,
    pub crlnumber: PathBuf,
    pub newcerts: PathBuf,
    pub crl: PathBuf,
    pub csr_dir: PathBuf,
    pub issued: PathBuf,
    /// `crl/ca-chain.crl`: an intermediate's CRL bundled with its parents' (nginx `ssl_crl`).
    pub chain_crl: PathBuf,
    /// `certs/ca-root.crt`: the root of an intermediate's chain, for servers to trust.
    pub ca_root: PathBuf,
}

impl Paths {
    /// The layout `init-ca` creates.
    pub fn standard(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            cnf: root.join("openssl.cnf"),
            ca_cert: root.join("certs/ca.crt"),
            ca_chain: root.join("certs/ca-chain.crt"),
            ca_key: root.join("private/ca.key"),
            index: root.join("index.txt"),
            serial: root.join("serial"),
            crlnumber: root.join("crlnumber"),
            newcerts: root.join("newcerts"),
            crl: root.join("crl/ca.crl"),
            csr_dir: root.join("csr"),
            issued: root.join("issued"),
            chain_crl: root.join(CHAIN_CRL),
            ca_root: root.join(CA_ROOT),
        }
    }

    pub fn index_attr(&self) -> PathBuf {
        with_suffix(&self.index, ".attr")
    }

    pub fn lock_file(&self) -> PathBuf {
        with_suffix(&self.index, ".lock")
    }

    /// `newcerts/<SERIAL>.pem`.
    pub fn newcert(&self, serial: &str) -> PathBuf {
        self.newcerts.join(format!("{serial}.pem"))
    }
}

/// openssl.cnf, openssl-easyrsa.cnf, then any other *.cnf of the directory, in name order.
fn cnf_candidates(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> =
        ["openssl.cnf", "openssl-easyrsa.cnf"].iter().map(|n| root.join(n)).filter(|p| p.is_file()).collect();
    let mut others: Vec<PathBuf> =
        std::fs::read_dir(root).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    others.retain(|p| p.extension().is_some_and(|e| e == "cnf") && p.is_file() && !out.contains(p));
    others.sort();
    out.extend(others);
    out
}

/// The store's files from the `[CA_default]` (or `[ca] default_ca`) section; relative
/// paths (`dir = ./demoCA`) are taken relative to the cnf's own directory.
fn paths_from_cnf(cnf: &cnf::Cnf, cnf_path: &Path) -> Option<Paths> {
    let section = cnf.ca_section()?.to_string();
    let here = cnf_path.parent()?.to_path_buf();
    let resolve = |v: &str| -> PathBuf {
        let p = Path::new(v);
        if p.is_absolute() { p.to_path_buf() } else { here.join(p) }
    };
    let get = |k: &str| cnf.get(&section, k).filter(|v| !v.contains("$ENV::") && !v.is_empty()).map(resolve);
    let base = get("dir").unwrap_or_else(|| here.clone());
    let base = std::fs::canonicalize(&base).unwrap_or(base);
    let index = get("database")?;
    let ca_cert = get("certificate")?;
    if !index.is_file() || !ca_cert.is_file() {
        return None;
    }
    let cert_dir = ca_cert.parent().map_or_else(|| base.clone(), Path::to_path_buf);
    // The common root/intermediate tutorial keeps certs/ca-chain.cert.pem.
    let ca_chain = ["ca-chain.crt", "ca-chain.cert.pem", "ca-chain.pem"]
        .iter()
        .map(|n| cert_dir.join(n))
        .find(|p| p.is_file())
        .unwrap_or_else(|| cert_dir.join("ca-chain.crt"));
    Some(Paths {
        root: base.clone(),
        cnf: cnf_path.to_path_buf(),
        ca_cert,
        ca_chain,
        ca_key: get("private_key").unwrap_or_else(|| base.join("private/cakey.pem")),
        index,
        serial: get("serial").unwrap_or_else(|| base.join("serial")),
        // Without a crlnumber key, the first CRL creates one here.
        crlnumber: get("crlnumber").unwrap_or_else(|| base.join("crlnumber")),
        newcerts: get("new_certs_dir").unwrap_or_else(|| base.join("newcerts")),
        crl: get("crl").unwrap_or_else(|| base.join("crl.pem")),
        csr_dir: base.join("csr"),
        issued: base.join("issued"),
        chain_crl: base.join(CHAIN_CRL),
        ca_root: base.join(CA_ROOT),
    })
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// The last line of a file ending in a newline (`tail` is its last bytes,
/// `whole` when that is the whole file) must be a valid entry.
fn check_last_line(path: &Path, tail: &[u8], whole: bool) -> anyhow::Result<()> {
    let body = &tail[..tail.len() - 1];
    let line = match crate::bytes::rfind_byte(b'\n', body) {
        Some(i) => &body[i + 1..],
        None if whole => body,
        None => return Ok(()),
    };
    let line = std::str::from_utf8(line).map_err(|_| anyhow!("the last line is not UTF-8"));
    line.and_then(|l| index::EntryRef::parse(l).map(|_| ())).with_context(|| {
        format!("corrupt {}: its last line is invalid; fix or remove it before adding to it", path.display())
    })
}

/// Where the last line of a file of `len` bytes starts: one past its last
/// newline (0 for none), found reading backwards in blocks.
fn last_newline_end(f: &mut std::fs::File, len: u64) -> anyhow::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(pos) = buf[..n].iter().rposition(|b| *b == b'\n') {
            return Ok(start + pos as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// An opened store.
#[derive(Debug)]
pub struct Store {
    pub paths: Paths,
    /// easy-rsa's `lock.file`, when the store is an easy-rsa PKI.
    pub easyrsa_lock: Option<PathBuf>,
    /// What the face should tell the user, collected as it happens.
    notices: Mutex<Vec<Notice>>,
    /// index.txt was repaired by this command (so it must not say "nothing changed").
    repaired: AtomicBool,
    /// The CA's chain, decoded once per command: only init-ca writes it, into a new store.
    chain: OnceLock<Vec<Vec<u8>>>,
}

impl Clone for Store {
    fn clone(&self) -> Self {
        Self {
            paths: self.paths.clone(),
            easyrsa_lock: self.easyrsa_lock.clone(),
            notices: Mutex::new(Vec::new()),
            repaired: AtomicBool::new(false),
            chain: self.chain.clone(),
        }
    }
}

/// Where the passphrase of an encrypted CA key comes from; the face decides
/// (a file, the environment, a prompt). `None` means none can be had.
pub trait PassphraseSource {
    fn passphrase(&self, key: &Path) -> anyhow::Result<Option<Zeroizing<String>>>;
    /// Whether `passphrase` asks a person, who may then be asked again.
    fn prompts(&self) -> bool {
        false
    }
    /// Told that the passphrase given for `key` was wrong, before it is asked again.
    fn wrong(&self, _key: &Path) {}
}

/// Decrypt the CA key with the source's passphrase; a source that prompts is
/// asked again after a wrong one, up to three tries, as OpenSSL and ssh do.
fn decrypt_asking(
    key: &keys::EncryptedKey,
    path: &Path,
    pass: &dyn PassphraseSource,
) -> anyhow::Result<rcgen::KeyPair> {
    let mut tries = 1;
    loop {
        let Some(p) = pass.passphrase(path)? else {
            return Err(StoreError::NoPassphrase(path.to_path_buf()).into());
        };
        match keys::decrypt_key(key, &p) {
            Ok(k) => return Ok(k),
            Err(e)
                if tries < 3
                    && pass.prompts()
                    && e.downcast_ref::<keys::KeyError>().is_some_and(keys::KeyError::is_wrong_passphrase) =>
            {
                tries += 1;
                pass.wrong(path);
            }
            Err(e) => return Err(e.context(format!("cannot decrypt the CA key {}", path.display()))),
        }
    }
}

/// No passphrase at all: for keys that must not be encrypted.
pub struct NoPassphrase;

impl PassphraseSource for NoPassphrase {
    fn passphrase(&self, _key: &Path) -> anyhow::Result<Option<Zeroizing<String>>> {
        Ok(None)
    }
}

/// What a directory that is not a store is, so a hint can say where to point
/// instead of offering to create a CA in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAStoreKind {
    /// It is (or would be) inside the store rooted at this path: `pki/issued`.
    Inside(PathBuf),
    /// easy-rsa's `init-pki` made it, and `build-ca` has not run yet.
    EasyrsaWithoutCa,
    /// It does not exist or holds nothing: a store can be created there.
    Empty,
    /// Other files: not a CA directory at all.
    Other,
}

/// Say what `dir`, refused as a store, is.
pub fn what_is(dir: &Path) -> NotAStoreKind {
    let abs = fsio::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    for up in abs.ancestors().skip(1) {
        if Store::peek(up).is_some() {
            return NotAStoreKind::Inside(up.to_path_buf());
        }
    }
    if is_easyrsa_pki_without_ca(&abs) {
        return NotAStoreKind::EasyrsaWithoutCa;
    }
    let has_files = std::fs::read_dir(&abs).is_ok_and(|mut entries| entries.next().is_some());
    if has_files { NotAStoreKind::Other } else { NotAStoreKind::Empty }
}

/// easy-rsa's own files and directories, without its ca.crt.
pub fn is_easyrsa_pki_without_ca(dir: &Path) -> bool {
    !dir.join("ca.crt").exists()
        && (dir.join("openssl-easyrsa.cnf").is_file()
            || dir.join("vars").is_file()
            || dir.join("vars.example").is_file())
        && dir.join("private").is_dir()
        && dir.join("reqs").is_dir()
}

impl Store {
    /// Open the store at `dir`, or explain how to create one.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        if !dir.exists() {
            return Err(StoreError::Missing(dir.to_path_buf()).into());
        }
        if !dir.is_dir() {
            return Err(StoreError::NotADirectory(dir.to_path_buf()).into());
        }
        let root = fsio::absolute(dir)?;
        let std_paths = Paths::standard(&root);
        if std_paths.index.exists() && std_paths.ca_cert.exists() {
            let store = Self::with_paths(std_paths, None);
            store.fix_moved_cnf();
            return Ok(store);
        }
        if let Some(store) = Self::adopt(&root)? {
            return Ok(store);
        }
        Err(StoreError::NotAStore(dir.to_path_buf()).into())
    }

    /// The store at `dir` as `open` finds it, without its repairs (a moved
    /// store's openssl.cnf): for words about a directory, which write nothing.
    pub fn peek(dir: &Path) -> Option<Self> {
        let root = fsio::absolute(dir).ok()?;
        let std_paths = Paths::standard(&root);
        if std_paths.index.is_file() && std_paths.ca_cert.is_file() {
            return Some(Self::with_paths(std_paths, None));
        }
        Self::adopt(&root).ok().flatten()
    }

    fn with_paths(paths: Paths, easyrsa_lock: Option<PathBuf>) -> Self {
        Self {
            paths,
            easyrsa_lock,
            notices: Mutex::new(Vec::new()),
            repaired: AtomicBool::new(false),
            chain: OnceLock::new(),
        }
    }

    /// The notices collected since the last call, oldest first.
    pub fn take_notices(&self) -> Vec<Notice> {
        self.notices.lock().map(|mut n| std::mem::take(&mut *n)).unwrap_or_default()
    }

    fn notice(&self, n: Notice) {
        if let Ok(mut v) = self.notices.lock() {
            v.push(n);
        }
    }

    /// Whether this is an easy-rsa 3 PKI (its own file names and lock.file).
    pub fn is_easyrsa(&self) -> bool {
        self.easyrsa_lock.is_some()
    }

    /// A CA directory made by easy-rsa 3 or `openssl ca`: recognised by easy-rsa's
    /// file names, by the stock demoCA names, or through an openssl.cnf `[CA_default]`.
    fn adopt(root: &Path) -> anyhow::Result<Option<Self>> {
        // easy-rsa's cnf names its directory through $ENV::EASYRSA_PKI, which is
        // rarely set when mtlsctl runs, so its fixed file names decide.
        if root.join("ca.crt").is_file()
            && root.join("index.txt").is_file()
            && (root.join("issued").is_dir() || root.join("certs_by_serial").is_dir())
        {
            let cnf = ["openssl-easyrsa.cnf", "safessl-easyrsa.cnf"]
                .iter()
                .map(|n| root.join(n))
                .find(|p| p.is_file())
                .unwrap_or_else(|| root.join("openssl-easyrsa.cnf"));
            let paths = Paths {
                root: root.to_path_buf(),
                cnf,
                ca_cert: root.join("ca.crt"),
                ca_chain: root.join("ca-chain.crt"),
                ca_key: root.join("private/ca.key"),
                index: root.join("index.txt"),
                serial: root.join("serial"),
                crlnumber: root.join("crlnumber"),
                newcerts: root.join("certs_by_serial"),
                crl: root.join("crl.pem"),
                csr_dir: root.join("reqs"),
                issued: root.join("issued"),
                chain_crl: root.join(CHAIN_CRL),
                ca_root: root.join(CA_ROOT),
            };
            return Ok(Some(Self::with_paths(paths, Some(root.join("lock.file")))));
        }
        // The stock `openssl ca` names inside demoCA/ (cnf usually one level up).
        if root.join("cacert.pem").is_file() && root.join("index.txt").is_file() {
            let up = root.parent().map(|p| p.join("openssl.cnf")).filter(|p| p.is_file());
            let paths = Paths {
                cnf: up.unwrap_or_else(|| root.join("openssl.cnf")),
                ca_cert: root.join("cacert.pem"),
                ca_chain: root.join("ca-chain.pem"),
                ca_key: root.join("private/cakey.pem"),
                crl: root.join("crl.pem"),
                ..Paths::standard(root)
            };
            return Ok(Some(Self::with_paths(paths, None)));
        }
        for cnf_path in cnf_candidates(root) {
            let text = fsio::read_text_io(&cnf_path, fsio::SMALL_INPUT)
                .map_err(|source| StoreError::Unreadable { path: cnf_path.clone(), source })?;
            let Ok(cnf) = cnf::Cnf::parse(&text) else { continue };
            if let Some(paths) = paths_from_cnf(&cnf, &cnf_path) {
                return Ok(Some(Self::with_paths(paths, None)));
            }
        }
        Ok(None)
    }

    /// `openssl.cnf` names the store by absolute path; keep it true after a move.
    fn fix_moved_cnf(&self) {
        let Ok(text) = fsio::read_text(&self.paths.cnf, fsio::SMALL_INPUT) else { return };
        let Some((_, current)) = cnf::dir_line(&text) else { return };
        if Path::new(&current) == self.paths.root {
            return;
        }
        // Only the generated file is ours to rewrite: its other paths are all under $dir.
        if !text.starts_with("# openssl.cnf for an mtlsctl CA store.") {
            return;
        }
        let Some(new_text) = cnf::with_dir(&text, &self.paths.root) else { return };
        let Ok(_lock) = self.lock() else { return };
        let cnf = self.paths.cnf.clone();
        self.notice(match fsio::write_atomic(&self.paths.cnf, new_text.as_bytes(), Mode::Public) {
            Ok(()) => Notice::StoreMoved { from: current, cnf },
            Err(e) => Notice::CnfNotUpdated { from: current, cnf, error: format!("{e:#}") },
        });
    }

    /// Take the store lock, then repair a torn last index line left by a crash.
    pub fn lock(&self) -> anyhow::Result<lock::StoreLock> {
        self.lock_noting().map(|(l, _)| l)
    }

    /// As `lock`; also whether a repair changed index.txt during this command.
    pub fn lock_noting(&self) -> anyhow::Result<(lock::StoreLock, bool)> {
        self.refuse_symlinks()?;
        let mut notices = Vec::new();
        let l = lock::acquire(&self.paths.lock_file(), self.easyrsa_lock.as_deref(), &mut notices);
        notices.into_iter().for_each(|n| self.notice(n));
        let l = l?;
        if self.repair_torn_index()? {
            self.repaired.store(true, Ordering::Relaxed);
        }
        stamp::validate_if_changed(&self.paths.index)?;
        Ok((l, self.repaired.load(Ordering::Relaxed)))
    }

    /// A writing command refuses a store whose files are symbolic links: a
    /// write through one would land wherever it points.
    fn refuse_symlinks(&self) -> anyhow::Result<()> {
        let p = &self.paths;
        // issued/ is not among them: identities may live anywhere (--out).
        for f in [&p.index, &p.index_attr(), &p.lock_file(), &p.serial, &p.crlnumber, &p.newcerts, &p.crl] {
            fsio::refuse_symlink(f)?;
        }
        Ok(())
    }

    /// A last line without its newline: whole (an editor saved the file
    /// without the final newline) it is kept and the newline added; torn (an
    /// append cut short by a crash, never acknowledged) it is dropped. Whether
    /// index.txt changed.
    fn repair_torn_index(&self) -> anyhow::Result<bool> {
        use std::io::{Read, Seek, SeekFrom};
        use std::os::unix::fs::OpenOptionsExt;
        let path = &self.paths.index;
        let mut f = match std::fs::OpenOptions::new().read(true).write(true).custom_flags(fsio::nofollow()).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
        };
        let len = f.metadata()?.len();
        if len == 0 {
            return Ok(false);
        }
        // The last complete line is checked too: an append after a bad line
        // (a hand edit, another tool) would bury it where only readers see it.
        let tail_len = len.min(4096);
        let mut tail = vec![0u8; tail_len as usize];
        f.seek(SeekFrom::Start(len - tail_len))?;
        f.read_exact(&mut tail)?;
        if tail.last() == Some(&b'\n') {
            check_last_line(path, &tail, tail_len == len)?;
            return Ok(false);
        }
        let keep = last_newline_end(&mut f, len)?;
        let mut last = vec![0u8; (len - keep) as usize];
        f.seek(SeekFrom::Start(keep))?;
        f.read_exact(&mut last)?;
        if let Some(line) = std::str::from_utf8(&last).ok().filter(|l| self.is_whole_line(l)) {
            f.seek(SeekFrom::End(0))?;
            std::io::Write::write_all(&mut f, b"\n").with_context(|| format!("cannot repair {}", path.display()))?;
            f.sync_data().with_context(|| format!("cannot flush {} to disk", path.display()))?;
            self.notice(Notice::IndexNewlineAdded { index: path.clone(), line: line.to_string() });
            return Ok(true);
        }
        let torn = String::from_utf8_lossy(&last[..last.len().min(200)]).into_owned();
        f.set_len(keep).with_context(|| format!("cannot repair {}", path.display()))?;
        f.sync_data()?;
        self.notice(Notice::TornLineRepaired { index: path.clone(), torn });
        Ok(true)
    }

    /// A last line without a newline that parses as an entry. A crash can cut
    /// an append only inside the subject (the other fields come first), so a
    /// line whose certificate file names another subject is torn; a line
    /// without a certificate file was not appended by mtlsctl, which always
    /// writes the file first.
    fn is_whole_line(&self, line: &str) -> bool {
        let Ok(e) = index::EntryRef::parse(line) else { return false };
        let Ok(bytes) = std::fs::read(self.paths.newcert(e.serial)) else { return true };
        let Some(der) = crate::pki::certinfo::load_certs(&bytes).ok().and_then(|c| c.into_iter().next()) else {
            return true;
        };
        crate::pki::certinfo::parse(&der)
            .map(|c| crate::pki::names::openssl_oneline(c.subject()) == e.subject)
            .unwrap_or(true)
    }

    pub fn read_index(&self) -> anyhow::Result<Index> {
        let text = self.read_index_text()?;
        Index::parse(&text).with_context(|| format!("corrupt {}", self.paths.index.display()))
    }

    /// index.txt as text, for a single pass with `Index::each`.
    pub fn read_index_text(&self) -> anyhow::Result<String> {
        fsio::read_text(&self.paths.index, fsio::LARGE_INPUT)
            .with_context(|| format!("cannot read {}", self.paths.index.display()))
    }

    /// The index line for one serial, found without parsing the whole file
    /// (a byte search for `\tSERIAL\t`), so a lookup stays cheap in a large store.
    pub fn find_entry(&self, serial: &str) -> anyhow::Result<Option<Entry>> {
        let text = fsio::read_text(&self.paths.index, fsio::LARGE_INPUT)
            .with_context(|| format!("cannot read {}", self.paths.index.display()))?;
        let want = format!("\t{}\t", index::normalize_serial(serial));
        // openssl writes upper-case hex; a line another tool wrote in lower case is the same serial.
        // A whole-index scan: memchr's run-time SIMD choice pays for itself here (see crate::bytes).
        let found = memchr::memmem::find(text.as_bytes(), want.as_bytes())
            .or_else(|| memchr::memmem::find(text.as_bytes(), want.to_ascii_lowercase().as_bytes()));
        let Some(at) = found else { return Ok(None) };
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line_no = text[..start].matches('\n').count() + 1;
        let entry = Entry::parse(&text[start..end])
            .with_context(|| format!("corrupt {} line {line_no}", self.paths.index.display()))?;
        Ok(Some(entry))
    }

    /// Replace index.txt as a whole (revocations). The caller holds the lock.
    pub fn write_index(&self, index: &Index) -> anyhow::Result<()> {
        let before = stamp::current(&self.paths.index);
        fsio::write_atomic(&self.paths.index, index.to_text().as_bytes(), Mode::Public)?;
        stamp::advance(&self.paths.index, before);
        Ok(())
    }

    /// Add one line to index.txt. The caller holds the lock and has made the
    /// certificate's files durable first.
    pub fn append_entry(&self, entry: &Entry) -> anyhow::Result<()> {
        let mut line = entry.to_line();
        line.push('\n');
        let before = stamp::current(&self.paths.index);
        fsio::append_durable(&self.paths.index, line.as_bytes())?;
        stamp::advance(&self.paths.index, before);
        Ok(())
    }

    pub fn ca_cert_der(&self) -> anyhow::Result<Vec<u8>> {
        let bytes = fsio::read(&self.paths.ca_cert)?;
        let certs = crate::pki::certinfo::load_certs(&bytes)
            .with_context(|| format!("cannot read the CA certificate {}", self.paths.ca_cert.display()))?;
        certs.into_iter().next().ok_or_else(|| anyhow!("{} holds no certificate", self.paths.ca_cert.display()))
    }

    /// The CA's chain, leaf-CA first (just the CA for a root).
    pub fn ca_chain_ders(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        if let Some(chain) = self.chain.get() {
            return Ok(chain.clone());
        }
        let chain = if self.paths.ca_chain.exists() {
            let bytes = fsio::read(&self.paths.ca_chain)?;
            crate::pki::certinfo::load_certs(&bytes)
                .with_context(|| format!("cannot read {}", self.paths.ca_chain.display()))?
        } else {
            vec![self.ca_cert_der()?]
        };
        Ok(self.remember_chain(chain))
    }

    /// Keep `chain` as the one this command read (the first one kept stays).
    fn remember_chain(&self, chain: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        self.chain.get_or_init(|| chain).clone()
    }

    /// The CA certificate and key, ready to sign. An encrypted key takes its
    /// passphrase from `pass`.
    pub fn signer(&self, pass: &dyn PassphraseSource) -> anyhow::Result<Signer> {
        let cert_der = self.ca_cert_der()?;
        let key_path = &self.paths.ca_key;
        // `exists()` is false for a key mtlsctl may not look at (another user's store).
        match std::fs::metadata(key_path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::CaKeyMissing(key_path.clone()).into());
            }
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("cannot read the CA key {}", key_path.display())));
            }
            Ok(_) => {}
        }
        fsio::check_secret_mode(key_path)?;
        let bytes = Zeroizing::new(fsio::read(key_path)?);
        let key =
            match keys::parse_key(&bytes).with_context(|| format!("cannot read the CA key {}", key_path.display()))? {
                KeyFile::Plain(k) => k,
                KeyFile::Encrypted(der) => {
                    // An unsupported scheme is said before a passphrase is asked for.
                    der.check().with_context(|| format!("cannot decrypt the CA key {}", key_path.display()))?;
                    decrypt_asking(&der, key_path, pass)?
                }
            };
        let cert = crate::pki::certinfo::parse(&cert_der)?;
        if !keys::key_matches_spki(&key, cert.public_key().raw) {
            bail!(
                "the CA key {} does not belong to the CA certificate {}",
                key_path.display(),
                self.paths.ca_cert.display()
            );
        }
        Ok(Signer { cert_der, key })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::pki::keys::{KeyType, to_pkcs8_pem};

    /// A person at a prompt: the answers in order, and how often they were told "wrong".
    struct Person {
        answers: RefCell<Vec<&'static str>>,
        told: RefCell<usize>,
    }

    impl PassphraseSource for Person {
        fn passphrase(&self, _key: &Path) -> anyhow::Result<Option<Zeroizing<String>>> {
            let mut a = self.answers.borrow_mut();
            Ok((!a.is_empty()).then(|| Zeroizing::new(a.remove(0).to_string())))
        }
        fn prompts(&self) -> bool {
            true
        }
        fn wrong(&self, _key: &Path) {
            *self.told.borrow_mut() += 1;
        }
    }

    fn encrypted() -> (rcgen::KeyPair, keys::EncryptedKey) {
        let kp = KeyType::EcP256.generate().expect("key");
        let pem = to_pkcs8_pem(&kp, Some("right")).expect("pem");
        let KeyFile::Encrypted(k) = keys::parse_key(pem.as_bytes()).expect("parse") else { panic!("plain") };
        (kp, k)
    }

    /// A wrong passphrase at a prompt is asked again, three tries in all.
    #[test]
    fn a_prompt_is_asked_again_after_a_wrong_passphrase() {
        let (kp, key) = encrypted();
        let p = Person { answers: RefCell::new(vec!["nope", "right"]), told: RefCell::new(0) };
        let back = decrypt_asking(&key, Path::new("ca.key"), &p).expect("second try");
        assert_eq!(back.public_key_raw(), kp.public_key_raw());
        assert_eq!(*p.told.borrow(), 1);
        let p = Person { answers: RefCell::new(vec!["a", "b", "c", "right"]), told: RefCell::new(0) };
        let e = decrypt_asking(&key, Path::new("ca.key"), &p).expect_err("three wrong");
        assert!(e.chain().any(|c| c.downcast_ref::<keys::KeyError>().is_some_and(keys::KeyError::is_wrong_passphrase)));
        assert_eq!((*p.told.borrow(), p.answers.borrow().len()), (2, 1));
    }
}
