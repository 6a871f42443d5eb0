//! An identity's files, named in one place: `issued/<name>/` (or another
//! directory) holds cert.pem, key.pem, chain.pem and ca.pem; an easy-rsa PKI
//! also keeps the certificate and key where easy-rsa looks for them.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;

use time::OffsetDateTime;

use super::Store;
use super::error::{Refused, StoreError};
use super::fsio::{self, Mode};
use super::index::Revocation;
use crate::pki::{certinfo, names};

/// The directory of one identity and the files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub dir: PathBuf,
}

impl Identity {
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The leaf certificate.
    pub fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    /// Its private key (0600), when mtlsctl made it.
    pub fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    /// The leaf then the intermediates, never the root (nginx `ssl_certificate`, curl `--cert`).
    pub fn chain(&self) -> PathBuf {
        self.dir.join("chain.pem")
    }

    /// The key then the chain in one file (0600, when mtlsctl made the key):
    /// what a client should read while renewals run (curl `--cert` alone).
    pub fn bundle(&self) -> PathBuf {
        self.dir.join("identity.pem")
    }

    /// The root to trust.
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A certificate request made for this identity (`csr`).
    pub fn csr(&self) -> PathBuf {
        self.dir.join("csr.pem")
    }
}

/// What a certificate file already in place is, for deciding whether a new
/// issuance may replace it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Recorded in index.txt as revoked.
    Revoked { serial: String, revocation: Option<Revocation> },
    /// Past its notAfter.
    Expired { serial: String, not_after: OffsetDateTime },
    /// Valid, or not a certificate this store can account for: only `--force` replaces it.
    InUse,
}

impl Standing {
    /// A revoked or expired certificate is replaced without being asked (SPEC §10).
    pub fn is_spent(&self) -> bool {
        !matches!(self, Self::InUse)
    }
}

/// What an issuance replaces: the certificate that was there and how it stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacing {
    pub path: PathBuf,
    pub standing: Standing,
}

/// Where easy-rsa keeps an identity: `issued/<name>.crt`, `private/<name>.key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EasyrsaMirror {
    pub name: String,
    pub crt: PathBuf,
    pub key: PathBuf,
}

/// A directory name from a CN: anything but letters, digits, `.`, `-`, `_` and `@` becomes `_`.
pub fn safe_dir_name(cn: &str) -> String {
    let s: String = cn
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
        .collect();
    if s.starts_with('.') { format!("_{s}") } else { s }
}

