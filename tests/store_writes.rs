//! The store never loses, undoes or fakes a record (issue 14, items 1, 2, 3, 11, 12, 20): index
//! lines without a newline, renewals of revoked certificates and compromised keys, identities
//! swapped whole under SIGKILL and EIO (injected with `strace -e inject=`), colliding identity
//! directories, failures after the commit point, and symlinks inside the store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mtlsctl::pki::certinfo;
use mtlsctl::pki::keys::{self, KeyFile};
use mtlsctl::store::index::Index;

use crate::common::*;

/// The serial of the certificate in a PEM file.
fn cert_serial(path: &Path) -> String {
    let der = certinfo::load_certs(&std::fs::read(path).expect("read cert")).expect("pem").remove(0);
    certinfo::serial_hex(&certinfo::parse(&der).expect("parse"))
}

/// The identity in `dir` is whole: key.pem belongs to cert.pem, and chain.pem starts with cert.pem.
/// Returns the serial of its certificate.
fn check_identity(dir: &Path) -> String {
    let cert_bytes = std::fs::read(dir.join("cert.pem")).unwrap_or_else(|e| panic!("{}/cert.pem: {e}", dir.display()));
    let der = certinfo::load_certs(&cert_bytes).expect("cert.pem is PEM").remove(0);
    let cert = certinfo::parse(&der).expect("cert.pem parses");
    let key_bytes = std::fs::read(dir.join("key.pem")).expect("key.pem");
    let KeyFile::Plain(key) = keys::parse_key(&key_bytes).expect("key.pem parses") else { panic!("encrypted key") };
    assert!(
        keys::key_matches_spki(&key, cert.public_key().raw),
        "{}: key.pem does not belong to cert.pem",
        dir.display()
    );
    let chain = certinfo::load_certs(&std::fs::read(dir.join("chain.pem")).expect("chain.pem")).expect("chain PEM");
    assert_eq!(chain[0], der, "{}: chain.pem does not start with cert.pem", dir.display());
    certinfo::serial_hex(&cert)
}

/// index.txt parses, every line has its newcerts file, and each of `identities` has an index line.
fn check_index(env: &Env, identities: &[&Path]) {
    let text = env.index_text();
    assert!(text.is_empty() || text.ends_with('\n'), "index.txt ends with a torn line");
    let index = Index::parse(&text).expect("index.txt parses");
    for e in &index.entries {
        assert!(env.store().join(format!("newcerts/{}.pem", e.serial)).is_file(), "{} has no newcerts file", e.serial);
    }
    for dir in identities {
        let serial = cert_serial(&dir.join("cert.pem"));
        assert!(index.find_serial(&serial).is_some(), "{}/cert.pem ({serial}) has no index line", dir.display());
    }
}

fn identity_bytes(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot_dir(dir)
}

/// Run mtlsctl under strace with `inject` (an `-e inject=` expression), `-f` for every thread,
/// flushing as `flush` says (MTLSCTL_FLUSH).
fn run_injected(env: &Env, flush: &str, inject: &str, args: &[&str]) -> Run {
    require_peer("strace");
    // strace injects only into syscalls it traces; the trace itself goes to /dev/null.
    let syscall = inject.split(':').next().expect("syscall");
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-o", "/dev/null", "-e", &format!("trace={syscall}"), "-e", &format!("inject={inject}")]);
    c.arg(bin()).args(["--batch", "--dir"]).arg(env.store()).args(args);
    c.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).env("HOME", env.path());
    c.env("MTLSCTL_FLUSH", flush).current_dir(env.path()).stdin(Stdio::null());
    to_run(c.output().expect("run strace"))
}

