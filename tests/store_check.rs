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
    // renew refuses too: a certificate `openssl ca` (which checks no constraints) signed for evil.com.
    let (csr, _key) = openssl_csr(env.path(), "ossl", "/CN=ossl", &["-addext", "subjectAltName=DNS:evil.com"]);
    let cnf = int.join("openssl.cnf");
    openssl(env.path(), &["ca", "-config", utf8(&cnf), "-batch", "-notext", "-in", &csr, "-out", "ossl.crt"]);
    let serial = cert_serial(env.path(), &env.path().join("ossl.crt"));
    ie.run(&["renew", "--serial", &serial]).error().stderr_has("evil.com");
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
    // Flushed file by file, except where the syncfs of the one-flush path is the boundary under test.
    c.env("MTLSCTL_FLUSH", if inject.starts_with("syncfs:") { "filesystem" } else { "file" });
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
    for sc in ["rename", "fsync", "fdatasync", "syncfs", "mkdir", "openat", "write"] {
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
    for sc in ["rename", "fsync", "fdatasync", "syncfs", "write"] {
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

// ---------------------------------------------------------------------------
// item 4: `openssl ca` alongside mtlsctl, `check [--repair]`, lazy validation

/// One round of `n` `openssl ca` signings (one after another, as openssl's
/// serial file demands) alongside `n` `mtlsctl issue` runs in four threads.
/// Returns the serials each tool acknowledged.
fn openssl_alongside_mtlsctl(env: &Env, round: usize, n: usize) -> (Vec<String>, Vec<String>) {
    let (csrs, _key): (Vec<String>, String) = {
        let key = format!("r{round}.key");
        openssl(env.path(), &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &key]);
        let csrs = (0..n)
            .map(|i| {
                let csr = format!("r{round}-{i}.csr");
                let subj = format!("/CN=ossl-{round}-{i}");
                openssl(env.path(), &["req", "-new", "-key", &key, "-subj", &subj, "-out", &csr]);
                csr
            })
            .collect();
        (csrs, key)
    };
    let cnf = env.store().join("openssl.cnf");
    std::thread::scope(|s| {
        let ossl = s.spawn(|| {
            let mut ok = Vec::new();
            for (i, csr) in csrs.iter().enumerate() {
                let out = format!("r{round}-{i}.crt");
                let r = peer(
                    "openssl",
                    &["ca", "-config", utf8(&cnf), "-batch", "-notext", "-in", csr, "-out", &out],
                    env.path(),
                );
                if r.code == 0 {
                    ok.push(cert_serial(env.path(), &env.path().join(&out)));
                }
            }
            ok
        });
        let ours: Vec<_> = (0..4)
            .map(|t| {
                s.spawn(move || {
                    let mut ok = Vec::new();
                    for i in 0..n / 4 {
                        let cn = format!("mt-{round}-{t}-{i}");
                        let r = env.run_with(&["--json", "issue", "--cn", &cn], &[("MTLSCTL_LOCK_TIMEOUT", "120")]);
                        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
                        if r.code == 0 {
                            ok.push(r.serial());
                        }
                    }
                    ok
                })
            })
            .collect();
        let mine: Vec<String> = ours.into_iter().flat_map(|h| h.join().expect("issue thread")).collect();
        (ossl.join().expect("openssl thread"), mine)
    })
}

#[test]
fn openssl_ca_alongside_issue_loses_lines_that_check_repair_restores() {
    let env = Env::new().with_ca();
    env.run(&["gen-crl"]).ok();
    let mut acknowledged = Vec::new();
    let mut lost = std::collections::BTreeSet::new();
    // The loss is a race: a few rounds make it show on any machine.
    for round in 0..4 {
        let (ossl, mine) = openssl_alongside_mtlsctl(&env, round, 40);
        let index: Vec<String> = index_serials(&env.store()).into_iter().map(|(_, s)| s).collect();
        lost.extend(mine.iter().filter(|s| !index.contains(s)).cloned());
        acknowledged.extend(ossl.into_iter().chain(mine));
        eprintln!("round {round}: {} acknowledged so far, {} mtlsctl lines lost", acknowledged.len(), lost.len());
        if !lost.is_empty() {
            break;
        }
    }
    assert!(!lost.is_empty(), "openssl ca alongside mtlsctl lost no line: the race was not reproduced");
    // check names exactly the lost certificates, as orphans and as identities without a line.
    let r = env.run(&["--json", "check"]).code(3);
    let report = r.json();
    assert_eq!(problem_serials(&report, "orphan_certificate"), lost, "{}", r.stdout);
    assert_eq!(problem_serials(&report, "identity_not_in_index"), lost, "{}", r.stdout);
    assert_eq!(report["clean"], false);
    // --repair restores every line and leaves a consistent store.
    let r = env.run(&["--json", "check", "--repair"]).ok();
    let repaired = r.json();
    assert_eq!(repaired["remaining"], 0, "{}", r.stdout);
    let index: Vec<String> = index_serials(&env.store()).into_iter().map(|(_, s)| s).collect();
    for s in &acknowledged {
        assert!(index.contains(s), "acknowledged certificate {s} is still missing from index.txt");
    }
    assert_eq!(index.len(), acknowledged.len(), "index.txt has lines nobody acknowledged");
    env.run(&["check"]).ok().stdout_has("consistent");
    // openssl and mtlsctl agree on the repaired store.
    let victim = lost.iter().next().expect("a lost serial").clone();
    env.run(&["revoke", "--serial", &victim]).ok();
    openssl_ca(&env, &["-gencrl", "-out", "agree.crl"]);
    let crl = openssl(env.path(), &["crl", "-in", "agree.crl", "-noout", "-text"]).stdout;
    let listed: Vec<&str> = crl.lines().filter_map(|l| l.trim().strip_prefix("Serial Number: ")).collect();
    assert_eq!(listed, vec![victim.as_str()], "{crl}");
    let list = env.list_json(&[]);
    let rows = rows_by_serial(&list);
    assert_eq!(rows.len(), acknowledged.len());
    for s in &acknowledged {
        let want = if *s == victim { "revoked" } else { "valid" };
        assert_eq!(rows[s]["status"], want, "list disagrees on {s}");
    }
}

#[test]
fn a_corrupt_middle_line_written_by_another_tool_is_reported_before_appending() {
    let env = Env::new().with_ca();
    for cn in ["a", "b", "c"] {
        env.issue(cn, &[]);
    }
    let text = env.index_text();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "V\tnot-a-date\t\tZZ\tunknown\t/CN=b";
    std::fs::write(env.store().join("index.txt"), format!("{}\n", lines.join("\n"))).expect("write");
    let before = env.snapshot();
    env.run(&["issue", "--cn", "d"]).error().stderr_has("line 2");
    assert_eq!(env.snapshot(), before, "issue changed a store whose index.txt is corrupt");
    env.run(&["revoke", "--serial", &env.last_serial()]).error();
    let r = env.run(&["--json", "check"]).code(3);
    assert!(r.stdout.contains("index_line_invalid"), "{}", r.stdout);
    // Fixed by hand, the store is validated once more and used again.
    std::fs::write(env.store().join("index.txt"), &text).expect("write");
    env.issue("d", &[]);
    env.issue("e", &[]);
}

#[test]
fn check_reports_modes_temp_files_crl_and_cnf_and_exits_1_without_a_store() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    // No CRL yet.
    let r = env.run(&["--json", "check"]).code(3);
    assert!(r.stdout.contains("\"crl_missing\""), "{}", r.stdout);
    env.run(&["gen-crl"]).ok();
    env.run(&["check"]).ok();
    // A revocation not yet in the CRL, an open key, a stale temp file, a foreign cnf dir.
    let s = env.last_serial();
    env.run(&["revoke", "--serial", &s]).ok();
    let key = env.issued("svc", "key.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let tmp = env.store().join("private/.ca.key.Ab12Cd.tmp");
    std::fs::write(&tmp, b"secret").expect("write");
    let cnf = env.store().join("openssl.cnf");
    let text = std::fs::read_to_string(&cnf).expect("cnf");
    let moved = text.replacen("# openssl.cnf for an mtlsctl CA store.", "# edited by hand", 1);
    let moved: String = moved
        .lines()
        .map(|l| if l.starts_with("dir ") { "dir = /elsewhere".to_string() } else { l.to_string() })
        .map(|l| l + "\n")
        .collect();
    std::fs::write(&cnf, moved).expect("write cnf");
    let r = env.run(&["--json", "check"]).code(3);
    let codes: Vec<String> = r.json()["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().unwrap_or("").into())
        .collect();
    for want in ["crl_missing_revocation", "mode_too_open", "stale_temp_file", "cnf_wrong_dir"] {
        assert!(codes.iter().any(|c| c == want), "{want} not in {codes:?}");
    }
    // --repair removes the temp file only; the rest remains (exit 3).
    env.run(&["check", "--repair"]).code(3);
    assert!(!tmp.exists());
    std::fs::write(&cnf, &text).expect("restore cnf");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    env.run(&["gen-crl"]).ok();
    env.run(&["check"]).ok();
    // No store: the check cannot run.
    Env::new().run(&["check"]).error();
}

// ---------------------------------------------------------------------------
// verify's rules (SPEC §6) reach check: a certificate the index holds as valid
// but every careful validator refuses is a problem, not a healthy identity.

#[test]
fn check_runs_every_current_identity_through_verifys_path_validation() {
    let env = Env::new().with_ca();
    env.issue("good", &[]);
    // openssl ca signs whatever it is given: an RSA-1024 client, recorded as V.
    peer("openssl", &["genrsa", "-out", "weak.key", "1024"], env.path()).ok();
    openssl(env.path(), &["req", "-new", "-key", "weak.key", "-subj", "/CN=weak", "-out", "weak.csr"]);
    openssl_ca(&env, &["-batch", "-notext", "-in", "weak.csr", "-out", "weak.pem"]);
    let dir = env.store().join("issued/weak");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::copy(env.path().join("weak.pem"), dir.join("cert.pem")).expect("copy cert");
    std::fs::copy(env.path().join("weak.key"), dir.join("key.pem")).expect("copy key");
    env.run(&["gen-crl"]).ok();
    let r = env.run(&["--json", "check"]).code(3);
    let j = r.json();
    let invalid: Vec<&serde_json::Value> =
        j["problems"].as_array().expect("problems").iter().filter(|p| p["code"] == "identity_invalid").collect();
    assert_eq!(invalid.len(), 1, "one invalid identity expected: {j:#}");
    let message = invalid[0]["message"].as_str().expect("message");
    assert!(message.contains("weak_key"), "{message}");
    assert!(invalid[0]["path"].as_str().expect("path").contains("issued/weak/cert.pem"), "{:#}", invalid[0]);
    // The good identity is not reported.
    assert!(!j.to_string().contains("issued/good"), "{j:#}");
}