impl Store {
    /// How the certificate at `path` stands at `now`; `None` when there is none.
    pub fn standing(&self, path: &Path, now: OffsetDateTime) -> anyhow::Result<Option<Standing>> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            // No certificate there; writing the identity then says why it cannot (a file in the way).
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                return Ok(None);
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let der = certinfo::load_certs(&bytes).ok().and_then(|c| c.into_iter().next());
        let Some(cert) = der.as_deref().and_then(|d| certinfo::parse(d).ok()) else { return Ok(Some(Standing::InUse)) };
        let serial = certinfo::serial_hex(&cert);
        let subject = names::openssl_oneline(cert.subject());
        let entry = self.find_entry(&serial)?.filter(|e| e.subject == subject);
        if let Some(e) = entry.as_ref().filter(|e| e.status == "R") {
            return Ok(Some(Standing::Revoked { serial, revocation: e.revocation_info().ok() }));
        }
        let not_after = certinfo::not_after(&cert);
        if not_after <= now {
            return Ok(Some(Standing::Expired { serial, not_after }));
        }
        Ok(Some(Standing::InUse))
    }

    /// Whether an issuance for `cn` may write `id`: nothing there, or a revoked or
    /// expired certificate (returned, so the caller can say it is replaced), or
    /// anything with `force`. In an easy-rsa PKI, easy-rsa's own certificate of
    /// that name counts too, and a valid one is never replaced. Checks only:
    /// nothing is created or changed.
    pub fn check_replaceable(
        &self,
        id: &Identity,
        cn: &str,
        force: bool,
        now: OffsetDateTime,
    ) -> anyhow::Result<Option<Replacing>> {
        let own = self.standing(&id.cert(), now)?;
        if own.as_ref().is_some_and(|s| !s.is_spent()) && !force {
            // Two CNs can map to one directory name ("a/b" and "a b" both to a_b): name the holder.
            let holder = fsio::read(&id.cert()).ok().and_then(|pem| {
                let der = certinfo::load_certs(&pem).ok()?.into_iter().next()?;
                let cert = certinfo::parse(&der).ok()?;
                Some((names::common_name(cert.subject())?, certinfo::serial_hex(&cert)))
            });
            return Err(match holder {
                Some((holder, serial)) if holder != cn => {
                    StoreError::IdentityOfAnother { dir: id.dir.clone(), holder, serial, cn: cn.to_string() }
                }
                _ => StoreError::IdentityExists(id.dir.clone()),
            }
            .into());
        }
        let mut replacing = own.filter(Standing::is_spent).map(|standing| Replacing { path: id.cert(), standing });
        if let Some(mirror) = self.easyrsa_mirror(cn) {
            self.check_mirror_free(&mirror, id, cn, now)?;
            if replacing.is_none() {
                let spent = self.standing(&mirror.crt, now)?.filter(Standing::is_spent);
                replacing = spent.map(|standing| Replacing { path: mirror.crt, standing });
            }
        }
        Ok(replacing)
    }

    /// Refuse to overwrite a valid certificate easy-rsa keeps for `cn`, unless it
    /// is the identity's own certificate (which `--force` replaces).
    pub fn check_mirror_free(
        &self,
        mirror: &EasyrsaMirror,
        id: &Identity,
        cn: &str,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let theirs = self.standing(&mirror.crt, now)?;
        if theirs.is_some_and(|s| !s.is_spent()) && self.standing(&id.cert(), now)?.is_none_or(|s| s.is_spent()) {
            return Err(StoreError::EasyrsaIssued {
                crt: mirror.crt.clone(),
                name: mirror.name.clone(),
                cn: cn.to_string(),
            }
            .into());
        }
        Ok(())
    }

    /// The identity of `cn`: `issued/<name>/`, or `out` when given.
    pub fn identity(&self, cn: &str, out: Option<&Path>) -> Identity {
        match out {
            Some(o) => Identity::at(o),
            None => Identity::at(self.paths.issued.join(safe_dir_name(cn))),
        }
    }

    /// The file of a certificate the store recorded: newcerts/<SERIAL>.pem, or,
    /// in an easy-rsa PKI, revoked/certs_by_serial/<SERIAL>.crt, where
    /// `easyrsa revoke` moves it (removing the newcerts copy).
    pub fn recorded_cert(&self, serial: &str) -> PathBuf {
        let newcert = self.paths.newcert(serial);
        if self.is_easyrsa() && !newcert.exists() {
            let moved = self.paths.root.join("revoked").join("certs_by_serial").join(format!("{serial}.crt"));
            if moved.is_file() {
                return moved;
            }
        }
        newcert
    }

    /// easy-rsa's files for `cn`, when the store is an easy-rsa PKI.
    pub fn easyrsa_mirror(&self, cn: &str) -> Option<EasyrsaMirror> {
        if !self.is_easyrsa() {
            return None;
        }
        let name = safe_dir_name(cn);
        Some(EasyrsaMirror {
            crt: self.paths.issued.join(format!("{name}.crt")),
            key: self.paths.root.join("private").join(format!("{name}.key")),
            name,
        })
    }

    /// easy-rsa's files for `cn` when `id` has no certificate of its own: an
    /// identity `easyrsa build-*-full` made (issued/<name>.crt, private/<name>.key).
    pub fn easyrsa_identity(&self, id: &Identity, cn: &str) -> Option<EasyrsaMirror> {
        self.easyrsa_mirror(cn).filter(|m| !id.chain().exists() && !id.cert().exists() && m.crt.exists())
    }
}

/// The names of an identity's own files; anything else in its directory is carried over.
const IDENTITY_FILES: [&str; 5] = ["cert.pem", "key.pem", "chain.pem", "ca.pem", "identity.pem"];

