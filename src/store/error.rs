//! The store's conditions a caller branches on, and what it tells the user
//! without failing. The face words the hints and prints the notices.

use std::path::PathBuf;
use std::time::Duration;

/// A store failure the face explains with a hint.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no CA store at {}", .0.display())]
    Missing(PathBuf),
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("{} is not a CA store: certs/ca.crt or index.txt is missing", .0.display())]
    NotAStore(PathBuf),
    /// A store file exists but cannot be read (permissions, I/O).
    #[error("cannot read {}", .path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the store is locked by another mtlsctl process ({} held for more than {limit:.0?})", .path.display())]
    LockTimeout { path: PathBuf, limit: Duration },
    #[error("the store is locked by easy-rsa ({} names running process {pid})", .path.display())]
    EasyrsaLocked { path: PathBuf, pid: u32 },
    #[error("the CA key {} is missing: this store cannot sign", .0.display())]
    CaKeyMissing(PathBuf),
    #[error("the CA key {} is encrypted and no passphrase was given", .0.display())]
    NoPassphrase(PathBuf),
    #[error("{} is readable by group or others (mode {mode:04o})", .path.display())]
    KeyReadable { path: PathBuf, mode: u32 },
    #[error("{} already holds a certificate", .0.display())]
    IdentityExists(PathBuf),
    #[error(
        "{} holds the identity of \"{holder}\" (serial {serial}), which \"{cn}\" shares a directory name with",
        .dir.display()
    )]
    IdentityOfAnother { dir: PathBuf, holder: String, serial: String, cn: String },
    #[error("easy-rsa already issued {}", .crt.display())]
    EasyrsaIssued { crt: PathBuf, name: String, cn: String },
}

/// A write the store refuses before changing anything (the store is as it was).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{} is a symbolic link: mtlsctl does not write through links inside the store; nothing changed", .0.display())]
    Symlink(PathBuf),
    #[error(
        "{} holds the identity of {holder}, not of the certificate being renewed ({renewed}); nothing changed",
        .dir.display()
    )]
    IdentityTaken { dir: PathBuf, holder: String, renewed: String },
    #[error("certificate {serial} is revoked ({reason}): a revoked certificate is never renewed; nothing changed")]
    RevokedRenewal { serial: String, reason: String },
    #[error(
        "the key of {dir} belongs to certificate {serial}, revoked for keyCompromise: a compromised key is never reused; nothing changed"
    )]
    CompromisedKey { dir: PathBuf, serial: String },
    #[error("{} holds {entry}, which is not part of an identity: the identity directory is swapped as a whole; nothing changed", .dir.display())]
    ForeignEntry { dir: PathBuf, entry: String },
}

/// An earlier command was stopped after recording a certificate and before
/// putting its identity in place; this command put it there and did nothing else.
#[derive(Debug, thiserror::Error)]
#[error(
    "an earlier command was stopped after recording certificate {serial} and before putting its identity (and key) in {}: it is in place now, and nothing else was done; run the command again if you still want another certificate",
    .dir.display()
)]
pub struct Interrupted {
    pub serial: String,
    pub dir: PathBuf,
}

/// Something the user should hear about that did not stop the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The store moved and its openssl.cnf `dir` line was rewritten.
    StoreMoved { from: String, cnf: PathBuf },
    /// The store moved but openssl.cnf could not be rewritten.
    CnfNotUpdated { from: String, cnf: PathBuf, error: String },
    /// A torn last index.txt line left by a crash was dropped.
    TornLineRepaired { index: PathBuf, torn: String },
    /// easy-rsa's lock.file names a process that is not running.
    StaleEasyrsaLock { path: PathBuf, pid: Option<u32> },
    /// A failed CRL publication could not put `crlnumber` back.
    CrlNumberNotRestored { path: PathBuf, error: String },
    /// index.txt's last line was whole but lacked its newline (an editor's save): the newline was added.
    IndexNewlineAdded { index: PathBuf, line: String },
    /// A change was made (renamed into place), but flushing its directory failed:
    /// it may not survive a power loss.
    NotFlushed { path: PathBuf, error: String },
    /// The change was made; a copy beside it could not be written.
    CopyNotWritten { path: PathBuf, error: String },
    /// easy-rsa's files of a revoked certificate were moved under revoked/, as `easyrsa revoke` does.
    EasyrsaFilesMoved { name: String, to: PathBuf },
    /// The revocation is made, but easy-rsa's files of it could not be moved under revoked/.
    EasyrsaFilesNotMoved { path: PathBuf, error: String },
}

impl Notice {
    /// A warning (something went wrong) rather than a note.
    pub fn is_warning(&self) -> bool {
        !matches!(self, Self::StoreMoved { .. } | Self::EasyrsaFilesMoved { .. })
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::StoreMoved { from, cnf } => {
                write!(f, "the store moved from {from}; updated `dir` in {}", cnf.display())
            }
            Self::CnfNotUpdated { from, cnf, error } => {
                write!(f, "the store moved from {from} but {} could not be updated: {error}", cnf.display())
            }
            Self::TornLineRepaired { index, torn } => write!(
                f,
                "repaired {}: dropped an incomplete last line left by an interrupted command ({torn:?})",
                index.display()
            ),
            Self::StaleEasyrsaLock { path, pid } => write!(
                f,
                "ignoring stale easy-rsa lock {} (process {} is not running)",
                path.display(),
                pid.map_or_else(|| "?".to_string(), |p| p.to_string())
            ),
            Self::CrlNumberNotRestored { path, error } => {
                write!(f, "could not restore {}: {error}", path.display())
            }
            Self::IndexNewlineAdded { index, line } => write!(
                f,
                "repaired {}: its last line lacked the final newline; kept it and added the newline ({line:?})",
                index.display()
            ),
            Self::NotFlushed { path, error } => write!(
                f,
                "{} was written, but flushing its directory failed, so it may not survive a power loss: {error}",
                path.display()
            ),
            Self::CopyNotWritten { path, error } => {
                write!(f, "the change is made, but the copy {} was not written: {error}", path.display())
            }
            Self::EasyrsaFilesMoved { name, to } => write!(
                f,
                "moved easy-rsa's files of {name} under {} (as `easyrsa revoke` does), so the name can be issued again",
                to.display()
            ),
            Self::EasyrsaFilesNotMoved { path, error } => write!(
                f,
                "the revocation is recorded, but {} could not be moved under revoked/ as easy-rsa expects: {error}",
                path.display()
            ),
        }
    }
}
