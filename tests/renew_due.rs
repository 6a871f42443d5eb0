//! renew --due, gen-crl --if-due and schedule: short-lived certificates that
//! renew themselves (30 s validities), behind a live nginx, under SIGKILL.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn count_lines(p: &std::path::Path) -> usize {
    std::fs::read_to_string(p).map(|t| t.lines().count()).unwrap_or(0)
}

/// The serial (hex, upper case) of a PEM certificate.
fn cert_serial(cert: &std::path::Path) -> String {
    let r = openssl(std::path::Path::new("/"), &["x509", "-in", utf8(cert), "-noout", "-serial"]);
    r.stdout.trim().trim_start_matches("serial=").to_uppercase()
}

#[test]
fn due_renews_only_due_identities_and_skips_revoked() {
    let env = Env::new().with_ca();
    env.issue("short", &["--validity", "30s"]);
    env.issue("long", &["--validity", "1h"]);
    let revoked = env.issue_serial("gone", &["--validity", "30s"]);
    env.run(&["revoke", "--serial", &revoked, "--yes"]).ok();
    let long_before = snapshot_dir(&env.store().join("issued/long"));
    let gone_before = snapshot_dir(&env.store().join("issued/gone"));
    let short_serial = cert_serial(&env.issued("short", "cert.pem"));

    let r = env.run(&["--json", "renew", "--due"]).ok();
    let j = r.json();
    let renewed = j["renewed"].as_array().unwrap();
    assert_eq!(renewed.len(), 1, "{j}");
    assert_eq!(renewed[0]["name"], "short");
    assert_eq!(renewed[0]["old_serial"], short_serial.as_str());
    let skipped: Vec<(String, String)> = j["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect();
    assert!(skipped.contains(&("long".into(), "not_due".into())), "{j}");
    assert!(skipped.contains(&("gone".into(), "revoked".into())), "{j}");
    assert!(j["failed"].as_array().unwrap().is_empty());
    assert_ne!(cert_serial(&env.issued("short", "cert.pem")), short_serial);
    assert_eq!(snapshot_dir(&env.store().join("issued/long")), long_before, "a not-due identity changed");
    assert_eq!(snapshot_dir(&env.store().join("issued/gone")), gone_before, "a revoked identity changed");

    // Nothing due: exit 0, nothing changes; the human output says so in minutes.
    let snap = env.snapshot();
    let r = env.run(&["renew", "--due", "--before", "1s"]).ok();
    assert!(r.stderr.contains("nothing due"), "{}", r.stderr);
    assert!(r.stderr.contains(" min left") || r.stderr.contains(" s left"), "{}", r.stderr);
    assert_eq!(env.snapshot(), snap);
    // The single-identity renew reads --before the same way.
    env.run(&["renew", "--cn", "long", "--before", "10%"]).ok().stderr_has("nothing to do");
    env.run(&["renew", "--cn", "long", "--before", "99%"]).ok().stderr_has("Renewed");
    env.run(&["renew", "--due", "--before", "120%"]).error().stderr_has("between 0% and 100%");
}

/// An expired identity is skipped, said once, with what replaces it (by its CN, not its directory).
#[test]
fn due_names_what_replaces_an_expired_identity() {
    let env = Env::new().with_ca();
    env.issue("old one", &["--validity", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let r = env.run(&["renew", "--due"]).ok();
    assert!(r.stderr.contains("skipped old_one: expired "), "{}", r.stderr);
    assert!(r.stderr.contains(" ago (mtlsctl issue --cn 'old one' replaces it)"), "{}", r.stderr);
    assert!(!r.stderr.contains("expired, expired"), "{}", r.stderr);
    env.run(&["issue", "--cn", "old one"]).ok().stderr_has("expired");
}

#[test]
fn exec_runs_once_only_after_a_renewal_and_its_failure_is_exit_1() {
    let env = Env::new().with_ca();
    env.issue("a", &["--validity", "30s"]);
    env.issue("b", &["--validity", "30s"]);
    let count = env.path().join("count");
    let exec = format!("echo ran >> {}", utf8(&count));
    env.run(&["renew", "--due", "--validity", "30s", "--exec", &exec]).ok();
    assert_eq!(count_lines(&count), 1, "--exec runs once for two renewals");
    env.run(&["renew", "--due", "--before", "1s", "--exec", &exec]).ok();
    assert_eq!(count_lines(&count), 1, "--exec runs only after a renewal");
    let before = cert_serial(&env.issued("a", "cert.pem"));
    let r = env.run(&["renew", "--due", "--exec", "exit 7"]).code(1);
    assert!(r.stderr.contains("exit status 7"), "{}", r.stderr);
    assert_ne!(cert_serial(&env.issued("a", "cert.pem")), before, "the renewal stays when --exec fails");
    env.run(&["renew", "--due", "--jitter", "1s", "--before", "1s"]).ok();
}

#[test]
fn gen_crl_if_due_regenerates_only_when_due() {
    let env = Env::new().with_ca();
    env.run(&["gen-crl", "--next-update", "1h"]).ok();
    let crl = env.store().join("crl/ca.crl");
    let first = std::fs::read(&crl).unwrap();
    let snap = env.snapshot();
    let r = env.run(&["--json", "gen-crl", "--if-due"]).ok();
    assert_eq!(r.json()["regenerated"], false);
    assert!(env.run(&["gen-crl", "--if-due", "--before", "30m"]).ok().stderr.contains("not due"));
    assert_eq!(env.snapshot(), snap, "a CRL not due is left alone");
    let r = env.run(&["--json", "gen-crl", "--if-due", "--before", "2h"]).ok();
    assert_eq!(r.json()["regenerated"], true);
    assert_ne!(std::fs::read(&crl).unwrap(), first);
    let r = env.run(&["--json", "gen-crl", "--if-due", "--before", "100%"]).ok();
    assert_eq!(r.json()["crl_number"], "03");
}

#[test]
fn schedule_units_verify_and_the_cron_line_runs() {
    let env = Env::new().with_ca();
    env.issue("svc", &["--validity", "30s"]);
    let units = env.path().join("units");
    std::fs::create_dir(&units).unwrap();
    let r = env
        .run(&["--json", "schedule", "systemd", "--every", "1h", "--exec", "nginx -s reload", "--out", utf8(&units)])
        .ok();
    let files: Vec<String> =
        r.json()["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(files, ["mtlsctl-pki.service", "mtlsctl-pki.timer"]);
    let service = std::fs::read_to_string(units.join("mtlsctl-pki.service")).unwrap();
    let store = std::fs::canonicalize(env.store()).unwrap();
    assert!(
        service.contains(&format!("--dir {} --batch renew --due --exec \"nginx -s reload\"", store.display())),
        "{service}"
    );
    assert!(service.contains("gen-crl --if-due"), "{service}");
    let timer = std::fs::read_to_string(units.join("mtlsctl-pki.timer")).unwrap();
    assert!(timer.contains("OnUnitActiveSec=3600s"), "{timer}");
    let v = Command::new(require_peer("systemd-analyze"))
        .arg("verify")
        .arg(units.join("mtlsctl-pki.service"))
        .arg(units.join("mtlsctl-pki.timer"))
        .output()
        .unwrap();
    assert!(v.status.success(), "systemd-analyze verify: {}", String::from_utf8_lossy(&v.stderr));
    assert!(!String::from_utf8_lossy(&v.stderr).contains("mtlsctl-pki"), "{}", String::from_utf8_lossy(&v.stderr));

    let count = env.path().join("count");
    let exec = format!("echo ran >> {}", utf8(&count));
    let line = env.run(&["schedule", "cron", "--every", "15m", "--exec", &exec]).ok().stdout;
    let line = line.trim();
    assert!(line.starts_with("*/15 * * * * /"), "{line}");
    let job: String = line.splitn(6, ' ').nth(5).unwrap().to_string();
    let before = cert_serial(&env.issued("svc", "cert.pem"));
    let o = Command::new("sh")
        .arg("-c")
        .arg(&job)
        .current_dir("/")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert!(o.status.success(), "{job}: {}", String::from_utf8_lossy(&o.stderr));
    assert_ne!(cert_serial(&env.issued("svc", "cert.pem")), before, "the cron job renewed");
    assert!(env.store().join("crl/ca.crl").exists(), "the cron job wrote the CRL");
    // --exec ran after the new CRL and after the renewal: nginx reads both only at reload.
    assert_eq!(count_lines(&count), 2);
}

/// A small seeded generator, so a failing run can be repeated (seed printed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn pubkey(args: &[&str]) -> String {
    openssl(std::path::Path::new("/"), args).stdout
}

#[test]
fn sigkill_during_renew_due_never_leaves_a_mixed_identity() {
    let env = Env::new().with_ca();
    let names = ["k1", "k2", "k3"];
    for n in names {
        env.issue(n, &["--validity", "30s"]);
    }
    let seed = std::env::var("MTLSCTL_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    println!("sigkill seed: {seed} (MTLSCTL_KILL_SEED={seed} repeats it)");
    let mut rng = Rng(seed);
    let start = Instant::now();
    env.run(&["renew", "--due"]).ok();
    let full = start.elapsed().as_micros() as u64;
    let runs = 50;
    for i in 0..runs {
        let mut child =
            env.batch_cmd().args(["renew", "--due"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % (full + full / 5 + 1)));
        let _ = child.kill();
        let _ = child.wait();
        let index = env.index_text();
        for n in names {
            let cert = env.issued(n, "cert.pem");
            let key = env.issued(n, "key.pem");
            let from_cert = pubkey(&["x509", "-in", utf8(&cert), "-noout", "-pubkey"]);
            let from_key = pubkey(&["pkey", "-in", utf8(&key), "-pubout"]);
            assert_eq!(from_cert, from_key, "run {i} (seed {seed}): {n}'s cert.pem and key.pem do not match");
            let serial = cert_serial(&cert);
            assert!(
                index.lines().any(|l| l.split('\t').nth(3) == Some(serial.as_str())),
                "run {i} (seed {seed}): {n}'s serial {serial} has no index line"
            );
        }
    }
    println!("sigkill: {runs} runs, a full renew --due of 3 identities takes {full} us");
    env.run(&["gen-crl"]).ok();
    let check = env.run(&["check", "--repair"]);
    assert_eq!(check.code, 0, "check --repair after the kills:\n{}{}", check.stdout, check.stderr);
}

/// Stops a master-process nginx (and its workers) through its own pid file.
struct StopNginx(std::path::PathBuf, std::path::PathBuf);

impl Drop for StopNginx {
    fn drop(&mut self) {
        let _ = Command::new(require_peer("nginx"))
            .arg("-p")
            .arg(&self.0)
            .arg("-c")
            .arg(&self.1)
            .args(["-s", "stop"])
            .output();
    }
}

#[test]
fn nginx_keeps_serving_while_a_30s_client_certificate_renews_itself() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1", "--validity", "1h"]);
    env.issue("client", &["--validity", "30s"]);
    env.run(&["gen-crl"]).ok();
    let dir = env.path().join("ng");
    std::fs::create_dir_all(&dir).unwrap();
    let ca = env.store().join("certs/ca.crt");
    let port = free_port();
    let mtls = nginx_mtls(&env.issued("localhost", "chain.pem"), &env.issued("localhost", "key.pem"), &ca);
    let conf = write_nginx_conf(
        &dir,
        &format!(
            "  server {{\n    listen 127.0.0.1:{port} ssl;\n{mtls}    ssl_crl {crl};\n    location / {{ return 200 \"$ssl_client_serial\\n\"; }}\n  }}\n",
            crl = utf8(&env.store().join("crl/ca.crl"))
        ),
    );
    // A reload needs the master process (single-process nginx drops TLS on SIGHUP).
    let text = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("master_process off;", "master_process on;\nworker_processes 1;");
    std::fs::write(&conf, text).unwrap();
    let nginx = require_peer("nginx");
    let _server = run_nginx(&dir, port);
    // Dropped before `_server`: stops the master and its workers, then the kill finds nothing.
    let _stop = StopNginx(dir.clone(), conf.clone());
    let reload = format!("{} -p {} -c {} -s reload", nginx.display(), utf8(&dir), utf8(&conf));

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // curl opens `--cert identity.pem` twice (chain, then key), so the two reads
    // can straddle the swap (docs/rotation.md). Even requests read the file once
    // through an open descriptor, the recipe the docs give: every failure counts.
    // Odd requests name the path: their straddles (curl exit 58, the new key for
    // the old certificate) are counted apart; any other failure counts.
    let (bundle, ca2) = (env.issued("client", "identity.pem"), ca.clone());
    let flag = stop.clone();
    let client = std::thread::spawn(move || {
        let (mut ok, mut failed, mut serials) = (0usize, Vec::new(), std::collections::BTreeSet::new());
        let mut straddles = 0usize;
        let url = format!("https://127.0.0.1:{port}/");
        for n in 0usize.. {
            if flag.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let common = ["-sS", "--max-time", "10", "-w", "\n%{http_code}", "--cacert", utf8(&ca2)];
            let r = if n % 2 == 0 {
                let script = "exec curl \"$@\" --cert /dev/fd/3 3<\"$BUNDLE\"";
                let out = std::process::Command::new("sh")
                    .args(["-c", script, "sh"])
                    .args(common)
                    .arg(&url)
                    .env("BUNDLE", &bundle)
                    .output()
                    .expect("sh runs");
                (
                    out.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&out.stdout).into_owned(),
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                )
            } else {
                let r = curl(port, &["-S", "-w", "\n%{http_code}", "--cacert", utf8(&ca2), "--cert", utf8(&bundle)]);
                (r.code, r.stdout, r.stderr)
            };
            let (code, stdout, stderr) = r;
            let lines: Vec<&str> = stdout.lines().collect();
            let (serial, status) =
                (lines.first().copied().unwrap_or_default(), lines.last().copied().unwrap_or_default());
            if code == 0 && status == "200" {
                ok += 1;
                serials.insert(serial.to_uppercase());
            } else if n % 2 == 1 && code == 58 && stderr.contains("unable to set private key") {
                straddles += 1;
            } else {
                failed.push(format!("curl exit {code} status {status}: {}", stderr.trim()));
            }
        }
        (ok, failed, serials, straddles)
    });
    let start = Instant::now();
    let mut renewals = 0;
    while start.elapsed() < Duration::from_secs(120) {
        let r = env.run(&["--json", "renew", "--due", "--before", "15s", "--validity", "30s", "--exec", &reload]).ok();
        renewals += r.json()["renewed"].as_array().unwrap().len();
        std::thread::sleep(Duration::from_secs(2));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (ok, failed, serials, straddles) = client.join().unwrap();
    println!(
        "nginx loop: {ok} requests served, {} failed, {straddles} path reads straddled a swap, {renewals} renewals, {} client serials seen",
        failed.len(),
        serials.len()
    );
    // The issue's criterion: no request fails for a certificate reason (curl
    // could not use its certificate, a TLS alert or certificate error, nginx's
    // 400/495/496 certificate pages). Anything else (a connection cut while
    // nginx swaps workers on a loaded machine) is reported and must stay rare.
    let for_certificate = |f: &String| {
        let lower = f.to_ascii_lowercase();
        f.starts_with("curl exit 58 ")
            || [" status 400", " status 495", " status 496"].iter().any(|s| f.contains(s))
            || ["certificate", "alert", "unable to set private key", "key values mismatch"]
                .iter()
                .any(|w| lower.contains(w))
    };
    let (cert_failures, other): (Vec<&String>, Vec<&String>) = failed.iter().partition(|f| for_certificate(f));
    // A straddle needs a swap between curl's two opens: never more than the swaps.
    assert!(straddles <= renewals, "{straddles} straddles for {renewals} renewals");
    assert!(
        cert_failures.is_empty(),
        "{} of {} requests failed for a certificate reason: {:?}",
        cert_failures.len(),
        ok + failed.len(),
        &cert_failures[..cert_failures.len().min(5)]
    );
    assert!(
        other.len() * 100 <= ok + failed.len(),
        "{} of {} requests failed: {other:?}",
        other.len(),
        ok + failed.len()
    );
    assert!(renewals >= 3, "renewals: {renewals}");
    assert!(serials.len() >= 3, "nginx saw the serials {serials:?}");
    assert!(ok > 100, "only {ok} requests");
}