/// Where an identity's new files wait, written and flushed, until the index
/// line of their certificate is durable: `.<dir>.stage-<random>` beside the
/// identity's directory. `install` then puts them in place in one step.
#[derive(Debug)]
pub struct Staged {
    stage: PathBuf,
    target: PathBuf,
    how: Install,
    /// The stage's files and entries, until the caller flushes them (`take_unflushed`).
    unflushed: fsio::Unflushed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Install {
    /// No directory yet: rename the stage to it.
    Create,
    /// A directory without identity files: move the files in (no old pair to mix with).
    Fill,
    /// An identity already there: exchange the directories (`RENAME_EXCHANGE`).
    Exchange,
}

/// The stage's name after its prefix: 16 hex digits, as `is_stage_name`
/// (and `check`) know stages, including the random ones of earlier versions.
const STAGE_SUFFIX: &str = "0000000000000000";

/// The stage directory's name prefix for an identity directory named `name`.
fn stage_prefix(name: &str) -> String {
    format!(".{name}.stage-")
}

impl Identity {
    /// Write `files` (name, bytes, mode) into a new stage beside the identity
    /// directory and flush them. The directory itself is not touched; stale
    /// stages of a killed command (they may hold a key) are removed first.
    pub fn stage(&self, files: &[(&str, Vec<u8>, Mode)]) -> anyhow::Result<Staged> {
        let target = self.target()?;
        fsio::create_dir(fsio::parent_of(&target), false)?;
        // A stage holding a recorded certificate was finished first (`finish_interrupted_of`).
        let stage = stage_of(&target);
        match std::fs::remove_dir_all(&stage) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove the stale {}", stage.display()));
            }
            _ => {}
        }
        if target.exists() && !target.is_dir() {
            anyhow::bail!("{} is not a directory; nothing changed", target.display());
        }
        // Keys never go into an existing directory others can write to; its mode is left alone.
        if target.is_dir() && files.iter().any(|(_, _, m)| *m == Mode::Secret) {
            fsio::create_dir(&target, true)?;
        }
        let how = install_kind(&target)?;
        let mode = match how {
            Install::Exchange => std::fs::metadata(&target).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o700),
            _ => 0o700,
        };
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&stage)
            .with_context(|| format!("cannot create {}", stage.display()))?;
        let mut staged = Staged { stage, target, how, unflushed: fsio::Unflushed::default() };
        if let Err(e) = staged.fill(files, mode) {
            staged.discard();
            return Err(e);
        }
        Ok(staged)
    }
}

/// How a stage goes into `target`: renamed to it, its files moved into it, or
/// exchanged with it (refused while it is the current directory).
fn install_kind(target: &Path) -> anyhow::Result<Install> {
    let how = match std::fs::read_dir(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Install::Create,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", target.display())),
        Ok(rd) => {
            let names: Vec<String> = rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            if names.iter().any(|n| IDENTITY_FILES.contains(&n.as_str())) { Install::Exchange } else { Install::Fill }
        }
    };
    if how == Install::Exchange && std::env::current_dir().ok().as_deref() == Some(target) {
        anyhow::bail!(
            "cannot replace the identity in {} while it is the current directory (it is swapped as a whole); run from another directory; nothing changed",
            target.display()
        );
    }
    Ok(how)
}

impl Identity {
    /// The directory as the stage goes beside it: resolved when it exists
    /// (`--out .` is named by its real name).
    fn target(&self) -> anyhow::Result<PathBuf> {
        if self.dir.exists() { fsio::absolute(&self.dir) } else { Ok(self.dir.clone()) }
    }
}

/// Where the stage of the identity directory `target` is: one fixed name per
/// identity, so a killed command's stage (it may hold a key) is found without
/// listing issued/, which holds every identity.
fn stage_of(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    fsio::parent_of(target).join(format!("{}{STAGE_SUFFIX}", stage_prefix(&name)))
}

