//! Durable file writes: temp file in the same directory, fsync, rename, fsync
//! the directory. Secret files are 0600 from the moment they exist.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Records what a durable write did, in order, for the tests that check the
/// order the crash rules need (SPEC: a certificate is durable before its index
/// line). Compiled out of the product.
macro_rules! trace {
    ($op:expr) => {
        #[cfg(test)]
        trace::record($op);
    };
}

#[cfg(test)]
pub(crate) mod trace {
    use std::cell::RefCell;
    use std::path::PathBuf;

    /// One step of a durable write, named by the final path.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(crate) enum Op {
        FlushFile(PathBuf),
        Place(PathBuf),
        FlushDir(PathBuf),
        /// Appended and flushed.
        Append(PathBuf),
    }

    thread_local! {
        static LOG: RefCell<Option<Vec<Op>>> = const { RefCell::new(None) };
    }

    pub(super) fn record(op: Op) {
        LOG.with(|l| {
            if let Some(v) = l.borrow_mut().as_mut() {
                v.push(op);
            }
        });
    }

    /// Start recording this thread's steps.
    pub(crate) fn start() {
        LOG.with(|l| *l.borrow_mut() = Some(Vec::new()));
    }

    /// Stop recording; the steps so far.
    pub(crate) fn take() -> Vec<Op> {
        LOG.with(|l| l.borrow_mut().take().unwrap_or_default())
    }
}

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
        // tempfile's error names its random file name; say what the user can act on.
        .map_err(|e| {
            if dir.is_dir() {
                anyhow::anyhow!("cannot write {} in {}: {}", name, dir.display(), std::io::Error::from(e.kind()))
            } else {
                anyhow::anyhow!("the directory {} does not exist", dir.display())
            }
        })?;
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

/// Several files made durable together: written to temp files first,
/// flushed (with `flush_together`), then renamed into place, then their
/// directories flushed.
pub struct Batch {
    items: Vec<Staged>,
    /// Directories to flush besides those of the files (the parent of a
    /// directory made for this batch, so its entry is durable too).
    dirs: Vec<PathBuf>,
}

struct Staged {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    exclusive: bool,
}

impl Default for Batch {
    fn default() -> Self {
        Self::new()
    }
}

impl Batch {
    pub fn new() -> Self {
        Self { items: Vec::new(), dirs: Vec::new() }
    }

    /// Stage `bytes` for `path`; `exclusive` refuses to replace an existing file.
    pub fn add(&mut self, path: &Path, bytes: &[u8], mode: Mode, exclusive: bool) -> anyhow::Result<()> {
        let mut tmp = temp_beside(path, mode)?;
        tmp.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
        self.items.push(Staged { path: path.to_path_buf(), tmp, exclusive });
        Ok(())
    }

    /// Flush `dir` too when the batch commits.
    pub fn sync_dir(&mut self, dir: &Path) {
        push_new(&mut self.dirs, dir);
    }

    /// Flush every file, rename them into place, flush their directories;
    /// returns the paths that did not exist before. The exclusive files are
    /// renamed first, so one that already exists fails the batch before
    /// anything else is renamed. A failure removes the files this batch created.
    pub fn commit(self) -> anyhow::Result<Vec<PathBuf>> {
        self.commit_with(Unflushed::default())
    }

    /// As `commit`, making `also` durable in the same flush as the batch's
    /// own files, before anything is renamed.
    pub fn commit_with(self, also: Unflushed) -> anyhow::Result<Vec<PathBuf>> {
        let mut files: Vec<(&Path, &File)> = also.files.iter().map(|(p, f)| (p.as_path(), f)).collect();
        files.extend(self.items.iter().map(|s| (s.path.as_path(), s.tmp.as_file())));
        let also_dirs: Vec<&Path> = also.dirs.iter().map(PathBuf::as_path).collect();
        flush_together(&files, &also_dirs)?;
        drop(files);
        let mut dirs = self.dirs;
        let mut created = Vec::with_capacity(self.items.len());
        let (exclusive, others): (Vec<Staged>, Vec<Staged>) = self.items.into_iter().partition(|s| s.exclusive);
        for s in exclusive.into_iter().chain(others) {
            push_new(&mut dirs, parent(&s.path));
            trace!(trace::Op::Place(s.path.clone()));
            match place(s) {
                Ok((path, true)) => created.push(path),
                Ok((_, false)) => {}
                Err(e) => {
                    remove_all(&created);
                    return Err(e);
                }
            }
        }
        for d in &dirs {
            if let Err(e) = sync_dir(d) {
                remove_all(&created);
                return Err(e);
            }
        }
        Ok(created)
    }
}

