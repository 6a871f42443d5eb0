//! index.txt as mtlsctl last left it: a one-line stamp (size, mtime, ctime,
//! inode, device) in `index.txt.stamp`. `openssl ca`, easy-rsa or an editor
//! change at least one of them (a rename gives a new inode, ctime cannot be set
//! back), so a stamp that no longer matches means another tool wrote the file
//! since: the next writing command validates every line once (a bad line in
//! the middle is reported, never buried under new appends), and otherwise the
//! check costs one `stat`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

use super::index::Index;

/// What identifies one state of index.txt.
pub type Mark = String;

/// `index.txt.stamp` beside index.txt.
pub fn path(index: &Path) -> PathBuf {
    let mut s = index.as_os_str().to_os_string();
    s.push(".stamp");
    PathBuf::from(s)
}

/// The mark of index.txt as it is now, if it exists.
pub fn current(index: &Path) -> Option<Mark> {
    let m = std::fs::metadata(index).ok()?;
    Some(format!(
        "{} {}.{:09} {}.{:09} {} {}",
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.ino(),
        m.dev()
    ))
}

fn stored(index: &Path) -> Option<Mark> {
    std::fs::read_to_string(path(index)).ok().map(|s| s.trim_end().to_string())
}

/// Whether index.txt is as mtlsctl last left it.
pub fn unchanged(index: &Path) -> bool {
    matches!((current(index), stored(index)), (Some(c), Some(s)) if c == s)
}

/// Remember index.txt's present state as validated. Best effort: a stamp that
/// cannot be written only costs one more full validation later.
pub fn store(index: &Path) {
    if let Some(mark) = current(index) {
        overwrite(&path(index), format!("{mark}\n").as_bytes()).ok();
    }
}

/// Write `bytes` over the file's old contents, then cut it to their length.
/// Not truncated first: ext4 frees a file truncated to zero and allocates its
/// block again (and starts its writeback on close), several times the cost
/// of this write, on every command that writes the index.
fn overwrite(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(path)?;
    f.write_all(bytes)?;
    f.set_len(bytes.len() as u64)
}

/// The state of index.txt this process validated in full, not yet stamped.
static VALIDATED: Mutex<Option<(PathBuf, Mark)>> = Mutex::new(None);

fn validated_here(index: &Path, mark: &Mark) -> bool {
    VALIDATED.lock().is_ok_and(|v| v.as_ref().is_some_and(|(p, m)| p == index && m == mark))
}

/// After mtlsctl's own write: advance the stamp only if index.txt was, just
/// before it (`before`), as last stamped or as validated by this process, so
/// a change by another tool in between is still caught.
pub fn advance(index: &Path, before: Option<Mark>) {
    let Some(before) = before else { return };
    if Some(&before) == stored(index).as_ref() || validated_here(index, &before) {
        store(index);
    }
}

/// Validate every line of index.txt when another tool changed it since mtlsctl
/// last wrote it; the stamp follows with this command's own write. The caller
/// holds the store lock.
pub fn validate_if_changed(index: &Path) -> anyhow::Result<()> {
    if unchanged(index) || !index.exists() {
        return Ok(());
    }
    let mark = current(index);
    if mark.as_ref().is_some_and(|m| validated_here(index, m)) {
        return Ok(());
    }
    let text = super::fsio::read_text(index, super::fsio::LARGE_INPUT)?;
    Index::each(&text, |_| Ok(())).with_context(|| {
        format!(
            "corrupt {}: it was changed outside mtlsctl; fix or remove the line (`mtlsctl check` lists every problem)",
            index.display()
        )
    })?;
    if let (Some(m), Ok(mut v)) = (mark, VALIDATED.lock()) {
        *v = Some((index.to_path_buf(), m));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_appends_keep_the_stamp_and_another_writer_breaks_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let index = tmp.path().join("index.txt");
        std::fs::write(&index, "").expect("write");
        assert!(!unchanged(&index), "no stamp yet: must validate once");
        validate_if_changed(&index).expect("an empty index is valid");
        assert!(!unchanged(&index), "validation alone must not write the stamp");
        store(&index);
        assert!(unchanged(&index));
        // mtlsctl's own append advances the stamp: no full validation next time.
        let before = current(&index);
        crate::store::fsio::append_durable(&index, b"V\t301231235959Z\t\t01\tunknown\t/CN=a\n").expect("append");
        advance(&index, before);
        assert!(unchanged(&index));
        // Another tool renames a new file over it (as `openssl ca` does): a new inode.
        let other = tmp.path().join("index.txt.new");
        std::fs::write(&other, "V\t301231235959Z\t\t01\tunknown\t/CN=a\nbroken\n").expect("write");
        std::fs::rename(&other, &index).expect("rename");
        assert!(!unchanged(&index));
        let err = validate_if_changed(&index).expect_err("the broken line is found");
        assert!(format!("{err:#}").contains("line 2"), "{err:#}");
        // An append by someone else between validation and mtlsctl's write is not blessed.
        std::fs::write(&index, "").expect("write");
        validate_if_changed(&index).expect("valid");
        // The validated state, then mtlsctl's own append: stamped.
        let before = current(&index);
        crate::store::fsio::append_durable(&index, b"V\t301231235959Z\t\t01\tunknown\t/CN=a\n").expect("append");
        advance(&index, before);
        assert!(unchanged(&index));
        std::fs::write(&index, "garbage\n").expect("write");
        let before = current(&index);
        crate::store::fsio::append_durable(&index, b"V\t301231235959Z\t\t02\tunknown\t/CN=b\n").expect("append");
        advance(&index, before);
        assert!(!unchanged(&index));
    }
}
