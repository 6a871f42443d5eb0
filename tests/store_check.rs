//! Store integrity found by attacking it (issue 14): `check [--repair]` (SPEC §9)
//! against `openssl ca` running alongside, the lazy full validation of an
//! index.txt another tool changed, intermediates that fail or are killed,
//! inherited name constraints, and directory modes of `--out`.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Files and directories under `dir` whose name starts with `prefix`.
fn find_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if e.file_name().to_string_lossy().starts_with(prefix) {
            out.push(p.clone());
        }
        if p.is_dir() && !p.is_symlink() {
            out.extend(find_named(&p, prefix));
        }
    }
    out
}

/// All mode bits, sticky included.
fn mode_bits(p: &Path) -> u32 {
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o7777
}

/// The serials of index.txt lines, by status letter.
fn index_serials(store: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(store.join("index.txt"))
        .expect("index.txt")
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 6).then(|| (f[0].to_string(), f[3].to_string()))
        })
        .collect()
}

fn cert_serial(cwd: &Path, cert: &Path) -> String {
    let out = openssl(cwd, &["x509", "-in", utf8(cert), "-noout", "-serial"]).stdout;
    out.trim().trim_start_matches("serial=").to_ascii_uppercase()
}

fn pubkey_of_cert(cwd: &Path, cert: &Path) -> String {
    openssl(cwd, &["x509", "-in", utf8(cert), "-noout", "-pubkey"]).stdout
}

fn pubkey_of_key(cwd: &Path, key: &Path) -> String {
    openssl(cwd, &["pkey", "-in", utf8(key), "-pubout"]).stdout
}

// ---------------------------------------------------------------------------
// item 5: --out never changes the mode of a directory it did not create

#[test]
fn out_dir_modes_are_set_only_on_directories_mtlsctl_creates() {
    let env = Env::new().with_ca();
    // A world-writable sticky directory (like /tmp) is refused for keys and left as it was.
    let shared = env.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    env.run(&["issue", "--cn", "svc", "--out", utf8(&shared)]).error().stderr_has("writable by other users");
    assert_eq!(mode_bits(&shared), 0o1777, "issue --out changed the mode of an existing directory");
    assert!(std::fs::read_dir(&shared).expect("read").next().is_none(), "a refused issue wrote into {shared:?}");
    // An existing private-enough directory keeps its mode (the cwd with `csr --out .`).
    std::fs::set_permissions(env.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    env.run(&["csr", "--cn", "req", "--out", "."]).ok();
    assert_eq!(mode_bits(env.path()), 0o755, "csr --out . chmodded the working directory");
    assert_eq!(mode(&env.path().join("key.pem")) & 0o777, 0o600);
    let kept = env.path().join("kept");
    std::fs::create_dir(&kept).expect("mkdir");
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o750)).expect("chmod");
    env.run(&["issue", "--cn", "svc2", "--out", utf8(&kept)]).ok();
    assert_eq!(mode_bits(&kept), 0o750);
    // A directory mtlsctl makes is private from the start.
    let fresh = env.path().join("fresh/dir");
    env.run(&["issue", "--cn", "svc3", "--out", utf8(&fresh)]).ok();
    assert_eq!(mode(&fresh) & 0o777, 0o700);
}

// ---------------------------------------------------------------------------
// item 6: an intermediate never takes the subject of a CA above it