/// How many times each of `syscalls` runs in one uninjected run of `args` (counted by strace -c).
fn count_syscalls(env: &Env, flush: &str, syscalls: &[&str], args: &[&str]) -> BTreeMap<String, usize> {
    let out = env.path().join("strace-count.txt");
    let mut c = Command::new("strace");
    c.args(["-f", "-c", "-o"]).arg(&out).arg("-e").arg(format!("trace={}", syscalls.join(",")));
    c.arg(bin()).args(["--batch", "--dir"]).arg(env.store()).args(args);
    c.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default()).current_dir(env.path());
    c.env("MTLSCTL_FLUSH", flush);
    let r = to_run(c.stdin(Stdio::null()).output().expect("strace -c"));
    assert_eq!(r.code, 0, "{args:?} under strace -c: {}", r.stderr);
    let text = std::fs::read_to_string(&out).expect("strace -c output");
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let Some(name) = f.last().filter(|n| syscalls.contains(n)) {
            // % time, seconds, usecs/call, calls, [errors,] syscall
            counts.insert(name.to_string(), f[3].parse().expect("calls"));
        }
    }
    counts
}

// ---------------------------------------------------------------------------
// item 1: a last line without its newline

/// An editor's save drops the final newline: the line is whole and must be kept (the newline
/// added, said so); revoking it works; a torn tail is dropped and reported, and an error after
/// that repair never says "nothing changed". No fault injection: the file is edited.
#[test]
fn a_whole_last_line_without_its_newline_is_kept_never_dropped() {
    let env = Env::new().with_ca();
    env.issue("first", &[]);
    let last = env.issue_serial("second", &[]);
    let index = env.store().join("index.txt");
    let strip = || {
        let t = env.index_text();
        std::fs::write(&index, t.trim_end_matches('\n')).expect("write index");
    };
    strip();
    let r = env.run(&["revoke", "--serial", &last, "--yes"]).ok().stderr_has("added the newline");
    assert!(!r.stderr.contains("nothing changed"), "{}", r.stderr);
    let text = env.index_text();
    assert!(text.ends_with('\n'), "{text:?}");
    let idx = Index::parse(&text).expect("parse");
    assert_eq!(idx.entries.len(), 2, "a line was lost:\n{text}");
    assert_eq!(idx.entries[1].status, "R", "{text}");
    // issue after such a save keeps the line too.
    strip();
    env.issue("third", &[]).stderr_has("added the newline");
    assert_eq!(Index::parse(&env.index_text()).expect("parse").entries.len(), 3);
    // A torn tail (an interrupted append) is dropped and reported; the error that follows does
    // not claim the store is unchanged.
    let mut t = env.index_text();
    t.push_str("V\t3501");
    std::fs::write(&index, t).expect("write index");
    let r = env.run(&["revoke", "--serial", "77", "--yes"]).error().stderr_has("repaired");
    assert!(!r.stderr.contains("; nothing changed"), "said nothing changed after repairing:\n{}", r.stderr);
    assert_eq!(Index::parse(&env.index_text()).expect("parse").entries.len(), 3);
}

// ---------------------------------------------------------------------------
// item 2: revoked certificates and compromised keys

/// No fault injection: the store's own commands set the scene.
#[test]
fn renew_never_renews_a_revoked_certificate_nor_reuses_a_compromised_key() {
    let env = Env::new().with_ca();
    let s1 = env.issue_serial("svc", &[]);
    // A renewal that keeps the key: s1 and s2 share it.
    let s2 = env.run(&["--json", "renew", "--serial", &s1, "--reuse-key"]).ok().serial();
    env.run(&["revoke", "--serial", &s1, "--reason", "key-compromise", "--yes"]).ok();
    let before = env.snapshot();
    for args in [
        &["renew", "--serial", &s1, "--reuse-key"][..],
        &["renew", "--serial", &s1][..],
        &["renew", "--serial", &s2, "--reuse-key"][..],
        &["renew", "--cn", "svc", "--reuse-key"][..],
    ] {
        let r = env.run(args).error();
        assert!(r.stderr.contains("never renewed") || r.stderr.contains("never reused"), "{args:?}:\n{}", r.stderr);
        assert!(env.snapshot() == before, "{args:?} was refused but changed the store");
    }
    // A new key is fine for the certificate that is not revoked.
    env.run(&["renew", "--serial", &s2]).ok();
    check_identity(&env.store().join("issued/svc"));
}

