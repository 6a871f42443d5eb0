//! The CA store: an OpenSSL `ca` directory (SPEC §1). Knows the layout, the
//! lock and the write discipline; knows nothing of the terminal.

pub mod cnf;
pub mod fsio;
pub mod index;
pub mod lock;

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use zeroize::Zeroizing;

use crate::output::hinted;
use crate::pki::build::Signer;
use crate::pki::keys::{self, KeyFile};
use fsio::Mode;
use index::{Entry, Index};

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
    })
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// An opened store.
#[derive(Debug, Clone)]
pub struct Store {
    pub paths: Paths,
    /// easy-rsa's `lock.file`, when the store is an easy-rsa PKI.
    pub easyrsa_lock: Option<PathBuf>,
}

/// Where a passphrase may come from, in order: a file, `$MTLSCTL_CA_PASSPHRASE`, a prompt.
#[derive(Debug, Clone, Default)]
pub struct PassSource {
    pub file: Option<PathBuf>,
    pub batch: bool,
}

pub const PASSPHRASE_ENV: &str = "MTLSCTL_CA_PASSPHRASE";

impl PassSource {
    /// The passphrase from a file or the environment, if either gives one.
    pub fn given(&self) -> anyhow::Result<Option<Zeroizing<String>>> {
        if let Some(f) = &self.file {
            let raw = Zeroizing::new(fsio::read(f).with_context(|| "cannot read the passphrase file".to_string())?);
            let text =
                std::str::from_utf8(&raw).map_err(|_| anyhow!("the passphrase file {} is not UTF-8", f.display()))?;
            // Like openssl's file: source, the first line is the passphrase.
            let first = text.lines().next().unwrap_or("");
            if first.is_empty() {
                bail!("the passphrase file {} is empty", f.display());
            }
            return Ok(Some(Zeroizing::new(first.to_string())));
        }
        match std::env::var(PASSPHRASE_ENV) {
            Ok(v) if !v.is_empty() => Ok(Some(Zeroizing::new(v))),
            _ => Ok(None),
        }
    }
}