#[test]
fn intermediate_default_subject_differs_from_the_root() {
    let env = Env::new().with_ca();
    let int = env.path().join("int");
    Env::at(&int).run(&["--json", "init-ca", "--parent", utf8(&env.store())]).ok();
    let root_subj = openssl(env.path(), &["x509", "-in", "pki/certs/ca.crt", "-noout", "-subject"]).stdout;
    let int_subj = openssl(env.path(), &["x509", "-in", "int/certs/ca.crt", "-noout", "-subject"]).stdout;
    assert_ne!(root_subj, int_subj);
    assert!(int_subj.contains("mtlsctl Intermediate CA"), "{int_subj}");
    // Asking for the root's exact name is refused, and the parent is untouched.
    let before = env.snapshot();
    let int2 = env.path().join("int2");
    Env::at(&int2)
        .run(&["init-ca", "--parent", utf8(&env.store()), "--cn", "mtlsctl Root CA"])
        .error()
        .stderr_has("subject of a CA above it");
    assert!(!int2.exists());
    let after = env.snapshot();
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
    // Also against the root two levels up.
    let int3 = env.path().join("int3");
    Env::at(&int3).run(&["init-ca", "--parent", utf8(&int), "--cn", "mtlsctl Root CA"]).error();
    // The chain CRL of a leaf under the intermediate now checks with -crl_check_all.
    let ie = Env::at(&int);
    ie.run(&["issue", "--cn", "leaf"]).ok();
    env.run(&["gen-crl"]).ok();
    ie.run(&["gen-crl", "--parent-crl", utf8(&env.store().join("crl/ca.crl"))]).ok();
    let r = openssl(
        env.path(),
        &[
            "verify",
            "-crl_check_all",
            "-CAfile",
            "pki/certs/ca.crt",
            "-untrusted",
            "int/certs/ca.crt",
            "-CRLfile",
            "int/crl/ca-chain.crl",
            "int/issued/leaf/cert.pem",
        ],
    );
    assert!(r.stdout.contains(": OK"), "{}", r.both());
}

// ---------------------------------------------------------------------------
// item 14: name constraints are inherited down the chain

#[test]
fn name_constraints_of_every_ca_above_apply() {
    let env = Env::new();
    env.run(&["init-ca", "--permitted-dns", "example.com"]).ok();
    let int = env.path().join("int");
    let ie = Env::at(&int);
    // A subordinate may not widen its parent's constraints.
    ie.run(&["init-ca", "--parent", utf8(&env.store()), "--permitted-dns", "evil.com"]).error().stderr_has("evil.com");
    assert!(!int.exists());
    ie.run(&["init-ca", "--parent", utf8(&env.store()), "--cn", "Issuing"]).ok();
    // The intermediate has no constraint of its own; the root's still apply.
    ie.run(&["issue", "--cn", "x", "--san", "dns:evil.com"]).error().stderr_has("evil.com");
    ie.run(&["issue", "--cn", "evil.com"]).error().stderr_has("outside the name constraints");
    ie.run(&["issue", "--cn", "ok", "--san", "dns:api.example.com"]).ok();
    let (csr, _key) = openssl_csr(env.path(), "bad", "/CN=bad", &["-addext", "subjectAltName=DNS:evil.com"]);
    ie.run(&["sign", &csr]).error().stderr_has("evil.com");
    // A narrower subordinate is accepted.
    let int2 = env.path().join("int2");
    Env::at(&int2)
        .run(&["init-ca", "--parent", utf8(&env.store()), "--cn", "Narrow", "--permitted-dns", "svc.example.com"])
        .ok();
}

// ---------------------------------------------------------------------------
// item 7: a failed or killed init-ca leaves no phantom CA and no hidden key

/// `strace -f -e inject=SPEC mtlsctl --batch --dir DIR ARGS` in the env's directory.
fn under_strace(env: &Env, dir: &Path, args: &[&str], inject: &str) -> Run {
    let strace = require_peer("strace");
    let mut c = Command::new(strace);
    c.env_clear();
    if let Some(p) = std::env::var_os("PATH") {
        c.env("PATH", p);
    }
    c.env("HOME", env.path()).current_dir(env.path());
    c.args(["-f", "-qq", "-o", "/dev/null", "-e", &format!("inject={inject}")]);
    c.arg(bin()).arg("--batch").arg("--dir").arg(dir).args(args);
    to_run(c.output().expect("run strace"))
}