// ---------------------------------------------------------------------------
// item 3: the identity is swapped whole

/// Every rename/fsync boundary of `renew` and `issue --force`, enumerated with `strace -c`,
/// gets a SIGKILL and an EIO in turn (`strace -e inject=SYSCALL:signal=SIGKILL|error=EIO:when=N`),
/// with the files flushed one by one and with one syncfs (MTLSCTL_FLUSH=file, filesystem).
/// After each: the identity is a matching cert/key pair (the old one when the command failed),
/// every index line has its certificate file and the identity's certificate has its line.
#[test]
fn renew_and_issue_force_keep_a_whole_identity_at_every_boundary() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    let dir = env.store().join("issued/svc");
    let syscalls =
        ["fdatasync", "fsync", "syncfs", "rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat"];
    let mut runs = 0;
    let mut interrupted = 0;
    let mut syncfs_seen = false;
    let cases = [&["renew", "--cn", "svc"][..], &["issue", "--cn", "svc", "--force"][..]];
    for (flush, args) in ["file", "filesystem"].into_iter().flat_map(|f| cases.map(|a| (f, a))) {
        let counts = count_syscalls(&env, flush, &syscalls, args);
        eprintln!("{flush} {args:?}: {counts:?}");
        syncfs_seen |= counts.contains_key("syncfs");
        if flush == "file" {
            assert!(!counts.contains_key("syncfs"), "MTLSCTL_FLUSH=file used syncfs: {counts:?}");
        }
        assert!(counts.get("renameat2").copied().unwrap_or(0) >= 1, "no renameat2 in {args:?}: {counts:?}");
        for (syscall, n) in &counts {
            for when in 1..=*n {
                for fault in ["signal=SIGKILL", "error=EIO"] {
                    let before = identity_bytes(&dir);
                    let r = run_injected(&env, flush, &format!("{syscall}:{fault}:when={when}"), args);
                    runs += 1;
                    if fault == "error=EIO" {
                        assert_ne!(r.code, -1, "{args:?} {syscall}#{when}: EIO killed it:\n{}", r.stderr);
                    } else {
                        assert_eq!(r.code, -1, "{args:?} {syscall}#{when}: the SIGKILL never landed:\n{}", r.stderr);
                    }
                    assert!(!r.stderr.contains("panicked"), "{args:?} {syscall}#{when} {fault}:\n{}", r.stderr);
                    check_identity(&dir);
                    check_index(&env, &[&dir]);
                    // A command that reports failure left the old identity; a killed one may
                    // have swapped in the new (recorded) one, never anything in between.
                    if fault == "error=EIO" && r.code != 0 {
                        assert!(
                            identity_bytes(&dir) == before,
                            "{args:?} failed at {syscall}#{when} (EIO) but changed the identity:\n{}",
                            r.stderr
                        );
                    }
                    // The store stays usable, and the next command clears what a kill left behind.
                    // A recorded identity a kill or EIO kept out of place is put there first
                    // (its key kept), and that command does nothing else.
                    let next = env.run(&["renew", "--cn", "svc"]);
                    if next.code != 0 {
                        let said = "an earlier command was stopped after recording certificate ";
                        let serial = next.stderr.split(said).nth(1).and_then(|r| r.split_whitespace().next());
                        let serial = serial.unwrap_or_else(|| panic!("{args:?} {syscall}#{when}: {}", next.stderr));
                        assert_eq!(check_identity(&dir), serial, "{args:?} {syscall}#{when}: not the recorded one");
                        interrupted += 1;
                        env.run(&["renew", "--cn", "svc"]).ok();
                    }
                    check_identity(&dir);
                    check_index(&env, &[&dir]);
                    let stale: Vec<_> = std::fs::read_dir(env.store().join("issued"))
                        .expect("issued")
                        .flatten()
                        .filter(|e| e.file_name().to_string_lossy().contains(".stage-"))
                        .map(|e| e.path())
                        .collect();
                    assert!(stale.is_empty(), "stage directories left behind: {stale:?}");
                }
            }
        }
    }
    eprintln!("{runs} injected runs, {interrupted} identities put in place by the next command");
    assert!(runs >= 60, "only {runs} boundaries");
    // A kill or EIO at the identity's own rename, after its index line, is one of the boundaries.
    assert!(interrupted > 0, "no boundary left a recorded identity out of place");
    // The temp directory is on the disk's filesystem in CI (ext4), where syncfs is the fast path.
    if on_ext4_or_xfs(env.path()) {
        assert!(syncfs_seen, "MTLSCTL_FLUSH=filesystem never used syncfs");
    }
}

