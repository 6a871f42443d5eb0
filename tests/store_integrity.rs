//! The store's promises (SPEC §1, §4, §5) under load, kills, write failures and
//! hostile input: concurrency, locks, crash safety, file modes, secrets, malformed
//! files and bad arguments, each checked against the built binary.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mtlsctl::store::index::Index;

use crate::common::*;

/// A generous lock wait, as CI would give: 2 shared cores may run other tests too.
const PATIENT: &[(&str, &str)] = &[("MTLSCTL_LOCK_TIMEOUT", "120")];

// ---------------------------------------------------------------------------
// helpers

/// A tiny xorshift64: reproducible from the printed seed, no dependency.
struct Rng(u64);

impl Rng {
    fn from_time(what: &str) -> Self {
        let seed = std::env::var("MTLSCTL_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1
        });
        eprintln!("{what}: seed {seed} (rerun with MTLSCTL_TEST_SEED={seed})");
        Self(seed)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// One index.txt line, checked as strictly as `openssl ca` reads it.
#[derive(Debug, Clone)]
struct Line {
    status: String,
    serial: String,
}

fn is_hex_even(s: &str) -> bool {
    !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parse index.txt; every line must be whole and valid (a torn last line is
/// only tolerated when `allow_torn`, since the next locked command drops it).
fn read_index(store: &Path, allow_torn: bool) -> Vec<Line> {
    let text = std::fs::read_to_string(store.join("index.txt")).expect("index.txt is UTF-8");
    let mut out = Vec::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if let Some(last) = lines.pop() {
        assert!(last.is_empty() || allow_torn, "index.txt ends with a torn line {last:?}");
    }
    for l in lines {
        let f: Vec<&str> = l.split('\t').collect();
        assert_eq!(f.len(), 6, "index line without 6 fields: {l:?}");
        assert!(matches!(f[0], "V" | "R" | "E"), "bad status in {l:?}");
        assert!(f[1].len() == 13 || f[1].len() == 15, "bad expiry in {l:?}");
        assert_eq!(f[2].is_empty(), f[0] != "R", "revocation field does not match status in {l:?}");
        assert!(is_hex_even(f[3]), "bad serial in {l:?}");
        assert!(f[5].starts_with('/'), "bad subject in {l:?}");
        out.push(Line { status: f[0].to_string(), serial: f[3].to_string() });
    }
    out
}

/// Serials a PEM CRL lists (upper-case hex as index.txt writes them).
fn crl_serials(path: &Path) -> BTreeSet<String> {
    let bytes = std::fs::read(path).expect("read CRL");
    let block = pem::parse(&bytes).expect("CRL is whole PEM");
    assert_eq!(block.tag(), "X509 CRL");
    let (rest, crl) = x509_parser::parse_x509_crl(block.contents()).expect("CRL is whole DER");
    assert!(rest.is_empty(), "trailing bytes after the CRL");
    crl.iter_revoked_certificates()
        .map(|r| {
            let mut hex: String = r.raw_serial().iter().map(|b| format!("{b:02X}")).collect();
            // DER adds a 00 byte before a serial whose top bit is set; index.txt does not.
            while hex.len() > 2 && hex.starts_with("00") {
                hex.drain(..2);
            }
            hex
        })
        .collect()
}

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status().expect("run kill");
    assert!(st.success(), "kill -{sig} {pid} failed");
}

/// A child that holds an exclusive flock on `file` for 30 s. The shell opens
/// fd 9, flock(1) locks that open file, then the shell becomes `sleep` with
/// fd 9 still open: one process, whose death releases the lock.
fn hold_lock(file: &Path) -> Child {
    let script = format!("exec 9>>'{}' && flock -x 9 && echo locked && exec sleep 30", file.display());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn lock holder");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.as_mut().expect("stdout")), &mut line)
        .expect("read holder");
    assert_eq!(line.trim(), "locked");
    child
}

/// Store invariants that must hold after any command, however it ended.
fn check_store(store: &Path, allow_torn: bool) -> Vec<Line> {
    let lines = read_index(store, allow_torn);
    let mut seen = BTreeSet::new();
    for l in &lines {
        assert!(seen.insert(l.serial.clone()), "serial {} appears twice in index.txt", l.serial);
        let nc = store.join("newcerts").join(format!("{}.pem", l.serial));
        let pem = std::fs::read(&nc).unwrap_or_else(|_| panic!("index serial {} has no {}", l.serial, nc.display()));
        let block = pem::parse(&pem).unwrap_or_else(|e| panic!("{} is not whole PEM: {e}", nc.display()));
        x509_parser::parse_x509_certificate(block.contents())
            .unwrap_or_else(|e| panic!("{} is not a whole certificate: {e}", nc.display()));
    }
    for f in ["serial", "crlnumber"] {
        let p = store.join(f);
        if p.exists() {
            let t = std::fs::read_to_string(&p).expect("read counter");
            assert!(is_hex_even(t.trim()), "{f} is not even-length hex: {t:?}");
        }
    }
    let crl = store.join("crl/ca.crl");
    if crl.exists() {
        crl_serials(&crl);
    }
    lines
}

// ---------------------------------------------------------------------------
// concurrency and locks

#[test]
fn eight_processes_issue_25_each_into_one_store() {
    const WORKERS: usize = 8;
    const EACH: usize = 25;
    let env = Env::new().with_ca();
    let results: Vec<Vec<Run>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let env = &env;
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let cn = format!("w{w}-c{i}");
                            // Generous lock timeout: 2 shared cores may run other tests too.
                            env.run_with(&["--json", "issue", "--cn", &cn], &[("MTLSCTL_LOCK_TIMEOUT", "60")])
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker thread")).collect()
    });
    let mut serials = BTreeSet::new();
    for run in results.into_iter().flatten() {
        let run = run.ok();
        assert!(!run.stderr.contains("repaired"), "a concurrent issue saw a torn index: {}", run.stderr);
        serials.insert(run.json()["serial"].as_str().unwrap().to_string());
    }
    assert_eq!(serials.len(), WORKERS * EACH, "serials are not distinct");