/// Every CA line the parent gained since `before` belongs to a child store that
/// exists and holds the matching key; no hidden staging directory holds a key.
fn assert_no_phantom(env: &Env, before: &[(String, String)], what: &str) {
    let now = index_serials(&env.store());
    for (_, serial) in now.iter().filter(|l| !before.contains(l)) {
        let owner =
            std::fs::read_dir(env.path()).expect("read").flatten().map(|e| e.path()).find(|p| {
                p.join("certs/ca.crt").is_file() && cert_serial(env.path(), &p.join("certs/ca.crt")) == *serial
            });
        let owner = owner.unwrap_or_else(|| panic!("{what}: the parent records CA {serial}, but no store holds it"));
        let key = owner.join("private/ca.key");
        assert!(key.is_file(), "{what}: the parent records CA {serial}, whose store has no key");
        assert_eq!(
            pubkey_of_key(env.path(), &key),
            pubkey_of_cert(env.path(), &owner.join("certs/ca.crt")),
            "{what}: the key of CA {serial} does not match it"
        );
    }
    for hidden in find_named(env.path(), ".") {
        let keys = find_named(&hidden, "ca.key");
        assert!(keys.is_empty(), "{what}: a hidden directory holds a CA key: {keys:?}");
    }
}

#[test]
fn failed_intermediate_is_not_recorded_in_the_parent() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    std::fs::write(env.path().join("file"), b"not a directory").expect("write");
    let child = env.path().join("file/int");
    let mut c = env.cmd();
    c.args(["--batch", "--dir", utf8(&child), "init-ca", "--parent", utf8(&env.store()), "--cn", "Issuing"]);
    to_run(c.output().expect("run mtlsctl")).error();
    assert_eq!(env.snapshot(), before, "a failed init-ca --parent changed the parent store");
}

#[test]
fn killed_or_failing_init_ca_leaves_no_phantom_and_no_hidden_key() {
    let env = Env::new().with_ca();
    let parent = env.store();
    let mut n = 0;
    for sc in ["rename", "fsync", "fdatasync", "mkdir", "openat", "write"] {
        for action in ["signal=SIGKILL", "error=EIO"] {
            // EIO on write would hit stderr too (a separate defect); kills cover writes.
            if sc == "write" && action.starts_with("error") {
                continue;
            }
            for when in 1..60 {
                n += 1;
                let before = index_serials(&parent);
                let newcerts_before = std::fs::read_dir(parent.join("newcerts")).expect("newcerts").count();
                let child = env.path().join(format!("int{n}"));
                let inject = format!("{sc}:{action}:when={when}");
                let r = under_strace(&env, &child, &["init-ca", "--parent", utf8(&parent), "--cn", "Issuing"], &inject);
                assert!(!r.stderr.contains("panicked"), "{inject}: {}", r.stderr);
                assert_no_phantom(&env, &before, &inject);
                if r.code != 0 && action.starts_with("error") {
                    // A reported failure changed nothing in the parent and left no new store.
                    assert_eq!(index_serials(&parent), before, "{inject}: {}", r.stderr);
                    let newcerts = std::fs::read_dir(parent.join("newcerts")).expect("newcerts").count();
                    assert_eq!(newcerts, newcerts_before, "{inject}: {}", r.stderr);
                    assert!(!child.join("private/ca.key").exists(), "{inject}: failed, yet left {child:?}");
                }
                if r.code == 0 {
                    break;
                }
            }
        }
    }
    // A root init-ca killed at any rename or flush leaves no hidden key either.
    for sc in ["rename", "fsync", "fdatasync", "write"] {
        for when in 1..30 {
            let dir = env.path().join(format!("root-{sc}-{when}"));
            let r = under_strace(&env, &dir, &["init-ca"], &format!("{sc}:signal=SIGKILL:when={when}"));
            assert_no_phantom(&env, &index_serials(&parent), &format!("root init-ca, {sc} #{when}"));
            if r.code == 0 {
                break;
            }
        }
    }
}
