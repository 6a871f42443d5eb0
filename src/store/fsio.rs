//! Durable file writes: temp file in the same directory, fsync, rename, fsync
//! the directory. Secret files are 0600 from the moment they exist.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Who may read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 0644: certificates, CRLs, the index.
    Public,
    /// 0600: private keys.
    Secret,
}

impl Mode {
    fn bits(self) -> u32 {
        match self {
            Self::Public => 0o644,
            Self::Secret => 0o600,
        }
    }
}

/// A temp file beside `path`, created with `mode` at open time (umask can only
/// remove bits, so a secret is never readable by others, not even briefly).
fn temp_beside(path: &Path, mode: Mode) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = parent(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(mode.bits()))
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    // Public files must not stay 0600 if the umask was strict; never widen a secret.
    if mode == Mode::Public {
        tmp.as_file().set_permissions(fs::Permissions::from_mode(mode.bits())).ok();
    }
    Ok(tmp)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn write_temp(path: &Path, bytes: &[u8], mode: Mode) -> anyhow::Result<tempfile::NamedTempFile> {
    let mut tmp = temp_beside(path, mode)?;
    tmp.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file().sync_data().with_context(|| format!("cannot flush {} to disk", path.display()))?;
    Ok(tmp)
}

/// Replace `path` atomically with `bytes`; the directory entry is made durable too.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Mode) -> anyhow::Result<()> {
    write_atomic_nosync_dir(path, bytes, mode)?;
    sync_dir(parent(path))
}