/// Rename a staged file into place; whether its path is new. Trying the
/// no-replace rename first tells a new file from a replaced one without a
/// separate stat.
fn place(s: Staged) -> anyhow::Result<(PathBuf, bool)> {
    let Staged { path, tmp, exclusive } = s;
    match tmp.persist_noclobber(&path) {
        Ok(_) => Ok((path, true)),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            if exclusive {
                bail!("{} already exists", path.display());
            }
            e.file.persist(&path).map_err(|e| e.error).with_context(|| format!("cannot replace {}", path.display()))?;
            Ok((path, false))
        }
        Err(e) => Err(e.error).with_context(|| format!("cannot create {}", path.display())),
    }
}

fn push_new(dirs: &mut Vec<PathBuf>, dir: &Path) {
    if !dirs.iter().any(|d| d == dir) {
        dirs.push(dir.to_path_buf());
    }
}

/// Undo: remove files a failed batch created.
pub fn remove_all(paths: &[PathBuf]) {
    for p in paths {
        fs::remove_file(p).ok();
    }
}

/// fsync a directory so renames and new entries in it survive a crash.
pub fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot flush directory {} to disk", dir.display()))?;
    trace!(trace::Op::FlushDir(dir.to_path_buf()));
    Ok(())
}

/// Create a directory (and parents) with 0755, or 0700 when `private`. Modes
/// are set only on directories made here: an existing directory (a 1777 /tmp,
/// another user's, the working directory) keeps its mode. One that others may
/// write to is refused for private files, since they could swap or read what
/// goes in it.
pub fn create_dir(path: &Path, private: bool) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = fs::metadata(path).map(|m| (m.is_dir(), m.mode() & 0o7777)) {
        let (is_dir, mode) = meta;
        if is_dir && private && mode & 0o022 != 0 {
            bail!(
                "{} is writable by other users (mode {mode:04o}); private keys need a directory only you can write to",
                path.display()
            );
        }
        if is_dir {
            return Ok(());
        }
    }
    let mode = if private { 0o700 } else { 0o755 };
    if let Some(up) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        create_dir(up, false)?;
    }
    match fs::DirBuilder::new().mode(mode).create(path) {
        Ok(()) => {}
        // Made by a concurrent command in between: theirs, left as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot create directory {}", path.display())),
    }
    Ok(())
}

/// Create a directory (and parents) with `mode` bits; whether it is new. A new
/// directory's entry is durable only once its parent is flushed: the caller
/// flushes `parent_of(path)` (`Batch::sync_dir`).
pub fn create_dir_new(path: &Path, private: bool) -> anyhow::Result<bool> {
    let mode = if private { 0o700 } else { 0o755 };
    match fs::DirBuilder::new().mode(mode).create(path) {
        // umask can only have removed bits; set them exactly as `create_dir` does.
        Ok(()) if private => fs::set_permissions(path, fs::Permissions::from_mode(0o700))
            .map(|()| true)
            .with_context(|| format!("cannot restrict directory {}", path.display())),
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => create_dir(path, private).map(|()| false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_dir(path, private).map(|()| true),
        Err(e) => Err(e).with_context(|| format!("cannot create directory {}", path.display())),
    }
}

/// The directory that holds `path`'s entry.
pub fn parent_of(path: &Path) -> &Path {
    parent(path)
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
    trace!(trace::Op::Append(path.to_path_buf()));
    done
}

/// The most mtlsctl reads of a certificate, request, key or passphrase file:
/// real ones are a few kilobytes, so anything larger is refused before parsing.
pub const SMALL_INPUT: u64 = 1 << 20;
/// The most it reads of a CRL, index.txt or bundle (a 100,000-entry CRL is 6.5 MB).
pub const LARGE_INPUT: u64 = 256 << 20;

fn limit_words(limit: u64) -> String {
    if limit.is_multiple_of(1 << 20) { format!("{} MiB", limit >> 20) } else { format!("{limit} bytes") }
}

/// Read a file of at most `LARGE_INPUT` bytes, naming it in the error.
pub fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    read_limited(path, LARGE_INPUT)
}

