//! The store lock: a kernel file lock (flock) on `index.txt.lock`, released by
//! the kernel when its holder dies, waited for up to `MTLSCTL_LOCK_TIMEOUT`
//! seconds (default 10). easy-rsa's `lock.file` is honoured beside it.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::error::{Notice, StoreError};

pub struct StoreLock {
    _file: File,
    pub path: PathBuf,
}

fn timeout() -> anyhow::Result<Duration> {
    match std::env::var("MTLSCTL_LOCK_TIMEOUT") {
        Ok(v) if !v.trim().is_empty() => {
            let secs: f64 = v
                .trim()
                .trim_end_matches('s')
                .parse()
                .with_context(|| format!("MTLSCTL_LOCK_TIMEOUT='{v}' is not a number of seconds"))?;
            if !(0.0..=86_400.0).contains(&secs) {
                bail!("MTLSCTL_LOCK_TIMEOUT='{v}' is out of range (0 to 86400 seconds)");
            }
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Ok(Duration::from_secs(10)),
    }
}

/// Take the exclusive store lock. `easyrsa_lock` is easy-rsa's `lock.file`, if the store is one;
/// a stale one is reported in `notices`.
pub fn acquire(lock_path: &Path, easyrsa_lock: Option<&Path>, notices: &mut Vec<Notice>) -> anyhow::Result<StoreLock> {
    let limit = timeout()?;
    let start = Instant::now();
    use std::os::unix::fs::OpenOptionsExt;
    // Never through a link: a symlinked lock file would make this create a file at its target.
    let file = OpenOptions::new()
        .custom_flags(super::fsio::nofollow())
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)
        .map_err(|e| match e.raw_os_error() {
            Some(code) if code == rustix::io::Errno::LOOP.raw_os_error() => {
                anyhow::Error::from(super::error::Refused::Symlink(lock_path.to_path_buf()))
            }
            _ => anyhow::Error::from(e).context(format!("cannot open the store lock {}", lock_path.display())),
        })?;
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()));
            }
        }
        if start.elapsed() >= limit {
            return Err(StoreError::LockTimeout { path: lock_path.to_path_buf(), limit }.into());
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
    if let Some(er) = easyrsa_lock {
        wait_easyrsa(er, start, limit, notices)?;
    }
    Ok(StoreLock { _file: file, path: lock_path.to_path_buf() })
}

/// easy-rsa writes its PID into `lock.file` while it runs. A live holder is waited for;
/// a stale file (dead PID) is ignored with a notice.
fn wait_easyrsa(path: &Path, start: Instant, limit: Duration, notices: &mut Vec<Notice>) -> anyhow::Result<()> {
    loop {
        let Ok(text) = std::fs::read_to_string(path) else { return Ok(()) };
        let pid = text.split_whitespace().next().and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            notices.push(Notice::StaleEasyrsaLock { path: path.to_path_buf(), pid });
            return Ok(());
        }
        if start.elapsed() >= limit {
            return Err(StoreError::EasyrsaLocked { path: path.to_path_buf(), pid: pid.unwrap_or(0) }.into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