/// The identity directory a stage directory's name (`.NAME.stage-HEX`) is for.
pub fn stage_target(stage: &Path) -> Option<PathBuf> {
    let n = stage.file_name()?.to_string_lossy().into_owned();
    let (name, _) = n.strip_prefix('.')?.rsplit_once(".stage-")?;
    Some(stage.parent()?.join(name))
}

impl Store {
    /// The serial of the certificate in `stage` when it is a whole identity
    /// that index.txt records as valid, newcerts/ holds, and that is newer
    /// (a later index line) than what `target` holds: a killed command's new
    /// identity that it did not put in place (its files were flushed before
    /// the line was written). Not the old identity an exchange left there to
    /// be removed, and not a stage cut short while it was removed.
    pub fn recorded_stage(&self, stage: &Path, target: &Path) -> Option<String> {
        let cert_der = |dir: &Path| -> Option<Vec<u8>> {
            certinfo::load_certs(&fsio::read(&dir.join("cert.pem")).ok()?).ok()?.into_iter().next()
        };
        let der = cert_der(stage)?;
        let cert = certinfo::parse(&der).ok()?;
        let serial = certinfo::serial_hex(&cert);
        let chain = certinfo::load_certs(&fsio::read(&stage.join("chain.pem")).ok()?).ok()?;
        use crate::pki::keys::{KeyFile, key_matches_spki, parse_key};
        let key_ok = match std::fs::read(stage.join("key.pem")) {
            Ok(k) => match parse_key(&k) {
                Ok(KeyFile::Plain(kp)) => key_matches_spki(&kp, cert.public_key().raw),
                // An encrypted key cannot be checked here; that it is whole is enough.
                Ok(_) => true,
                Err(_) => false,
            },
            // `sign` stages no key, nor identity.pem; a stage cut short lacks one but not the other.
            Err(e) => e.kind() == std::io::ErrorKind::NotFound && !stage.join("identity.pem").exists(),
        };
        if chain.first() != Some(&der) || !stage.join("ca.pem").is_file() || !key_ok {
            return None;
        }
        let entry = self.find_entry(&serial).ok()??;
        let recorded = fsio::read(&self.paths.newcert(&serial)).ok()?;
        if entry.status != "V" || certinfo::load_certs(&recorded).ok()?.first() != Some(&der) {
            return None;
        }
        // Newer than the target's certificate: its line comes later in index.txt.
        let installed = cert_der(target).and_then(|d| certinfo::parse(&d).ok().map(|c| certinfo::serial_hex(&c)));
        if let Some(installed) = installed {
            let index = fsio::read(&self.paths.index).ok()?;
            let at =
                |s: &str| memchr::memmem::find(&index, format!("\t{}\t", super::index::normalize_serial(s)).as_bytes());
            if installed == serial || at(&serial)? < at(&installed).unwrap_or(0) {
                return None;
            }
        }
        Some(serial)
    }

    /// Put a recorded stage (`recorded_stage`) in place, as the killed command would have.
    pub fn finish_interrupted(&self, stage: &Path, target: &Path) -> anyhow::Result<Option<anyhow::Error>> {
        let how = install_kind(target)?;
        Staged { stage: stage.to_path_buf(), target: target.to_path_buf(), how, unflushed: fsio::Unflushed::default() }
            .install()
    }

    /// Before staging `id` anew (under the lock): when a killed command left a
    /// recorded identity in its stage, put it in place and stop, so its key is
    /// never thrown away with the stage.
    pub fn finish_interrupted_of(&self, id: &Identity) -> anyhow::Result<()> {
        let target = id.target()?;
        let stage = stage_of(&target);
        if !stage.is_dir() {
            return Ok(());
        }
        let Some(serial) = self.recorded_stage(&stage, &target) else { return Ok(()) };
        if let Some(e) = self.finish_interrupted(&stage, &target)? {
            self.notice(super::error::Notice::NotFlushed { path: target.clone(), error: format!("{e:#}") });
        }
        Err(super::error::Interrupted { serial, dir: target }.into())
    }
}

