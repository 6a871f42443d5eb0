//! `check`: the whole store against its own rules (SPEC §9), and the repairs
//! that are safe to make: an orphan certificate's index line (what an
//! `openssl ca` rename running alongside mtlsctl drops) and stale temp files.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use super::index::{self, Entry, EntryRef};
use super::{Store, cnf, lock};
use crate::pki::{certinfo, crl, keys, names};

/// A CA that ends within this many days is reported.
pub const CA_EXPIRY_WARNING_DAYS: i64 = 30;
/// A staging directory of init-ca older than this is stale.
const STALE_STAGING_SECS: u64 = 600;

/// One problem found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind of problem, snake_case (docs/json.md lists them).
    pub code: &'static str,
    pub message: String,
    pub path: Option<PathBuf>,
    pub serial: Option<String>,
    /// Whether `--repair` fixes it.
    pub repairable: bool,
    /// Whether this run fixed it.
    pub repaired: bool,
}

impl Finding {
    fn new(code: &'static str, message: impl Into<String>, path: Option<&Path>) -> Self {
        Self {
            code,
            message: message.into(),
            path: path.map(Path::to_path_buf),
            serial: None,
            repairable: false,
            repaired: false,
        }
    }
    fn serial(mut self, s: &str) -> Self {
        self.serial = Some(s.to_string());
        self
    }
    fn repairable(mut self) -> Self {
        self.repairable = true;
        self
    }
}

/// What `check` looked at and found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub index_lines: usize,
    pub certificates: usize,
    pub identities: usize,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Problems left after this run (not repaired).
    pub fn remaining(&self) -> usize {
        self.findings.iter().filter(|f| !f.repaired).count()
    }
}

/// A certificate file of newcerts/ not named in index.txt.
struct Orphan {
    serial: String,
    entry: Entry,
}

/// What one pass over the store found, and what a repair needs.
struct Pass {
    report: Report,
    orphans: Vec<Orphan>,
    listing: Listing,
    index_ok: bool,
}

/// Inspect the store; with `repair`, re-add orphan index lines and remove
/// stale temp files, then look again, so what the repair resolved (an
/// identity whose line came back) is not reported.
pub fn run(store: &Store, repair: bool, now: OffsetDateTime) -> anyhow::Result<Report> {
    // Under the lock a writer's certificate and its index line are never seen
    // half-made. Not validating through `Store::lock`: a corrupt line is a
    // finding here, not an error.
    let lock = lock::acquire(&store.paths.lock_file(), store.easyrsa_lock.as_deref(), &mut Vec::new());
    let _lock = match lock {
        Ok(l) => Some(l),
        Err(e) if repair => return Err(e),
        Err(_) => None,
    };
    let locked = _lock.is_some();
    let mut pass = inspect(store, now, locked)?;
    if !repair || pass.report.findings.iter().all(|f| !f.repairable) {
        return Ok(pass.report);
    }
    repair_findings(store, &mut pass.report.findings, &pass.orphans, &pass.listing, pass.index_ok)?;
    let mut after = inspect(store, now, locked)?.report;
    let mut findings: Vec<Finding> = pass.report.findings.into_iter().filter(|f| f.repaired).collect();
    findings.append(&mut after.findings);
    Ok(Report { findings, ..after })
}

fn inspect(store: &Store, now: OffsetDateTime, locked: bool) -> anyhow::Result<Pass> {
    let mut findings = Vec::new();
    let text = std::fs::read_to_string(&store.paths.index)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", store.paths.index.display()))?;
    let lines = index_lines(store, &text, &mut findings);
    let index_ok = findings.is_empty();
    let (certificates, orphans) = certificate_files(store, &lines, &mut findings)?;
    let identities = identities(store, &lines, now, &mut findings);
    compromised_keys(store, &lines, now, &mut findings);
    modes(store, &mut findings);
    if locked {
        uninstalled_identities(store, &mut findings);
    }
    for t in stale_temp_files(store, locked) {
        findings.push(
            Finding::new(
                "stale_temp_file",
                "a temporary file no running command holds (it may hold key material)",
                Some(&t),
            )
            .repairable(),
        );
    }
    let listing = crl_and_ca(store, &lines, now, &mut findings);
    chain_crl(store, now, &mut findings);
    revoked_chain(store, &mut findings);
    cnf_dir(store, &mut findings);
    let report = Report { index_lines: lines.len(), certificates, identities, findings };
    Ok(Pass { report, orphans, listing, index_ok })
}

