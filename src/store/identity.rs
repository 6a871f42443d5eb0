//! An identity's files, named in one place: `issued/<name>/` (or another
//! directory) holds cert.pem, key.pem, chain.pem and ca.pem; an easy-rsa PKI
//! also keeps the certificate and key where easy-rsa looks for them.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Store;
use super::error::{Refused, StoreError};
use super::fsio::{self, Mode};

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

    /// Refuse to overwrite an identity's certificate unless asked.
    pub fn check_free(&self, force: bool) -> anyhow::Result<()> {
        if !force && self.cert().exists() {
            return Err(StoreError::IdentityExists(self.dir.clone()).into());
        }
        Ok(())
    }
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
    /// The identity of `cn`: `issued/<name>/`, or `out` when given.
    pub fn identity(&self, cn: &str, out: Option<&Path>) -> Identity {
        match out {
            Some(o) => Identity::at(o),
            None => Identity::at(self.paths.issued.join(safe_dir_name(cn))),
        }
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

/// The stage directory's name prefix for an identity directory named `name`.
fn stage_prefix(name: &str) -> String {
    format!(".{name}.stage-")
}

impl Identity {
    /// Write `files` (name, bytes, mode) into a new stage beside the identity
    /// directory and flush them. The directory itself is not touched; stale
    /// stages of a killed command (they may hold a key) are removed first.
    pub fn stage(&self, files: &[(&str, Vec<u8>, Mode)]) -> anyhow::Result<Staged> {
        let target = if self.dir.exists() { fsio::absolute(&self.dir)? } else { self.dir.clone() };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fsio::create_dir(&parent, false)?;
        remove_stale_stages(&parent, &name);
        if target.exists() && !target.is_dir() {
            anyhow::bail!("{} is not a directory; nothing changed", target.display());
        }
        // Keys never go into an existing directory others can write to; its mode is left alone.
        if target.is_dir() && files.iter().any(|(_, _, m)| *m == Mode::Secret) {
            fsio::create_dir(&target, true)?;
        }
        let how = match std::fs::read_dir(&target) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Install::Create,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", target.display())),
            Ok(rd) => {
                let names: Vec<String> = rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                if names.iter().any(|n| IDENTITY_FILES.contains(&n.as_str())) {
                    Install::Exchange
                } else {
                    Install::Fill
                }
            }
        };
        if how == Install::Exchange && std::env::current_dir().ok().as_deref() == Some(target.as_path()) {
            anyhow::bail!(
                "cannot replace the identity in {} while it is the current directory (it is swapped as a whole); run from another directory; nothing changed",
                target.display()
            );
        }
        let stage = parent.join(format!("{}{:016x}", stage_prefix(&name), rand_u64()));
        let mode = match how {
            Install::Exchange => std::fs::metadata(&target).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o700),
            _ => 0o700,
        };
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&stage)
            .with_context(|| format!("cannot create {}", stage.display()))?;
        let staged = Staged { stage, target, how };
        if let Err(e) = staged.fill(files, mode) {
            staged.discard();
            return Err(e);
        }
        Ok(staged)
    }
}

impl Staged {
    /// The identity directory the files go to.
    pub fn target(&self) -> &Path {
        &self.target
    }

    fn fill(&self, files: &[(&str, Vec<u8>, Mode)], mode: u32) -> anyhow::Result<()> {
        if self.how == Install::Exchange {
            self.carry_over(files)?;
        }
        for (name, bytes, m) in files {
            fsio::write_new(&self.stage.join(name), bytes, *m)?;
        }
        std::fs::set_permissions(&self.stage, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set the mode of {}", self.stage.display()))?;
        fsio::sync_dir(&self.stage)
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
    pub fn install(self) -> anyhow::Result<Option<anyhow::Error>> {
        let parent = self.stage.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let placed = match self.how {
            Install::Create => fsio::rename_noreplace(&self.stage, &self.target),
            Install::Exchange => fsio::exchange(&self.stage, &self.target),
            Install::Fill => return self.fill_in(),
        };
        if let Err(e) = placed {
            self.discard();
            return Err(e);
        }
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
            moved.iter().for_each(|p| drop(std::fs::remove_file(p)));
            self.discard();
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

/// Stages of `name` beside it that a killed command left behind (the caller holds the store lock).
fn remove_stale_stages(parent: &Path, name: &str) {
    let prefix = stage_prefix(name);
    let Ok(rd) = std::fs::read_dir(parent) else { return };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let is_stage =
            n.strip_prefix(&prefix).is_some_and(|r| r.len() == 16 && r.bytes().all(|b| b.is_ascii_hexdigit()));
        if is_stage && e.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(e.path()).ok();
        }
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    aws_lc_rs::rand::fill(&mut b).ok();
    u64::from_le_bytes(b) ^ u64::from(std::process::id())
}