/// Read a file of at most `limit` bytes. A device (`/dev/zero`, a terminal) or
/// directory is refused before reading, and a pipe is read no further than
/// the limit, so no input makes mtlsctl read forever.
pub fn read_limited(path: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    read_limited_io(path, limit).with_context(|| format!("cannot read {}", path.display()))
}

/// `read_limited` with the plain I/O error, for callers that type it.
pub fn read_limited_io(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    use std::os::unix::fs::FileTypeExt;
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if kind.is_dir() {
        return Err(Error::new(ErrorKind::IsADirectory, "it is a directory"));
    }
    if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
        return Err(Error::new(ErrorKind::InvalidInput, "it is a device, not a file"));
    }
    if kind.is_file() && meta.len() > limit {
        let msg = format!("it is {} bytes, over the {} limit for this input", meta.len(), limit_words(limit));
        return Err(Error::new(ErrorKind::FileTooLarge, msg));
    }
    // Sized from the stat: one read instead of a run of doubling ones. /proc
    // files report size 0 and hold a few KiB.
    let hint = match (kind.is_file(), meta.len()) {
        (true, 0) => 8192.min(limit) as usize,
        (true, len) => len.min(limit) as usize,
        (false, _) => 0,
    };
    read_bounded(file, limit, hint)
}

/// A UTF-8 text file of at most `limit` bytes (the index, openssl.cnf).
pub fn read_text(path: &Path, limit: u64) -> anyhow::Result<String> {
    read_text_io(path, limit).with_context(|| format!("cannot read {}", path.display()))
}

/// `read_text` with the plain I/O error.
pub fn read_text_io(path: &Path, limit: u64) -> std::io::Result<String> {
    String::from_utf8(read_limited_io(path, limit)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

fn read_bounded(reader: impl std::io::Read, limit: u64, hint: usize) -> std::io::Result<Vec<u8>> {
    // One byte over the size, so the read that finds the end needs no growth.
    let mut buf = Vec::with_capacity(hint.saturating_add(1));
    std::io::Read::read_to_end(&mut std::io::Read::take(reader, limit + 1), &mut buf)?;
    if buf.len() as u64 > limit {
        let msg = format!("more than the {} limit for this input", limit_words(limit));
        return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, msg));
    }
    Ok(buf)
}

/// Read a file or `-` for stdin, at most `LARGE_INPUT` bytes.
pub fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    read_input_limited(path, LARGE_INPUT)
}

/// Read a file or `-` for stdin, at most `limit` bytes.
pub fn read_input_limited(path: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        return read_bounded(std::io::stdin().lock(), limit, 0).context("cannot read standard input");
    }
    read_limited(path, limit)
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
        .with_context(|| format!("cannot swap {} into place", b.display()))?;
    trace!(trace::Op::Place(b.to_path_buf()));
    Ok(())
}

/// Rename `from` to `to`, refusing to replace an existing `to`.
pub fn rename_noreplace(from: &Path, to: &Path) -> anyhow::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE)
        .map_err(std::io::Error::from)
        .with_context(|| format!("cannot move {} into place", to.display()))?;
    trace!(trace::Op::Place(to.to_path_buf()));
    Ok(())
}

/// Write `bytes` to a new file `path` (which must not exist), not yet
/// flushed: it goes into `pending`, which the caller flushes (with its
/// directory) before anything depends on the file.
pub fn write_new(path: &Path, bytes: &[u8], mode: Mode, pending: &mut Unflushed) -> anyhow::Result<()> {
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
    pending.files.push((path.to_path_buf(), f));
    Ok(())
}

/// Files written but not flushed yet, and directories whose new entries are
/// not: made durable together by `Batch::commit_with` or `flush`.
#[derive(Debug, Default)]
pub struct Unflushed {
    files: Vec<(PathBuf, File)>,
    dirs: Vec<PathBuf>,
}

impl Unflushed {
    /// Flush `dir` too.
    pub fn add_dir(&mut self, dir: &Path) {
        push_new(&mut self.dirs, dir);
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.dirs.is_empty()
    }

    /// Make everything durable now.
    pub fn flush(self) -> anyhow::Result<()> {
        let files: Vec<(&Path, &File)> = self.files.iter().map(|(p, f)| (p.as_path(), f)).collect();
        let dirs: Vec<&Path> = self.dirs.iter().map(PathBuf::as_path).collect();
        flush_together(&files, &dirs)
    }
}

