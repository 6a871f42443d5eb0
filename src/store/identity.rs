//! An identity's files, named in one place: `issued/<name>/` (or another
//! directory) holds cert.pem, key.pem, chain.pem and ca.pem; an easy-rsa PKI
//! also keeps the certificate and key where easy-rsa looks for them.

use std::path::{Path, PathBuf};

use super::Store;
use super::error::StoreError;

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