/// A flush policy mtlsctl does not know is an error, and nothing is issued.
#[test]
fn an_unknown_flush_policy_is_refused_before_anything_is_recorded() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    let mut c = env.cmd();
    c.args(["--batch", "issue", "--cn", "svc"]).env("MTLSCTL_FLUSH", "sometimes");
    to_run(c.output().expect("run mtlsctl")).error().stderr_has("MTLSCTL_FLUSH='sometimes'");
    assert!(env.snapshot() == before, "a refused issue changed the store");
    let mut c = env.cmd();
    c.args(["--batch", "issue", "--cn", "svc"]).env("MTLSCTL_FLUSH", "file");
    to_run(c.output().expect("run mtlsctl")).ok();
    check_identity(&env.store().join("issued/svc"));
}

/// A newcerts/ file a killed issue left half-written (no index line names it) is reported
/// and removed by check --repair; a foreign file there is reported and left alone.
#[test]
fn check_repair_removes_a_torn_certificate_file_and_keeps_a_foreign_one() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    let newcerts = env.store().join("newcerts");
    let torn = newcerts.join("0A1B2C3D4E5F60718293A4B5C6D7E8F9.pem");
    std::fs::write(&torn, "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIQ\n").expect("write");
    let empty = newcerts.join("1A1B2C3D4E5F60718293A4B5C6D7E8F9.pem");
    std::fs::write(&empty, "").expect("write");
    let foreign = newcerts.join("2A1B2C3D4E5F60718293A4B5C6D7E8F9.pem");
    std::fs::write(&foreign, "notes about this CA\n").expect("write");
    let check = env.run(&["--json", "check"]).code(3).json();
    let torn_found = problem_serials(&check, "torn_certificate_file");
    assert_eq!(torn_found.len(), 2, "{check}");
    assert_eq!(problem_serials(&check, "foreign_certificate_file").len(), 1, "{check}");
    env.run(&["--json", "check", "--repair"]).code(3);
    assert!(!torn.exists() && !empty.exists(), "the torn files are still there");
    assert!(foreign.exists(), "repair removed a file that is not a torn certificate");
    let after = env.run(&["--json", "check"]).code(3).json();
    assert!(problem_serials(&after, "torn_certificate_file").is_empty(), "{after}");
}

/// A renewal killed after its index line, at the identity's exchange: check reports the
/// recorded identity still in its stage (its key is nowhere else), and --repair puts it in place.
#[test]
fn check_repair_puts_a_killed_renewals_recorded_identity_in_place() {
    let env = Env::new().with_ca();
    let old = env.issue_serial("svc", &[]);
    env.run(&["gen-crl"]).ok();
    let dir = env.store().join("issued/svc");
    let r = run_injected(&env, "file", "renameat2:signal=SIGKILL:when=1", &["renew", "--cn", "svc"]);
    assert_eq!(r.code, -1, "the kill did not land: {}", r.stderr);
    assert_eq!(check_identity(&dir), old, "the old identity is in place");
    let new = env
        .index_text()
        .lines()
        .filter(|l| l.starts_with('V') && !l.contains(&old))
        .filter_map(|l| l.split('\t').nth(3))
        .next()
        .expect("the renewal's index line")
        .to_string();
    let check = env.run(&["--json", "check"]).code(3).json();
    assert_eq!(
        problem_serials(&check, "identity_not_installed").into_iter().collect::<Vec<_>>(),
        std::slice::from_ref(&new)
    );
    assert!(problem_serials(&check, "stale_temp_file").is_empty(), "a recorded identity offered as debris: {check}");
    env.run(&["--json", "check", "--repair"]).ok();
    assert_eq!(check_identity(&dir), new, "--repair did not put the recorded identity in place");
    assert_eq!(env.run(&["--json", "check"]).ok().json()["clean"], true);
}