/// Make `files` and `dirs` durable, all of them before returning.
///
/// Flushing file after file writes each one's data and inode and flushes the
/// disk cache once per file (on ext4 about 0.4 ms per small new file, ten
/// such flushes per `issue`). On ext2/3/4 and XFS one `syncfs` writes them
/// all in one pass and flushes once (six files in about 1 ms, against 2.2 to
/// 5.5 ms one by one on the same disk), with the same guarantee. But it also
/// writes back what other processes left dirty on that filesystem, so it is
/// used only while the machine holds little dirty data (`FLUSH_WHOLE_BELOW`);
/// and only on Linux 5.8 or later, where syncfs reports write-back errors
/// (before, it returned success regardless, and fsync is the only honest
/// answer). Files on other filesystems are flushed one by one.
/// `MTLSCTL_FLUSH` chooses: `file` always flushes file by file, `filesystem`
/// uses syncfs wherever it is honest whatever else is dirty, `auto` (the
/// default) as above.
fn flush_together(files: &[(&Path, &File)], dirs: &[&Path]) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let policy = flush_policy()?;
    let mut whole: Vec<u64> = Vec::new();
    let mut little_dirty = None;
    for (path, f) in files {
        let dev = f.metadata().map(|m| m.dev()).ok();
        let allowed = match policy {
            FlushPolicy::File => false,
            FlushPolicy::Filesystem => true,
            FlushPolicy::Auto => *little_dirty.get_or_insert_with(little_dirty_data),
        };
        let covered = match dev {
            Some(d) if whole.contains(&d) => true,
            Some(d) if allowed && flushes_whole(f) => {
                rustix::fs::syncfs(f)
                    .map_err(std::io::Error::from)
                    .with_context(|| format!("cannot flush {} to disk", path.display()))?;
                whole.push(d);
                true
            }
            _ => false,
        };
        if !covered {
            f.sync_data().with_context(|| format!("cannot flush {} to disk", path.display()))?;
        }
        trace!(trace::Op::FlushFile(path.to_path_buf()));
    }
    for d in dirs {
        let dev = fs::metadata(d).map(|m| m.dev()).ok();
        if dev.is_some_and(|dev| whole.contains(&dev)) {
            trace!(trace::Op::FlushDir(d.to_path_buf()));
        } else {
            sync_dir(d)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FlushPolicy {
    Auto,
    File,
    Filesystem,
}

fn flush_policy() -> anyhow::Result<FlushPolicy> {
    match std::env::var("MTLSCTL_FLUSH") {
        Ok(v) => match v.trim() {
            "" | "auto" => Ok(FlushPolicy::Auto),
            "file" => Ok(FlushPolicy::File),
            "filesystem" => Ok(FlushPolicy::Filesystem),
            _ => bail!("MTLSCTL_FLUSH='{v}' is not auto, file or filesystem"),
        },
        Err(_) => Ok(FlushPolicy::Auto),
    }
}

/// The most dirty page-cache data (Dirty + Writeback in /proc/meminfo) with
/// which a whole-filesystem flush is still cheap: at 2 MiB it adds at most a
/// few milliseconds on a slow disk.
const FLUSH_WHOLE_BELOW: u64 = 2 << 20;

fn little_dirty_data() -> bool {
    read_limited_io(Path::new("/proc/meminfo"), 1 << 20)
        .is_ok_and(|bytes| std::str::from_utf8(&bytes).is_ok_and(little_dirty_in))
}

fn little_dirty_in(text: &str) -> bool {
    let kib = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (kib("Dirty:"), kib("Writeback:")) {
        (Some(d), Some(w)) => (d + w) * 1024 < FLUSH_WHOLE_BELOW,
        _ => false,
    }
}

/// Whether one syncfs on `f`'s filesystem flushes it as fsync would, errors included.
fn flushes_whole(f: &File) -> bool {
    const EXT234: i64 = 0xEF53;
    const XFS: i64 = 0x5846_5342;
    let honest_errors = *SYNCFS_REPORTS_ERRORS.get_or_init(|| {
        let release = rustix::system::uname().release().to_string_lossy().into_owned();
        let mut parts = release.split(|c: char| !c.is_ascii_digit()).map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (5, 8)
    });
    // f_type's width differs between platforms.
    #[allow(clippy::useless_conversion)]
    let known = |t| matches!(i64::from(t), EXT234 | XFS);
    honest_errors && rustix::fs::fstatfs(f).is_ok_and(|s| known(s.f_type))
}

static SYNCFS_REPORTS_ERRORS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_exclusive_target_fails_the_batch_before_anything_is_placed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (taken, other) = (tmp.path().join("taken.pem"), tmp.path().join("other.pem"));
        std::fs::write(&taken, b"old").expect("write");
        let mut batch = Batch::new();
        batch.add(&other, b"new", Mode::Public, false).expect("add");
        batch.add(&taken, b"new", Mode::Public, true).expect("add");
        let err = batch.commit().unwrap_err();
        assert!(format!("{err:#}").contains("already exists"), "{err:#}");
        assert_eq!(std::fs::read(&taken).expect("read"), b"old");
        let left: Vec<_> = std::fs::read_dir(tmp.path()).expect("read_dir").flatten().map(|e| e.path()).collect();
        assert_eq!(left, vec![taken], "temp files or the other file were left behind");
    }

    #[test]
    fn a_whole_filesystem_flush_waits_for_little_dirty_data_only() {
        let meminfo = |dirty: u64, writeback: u64| {
            format!("MemTotal:       24000000 kB\nDirty:          {dirty:>8} kB\nWriteback:      {writeback:>8} kB\n")
        };
        assert!(little_dirty_in(&meminfo(64, 44)));
        assert!(little_dirty_in(&meminfo(1000, 1000)));
        assert!(!little_dirty_in(&meminfo(2048, 0)));
        assert!(!little_dirty_in(&meminfo(44_296, 0)));
        assert!(!little_dirty_in(&meminfo(0, 4096)));
        // Unreadable: file by file.
        assert!(!little_dirty_in("MemTotal: 1 kB\n"));
    }

    #[test]
    fn a_proc_file_is_read_whole() {
        let text = read(Path::new("/proc/self/status")).expect("readable");
        assert!(text.windows(5).any(|w| w == b"\nPid:") && text.ends_with(b"\n"));
        let meminfo = read(Path::new("/proc/meminfo")).expect("readable");
        let meminfo = String::from_utf8(meminfo).expect("text");
        assert!(meminfo.contains("\nDirty:") && meminfo.contains("\nWriteback:"), "{meminfo}");
        // Empty regular files still read as empty.
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("empty"), b"").expect("write");
        assert!(read(&tmp.path().join("empty")).expect("read").is_empty());
    }

    #[test]
    fn unflushed_files_are_flushed_with_the_batch_and_placed_after() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let stage = tmp.path().join("stage");
        std::fs::create_dir(&stage).expect("mkdir");
        let mut pending = Unflushed::default();
        write_new(&stage.join("key.pem"), b"key", Mode::Secret, &mut pending).expect("write");
        pending.add_dir(&stage);
        assert!(!pending.is_empty());
        let mut batch = Batch::new();
        let placed = tmp.path().join("cert.pem");
        batch.add(&placed, b"cert", Mode::Public, true).expect("add");
        trace::start();
        assert_eq!(batch.commit_with(pending).expect("commit"), vec![placed.clone()]);
        let ops = trace::take();
        let at = |op: &trace::Op| ops.iter().position(|o| o == op).unwrap_or_else(|| panic!("no {op:?} in {ops:?}"));
        let placing = at(&trace::Op::Place(placed.clone()));
        assert!(at(&trace::Op::FlushFile(stage.join("key.pem"))) < placing, "{ops:?}");
        assert!(at(&trace::Op::FlushDir(stage.clone())) < placing, "{ops:?}");
        assert!(at(&trace::Op::FlushFile(placed.clone())) < placing, "{ops:?}");
        assert_eq!(std::fs::read(&placed).expect("read"), b"cert");
        assert_eq!(std::fs::read(stage.join("key.pem")).expect("read"), b"key");
    }

    #[test]
    fn a_commit_tells_new_files_from_replaced_ones() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (old, new) = (tmp.path().join("old.pem"), tmp.path().join("new.pem"));
        std::fs::write(&old, b"old").expect("write");
        let mut batch = Batch::new();
        batch.add(&old, b"replaced", Mode::Public, false).expect("add");
        batch.add(&new, b"created", Mode::Secret, false).expect("add");
        assert_eq!(batch.commit().expect("commit"), vec![new.clone()]);
        assert_eq!(std::fs::read(&old).expect("read"), b"replaced");
        assert_eq!(std::fs::metadata(&new).expect("stat").permissions().mode() & 0o777, 0o600);
    }
}