/// The index lines that parse, by normalized serial; every bad one is a finding.
fn index_lines(store: &Store, text: &str, findings: &mut Vec<Finding>) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let path = Some(store.paths.index.as_path());
    if text.is_empty() {
        return out;
    }
    if !text.ends_with('\n') {
        findings.push(Finding::new("index_no_final_newline", "index.txt's last line has no newline", path));
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    for (i, line) in body.split('\n').enumerate() {
        match EntryRef::parse(line) {
            Ok(e) => {
                let serial = index::normalize_serial(e.serial);
                if out.insert(serial.clone(), e.to_owned()).is_some() {
                    findings.push(
                        Finding::new(
                            "index_duplicate_serial",
                            format!("line {}: serial {serial} appears twice", i + 1),
                            path,
                        )
                        .serial(&serial),
                    );
                }
            }
            Err(err) => findings.push(Finding::new("index_line_invalid", format!("line {}: {err:#}", i + 1), path)),
        }
    }
    out
}

/// newcerts/ against index.txt: each file needs a line, each V/R line a file.
fn certificate_files(
    store: &Store,
    lines: &BTreeMap<String, Entry>,
    findings: &mut Vec<Finding>,
) -> anyhow::Result<(usize, Vec<Orphan>)> {
    let ca_der = store.ca_cert_der()?;
    let ca = certinfo::parse(&ca_der)?;
    let mut seen = BTreeSet::new();
    let mut orphans = Vec::new();
    let dir = &store.paths.newcerts;
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "pem"));
    files.sort();
    for file in &files {
        let Some(stem) = file.file_stem().map(|s| index::normalize_serial(&s.to_string_lossy())) else { continue };
        seen.insert(stem.clone());
        if lines.contains_key(&stem) {
            continue;
        }
        if is_torn(file) {
            findings.push(
                Finding::new(
                    "torn_certificate_file",
                    format!("newcerts/{stem}.pem was cut short (a command killed before it was on disk) and no index.txt line names it"),
                    Some(file),
                )
                .serial(&stem)
                .repairable(),
            );
            continue;
        }
        match orphan_entry(file, &stem, ca.subject().as_raw()) {
            Ok(entry) => {
                findings.push(
                    Finding::new(
                        "orphan_certificate",
                        format!(
                            "certificate {stem} has no index.txt line (written while another tool rewrote index.txt?)"
                        ),
                        Some(file),
                    )
                    .serial(&stem)
                    .repairable(),
                );
                orphans.push(Orphan { serial: stem, entry });
            }
            Err(e) => {
                findings.push(Finding::new("foreign_certificate_file", format!("{e:#}"), Some(file)).serial(&stem))
            }
        }
    }
    for (serial, e) in lines {
        // easy-rsa's own revoke moves the file under revoked/.
        if matches!(e.status.as_str(), "V" | "R") && !seen.contains(serial) && !store.recorded_cert(serial).is_file() {
            let path = store.paths.newcert(serial);
            findings.push(
                Finding::new(
                    "missing_certificate_file",
                    format!("index line {serial} has no certificate file"),
                    Some(&path),
                )
                .serial(serial),
            );
        }
    }
    Ok((files.len(), orphans))
}

/// A newcerts/ file an interrupted write left: empty, zeros, or the start of
/// a PEM certificate without its end. Anything else is someone's file.
fn is_torn(file: &Path) -> bool {
    let Ok(bytes) = std::fs::read(file) else { return false };
    let text = bytes.trim_ascii();
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    let partial_pem = text.starts_with(BEGIN) && crate::bytes::find(text, b"-----END").is_none();
    text.is_empty() || bytes.iter().all(|b| *b == 0) || partial_pem || BEGIN.starts_with(text)
}