/// Whether `dir` is on ext2/3/4 or XFS (`stat -f -c %T`).
fn on_ext4_or_xfs(dir: &Path) -> bool {
    let out = Command::new("stat").args(["-f", "-c", "%T"]).arg(dir).output().expect("stat -f");
    matches!(String::from_utf8_lossy(&out.stdout).trim(), "ext2/ext3" | "ext4" | "xfs")
}

// ---------------------------------------------------------------------------
// item 11: colliding identity directories

/// 'a b' and 'a_b' share issued/a_b: renewing a_b (whose files live elsewhere) must not touch it.
#[test]
fn renew_refuses_a_directory_holding_another_certificates_identity() {
    let env = Env::new().with_ca();
    env.issue("a b", &[]);
    let elsewhere = env.path().join("elsewhere");
    env.issue("a_b", &["--out", utf8(&elsewhere)]);
    let before = env.snapshot();
    let outside = snapshot_dir(&elsewhere);
    env.run(&["renew", "--cn", "a_b"]).error().stderr_has("issued/a_b").stderr_has("a b");
    assert!(env.snapshot() == before, "the refused renewal changed the store");
    assert!(snapshot_dir(&elsewhere) == outside);
    // Renewing 'a b' itself still works, in its own directory.
    env.run(&["renew", "--cn", "a b"]).ok();
    check_identity(&env.store().join("issued/a_b"));
}

/// 'a/b' maps onto the directory of 'a b': issue refuses, naming the holder, and does not offer
/// --force as the way out; nothing changes.
#[test]
fn issue_names_the_identity_whose_directory_a_cn_maps_onto() {
    let env = Env::new().with_ca();
    let serial = env.issue_serial("a b", &[]);
    let before = env.snapshot();
    let r = env.run(&["issue", "--cn", "a/b"]).error();
    assert!(r.stderr.contains(&format!("holds the identity of \"a b\" (serial {serial})")), "{}", r.stderr);
    assert!(r.stderr.contains("hint: pass --out DIR"), "{}", r.stderr);
    assert!(!r.stderr.contains("hint: pass --force"), "{}", r.stderr);
    assert!(env.snapshot() == before, "the refused issue changed the store");
    let out = env.path().join("ab");
    env.run(&["issue", "--cn", "a/b", "--out", utf8(&out)]).ok();
    check_identity(&out);
}

// ---------------------------------------------------------------------------
// item 12: failures after the commit point

fn crl_number(env: &Env) -> String {
    let r = openssl(env.path(), &["crl", "-in", utf8(&env.store().join("crl/ca.crl")), "-noout", "-crlnumber"]);
    r.stdout.trim().trim_start_matches("crlNumber=").to_string()
}