impl Staged {
    /// The identity directory the files go to.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The stage's files, written but not flushed: the caller flushes them
    /// with its own (`Batch::commit_with`), once, before anything refers to them.
    pub fn take_unflushed(&mut self) -> fsio::Unflushed {
        std::mem::take(&mut self.unflushed)
    }

    fn fill(&mut self, files: &[(&str, Vec<u8>, Mode)], mode: u32) -> anyhow::Result<()> {
        if self.how == Install::Exchange {
            self.carry_over(files)?;
        }
        for (name, bytes, m) in files {
            fsio::write_new(&self.stage.join(name), bytes, *m, &mut self.unflushed)?;
        }
        std::fs::set_permissions(&self.stage, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set the mode of {}", self.stage.display()))?;
        self.unflushed.add_dir(&self.stage);
        Ok(())
    }

    /// Everything else in the identity directory goes into the stage too, as
    /// hard links (the same files, not copies), so the exchange keeps it.
    fn carry_over(&self, files: &[(&str, Vec<u8>, Mode)]) -> anyhow::Result<()> {
        let rd = std::fs::read_dir(&self.target).with_context(|| format!("cannot read {}", self.target.display()))?;
        for e in rd {
            let e = e.with_context(|| format!("cannot read {}", self.target.display()))?;
            let name = e.file_name();
            if files.iter().any(|(n, _, _)| name == std::ffi::OsStr::new(n)) {
                continue;
            }
            if e.file_type().map(|t| t.is_dir()).unwrap_or(true) {
                let entry = name.to_string_lossy().into_owned();
                return Err(Refused::ForeignEntry { dir: self.target.clone(), entry }.into());
            }
            std::fs::hard_link(e.path(), self.stage.join(&name))
                .with_context(|| format!("cannot keep {} in the new identity", e.path().display()))?;
        }
        Ok(())
    }

    /// Put the staged files in place: an error means the identity directory
    /// still holds its old files; `Ok(Some(..))` that they are in place but the
    /// parent directory could not be flushed.
    pub fn install(mut self) -> anyhow::Result<Option<anyhow::Error>> {
        // Never put in place what is not durable yet.
        if let Err(e) = self.take_unflushed().flush() {
            self.discard();
            return Err(e);
        }
        let parent = self.stage.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let placed = match self.how {
            Install::Create => fsio::rename_noreplace(&self.stage, &self.target),
            Install::Exchange => fsio::exchange(&self.stage, &self.target),
            Install::Fill => return self.fill_in(),
        };
        // After the index line the stage holds a recorded identity: a failed
        // placement leaves it for the next command on it (`finish_interrupted_of`).
        placed?;
        let unflushed = fsio::sync_dir(&parent).err();
        // After an exchange the stage holds the old files; their certificate's line stays in index.txt.
        self.discard();
        Ok(unflushed)
    }

    /// Move each file into a directory that had no identity files.
    fn fill_in(self) -> anyhow::Result<Option<anyhow::Error>> {
        let mut moved = Vec::new();
        let rd = std::fs::read_dir(&self.stage).with_context(|| format!("cannot read {}", self.stage.display()));
        let result = rd.and_then(|rd| {
            for e in rd.flatten() {
                let to = self.target.join(e.file_name());
                fsio::rename_noreplace(&e.path(), &to)?;
                moved.push(to);
            }
            Ok(())
        });
        if let Err(e) = result {
            // Back into the stage, which stays for the next command on this identity.
            for p in &moved {
                if let Some(n) = p.file_name() {
                    std::fs::rename(p, self.stage.join(n)).ok();
                }
            }
            return Err(e);
        }
        let unflushed = fsio::sync_dir(&self.target).err();
        self.discard();
        Ok(unflushed)
    }

    /// Drop the stage and what it holds.
    pub fn discard(self) {
        std::fs::remove_dir_all(&self.stage).ok();
    }
}

/// Whether `n` names a stage directory (`.<name>.stage-<16 hex>`).
pub fn is_stage_name(n: &str) -> bool {
    n.starts_with('.')
        && n.rsplit_once(".stage-").is_some_and(|(_, r)| r.len() == 16 && r.bytes().all(|b| b.is_ascii_hexdigit()))
}