/// The V line `openssl ca -valid` would add for a certificate file, if it is
/// one of this CA's with the serial its name says.
fn orphan_entry(file: &Path, serial: &str, ca_subject: &[u8]) -> anyhow::Result<Entry> {
    let bytes = std::fs::read(file)?;
    let ders = certinfo::load_certs(&bytes)?;
    let der = ders.first().ok_or_else(|| anyhow::anyhow!("no certificate in the file"))?;
    let cert = certinfo::parse(der)?;
    let own = index::normalize_serial(&certinfo::serial_hex(&cert));
    if own != serial {
        anyhow::bail!("the file is named {serial} but holds certificate {own}");
    }
    if cert.issuer().as_raw() != ca_subject {
        anyhow::bail!("certificate {serial} was not issued by this CA");
    }
    Ok(Entry::valid(certinfo::not_after(&cert), &own, &names::openssl_oneline(cert.subject())))
}

/// issued/<name>/: the certificate has its index line and its key matches it.
fn identities(
    store: &Store,
    lines: &BTreeMap<String, Entry>,
    now: OffsetDateTime,
    findings: &mut Vec<Finding>,
) -> usize {
    let Ok(rd) = std::fs::read_dir(&store.paths.issued) else { return 0 };
    let chain = store.ca_chain_ders().ok();
    // A stage (`.NAME.stage-…`) is a killed writer's leftover, not an identity (stale_temp_file).
    let is_stage = |p: &PathBuf| p.file_name().is_some_and(|n| super::identity::is_stage_name(&n.to_string_lossy()));
    let mut dirs: Vec<PathBuf> =
        rd.flatten().map(|e| e.path()).filter(|p| p.join("cert.pem").is_file() && !is_stage(p)).collect();
    dirs.sort();
    for dir in &dirs {
        let cert_path = dir.join("cert.pem");
        let der = std::fs::read(&cert_path)
            .map_err(anyhow::Error::from)
            .and_then(|b| certinfo::load_certs(&b))
            .and_then(|c| c.into_iter().next().ok_or_else(|| anyhow::anyhow!("no certificate in it")));
        let der = match der {
            Ok(d) => d,
            Err(e) => {
                findings.push(Finding::new("identity_unreadable", format!("{e:#}"), Some(&cert_path)));
                continue;
            }
        };
        let Ok(cert) = certinfo::parse(&der) else {
            findings.push(Finding::new("identity_unreadable", "not a valid certificate", Some(&cert_path)));
            continue;
        };
        let serial = index::normalize_serial(&certinfo::serial_hex(&cert));
        match lines.get(&serial) {
            None => findings.push(
                Finding::new(
                    "identity_not_in_index",
                    format!("certificate {serial} has no index.txt line"),
                    Some(&cert_path),
                )
                .serial(&serial),
            ),
            Some(e) if e.subject != names::openssl_oneline(cert.subject()) => findings.push(
                Finding::new(
                    "identity_subject_mismatch",
                    format!("index line {serial} names {}, the certificate another subject", e.subject),
                    Some(&cert_path),
                )
                .serial(&serial),
            ),
            Some(e) => {
                if let (Some(chain), Ok(index::Status::Valid)) = (&chain, e.status()) {
                    if let Some(f) = path_problem(&der, chain, now, &cert_path) {
                        findings.push(f.serial(&serial));
                    }
                }
            }
        }
        let key_path = dir.join("key.pem");
        let Ok(key_bytes) = std::fs::read(&key_path).map(zeroize::Zeroizing::new) else { continue };
        // An encrypted key cannot be compared without its passphrase.
        if let Ok(keys::KeyFile::Plain(k)) = keys::parse_key(&key_bytes) {
            if !keys::key_matches_spki(&k, cert.public_key().raw) {
                findings.push(
                    Finding::new("identity_key_mismatch", "key.pem does not belong to cert.pem", Some(&key_path))
                        .serial(&serial),
                );
            }
        } else if keys::parse_key(&key_bytes).is_err() {
            findings.push(Finding::new("identity_unreadable", "key.pem is not a readable key", Some(&key_path)));
        }
    }
    dirs.len()
}