/// A bad `--der` path is refused before publishing; EIO on the directory flush after a rename
/// (`strace -e inject=fsync:error=EIO:when=N`, N counted from the syscall order gen-crl and
/// revoke use: gen-crl flushes the store root then crl/, revoke the root) is a warning with
/// exit 0, and the CRL number is never reused; a failed revoke after `renew` recorded the new
/// certificate (`-e inject=renameat:error=EIO:when=1`, the revoke's index rename) is a warning.
#[test]
fn a_failure_after_the_commit_point_is_a_warning_never_a_failed_command() {
    let env = Env::new().with_ca();
    env.run(&["gen-crl"]).ok();
    let before = env.snapshot();
    env.run(&["gen-crl", "--der", "/nonexistent/x"]).error().stderr_has("/nonexistent");
    assert!(env.snapshot() == before, "a refused gen-crl changed the store");

    let r = run_injected(&env, "file", "fsync:error=EIO:when=2", &["gen-crl"]);
    assert_eq!(r.code, 0, "gen-crl published but failed:\n{}", r.stderr);
    assert!(r.stderr.contains("warning:") && r.stderr.contains("crl"), "{}", r.stderr);
    let published = crl_number(&env);
    env.run(&["gen-crl"]).ok();
    assert_ne!(crl_number(&env), published, "a CRL number was used twice");

    let serial = env.issue_serial("victim", &[]);
    let r = run_injected(&env, "file", "fsync:error=EIO:when=1", &["revoke", "--serial", &serial, "--yes"]);
    assert_eq!(r.code, 0, "revoke applied but failed:\n{}", r.stderr);
    assert!(r.stderr.contains("warning:"), "{}", r.stderr);
    assert!(env.index_text().lines().any(|l| l.starts_with('R') && l.contains(&serial)));

    let old = env.issue_serial("svc", &[]);
    let r = run_injected(
        &env,
        "file",
        "renameat:error=EIO:when=1",
        &["--json", "renew", "--cn", "svc", "--revoke-old", "superseded"],
    );
    assert_eq!(r.code, 0, "renew recorded the new certificate but failed:\n{}", r.stderr);
    assert!(r.stderr.contains("was not revoked"), "{}", r.stderr);
    assert!(!r.stderr.contains("nothing changed"), "{}", r.stderr);
    let new = r.json()["serial"].as_str().expect("serial").to_string();
    assert_eq!(check_identity(&env.store().join("issued/svc")), new);
    assert!(env.index_text().lines().any(|l| l.starts_with('V') && l.contains(&old)), "the old line changed");
}

// ---------------------------------------------------------------------------
// item 20: symlinks inside the store

/// No fault injection: the store's files are replaced by symlinks.
#[test]
fn store_files_that_are_symlinks_are_never_written_through() {
    let env = Env::new().with_ca();
    let serial = env.issue_serial("svc", &[]);
    let store = env.store();
    let target = env.path().join("planted");
    let lock = store.join("index.txt.lock");
    std::fs::remove_file(&lock).ok();
    std::os::unix::fs::symlink(&target, &lock).expect("symlink lock");
    env.run(&["issue", "--cn", "x"]).error().stderr_has("symbolic link").stderr_has("index.txt.lock");
    assert!(!target.exists(), "a write followed the symlinked lock file");
    std::fs::remove_file(&lock).expect("rm link");

    let index = store.join("index.txt");
    let outside = env.path().join("outside-index.txt");
    std::fs::copy(&index, &outside).expect("copy");
    std::fs::remove_file(&index).expect("rm index");
    std::os::unix::fs::symlink(&outside, &index).expect("symlink index");
    let kept = std::fs::read(&outside).expect("read");
    for args in [&["issue", "--cn", "y"][..], &["revoke", "--serial", &serial, "--yes"][..], &["gen-crl"][..]] {
        env.run(args).error().stderr_has("symbolic link").stderr_has("index.txt");
        assert_eq!(std::fs::read(&outside).expect("read"), kept, "{args:?} wrote through the symlinked index.txt");
        assert!(
            std::fs::symlink_metadata(&index).expect("lstat").file_type().is_symlink(),
            "{args:?} replaced the link"
        );
    }
}

/// `--out` naming a file is refused before anything is signed or recorded.
#[test]
fn issue_into_a_path_that_is_a_file_changes_nothing() {
    let env = Env::new().with_ca();
    let file = env.path().join("a-file");
    std::fs::write(&file, b"mine").expect("write");
    let before = env.snapshot();
    env.run(&["issue", "--cn", "x", "--out", utf8(&file)]).error().stderr_has("not a directory");
    assert!(env.snapshot() == before, "a refused issue changed the store");
    assert_eq!(std::fs::read(&file).expect("read"), b"mine");
}