    let text = env.index_text();
    assert!(text.ends_with('\n'));
    let index = Index::parse(&text).expect("index.txt parses after concurrent issues");
    assert_eq!(index.entries.len(), WORKERS * EACH);
    let in_index: BTreeSet<String> = index.entries.iter().map(|e| e.serial.clone()).collect();
    assert_eq!(in_index, serials);
    for s in &serials {
        assert!(env.store().join(format!("newcerts/{s}.pem")).exists(), "newcerts/{s}.pem is missing");
    }
    let cns: BTreeSet<String> = index.entries.iter().filter_map(|e| e.common_name()).collect();
    assert_eq!(cns.len(), WORKERS * EACH);
    // openssl agrees the database is sound.
    openssl_ca(&env, &["-gencrl", "-out", "c.crl"]);
}

#[test]
fn sixteen_processes_mixing_issue_revoke_gen_crl_lose_nothing() {
    let env = Env::new().with_ca();
    let store = env.store();
    let deadline = Instant::now() + Duration::from_secs(3);
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let store = store.clone();
            std::thread::spawn(move || {
                let (mut issued, mut revoked, mut crls): (Vec<String>, Vec<String>, u32) = (Vec::new(), Vec::new(), 0);
                let mut k = 0;
                // At least one round of each operation, then more until the deadline.
                while k < 3 || (Instant::now() < deadline && k < 12) {
                    let unrevoked = issued.iter().find(|s| !revoked.contains(*s)).cloned();
                    match ((k + w) % 3, unrevoked) {
                        (1, Some(s)) => {
                            Env::at(&store)
                                .run_with(&["revoke", "--serial", &s, "--yes", "--reason", "superseded"], PATIENT)
                                .ok();
                            revoked.push(s);
                        }
                        (2, _) => {
                            Env::at(&store).run_with(&["gen-crl"], PATIENT).ok();
                            crls += 1;
                        }
                        _ => {
                            let cn = format!("w{w}-{k}");
                            let r = Env::at(&store).run_with(&["--json", "issue", "--cn", &cn], PATIENT).ok();
                            issued.push(r.serial());
                        }
                    }
                    k += 1;
                }
                (issued, revoked, crls)
            })
        })
        .collect();
    let (mut issued, mut revoked, mut crls) = (Vec::new(), BTreeSet::new(), 0);
    for w in workers {
        let (i, r, c) = w.join().expect("worker");
        issued.extend(i);
        revoked.extend(r);
        crls += c;
    }
    eprintln!("16 processes at a time: {} issue, {} revoke, {crls} gen-crl", issued.len(), revoked.len());
    let distinct: BTreeSet<_> = issued.iter().cloned().collect();
    assert_eq!(distinct.len(), issued.len(), "two issues got the same serial");

    let lines = check_store(&store, false);
    // The CA itself is not in its own index; every issued cert is, exactly once.
    let in_index: BTreeMap<_, _> = lines.iter().map(|l| (l.serial.clone(), l.status.clone())).collect();
    assert_eq!(lines.len(), issued.len(), "index.txt has lost or extra lines");
    for s in &issued {
        let want = if revoked.contains(s) { "R" } else { "V" };
        assert_eq!(in_index.get(s).map(String::as_str), Some(want), "serial {s} in index.txt");
    }
    Env::at(&store).run_with(&["gen-crl"], PATIENT).ok();
    let listed = crl_serials(&store.join("crl/ca.crl"));
    assert_eq!(listed, revoked, "the final CRL must list exactly the revoked serials");
}