/// A valid certificate carrying the public key of one revoked for
/// keyCompromise: the revocation protects nothing while it is accepted.
fn compromised_keys(store: &Store, lines: &BTreeMap<String, Entry>, now: OffsetDateTime, findings: &mut Vec<Finding>) {
    let entries: Vec<&Entry> = lines.values().collect();
    for s in store.compromised_keys_in_use(&entries, now) {
        let path = store.recorded_cert(&s.serial);
        findings.push(
            Finding::new(
                "compromised_key_in_use",
                format!(
                    "certificate {} {} is valid but carries the public key of {}, revoked for keyCompromise",
                    s.serial, s.subject, s.compromised
                ),
                Some(&path),
            )
            .serial(&s.serial),
        );
    }
}

/// A current identity's certificate through verify's path validation (SPEC §6)
/// against this CA, revocation aside (the index line says that): a certificate
/// the store holds as valid that every careful validator refuses is a problem.
/// Expiry is not: `list` and `renew` deal with it.
fn path_problem(der: &[u8], chain: &[Vec<u8>], now: OffsetDateTime, path: &Path) -> Option<Finding> {
    use crate::pki::verify::{self, Code, Labels, Purpose, Request, Revocation};
    let (anchors, intermediates) = verify::split_anchors(chain.to_vec());
    let purposes = Purpose::defaults_for(der);
    let verdict = verify::verify(&Request {
        leaf: der,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &[],
        purposes: &purposes,
        subjects: &[],
        at: now,
        revocation: Revocation::Off,
        max_depth: None,
        labels: Labels { ca: "this store's CA".into(), crl: String::new() },
    })
    .ok()?;
    if verdict.valid() || verdict.code == Code::Expired {
        return None;
    }
    let code = serde_json::to_value(verdict.code).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    Some(Finding::new("identity_invalid", format!("verify says {code}: {}", verdict.message), Some(path)))
}

fn mode_of(p: &Path) -> Option<u32> {
    std::fs::symlink_metadata(p).ok().map(|m| m.permissions().mode() & 0o7777)
}

/// Private directories 0700, private files 0600 (nothing for group or others).
fn modes(store: &Store, findings: &mut Vec<Finding>) {
    if !store.paths.ca_key.exists() {
        findings.push(Finding::new(
            "ca_key_missing",
            "the CA key is missing: this store cannot sign",
            Some(&store.paths.ca_key),
        ));
    } else if let Some(Err(e)) =
        std::fs::read(&store.paths.ca_key).ok().map(zeroize::Zeroizing::new).and_then(|b| match keys::parse_key(&b) {
            Ok(keys::KeyFile::Encrypted(k)) => Some(k.check()),
            _ => None,
        })
        && matches!(e.downcast_ref::<keys::KeyError>(), Some(keys::KeyError::UnsupportedEncryption(_)))
    {
        findings.push(Finding::new(
            "ca_key_unsupported",
            format!("{e:#}: this store cannot sign until it is re-encrypted (openssl pkcs8 -topk8 -v2 aes-256-cbc)"),
            Some(&store.paths.ca_key),
        ));
    }
    let mut check = |p: &Path, want: u32| {
        if let Some(m) = mode_of(p).filter(|m| m & 0o077 != 0) {
            findings.push(Finding::new(
                "mode_too_open",
                format!("mode {m:04o}, group or others have access (chmod {want:o} {})", p.display()),
                Some(p),
            ));
        }
    };
    let private = store.paths.ca_key.parent().map(Path::to_path_buf).unwrap_or_else(|| store.paths.root.clone());
    check(&private, 0o700);
    for f in std::fs::read_dir(&private).into_iter().flatten().flatten() {
        if f.path().is_file() {
            check(&f.path(), 0o600);
        }
    }
    if store.is_easyrsa() {
        return;
    }
    check(&store.paths.issued, 0o700);
    for d in std::fs::read_dir(&store.paths.issued).into_iter().flatten().flatten() {
        let d = d.path();
        if d.is_dir() {
            check(&d, 0o700);
            check(&d.join("key.pem"), 0o600);
        }
    }
}