/// As `write_atomic`, leaving the directory fsync to the caller (who batches them).
pub fn write_atomic_nosync_dir(path: &Path, bytes: &[u8], mode: Mode) -> anyhow::Result<()> {
    let tmp = write_temp(path, bytes, mode)?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Several files made durable together: written to temp files first, flushed
/// in parallel (the filesystem journal commits them as a group, so N files
/// cost about one flush), then renamed into place and their directories
/// flushed, again in parallel.
pub struct Batch {
    items: Vec<(PathBuf, tempfile::NamedTempFile, bool)>,
}

impl Default for Batch {
    fn default() -> Self {
        Self::new()
    }
}

impl Batch {
    pub fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// Stage `bytes` for `path`; `exclusive` refuses to replace an existing file.
    pub fn add(&mut self, path: &Path, bytes: &[u8], mode: Mode, exclusive: bool) -> anyhow::Result<()> {
        let mut tmp = temp_beside(path, mode)?;
        tmp.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
        self.items.push((path.to_path_buf(), tmp, exclusive));
        Ok(())
    }

    /// Flush, rename into place, flush the directories. An exclusive target that
    /// already exists fails the whole batch before anything is renamed.
    pub fn commit(self) -> anyhow::Result<()> {
        parallel(self.items.iter().map(|(p, t, _)| (p.as_path(), t.as_file())), |p, f| {
            f.sync_data().with_context(|| format!("cannot flush {} to disk", p.display()))
        })?;
        for (path, _, exclusive) in &self.items {
            if *exclusive && path.exists() {
                bail!("{} already exists", path.display());
            }
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (path, tmp, exclusive) in self.items {
            if exclusive {
                tmp.persist_noclobber(&path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot create {}", path.display()))?;
            } else {
                tmp.persist(&path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("cannot replace {}", path.display()))?;
            }
            let d = parent(&path).to_path_buf();
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
        let handles = dirs
            .iter()
            .map(|d| {
                File::open(d)
                    .map(|f| (d.as_path(), f))
                    .with_context(|| format!("cannot open directory {}", d.display()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        parallel(handles.iter().map(|(d, f)| (*d, f)), |d, f| {
            f.sync_all().with_context(|| format!("cannot flush directory {} to disk", d.display()))
        })
    }
}

/// Run `op` on every item, each on its own thread; the first error wins.
fn parallel<'a>(
    items: impl Iterator<Item = (&'a Path, &'a File)>,
    op: impl Fn(&Path, &File) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<()> {
    let mut items: Vec<_> = items.collect();
    let Some((first_path, first_file)) = items.pop() else { return Ok(()) };
    if items.is_empty() {
        return op(first_path, first_file);
    }
    // The calling thread flushes one file itself: one thread fewer to start.
    std::thread::scope(|s| {
        let handles: Vec<_> = items.into_iter().map(|(p, f)| s.spawn(|| op(p, f))).collect();
        let mine = op(first_path, first_file);
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a flush thread failed"))))
            .chain(std::iter::once(mine))
            .collect::<anyhow::Result<Vec<()>>>()
            .map(|_| ())
    })
}

/// fsync a directory so renames and new entries in it survive a crash.
pub fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot flush directory {} to disk", dir.display()))
}

/// Create a directory (and parents) with `mode` bits; tighten an existing one's mode if asked.
pub fn create_dir(path: &Path, private: bool) -> anyhow::Result<()> {
    let mode = if private { 0o700 } else { 0o755 };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .with_context(|| format!("cannot create directory {}", path.display()))?;
    if private {
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict directory {}", path.display()))?;
    }
    Ok(())
}

/// Append bytes to a file and make them durable. The caller holds the store lock.
pub fn append_durable(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = OpenOptions::new()
        .append(true)
        .custom_flags(nofollow())
        .open(path)
        .with_context(|| format!("cannot open {} for appending", path.display()))?;
    let len = f.metadata().with_context(|| format!("cannot read {}", path.display()))?.len();
    let done = f
        .write_all(bytes)
        .with_context(|| format!("cannot append to {}", path.display()))
        .and_then(|()| f.sync_data().with_context(|| format!("cannot flush {} to disk", path.display())));
    if done.is_err() {
        // Drop a partly written line now rather than leave it for the next command to repair.
        f.set_len(len).ok();
    }
    done
}

/// Read a file, naming it in the error.
pub fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Read a file or `-` for stdin.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("cannot read standard input")?;
        return Ok(buf);
    }
    read(path)
}

/// Refuse a private key file that others can read, with the fix.
pub fn check_secret_mode(path: &Path) -> anyhow::Result<()> {
    let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(super::error::StoreError::KeyReadable { path: path.to_path_buf(), mode }.into());
    }
    Ok(())
}

/// Absolute form of a path without requiring it to exist.
pub fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if let Ok(p) = fs::canonicalize(path) {
        return Ok(p);
    }
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}

/// `O_NOFOLLOW` for `OpenOptionsExt::custom_flags`: a store file that is a
/// symbolic link is refused (ELOOP) instead of written through.
pub fn nofollow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

/// Refuse a store file that is a symbolic link: a write through it would land
/// outside the store (or wherever the link points).
pub fn refuse_symlink(path: &Path) -> anyhow::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(super::error::Refused::Symlink(path.to_path_buf()).into()),
        _ => Ok(()),
    }
}

/// As `write_atomic`, telling the commit point apart: an error is returned
/// only when `path` still holds its old contents; once the new file is
/// renamed into place, a failed directory flush comes back as `Ok(Some(..))`
/// (the change is made, its durability is not certain).
pub fn write_atomic_committed(path: &Path, bytes: &[u8], mode: Mode) -> anyhow::Result<Option<anyhow::Error>> {
    write_atomic_nosync_dir(path, bytes, mode)?;
    Ok(sync_dir(parent(path)).err())
}

/// Swap two directory entries in one step (`renameat2(RENAME_EXCHANGE)`):
/// a reader sees one or the other at each path, never neither.
pub fn exchange(a: &Path, b: &Path) -> anyhow::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)
        .map_err(std::io::Error::from)
        .with_context(|| format!("cannot swap {} into place", b.display()))
}

/// Rename `from` to `to`, refusing to replace an existing `to`.
pub fn rename_noreplace(from: &Path, to: &Path) -> anyhow::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE)
        .map_err(std::io::Error::from)
        .with_context(|| format!("cannot move {} into place", to.display()))
}

/// Write `bytes` to a new file `path` (which must not exist) and flush it;
/// the caller flushes the directory.
pub fn write_new(path: &Path, bytes: &[u8], mode: Mode) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode.bits())
        .custom_flags(nofollow())
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    // umask may have removed bits of a public file.
    if mode == Mode::Public {
        f.set_permissions(fs::Permissions::from_mode(mode.bits())).ok();
    }
    f.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    f.sync_data().with_context(|| format!("cannot flush {} to disk", path.display()))
}