#[test]
fn a_stopped_lock_holder_gives_a_timeout_error_and_a_killed_one_frees_the_lock() {
    let env = Env::new().with_ca();
    let store = env.store();
    let lock = store.join("index.txt.lock");
    let before = env.snapshot();
    let mut holder = hold_lock(&lock);
    signal(holder.id(), "STOP");
    let t = Instant::now();
    for args in [&["issue", "--cn", "blocked"][..], &["gen-crl"][..]] {
        env.run_with(args, &[("MTLSCTL_LOCK_TIMEOUT", "1")]).error().stderr_has("lock");
    }
    assert!(t.elapsed() < Duration::from_secs(8), "two 1 s lock waits took {:?}", t.elapsed());
    assert_eq!(env.snapshot(), before, "a command that timed out on the lock changed the store");
    // Kernel locks die with their holder: the lock file still exists, yet the lock is free.
    signal(holder.id(), "KILL");
    holder.wait().expect("reap holder");
    assert!(lock.exists());
    let t = Instant::now();
    env.run_with(&["issue", "--cn", "after-kill"], &[("MTLSCTL_LOCK_TIMEOUT", "1")]).ok();
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn mtlsctl_holds_a_kernel_lock_while_it_writes() {
    // Catch a running `issue` holding the lock: while it runs, flock -n must fail at
    // least once (it holds the lock through its writes and fsyncs).
    let env = Env::new().with_ca();
    let store = env.store();
    let lock = store.join("index.txt.lock");
    let mut seen_locked = false;
    for k in 0..30 {
        let mut child = env
            .batch_cmd()
            .args(["issue", "--cn", &format!("probe-{k}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn issue");
        while child.try_wait().expect("wait").is_none() {
            let st = Command::new("flock").args(["-n", "-s"]).arg(&lock).arg("true").status().expect("flock");
            if !st.success() {
                // Stopped while holding the lock: others time out, then SIGKILL frees it.
                signal(child.id(), "STOP");
                let still =
                    !Command::new("flock").args(["-n", "-s"]).arg(&lock).arg("true").status().expect("flock").success();
                if still {
                    seen_locked = true;
                    env.run_with(&["issue", "--cn", "waiter"], &[("MTLSCTL_LOCK_TIMEOUT", "1")])
                        .error()
                        .stderr_has("lock");
                }
                signal(child.id(), "KILL");
                break;
            }
        }
        child.wait().expect("reap");
        if seen_locked {
            break;
        }
    }
    assert!(seen_locked, "never caught mtlsctl holding index.txt.lock");
    env.run_with(&["issue", "--cn", "after"], &[("MTLSCTL_LOCK_TIMEOUT", "1")]).ok();
    check_store(&store, false);
}

// ---------------------------------------------------------------------------
// crash safety

#[test]
fn sigkill_at_random_moments_never_corrupts_the_store() {
    let env = Env::new().with_ca();
    let store = env.store();
    let csr_dir = env.path().join("csr");
    std::fs::create_dir_all(&csr_dir).expect("mkdir");
    let (req, _) = openssl_csr(&csr_dir, "r", "/CN=signed", &[]);
    let csr = csr_dir.join(req);
    let mut rng = Rng::from_time("crash test");
    // Targets to revoke, made up front.
    let mut victims: Vec<String> =
        (0..40).map(|i| env.run(&["--json", "issue", "--cn", &format!("v{i}")]).ok().serial()).collect();
    let ops = ["issue", "sign", "revoke", "gen-crl"];
    // How long each op takes uninterrupted, so kill delays span its whole run.
    let mut spans = [15u64; 4];
    for (i, op) in ops.iter().enumerate() {
        let t = Instant::now();
        let r = match *op {
            "issue" => env.run(&["issue", "--cn", "timing"]),
            "sign" => env.run(&[
                "sign",
                csr.to_str().expect("utf8"),
                "--out",
                env.path().join("timing").to_str().expect("utf8"),
            ]),
            "revoke" => env.run(&["revoke", "--serial", &victims.pop().expect("victim"), "--yes"]),
            _ => env.run(&["gen-crl"]),
        };
        r.ok();
        spans[i] = spans[i].max(t.elapsed().as_millis() as u64);
    }
    eprintln!("uninterrupted run times (ms) issue/sign/revoke/gen-crl: {spans:?}");
    let mut kills = [0u32; 4];
    let mut finished = [0u32; 4];
    let mut repaired = 0;
    let started = Instant::now();
    let mut n = 0;
    while kills.iter().sum::<u32>() < 110 && started.elapsed() < Duration::from_secs(50) {
        n += 1;
        let which = rng.below(4) as usize;
        let out = env.path().join(format!("out{n}"));
        let mut c = env.batch_cmd();
        c.stdout(Stdio::null()).stderr(Stdio::null());
        match ops[which] {
            "issue" => c.args(["issue", "--cn", &format!("k{n}")]),
            "sign" => c.arg("sign").arg(&csr).arg("--out").arg(&out),
            "revoke" => {
                let Some(v) = victims.pop() else { continue };
                c.args(["revoke", "--serial", &v, "--yes"])
            }
            _ => c.arg("gen-crl"),
        };
        // Half the kills land in the first 15 ms (startup, lock), half anywhere in the run.
        let limit = if rng.below(2) == 0 { 15 } else { spans[which] + 5 };
        let delay = rng.below(limit + 1);
        let mut child = c.spawn().expect("spawn");
        std::thread::sleep(Duration::from_millis(delay));
        match child.try_wait().expect("try_wait") {
            Some(_) => finished[which] += 1,
            None => {
                child.kill().expect("SIGKILL");
                child.wait().expect("reap");
                kills[which] += 1;
            }
        }
        check_store(&store, true);
        let text = std::fs::read_to_string(store.join("index.txt")).expect("index");
        let torn = !text.is_empty() && !text.ends_with('\n');
        // The next commands succeed; a locked one repairs a torn line and says so.
        env.run(&["list"]).ok();
        let r = env.run(&["issue", "--cn", &format!("next{n}")]).ok();
        if torn {
            repaired += 1;
            assert!(r.stderr.contains("repaired"), "a torn index line was not reported:\n{}", r.stderr);
        }
        check_store(&store, false);
        let crl = env.path().join("openssl.crl");
        openssl_ca(&env, &["-gencrl", "-out", crl.to_str().expect("utf8"), "-batch"]);
        if victims.len() < 3 {
            victims.extend((0..10).map(|i| env.run(&["--json", "issue", "--cn", &format!("r{n}-{i}")]).ok().serial()));
        }
    }
    let total: u32 = kills.iter().sum();
    eprintln!(
        "SIGKILLed issue/sign/revoke/gen-crl {kills:?} = {total} times ({finished:?} finished first); {repaired} torn index lines repaired"
    );
    assert!(total >= 100, "only {total} kills landed");
    assert!(kills.iter().all(|k| *k > 0), "some command was never killed: {kills:?}");
    // Every R line is published by the next CRL.
    env.run(&["gen-crl"]).ok();
    let lines = check_store(&store, false);
    let want: BTreeSet<_> = lines.iter().filter(|l| l.status == "R").map(|l| l.serial.clone()).collect();
    assert_eq!(crl_serials(&store.join("crl/ca.crl")), want);
}

// ---------------------------------------------------------------------------
// write failures

/// The paths whose bytes differ between two snapshots (readable in a failure message).
fn changed(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).cloned().collect::<BTreeSet<_>>().into_iter().collect()
}

/// Run mtlsctl under `sh -c` with a prefix (umask, ulimit) applied first.
fn run_sh(env: &Env, prefix: &str, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut script = format!("{prefix}; exec \"$0\" --batch --dir \"$1\"");
    for i in 0..args.len() {
        script.push_str(&format!(" \"${}\"", i + 2));
    }
    let mut c2 = Command::new("sh");
    c2.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(env.path())
        .stdin(Stdio::null());
    for (k, v) in envs {
        c2.env(k, v);
    }
    c2.arg("-c").arg(script).arg(bin()).arg(env.store()).args(args);
    to_run(c2.output().expect("run sh"))
}

fn temp_leftovers(root: &Path) -> Vec<PathBuf> {
    snapshot_dir(root).into_keys().filter(|p| p.to_string_lossy().ends_with(".tmp")).collect()
}

#[test]
fn a_read_only_store_fails_cleanly_and_changes_nothing() {
    let env = Env::new().with_ca();
    let store = env.store();
    env.issue("victim", &[]);
    let serial = read_index(&store, false)[0].serial.clone();
    // Tests run as root, which ignores permissions: run as nobody on a store nobody owns read-only.
    std::fs::set_permissions(env.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod tmp");
    peer("chown", &["-R", "65534:65534", store.to_str().expect("utf8")], env.path()).ok();
    peer("chmod", &["-R", "a-w", store.to_str().expect("utf8")], env.path()).ok();
    let before = env.snapshot();
    for args in [&["issue", "--cn", "new"][..], &["revoke", "--serial", &serial, "--yes"][..], &["gen-crl"][..]] {
        let o = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin())
            .args(["--batch", "--dir"])
            .arg(&store)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("MTLSCTL_LOCK_TIMEOUT", "2")
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect("setpriv");
        let r = to_run(o).error();
        assert!(
            r.stderr.contains(store.to_str().expect("utf8")),
            "the error does not name the store path:\n{}",
            r.stderr
        );
        assert_eq!(env.snapshot(), before, "{args:?} on a read-only store changed it");
    }
}

#[test]
fn a_write_cut_short_by_a_file_size_limit_leaves_the_store_byte_identical() {
    let env = Env::new().with_ca();
    let store = env.store();
    for i in 0..24 {
        env.issue(&format!("filler-{i}"), &[]);
    }
    // Enough revoked entries that the CRL outgrows the smaller limits, while crlnumber does not.
    for l in &read_index(&store, false)[1..18] {
        env.run(&["revoke", "--serial", &l.serial, "--yes"]).ok();
    }
    env.run(&["gen-crl"]).ok();
    let victim = read_index(&store, false)[0].serial.clone();
    eprintln!(
        "index.txt {} bytes, crl/ca.crl {} bytes",
        std::fs::metadata(store.join("index.txt")).expect("index").len(),
        std::fs::metadata(store.join("crl/ca.crl")).expect("crl").len()
    );
    let mut failed = Vec::new();
    let cases: [&[&str]; 4] = [
        &["issue", "--cn", "big1"],
        &["revoke", "--serial", &victim, "--yes"],
        &["gen-crl"],
        &["issue", "--cn", "big2", "--force"],
    ];
    // Limits in 512-byte blocks: one cuts the first write, larger ones let some
    // files through and cut a later one (index.txt is ~1.6 kB, a CRL ~0.5 kB).
    for blocks in [1, 2, 3] {
        for args in cases {
            let before = env.snapshot();
            // SIGXFSZ ignored (inherited through exec) so write(2) fails with EFBIG instead.
            let r = run_sh(&env, &format!("trap '' XFSZ; ulimit -f {blocks}"), args, &[]);
            if r.code == 0 {
                // Everything it wrote fit under the limit: fine, as long as the store is whole.
                check_store(&store, false);
                continue;
            }
            let r = r.error();
            failed.push(format!("{} at {blocks}", args[0]));
            let diff = changed(&before, &env.snapshot());
            assert!(diff.is_empty(), "{args:?} under ulimit -f {blocks} failed but changed {diff:?}\n{}", r.stderr);
            assert!(temp_leftovers(&store).is_empty(), "temp files left: {:?}", temp_leftovers(&store));
        }
    }
    eprintln!("cut short: {failed:?}");
    for op in ["issue", "revoke", "gen-crl"] {
        assert!(failed.iter().any(|f| f.starts_with(op)), "no limit made {op} fail: {failed:?}");
    }
}

// ---------------------------------------------------------------------------
// modes and secrets

#[test]
fn keys_are_0600_and_private_dirs_0700_whatever_the_umask() {
    let env = Env::new();
    let store = env.store();
    run_sh(&env, "umask 000", &["init-ca"], &[]).ok();
    run_sh(&env, "umask 000", &["issue", "--cn", "svc"], &[]).ok();
    let csr_out = env.path().join("csr-out");
    run_sh(&env, "umask 000", &["csr", "--cn", "req", "--out", csr_out.to_str().expect("utf8")], &[]).ok();
    assert_eq!(mode(&store.join("private")), 0o700);
    assert_eq!(mode(&store.join("private/ca.key")), 0o600);
    assert_eq!(mode(&env.issued("svc", "key.pem")), 0o600);
    assert_eq!(mode(&store.join("issued/svc")), 0o700);
    assert_eq!(mode(&csr_out.join("key.pem")), 0o600);
    // Public files are still readable by the servers that need them.
    assert_eq!(mode(&env.issued("svc", "cert.pem")), 0o644);
}

#[test]
fn a_ca_key_readable_by_others_is_refused_with_the_chmod_fix() {
    let env = Env::new().with_ca();
    let key = env.store().join("private/ca.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let before = env.snapshot();
    env.run(&["issue", "--cn", "x"]).error().stderr_has("chmod 600").stderr_has("ca.key");
    env.run(&["gen-crl"]).error().stderr_has("chmod 600");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn passphrase_errors_are_clear_and_never_echo_the_secret() {
    const SECRET: &str = "Sup3r-s3cret-Passphrase-9f2c";
    const WRONG: &str = "Wr0ng-Passphrase-77aa";
    let env = Env::new();
    let init = env.run_with(&["init-ca"], &[("MTLSCTL_CA_PASSPHRASE", SECRET)]).ok();
    let key = std::fs::read_to_string(env.store().join("private/ca.key")).expect("key");
    assert!(key.contains("ENCRYPTED PRIVATE KEY"));
    let pass_file = env.path().join("wrong.txt");
    std::fs::write(&pass_file, format!("{WRONG}\n")).expect("write");
    let before = env.snapshot();
    let mut runs = vec![
        init,
        env.run_with(&["issue", "--cn", "a"], &[("MTLSCTL_CA_PASSPHRASE", WRONG)]).error().stderr_has("ca.key"),
        env.run(&["issue", "--cn", "a", "--passphrase-file", pass_file.to_str().expect("utf8")]).error(),
        env.run(&["gen-crl"]).error().stderr_has("no passphrase"),
    ];
    assert_eq!(env.snapshot(), before, "a refused passphrase changed the store");
    runs.push(env.run_with(&["issue", "--cn", "ok", "--json"], &[("MTLSCTL_CA_PASSPHRASE", SECRET)]).ok());
    for r in &runs {
        for s in [SECRET, WRONG] {
            assert!(!r.stdout.contains(s) && !r.stderr.contains(s), "passphrase printed:\n{}\n{}", r.stdout, r.stderr);
        }
    }
    assert_eq!(read_index(&env.store(), false).len(), 1);
}

#[test]
fn a_corrupt_ca_key_is_a_clear_error() {
    let env = Env::new().with_ca();
    let key = env.store().join("private/ca.key");
    let text = std::fs::read_to_string(&key).expect("key");
    let bodies = [
        text.replace("PRIVATE KEY", "CERTIFICATE"),
        text[..text.len() / 2].to_string(),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_string(),
        String::new(),
    ];
    for body in bodies {
        std::fs::write(&key, &body).expect("write");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let before = env.snapshot();
        env.run(&["issue", "--cn", "x"]).error().stderr_has("ca.key");
        assert_eq!(env.snapshot(), before);
    }
}

// ---------------------------------------------------------------------------
// bad input: a clear error, no panic, nothing changed

#[test]
fn bad_input_leaves_the_store_unchanged() {
    let env = Env::new().with_ca();
    env.issue("existing", &[]);
    let before = env.snapshot();
    let same = |what: &str| assert!(before == env.snapshot(), "{what} changed the store");

    env.run(&["issue", "--cn", "x", "--key-type", "dsa-1024"]).usage_error();
    same("unknown key type");
    env.run(&["issue", "--cn", "x", "--profile", "admin"]).usage_error();
    same("unknown profile");
    env.run(&["init-ca", "--key-type", "rsa-1024"]).usage_error();
    same("init-ca with an unknown key type");

    env.run(&["issue", "--cn", "x", "--validity", "0d"]).error().stderr_has("zero");
    same("zero validity");
    env.run(&["issue", "--cn", "x", "--validity", "soon"]).error().stderr_has("--validity");
    same("unparsable validity");
    env.run(&["issue", "--cn", "x", "--validity", "20y"]).error().stderr_has("after the CA itself expires");
    same("validity past the CA");
    env.run(&["issue", "--cn", "x", "--san", "ftp:x"]).error();
    same("unknown SAN type");
    env.run(&["issue", "--cn", "existing"]).error().stderr_has("already holds a certificate").stderr_has("--force");
    same("issuing over an identity");

    env.run(&["init-ca"]).error().stderr_has("already exists");
    same("init-ca on an existing store");
    env.run(&["init-ca", "--key-type", "ed25519", "--cn", "Other"]).error().stderr_has("already exists");
    same("init-ca with other options");

    // A corrupt line: the reader names the file and line, and writes nothing.
    let index = env.store().join("index.txt");
    let mut text = std::fs::read_to_string(&index).unwrap();
    text.push_str("V\t270101000000Z\t\t0A\tunknown\n");
    std::fs::write(&index, &text).unwrap();
    let before = env.snapshot();
    let r = env.run(&["list"]).error().stderr_has("index.txt").stderr_has("line 2");
    assert!(r.stderr.contains("6 tab-separated fields"), "{}", r.stderr);
    assert!(before == env.snapshot(), "list changed a corrupt store");
    let r = env.run(&["--json", "list", "--revoked"]).error();
    assert!(r.stdout.is_empty(), "a failed --json command printed: {}", r.stdout);
    assert!(before == env.snapshot(), "list --json changed a corrupt store");
}

#[test]
fn missing_store_is_named_with_the_fix() {
    let env = Env::new();
    for args in [&["issue", "--cn", "x"][..], &["list"][..]] {
        let r = env.run(args).error();
        let dir = env.store().display().to_string();
        assert!(r.stderr.contains(&format!("no CA store at {dir}")), "{}", r.stderr);
        assert!(r.stderr.contains("mtlsctl init-ca"), "{}", r.stderr);
    }
    assert!(!env.store().exists(), "a failed command created the store");
    // A directory that is not a store is refused the same way, and left alone.
    std::fs::create_dir(env.store()).unwrap();
    std::fs::write(env.store().join("notes.txt"), "mine").unwrap();
    let before = env.snapshot();
    env.run(&["issue", "--cn", "x"]).error().stderr_has("is not a CA store").stderr_has("mtlsctl init-ca");
    env.run(&["init-ca"]).error().stderr_has("already exists");
    assert_eq!(before, env.snapshot());
    // init-ca with zero validity creates nothing.
    let fresh = Env::new();
    fresh.run(&["init-ca", "--validity", "0y"]).error().stderr_has("zero");
    assert!(!fresh.store().exists());
}

/// `issue` only appends to index.txt, but it checks the line it appends after:
/// a corrupt last line is an error that changes nothing, not buried.
#[test]
fn issue_refuses_to_append_after_a_corrupt_last_line() {
    let env = Env::new().with_ca();
    env.issue("first", &[]);
    let index = env.store().join("index.txt");
    let mut text = std::fs::read_to_string(&index).expect("index");
    text.push_str("V\t350101000000Z\t\t1A2B\t/CN=five-fields\n");
    std::fs::write(&index, text).expect("write index");
    let before = env.snapshot();
    env.run(&["issue", "--cn", "second"]).error().stderr_has("index.txt").stderr_has("last line");
    assert_eq!(env.snapshot(), before);
    assert!(!env.store().join("issued/second").exists(), "a refused issue leaves no directory behind");
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/malformed")
}

/// A certificate's text must not drive the terminal (escape sequences, bells, carriage returns).
fn no_raw_controls(r: &Run, name: &str) {
    assert!(!r.stderr.contains("panicked"), "panic on {name}:\n{}", r.stderr);
    for (what, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        let bad = text.chars().find(|c| c.is_control() && *c != '\n');
        assert!(bad.is_none(), "{what} for {name} holds a raw control character {bad:?}:\n{text}");
    }
}

#[test]
fn every_malformed_file_is_an_error_naming_it_never_a_panic() {
    let env = Env::new().with_ca();
    let mut n = 0;
    let mut files: Vec<_> = std::fs::read_dir(fixtures()).expect("fixtures").flatten().map(|e| e.path()).collect();
    files.sort();
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).expect("name");
        if name.starts_with("index-") || name == "README.md" {
            continue;
        }
        let p = f.to_str().expect("utf8");
        let r = env.run(&["inspect", p]);
        no_raw_controls(&r, name);
        if name.starts_with("ok-") {
            // Legitimate but unusual (a UTF-8 CN, text after the PEM block): decoded.
            r.ok();
        } else {
            let r = r.error();
            assert!(r.stderr.contains(name), "inspect's error does not name {name}:\n{}", r.stderr);
        }
        if name.contains("csr") {
            let before = env.snapshot();
            let r = env.run(&["sign", p]).error();
            assert!(r.stderr.contains(name), "sign's error does not name {name}:\n{}", r.stderr);
            assert_eq!(env.snapshot(), before);
        } else if name.contains("cert") {
            let r = env.run(&["verify", p]);
            no_raw_controls(&r, name);
            assert!(r.code == 1 || r.code == 3, "verify {name}: exit {}\n{}", r.code, r.stderr);
            if r.code == 1 {
                assert!(r.stderr.contains(name), "verify's error does not name {name}:\n{}", r.stderr);
            }
        }
        n += 1;
    }
    assert!(n >= 10, "only {n} malformed files");
    eprintln!("{n} malformed files refused without a panic");
}

#[test]
fn a_malformed_index_line_is_an_error_naming_the_index() {
    for f in std::fs::read_dir(fixtures()).expect("fixtures").flatten().map(|e| e.path()) {
        let name = f.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        if !name.starts_with("index-") {
            continue;
        }
        let env = Env::new().with_ca();
        let index = env.store().join("index.txt");
        std::fs::copy(&f, &index).expect("copy");
        let before = env.snapshot();
        // issue only appends (cheap in a large store), so the readers are what must refuse.
        for args in [&["list"][..], &["revoke", "--serial", "1A2B", "--yes"][..], &["gen-crl"][..]] {
            env.run(args).error().stderr_has("index.txt");
        }
        assert_eq!(env.snapshot(), before, "{name}");
    }
}