/// Whether a name is one of mtlsctl's temp files (`.NAME.XXXXXX.tmp`, docs/store.md).
fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp") && name.len() > ".x.XXXXXX.tmp".len() - 1
}

/// Every file some process has open (`/proc/*/fd`), to leave a running command's files alone.
fn open_files() -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for p in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        for fd in std::fs::read_dir(p.path().join("fd")).into_iter().flatten().flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                out.insert(target);
            }
        }
    }
    out
}

/// mtlsctl's temp files in the store that no process holds, the identity
/// stages a killed issue or renew left (only under the lock, which every
/// writer holds while its stage exists), and init-ca staging directories
/// beside it older than ten minutes.
fn stale_temp_files(store: &Store, locked: bool) -> Vec<PathBuf> {
    let root = &store.paths.root;
    let mut dirs: Vec<PathBuf> = [root.clone(), root.join("certs"), root.join("crl")]
        .into_iter()
        .chain([&store.paths.newcerts, &store.paths.csr_dir, &store.paths.issued].map(|p| p.to_path_buf()))
        .chain(store.paths.ca_key.parent().map(Path::to_path_buf))
        .collect();
    dirs.extend(std::fs::read_dir(&store.paths.issued).into_iter().flatten().flatten().map(|e| e.path()));
    dirs.sort();
    dirs.dedup();
    let held = open_files();
    let mut out = Vec::new();
    if locked {
        for e in std::fs::read_dir(&store.paths.issued).into_iter().flatten().flatten() {
            // A stage holding a recorded identity is not debris (identity_not_installed).
            if e.file_type().is_ok_and(|t| t.is_dir())
                && super::identity::is_stage_name(&e.file_name().to_string_lossy())
                && super::identity::stage_target(&e.path())
                    .is_none_or(|t| store.recorded_stage(&e.path(), &t).is_none())
            {
                out.push(e.path());
            }
        }
    }
    for d in dirs.iter().filter(|d| d.is_dir()) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_file() && is_temp_name(&e.file_name().to_string_lossy()) && !held.contains(&p) {
                out.push(p);
            }
        }
    }
    if let (Some(parent), Some(name)) = (root.parent(), root.file_name()) {
        let prefix = format!(".{}.init-", name.to_string_lossy());
        for e in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let old = e.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
            if e.file_name().to_string_lossy().starts_with(&prefix)
                && old.is_some_and(|a| a.as_secs() >= STALE_STAGING_SECS)
            {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Stages in issued/ holding a recorded identity a killed command did not put
/// in place (its key is nowhere else). Only under the lock: a running command's
/// stage is not a leftover.
fn uninstalled_identities(store: &Store, findings: &mut Vec<Finding>) {
    for e in std::fs::read_dir(&store.paths.issued).into_iter().flatten().flatten() {
        let stage = e.path();
        if !e.file_type().is_ok_and(|t| t.is_dir()) || !super::identity::is_stage_name(&e.file_name().to_string_lossy())
        {
            continue;
        }
        let Some(target) = super::identity::stage_target(&stage) else { continue };
        let Some(serial) = store.recorded_stage(&stage, &target) else { continue };
        findings.push(
            Finding::new(
                "identity_not_installed",
                format!(
                    "certificate {serial} is recorded, but a command was stopped before putting its identity (and key) in {}",
                    target.display()
                ),
                Some(&stage),
            )
            .serial(&serial)
            .repairable(),
        );
    }
}

/// What the current CRL lists: serial -> (revocation time, reason).
type Listing = BTreeMap<String, (OffsetDateTime, Option<crate::pki::reason::Reason>)>;

/// An intermediate's chain CRL (nginx `ssl_crl`) holds a CRL of every CA of
/// the chain, none expired. Only once this CA has a CRL (`crl_missing` says
/// that first).
fn chain_crl(store: &Store, now: OffsetDateTime, findings: &mut Vec<Finding>) {
    let Ok(chain) = store.ca_chain_ders() else { return };
    if chain.len() < 2 || !store.paths.crl.exists() {
        return;
    }
    let path = &store.paths.chain_crl;
    let crls = std::fs::read(path).ok().and_then(|b| crl::load_crls(&b).ok()).unwrap_or_default();
    let missing = crl::uncovered(&chain, &crls);
    if !missing.is_empty() {
        findings.push(Finding::new(
            "chain_crl_incomplete",
            format!(
                "it holds no CRL of {}: nginx (ssl_crl) rejects every client of this CA (run gen-crl here, after gen-crl in the parent store if it has no CRL)",
                missing.join(", ")
            ),
            Some(path),
        ));
    } else if crl::earliest_next_update(&crls).is_some_and(|t| t <= now) {
        findings.push(Finding::new(
            "chain_crl_expired",
            "a CRL in it has expired: nginx rejects every client (run gen-crl in the parent store, then here)",
            Some(path),
        ));
    }
}

/// A CA of the chain that the CA above it revoked: nothing it signs is accepted.
fn revoked_chain(store: &Store, findings: &mut Vec<Finding>) {
    let Some(r) = store.revoked_in_chain() else { return };
    let whom = if r.own { "this CA".to_string() } else { format!("{}, a CA above this one,", r.subject) };
    findings.push(
        Finding::new(
            "ca_revoked",
            format!(
                "{whom} (serial {}) was revoked by {}: servers that check CRLs reject every certificate it signed; issue from a new intermediate",
                r.serial, r.by
            ),
            Some(&r.source),
        )
        .serial(&r.serial),
    );
}

/// The CRL exists, is current, is this CA's, and lists every R line (and no
/// V line); the CA is not near its end. Returns what the CRL lists.
fn crl_and_ca(
    store: &Store,
    lines: &BTreeMap<String, Entry>,
    now: OffsetDateTime,
    findings: &mut Vec<Finding>,
) -> Listing {
    if let Ok(ca_der) = store.ca_cert_der() {
        if let Ok(ca) = certinfo::parse(&ca_der) {
            let end = certinfo::not_after(&ca);
            let days = (end - now).whole_days();
            if end <= now {
                findings.push(Finding::new("ca_expired", "the CA certificate has expired", Some(&store.paths.ca_cert)));
            } else if days < CA_EXPIRY_WARNING_DAYS {
                findings.push(Finding::new(
                    "ca_expiring",
                    format!(
                        "the CA certificate expires in {}: plan its rotation (docs/rotation.md)",
                        crate::pki::dates::time_left(end - now)
                    ),
                    Some(&store.paths.ca_cert),
                ));
            }
        }
    }
    let mut listing = Listing::new();
    let path = &store.paths.crl;
    let Ok(bytes) = std::fs::read(path) else {
        findings.push(Finding::new("crl_missing", "no CRL has been published (run gen-crl)", Some(path)));
        return listing;
    };
    let der = crl::load_crls(&bytes).ok().and_then(|v| v.into_iter().next());
    let Some(parsed) = der.as_deref().and_then(|d| crl::parse(d).ok()) else {
        findings.push(Finding::new("crl_unreadable", "the CRL cannot be decoded", Some(path)));
        return listing;
    };
    if parsed.next_update().is_some_and(|t| t.to_datetime() <= now) {
        findings.push(Finding::new("crl_expired", "the CRL's nextUpdate has passed (run gen-crl)", Some(path)));
    }
    if store
        .ca_cert_der()
        .ok()
        .and_then(|d| certinfo::parse(&d).ok().map(|c| c.subject().as_raw() == parsed.issuer().as_raw()))
        == Some(false)
    {
        findings.push(Finding::new("crl_wrong_issuer", "the CRL was not issued by this CA", Some(path)));
    }
    for r in parsed.iter_revoked_certificates() {
        let raw = r.raw_serial();
        let raw = match raw {
            [0, rest @ ..] if !rest.is_empty() => rest,
            _ => raw,
        };
        let reason = r.reason_code().and_then(|(_, rc)| crate::pki::reason::Reason::from_code(rc.0));
        listing.insert(
            index::normalize_serial(&crate::pki::hex::hex_upper(raw)),
            (r.revocation_date.to_datetime(), reason),
        );
    }
    for (serial, e) in lines {
        let listed = listing.contains_key(serial);
        if e.status == "R" && !listed {
            findings.push(
                Finding::new(
                    "crl_missing_revocation",
                    format!("revoked {serial} is not in the CRL yet (run gen-crl)"),
                    Some(path),
                )
                .serial(serial),
            );
        }
        if e.status == "V" && listed {
            findings.push(
                Finding::new(
                    "crl_lists_valid_line",
                    format!(
                        "the CRL lists {serial}, whose index line says V (a revocation lost by a concurrent rewrite?)"
                    ),
                    Some(&store.paths.index),
                )
                .serial(serial),
            );
        }
    }
    listing
}

/// openssl.cnf's `dir` is this store (a store moved by hand makes `openssl ca` use the old one).
fn cnf_dir(store: &Store, findings: &mut Vec<Finding>) {
    let path = &store.paths.cnf;
    let Ok(text) = std::fs::read_to_string(path) else {
        if !store.is_easyrsa() {
            findings.push(Finding::new(
                "cnf_missing",
                "openssl.cnf is missing: `openssl ca` cannot use this store",
                Some(path),
            ));
        }
        return;
    };
    let Some((_, dir)) = cnf::dir_line(&text) else { return };
    let dir = dir.trim_matches(|c| c == '"' || c == '\'');
    if dir.contains('$') {
        return;
    }
    let here = path.parent().unwrap_or(Path::new("."));
    let named = std::fs::canonicalize(here.join(dir)).unwrap_or_else(|_| here.join(dir));
    let root = std::fs::canonicalize(&store.paths.root).unwrap_or_else(|_| store.paths.root.clone());
    if named != root {
        findings.push(Finding::new(
            "cnf_wrong_dir",
            format!("openssl.cnf names {} as the store, not {}", named.display(), root.display()),
            Some(path),
        ));
    }
}

/// Re-add orphans' index lines (R with the CRL's date when the CRL lists them)
/// and remove stale temp files. The caller holds the lock.
fn repair_findings(
    store: &Store,
    findings: &mut [Finding],
    orphans: &[Orphan],
    listing: &Listing,
    index_ok: bool,
) -> anyhow::Result<()> {
    for f in findings.iter_mut() {
        match f.code {
            "orphan_certificate" if !index_ok => {
                f.message.push_str(" (not repaired: fix index.txt's invalid lines first)");
            }
            "orphan_certificate" => {
                let Some(o) = orphans.iter().find(|o| Some(&o.serial) == f.serial.as_ref()) else { continue };
                let mut entry = o.entry.clone();
                if let Some((when, reason)) = listing.get(&o.serial) {
                    entry.revoke(*when, reason.unwrap_or(crate::pki::reason::Reason::Unspecified));
                }
                store.append_entry(&entry)?;
                f.repaired = true;
            }
            "identity_not_installed" => {
                let Some(stage) = &f.path else { continue };
                let Some(target) = super::identity::stage_target(stage) else { continue };
                f.repaired = store.finish_interrupted(stage, &target).is_ok();
            }
            "torn_certificate_file" => {
                let Some(p) = &f.path else { continue };
                f.repaired = std::fs::remove_file(p).is_ok();
            }
            "stale_temp_file" => {
                let Some(p) = &f.path else { continue };
                let gone = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
                f.repaired = gone.is_ok();
            }
            _ => {}
        }
    }
    Ok(())
}