impl Store {
    /// Open the store at `dir`, or explain how to create one.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        if !dir.exists() {
            return Err(hinted(
                format!("no CA store at {}", dir.display()),
                format!("create one with: mtlsctl init-ca --dir {}", dir.display()),
            ));
        }
        if !dir.is_dir() {
            bail!("{} is not a directory", dir.display());
        }
        let root = fsio::absolute(dir)?;
        let std_paths = Paths::standard(&root);
        if std_paths.index.exists() && std_paths.ca_cert.exists() {
            let store = Self { paths: std_paths, easyrsa_lock: None };
            store.fix_moved_cnf();
            return Ok(store);
        }
        if let Some(store) = Self::adopt(&root)? {
            return Ok(store);
        }
        Err(hinted(
            format!("{} is not a CA store: certs/ca.crt or index.txt is missing", dir.display()),
            format!("create one with: mtlsctl init-ca --dir {}", dir.display()),
        ))
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
            };
            return Ok(Some(Self { paths, easyrsa_lock: Some(root.join("lock.file")) }));
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
            return Ok(Some(Self { paths, easyrsa_lock: None }));
        }
        for cnf_path in cnf_candidates(root) {
            let text =
                std::fs::read_to_string(&cnf_path).with_context(|| format!("cannot read {}", cnf_path.display()))?;
            let Ok(cnf) = cnf::Cnf::parse(&text) else { continue };
            if let Some(paths) = paths_from_cnf(&cnf, &cnf_path) {
                return Ok(Some(Self { paths, easyrsa_lock: None }));
            }
        }
        Ok(None)
    }

    /// `openssl.cnf` names the store by absolute path; keep it true after a move.
    fn fix_moved_cnf(&self) {
        let Ok(text) = std::fs::read_to_string(&self.paths.cnf) else { return };
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
        match fsio::write_atomic(&self.paths.cnf, new_text.as_bytes(), Mode::Public) {
            Ok(()) => eprintln!("note: the store moved from {current}; updated `dir` in {}", self.paths.cnf.display()),
            Err(e) => eprintln!(
                "warning: the store moved from {current} but {} could not be updated: {e:#}",
                self.paths.cnf.display()
            ),
        }
    }

    /// Take the store lock, then repair a torn last index line left by a crash.
    pub fn lock(&self) -> anyhow::Result<lock::StoreLock> {
        let l = lock::acquire(&self.paths.lock_file(), self.easyrsa_lock.as_deref())?;
        self.repair_torn_index()?;
        Ok(l)
    }

    /// An append cut short by a crash leaves a last line without its newline.
    /// That line was never acknowledged, so it is dropped.
    fn repair_torn_index(&self) -> anyhow::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let path = &self.paths.index;
        let mut f = match std::fs::OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
        };
        let len = f.metadata()?.len();
        if len == 0 {
            return Ok(());
        }
        // The last complete line is checked too: an append after a bad line
        // (a hand edit, another tool) would bury it where only readers see it.
        let tail_len = len.min(4096);
        let mut tail = vec![0u8; tail_len as usize];
        f.seek(SeekFrom::Start(len - tail_len))?;
        f.read_exact(&mut tail)?;
        if tail.last() == Some(&b'\n') {
            let body = &tail[..tail.len() - 1];
            let line = match memchr::memrchr(b'\n', body) {
                Some(i) => &body[i + 1..],
                None if tail_len == len => body,
                None => return Ok(()),
            };
            let line = std::str::from_utf8(line).map_err(|_| anyhow::anyhow!("the last line is not UTF-8"));
            if let Err(e) = line.and_then(|l| index::EntryRef::parse(l).map(|_| ())) {
                return Err(e).with_context(|| {
                    format!(
                        "corrupt {}: its last line is invalid; fix or remove it before adding to it",
                        path.display()
                    )
                });
            }
            return Ok(());
        }
        // Find the last newline, reading backwards in blocks.
        let mut end = len;
        let mut keep = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        while end > 0 {
            let start = end.saturating_sub(buf.len() as u64);
            let n = (end - start) as usize;
            f.seek(SeekFrom::Start(start))?;
            f.read_exact(&mut buf[..n])?;
            if let Some(pos) = buf[..n].iter().rposition(|b| *b == b'\n') {
                keep = start + pos as u64 + 1;
                break;
            }
            end = start;
        }
        let torn = String::from_utf8_lossy(&{
            let mut t = vec![0u8; (len - keep).min(200) as usize];
            f.seek(SeekFrom::Start(keep))?;
            f.read_exact(&mut t)?;
            t
        })
        .into_owned();
        f.set_len(keep).with_context(|| format!("cannot repair {}", path.display()))?;
        f.sync_data()?;
        eprintln!(
            "warning: repaired {}: dropped an incomplete last line left by an interrupted command ({:?})",
            path.display(),
            torn
        );
        Ok(())
    }

    pub fn read_index(&self) -> anyhow::Result<Index> {
        let text = self.read_index_text()?;
        Index::parse(&text).with_context(|| format!("corrupt {}", self.paths.index.display()))
    }

    /// index.txt as text, for a single pass with `Index::each`.
    pub fn read_index_text(&self) -> anyhow::Result<String> {
        std::fs::read_to_string(&self.paths.index)
            .with_context(|| format!("cannot read {}", self.paths.index.display()))
    }

    /// The index line for one serial, found without parsing the whole file
    /// (a byte search for `\tSERIAL\t`), so a lookup stays cheap in a large store.
    pub fn find_entry(&self, serial: &str) -> anyhow::Result<Option<Entry>> {
        let text = std::fs::read_to_string(&self.paths.index)
            .with_context(|| format!("cannot read {}", self.paths.index.display()))?;
        let want = format!("\t{}\t", index::normalize_serial(serial));
        let Some(at) = memchr::memmem::find(text.as_bytes(), want.as_bytes()) else { return Ok(None) };
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line_no = text[..start].matches('\n').count() + 1;
        let entry = Entry::parse(&text[start..end])
            .with_context(|| format!("corrupt {} line {line_no}", self.paths.index.display()))?;
        Ok(Some(entry))
    }

    /// Replace index.txt as a whole (revocations). The caller holds the lock.
    pub fn write_index(&self, index: &Index) -> anyhow::Result<()> {
        fsio::write_atomic(&self.paths.index, index.to_text().as_bytes(), Mode::Public)
    }

    /// Add one line to index.txt. The caller holds the lock and has made the
    /// certificate's files durable first.
    pub fn append_entry(&self, entry: &Entry) -> anyhow::Result<()> {
        let mut line = entry.to_line();
        line.push('\n');
        fsio::append_durable(&self.paths.index, line.as_bytes())
    }

    pub fn ca_cert_der(&self) -> anyhow::Result<Vec<u8>> {
        let bytes = fsio::read(&self.paths.ca_cert)?;
        let certs = crate::pki::certinfo::load_certs(&bytes)
            .with_context(|| format!("cannot read the CA certificate {}", self.paths.ca_cert.display()))?;
        certs.into_iter().next().ok_or_else(|| anyhow!("{} holds no certificate", self.paths.ca_cert.display()))
    }

    /// The CA's chain, leaf-CA first (just the CA for a root).
    pub fn ca_chain_ders(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        if self.paths.ca_chain.exists() {
            let bytes = fsio::read(&self.paths.ca_chain)?;
            return crate::pki::certinfo::load_certs(&bytes)
                .with_context(|| format!("cannot read {}", self.paths.ca_chain.display()));
        }
        Ok(vec![self.ca_cert_der()?])
    }

    /// The CA certificate and key, ready to sign. Asks for the passphrase when needed.
    pub fn signer(&self, pass: &PassSource) -> anyhow::Result<Signer> {
        let cert_der = self.ca_cert_der()?;
        let key_path = &self.paths.ca_key;
        if !key_path.exists() {
            bail!("the CA key {} is missing: this store cannot sign", key_path.display());
        }
        fsio::check_secret_mode(key_path)?;
        let bytes = Zeroizing::new(fsio::read(key_path)?);
        let key =
            match keys::parse_key(&bytes).with_context(|| format!("cannot read the CA key {}", key_path.display()))? {
                KeyFile::Plain(k) => k,
                KeyFile::Encrypted(der) => {
                    let pass = match pass.given()? {
                        Some(p) => p,
                        None if !pass.batch => {
                            crate::prompt::passphrase(&format!("Passphrase for {}", key_path.display()))?
                        }
                        None => {
                            return Err(hinted(
                                format!("the CA key {} is encrypted and no passphrase was given", key_path.display()),
                                format!("pass --passphrase-file FILE or set {PASSPHRASE_ENV}"),
                            ));
                        }
                    };
                    keys::decrypt_key(&der, &pass)
                        .with_context(|| format!("cannot decrypt the CA key {}", key_path.display()))?
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

    /// Pick a serial for a new certificate: random, and not already taken by a
    /// certificate file or by what `openssl ca` would use next. The caller holds the lock.
    pub fn new_serial(&self) -> anyhow::Result<(Vec<u8>, String)> {
        let openssl_next =
            std::fs::read_to_string(&self.paths.serial).map(|s| s.trim().to_ascii_uppercase()).unwrap_or_default();
        for _ in 0..16 {
            let bytes = crate::pki::build::random_serial()?;
            let hex = crate::util::hex_upper(&bytes);
            if hex != openssl_next && !self.paths.newcert(&hex).exists() {
                return Ok((bytes, hex));
            }
        }
        bail!("could not find a free serial number")
    }

    /// Record a certificate the CA signed: newcerts/<SERIAL>.pem, the caller's
    /// output files, then the index line, in that order so that a crash never
    /// leaves an index line without its certificate. The caller holds the lock.
    pub fn record(&self, cert_der: &[u8], outputs: &[(PathBuf, Vec<u8>, Mode)]) -> anyhow::Result<Entry> {
        let cert = crate::pki::certinfo::parse(cert_der)?;
        let serial = crate::pki::certinfo::serial_hex(&cert);
        let subject = crate::pki::names::openssl_oneline(cert.subject());
        let entry = Entry::valid(crate::pki::certinfo::not_after(&cert), &serial, &subject);
        let pem = crate::pki::certinfo::to_pem(cert_der);
        let newcert = self.paths.newcert(&serial);
        if newcert.exists() {
            bail!("serial {serial} is already used by {}", newcert.display());
        }
        let mut batch = fsio::Batch::new();
        batch.add(&newcert, pem.as_bytes(), Mode::Public, true)?;
        for (path, bytes, mode) in outputs {
            batch.add(path, bytes, *mode, false)?;
        }
        // A failed command leaves the store as it was: undo the files this one created.
        let fresh: Vec<&Path> = outputs.iter().map(|(p, _, _)| p.as_path()).filter(|p| !p.exists()).collect();
        if let Err(e) = batch.commit().and_then(|()| self.append_entry(&entry)) {
            for p in fresh.into_iter().chain([newcert.as_path()]) {
                std::fs::remove_file(p).ok();
            }
            return Err(e);
        }
        Ok(entry)
    }
}
