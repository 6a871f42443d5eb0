//! probe against the servers people run (issue 13, SPEC §3 revised): nginx, Apache
//! mod_ssl, HAProxy, stunnel, lighttpd, Caddy and `openssl s_server` on 127.0.0.1,
//! each started once with its own config in a temp dir and stopped by PID, in the
//! modes required / optional / ask-but-don't-verify / none, with the cases good
//! certificate, none, other CA, expired, revoked, intermediate-issued, untrusted
//! server, wrong name, TLS 1.2- and 1.3-only, application answers, and the TLS 1.2
//! alert race (every refusal, 20 times, must come with its alert).

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

// ---------- the PKI every server uses ----------

/// Root store `pki` (server `localhost`, clients alice, bob revoked, old expired),
/// `other` (an unrelated CA with client stranger), `inter` (an intermediate of pki with
/// client carol), and the files servers load.
struct Pki {
    env: Env,
}

impl Pki {
    fn new() -> Self {
        let env = Env::new().with_ca();
        env.issue("localhost", &["--profile", "server", "--san", "dns:localhost", "--san", "ip:127.0.0.1"]);
        env.issue("alice", &[]);
        env.issue("bob", &[]);
        env.run(&["revoke", "--cn", "bob", "--reason", "key-compromise"]).ok();
        env.run(&["gen-crl"]).ok();
        let run_in = |dir: &str, args: &[&str]| {
            let mut c = env.cmd();
            c.arg("--batch").arg("--dir").arg(env.path().join(dir)).args(args);
            let r = to_run(c.output().expect("run mtlsctl"));
            assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        };
        run_in("other", &["init-ca", "--cn", "Other CA"]);
        run_in("other", &["issue", "--cn", "stranger"]);
        let root = env.store().display().to_string();
        run_in("inter", &["init-ca", "--parent", &root, "--cn", "Intermediate CA"]);
        run_in("inter", &["issue", "--cn", "carol"]);
        run_in("inter", &["gen-crl"]);

        // An expired client certificate, made by openssl ca on our store.
        openssl_csr(env.path(), "old", "/CN=old", &[]);
        let cnf = env.store().join("openssl.cnf").display().to_string();
        openssl(
            env.path(),
            &[
                "ca",
                "-config",
                &cnf,
                "-batch",
                "-notext",
                "-in",
                "old.csr",
                "-out",
                "old.crt",
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20200201000000Z",
            ],
        );
        // Server files in the shapes the servers want.
        let read = |p: PathBuf| std::fs::read_to_string(p).expect("read pki file");
        let chain = read(env.issued("localhost", "chain.pem"));
        let key = read(env.issued("localhost", "key.pem"));
        std::fs::write(env.path().join("server.pem"), format!("{chain}{key}")).expect("server.pem");
        std::fs::copy(env.issued("localhost", "cert.pem"), env.path().join("server.crt")).expect("server.crt");
        std::fs::copy(env.issued("localhost", "key.pem"), env.path().join("server.key")).expect("server.key");
        std::fs::copy(env.store().join("certs/ca.crt"), env.path().join("ca.crt")).expect("ca.crt");
        std::fs::copy(env.store().join("crl/ca.crl"), env.path().join("crl.pem")).expect("crl.pem");
        // The intermediate's CRL alone: what breaks nginx-style chain CRL checking.
        std::fs::copy(env.path().join("inter/crl/ca.crl"), env.path().join("inter-crl.pem")).expect("inter crl");
        std::fs::create_dir_all(env.path().join("www/secure")).expect("www");
        std::fs::write(env.path().join("www/index.html"), "hello\n").expect("index");
        std::fs::write(env.path().join("www/secure/index.html"), "secret\n").expect("secure index");
        Self { env }
    }

    fn path(&self) -> &Path {
        self.env.path()
    }

    fn file(&self, name: &str) -> String {
        self.path().join(name).display().to_string()
    }
}

// ---------- servers, stopped by PID ----------

/// A server process we started: SIGTERM by PID when dropped (so it can clean up), then kill.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).stderr(Stdio::null()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server program: in /usr/sbin (not on every PATH) or on PATH (require_peer). A missing
/// one fails the test, naming the package: these tests are never skipped.
fn server_bin(name: &str) -> PathBuf {
    let sbin = Path::new("/usr/sbin").join(name);
    if sbin.exists() {
        return sbin;
    }
    let on_path = std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).exists()));
    assert!(
        on_path,
        "{name} is required by the probe server tests (.ci/run installs it): apt-get install -y apache2 haproxy stunnel4 lighttpd caddy nginx-light openssl"
    );
    require_peer(name)
}

/// Start `cmd` (output to `log`) and wait until every port listens.
fn start(name: &'static str, mut cmd: Command, log: PathBuf, ports: &[u16]) -> Proc {
    let out = std::fs::File::create(&log).expect("server log");
    let err = out.try_clone().expect("server log");
    let child =
        cmd.stdin(Stdio::null()).stdout(out).stderr(err).spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
    let mut p = Proc { child, log };
    for &port in ports {
        let t = Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            if let Ok(Some(st)) = p.child.try_wait() {
                panic!(
                    "{name} exited ({st}) before listening:\n{}",
                    std::fs::read_to_string(&p.log).unwrap_or_default()
                );
            }
            assert!(t.elapsed() < Duration::from_secs(15), "{name}: nothing listens on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    p
}

/// Free ports, distinct from each other.
fn ports(n: usize) -> Vec<u16> {
    let ls: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0").expect("bind")).collect();
    ls.iter().map(|l| l.local_addr().expect("addr").port()).collect()
}

/// A tiny HTTP backend behind stunnel: `GET /NNN` answers status NNN, anything else 200.
fn http_backend() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&buf);
                let path = text.split(' ').nth(1).unwrap_or("/");
                let status: u16 = path.trim_start_matches('/').parse().unwrap_or(200);
                let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n");
                let _ = s.write_all(answer.as_bytes());
            });
        }
    });
    port
}

// ---------- cases and expectations ----------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Good,
    NoCert,
    OtherCa,
    Expired,
    Revoked,
    Intermediate,
    /// alice with --no-client-cert: the enforcement question.
    Enforce,
    /// --no-client-cert without an identity: the enforcement question alone.
    EnforceOnly,
    /// --cacert of another CA: the server is not trusted.
    Untrusted,
    WrongName,
}

fn case_args(pki: &Pki, case: Case) -> Vec<String> {
    let other = |f: &str| pki.file(&format!("other/issued/stranger/{f}"));
    let carol = |f: &str| pki.file(&format!("inter/issued/carol/{f}"));
    let v: Vec<String> = match case {
        Case::Good => vec!["--name".into(), "alice".into()],
        Case::NoCert => vec![],
        Case::OtherCa => vec!["--cert".into(), other("chain.pem"), "--key".into(), other("key.pem")],
        Case::Expired => vec!["--cert".into(), pki.file("old.crt"), "--key".into(), pki.file("old.key")],
        Case::Revoked => vec!["--name".into(), "bob".into()],
        Case::Intermediate => vec!["--cert".into(), carol("chain.pem"), "--key".into(), carol("key.pem")],
        Case::Enforce => vec!["--name".into(), "alice".into(), "--no-client-cert".into()],
        Case::EnforceOnly => vec!["--no-client-cert".into()],
        Case::Untrusted => vec!["--name".into(), "alice".into(), "--cacert".into(), pki.file("other/certs/ca.crt")],
        Case::WrongName => vec!["--name".into(), "alice".into(), "--servername".into(), "wrong.example".into()],
    };
    v
}

/// What one probe must show.
#[derive(Debug, Clone)]
struct Expect {
    exit: i32,
    verdict: &'static str,
    /// The first diagnosis code (None: no diagnosis at all).
    first: Option<&'static str>,
    enforcement: Option<&'static str>,
    /// `server_response.alert`, when it must be a particular one.
    alert: Option<&'static str>,
    tls_version: Option<&'static str>,
    /// Words the first diagnosis must contain.
    says: Option<&'static str>,
}

fn ok() -> Expect {
    Expect { exit: 0, verdict: "ok", first: None, enforcement: None, alert: None, tls_version: None, says: None }
}

fn fail(code: &'static str) -> Expect {
    Expect { exit: 3, verdict: "mtls_failed", first: Some(code), ..ok() }
}

impl Expect {
    fn enf(mut self, e: &'static str) -> Self {
        self.enforcement = Some(e);
        self
    }
    fn first(mut self, c: &'static str) -> Self {
        self.first = Some(c);
        self
    }
    fn alert(mut self, a: &'static str) -> Self {
        self.alert = Some(a);
        self
    }
    fn tls(mut self, v: &'static str) -> Self {
        self.tls_version = Some(v);
        self
    }
    fn says(mut self, w: &'static str) -> Self {
        self.says = Some(w);
        self
    }
}

/// One check: a probe of `port` with a case's arguments plus `extra`.
struct Check {
    label: String,
    port: u16,
    args: Vec<String>,
    expect: Expect,
}

fn check(pki: &Pki, label: &str, port: u16, case: Case, extra: &[&str], expect: Expect) -> Check {
    let mut args = case_args(pki, case);
    args.extend(extra.iter().map(|s| s.to_string()));
    Check { label: format!("{label} {case:?} {}", extra.join(" ")), port, args, expect }
}

fn run_probe(pki: &Pki, port: u16, args: &[String]) -> (Run, Value) {
    let target = format!("127.0.0.1:{port}");
    let mut all: Vec<&str> = vec!["--json", "probe", &target, "--timeout", "10s"];
    all.extend(args.iter().map(String::as_str));
    let r = pki.env.run(&all);
    assert!(!r.stderr.contains("panicked"), "panic:\n{}", r.stderr);
    let j = r.json();
    (r, j)
}

/// The mismatches of one check, as text (empty: it passed).
fn verify(pki: &Pki, c: &Check) -> String {
    let (r, j) = run_probe(pki, c.port, &c.args);
    let e = &c.expect;
    let first = j["diagnosis"][0]["code"].as_str();
    let mut bad = Vec::new();
    if r.code != e.exit {
        bad.push(format!("exit {} (want {})", r.code, e.exit));
    }
    if j["verdict"] != e.verdict {
        bad.push(format!("verdict {} (want {})", j["verdict"], e.verdict));
    }
    if first != e.first {
        bad.push(format!("first code {first:?} (want {:?})", e.first));
    }
    if j["enforcement"].as_str() != e.enforcement {
        bad.push(format!("enforcement {} (want {:?})", j["enforcement"], e.enforcement));
    }
    if let Some(a) = e.alert {
        let got = j["server_response"]["alert"].as_str();
        if got != Some(a) {
            bad.push(format!("alert {got:?} (want {a})"));
        }
    }
    if let Some(v) = e.tls_version {
        if j["tls_version"] != v {
            bad.push(format!("tls_version {} (want {v})", j["tls_version"]));
        }
    }
    if let Some(w) = e.says {
        let text = format!("{} {}", j["diagnosis"][0]["cause"], j["diagnosis"][0]["fix"]);
        if !text.contains(w) {
            bad.push(format!("first diagnosis lacks {w:?}"));
        }
    }
    // Errors are in words: no library's documentation links.
    if r.stdout.contains("https://") || r.stderr.contains("https://") {
        bad.push("a URL in the output".to_string());
    }
    if bad.is_empty() {
        return String::new();
    }
    let codes: Vec<&str> =
        j["diagnosis"].as_array().map_or(vec![], |a| a.iter().filter_map(|d| d["code"].as_str()).collect());
    format!(
        "{}: {}\n    codes {codes:?}, server_response {}, requested {}, sent {}\n",
        c.label,
        bad.join(", "),
        j["server_response"],
        j["client_cert_requested"],
        j["client_cert_sent"]
    )
}

/// Run the checks, `parallel` at a time; fail with every mismatch, else say how many passed.
fn run_checks(pki: &Pki, server: &str, checks: &[Check], parallel: usize, log: &Path) -> usize {
    let results: Vec<String> = std::thread::scope(|s| {
        let chunks: Vec<&[Check]> = checks.chunks(checks.len().div_ceil(parallel.max(1)).max(1)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| s.spawn(move || part.iter().map(|c| verify(pki, c)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("probe thread")).collect()
    });
    let failures: String = results.iter().filter(|r| !r.is_empty()).cloned().collect();
    let n = checks.len();
    let bad = results.iter().filter(|r| !r.is_empty()).count();
    eprintln!("{server}: {}/{n} checks passed", n - bad);
    assert!(
        failures.is_empty(),
        "{server}: {bad} of {n} checks failed:\n{failures}\nserver log:\n{}",
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .chars()
            .rev()
            .take(3000)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    n
}

/// The alert race: each refusal `times` times on a one-version port, and its alert (or
/// nginx's page) every time. TLS 1.2 is where servers close before our write (issue 13).
fn alert_race(pki: &Pki, server: &str, port: u16, cases: &[(Case, &'static str)], times: usize) {
    let mut lost = String::new();
    let mut total = 0;
    std::thread::scope(|s| {
        let hs: Vec<_> = cases
            .iter()
            .map(|&(case, want)| {
                s.spawn(move || {
                    let mut out = String::new();
                    for i in 0..times {
                        let (_, j) = run_probe(pki, port, &case_args(pki, case));
                        let alert = j["server_response"]["alert"].as_str();
                        let page = j["server_response"]["http_status"].as_u64().map(|s| s.to_string());
                        let got = alert.map(str::to_string).or(page);
                        if got.as_deref() != Some(want) || j["verdict"] != "mtls_failed" {
                            let _ =
                                writeln!(out, "{case:?} run {i}: got {got:?}, want {want}: {}", j["server_response"]);
                        }
                    }
                    out
                })
            })
            .collect();
        for h in hs {
            lost.push_str(&h.join().expect("race thread"));
            total += times;
        }
    });
    eprintln!("{server}: alert race on port {port}, {total} refusals, {} lost", lost.lines().count());
    assert!(lost.is_empty(), "{server}: refusals lost or misread:\n{lost}");
}

/// The generic expectations of a mode, for the cases every server shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Required,
    Optional,
    /// Asks for a certificate and lets in one it cannot verify.
    Unverified,
    None,
}

fn expect(mode: Mode, case: Case) -> Expect {
    use Case::*;
    match (mode, case) {
        (_, Untrusted) => fail("server_cert_untrusted"),
        (_, WrongName) => fail("hostname_mismatch"),
        (Mode::Required, Good) => ok(),
        (Mode::Required, NoCert) => fail("client_cert_missing").enf("required"),
        (Mode::Required | Mode::Optional, OtherCa) => fail("client_cert_ca_mismatch"),
        (Mode::Required | Mode::Optional, Expired) => fail("client_cert_expired"),
        (Mode::Required | Mode::Optional, Revoked) => fail("client_cert_revoked"),
        (Mode::Required, Enforce | EnforceOnly) => ok().enf("required"),
        (Mode::Optional | Mode::Unverified, Good) => ok(),
        (Mode::Optional | Mode::Unverified, NoCert) => fail("client_cert_optional").enf("optional"),
        (Mode::Optional, Enforce | EnforceOnly) => fail("client_cert_optional").enf("optional"),
        (Mode::Unverified, OtherCa) => ok().first("server_accepts_unverified"),
        (Mode::Unverified, Enforce | EnforceOnly) => fail("server_accepts_unverified").enf("unverified"),
        (Mode::None, NoCert | Enforce | EnforceOnly) => fail("client_cert_not_requested").enf("not_requested"),
        (Mode::None, _) => fail("client_cert_not_requested"),
        (_, Intermediate) => ok(),
        (Mode::Unverified, Expired | Revoked) => ok(),
    }
}

/// The checks of one mode's port: the shared cases with their generic expectation.
fn mode_checks(pki: &Pki, label: &str, port: u16, mode: Mode, cases: &[Case], extra: &[&str]) -> Vec<Check> {
    cases.iter().map(|&c| check(pki, label, port, c, extra, expect(mode, c))).collect()
}

const MODE_CASES: [Case; 5] = [Case::Good, Case::NoCert, Case::OtherCa, Case::Enforce, Case::EnforceOnly];
const REQUIRED_CASES: [Case; 8] = [
    Case::Good,
    Case::NoCert,
    Case::OtherCa,
    Case::Expired,
    Case::Enforce,
    Case::EnforceOnly,
    Case::Untrusted,
    Case::WrongName,
];

// ---------- nginx ----------

#[test]
fn probe_servers_nginx() {
    let pki = Pki::new();
    let dir = pki.path().join("nginx");
    std::fs::create_dir_all(dir.join("logs")).expect("nginx dir");
    let p = ports(11);
    let (req, opt, noca, off, tls12, tls13, crl, inter_crl, app, app_off, app12) =
        (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]);
    let f = |n: &str| pki.file(n);
    let common = format!("ssl_certificate {}; ssl_certificate_key {};", f("server.pem"), f("server.key"));
    let ca = format!("ssl_client_certificate {}; ssl_verify_depth 3;", f("ca.crt"));
    let server = |port: u16, protocols: &str, body: &str| {
        format!(
            "  server {{ listen 127.0.0.1:{port} ssl; ssl_protocols {protocols}; {common}\n    {body}\n    location / {{ return 200 \"hello $ssl_client_s_dn\\n\"; }}\n    location /400 {{ return 400 \"bad input\\n\"; }}\n    location /401 {{ return 401; }}\n    location /403 {{ return 403; }}\n    location /404 {{ return 404; }}\n    location /405 {{ return 405; }}\n    location /421 {{ return 421; }}\n    location /502 {{ proxy_pass http://127.0.0.1:1; }}\n  }}\n"
        )
    };
    let mut conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log info;\nevents {{ worker_connections 256; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}; proxy_temp_path {d}; fastcgi_temp_path {d}; uwsgi_temp_path {d}; scgi_temp_path {d};\n",
        d = dir.display()
    );
    let both = "TLSv1.2 TLSv1.3";
    conf += &server(req, both, &format!("{ca} ssl_verify_client on;"));
    conf += &server(opt, both, &format!("{ca} ssl_verify_client optional;"));
    conf += &server(noca, both, &format!("{ca} ssl_verify_client optional_no_ca;"));
    conf += &server(off, both, "");
    conf += &server(tls12, "TLSv1.2", &format!("{ca} ssl_verify_client on;"));
    conf += &server(tls13, "TLSv1.3", &format!("{ca} ssl_verify_client on;"));
    conf += &server(crl, both, &format!("{ca} ssl_verify_client on; ssl_crl {};", f("crl.pem")));
    conf += &server(inter_crl, both, &format!("{ca} ssl_verify_client on; ssl_crl {};", f("inter-crl.pem")));
    conf += &server(app, both, &format!("{ca} ssl_verify_client on;"));
    conf += &server(app_off, both, "");
    conf += &server(app12, "TLSv1.2", &format!("{ca} ssl_verify_client on;"));
    conf += "}\n";
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("nginx.conf");
    let mut cmd = Command::new(server_bin("nginx"));
    cmd.arg("-p").arg(&dir).arg("-c").arg(&conf_path);
    let log = dir.join("logs/error.log");
    let _nginx = start("nginx", cmd, dir.join("stdout.log"), &p);

    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "required", req, Mode::Required, &REQUIRED_CASES, &[]));
    checks.push(check(&pki, "required", req, Case::Intermediate, &[], ok()));
    checks.extend(mode_checks(
        &pki,
        "optional",
        opt,
        Mode::Optional,
        &[Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly],
        &[],
    ));
    checks.extend(mode_checks(&pki, "optional_no_ca", noca, Mode::Unverified, &MODE_CASES, &[]));
    checks.extend(mode_checks(&pki, "off", off, Mode::None, &MODE_CASES, &[]));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, &[], ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, &[], fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, &[], fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, &[], fail("client_cert_expired").tls(v)));
    }
    checks.push(check(&pki, "crl", crl, Case::Revoked, &[], fail("client_cert_revoked")));
    checks.push(check(&pki, "crl", crl, Case::Good, &[], ok()));
    // The intermediate's CRL without the root's: nginx refuses every certificate of the intermediate.
    checks.push(check(
        &pki,
        "intermediate crl",
        inter_crl,
        Case::Intermediate,
        &[],
        fail("client_cert_rejected").says("ca-chain.crl"),
    ));
    // Application answers after a verified certificate.
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/401"], fail("http_refused").says("accepted ours")));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/403"], fail("http_refused")));
    checks.push(check(&pki, "app", app12, Case::Good, &["--http", "/403"], fail("http_refused").tls("TLSv1.2")));
    checks.push(check(
        &pki,
        "app",
        app,
        Case::Good,
        &["--http", "/400"],
        ok().first("http_status").says("not one of nginx's"),
    ));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/421"], ok().first("http_status").says("Host/SNI")));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/404"], ok().first("http_status")));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/405"], ok().first("http_status")));
    checks.push(check(
        &pki,
        "app",
        app,
        Case::Good,
        &["--http", "/502"],
        ok().first("http_status").says("no upstream"),
    ));
    checks.push(check(
        &pki,
        "app",
        app,
        Case::NoCert,
        &["--http", "/403"],
        fail("client_cert_missing").enf("required"),
    ));
    checks.push(check(
        &pki,
        "app off",
        app_off,
        Case::Good,
        &["--http", "/403"],
        fail("http_refused").says("did not ask"),
    ));
    checks.push(check(
        &pki,
        "app off",
        app_off,
        Case::NoCert,
        &["--http", "/401"],
        fail("http_refused").enf("not_requested"),
    ));
    run_checks(&pki, "nginx", &checks, 4, &log);

    alert_race(&pki, "nginx", tls12, &[(Case::NoCert, "400"), (Case::OtherCa, "400"), (Case::Expired, "400")], 20);
    alert_race(&pki, "nginx", tls13, &[(Case::NoCert, "400"), (Case::OtherCa, "400"), (Case::Expired, "400")], 20);
}

// ---------- Apache httpd, mod_ssl ----------

#[test]
fn probe_servers_apache() {
    let pki = Pki::new();
    let dir = pki.path().join("apache");
    std::fs::create_dir_all(&dir).expect("apache dir");
    let p = ports(11);
    let (req, opt, noca, none, tls12, tls13, crl, loc12, loc13, leaf_crl) =
        (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9]);
    let f = |n: &str| pki.file(n);
    let m = "/usr/lib/apache2/modules";
    let mut conf = format!(
        "ServerRoot {d}\nPidFile {d}/httpd.pid\nErrorLog {d}/error.log\nLogLevel info ssl:info\nMutex file:{d}\nServerName localhost\n\
         LoadModule mpm_event_module {m}/mod_mpm_event.so\nLoadModule authz_core_module {m}/mod_authz_core.so\n\
         LoadModule socache_shmcb_module {m}/mod_socache_shmcb.so\nLoadModule ssl_module {m}/mod_ssl.so\n\
         LoadModule dir_module {m}/mod_dir.so\n\
         DirectoryIndex index.html\nDocumentRoot {w}\n<Directory {w}>\n  Require all granted\n</Directory>\n\
         SSLSessionCache shmcb:{d}/ssl_scache(512000)\nSSLRandomSeed startup builtin\n",
        d = dir.display(),
        w = pki.file("www")
    );
    let vhost = |port: u16, protocols: &str, body: &str| {
        format!(
            "Listen 127.0.0.1:{port}\n<VirtualHost 127.0.0.1:{port}>\n  SSLEngine on\n  SSLProtocol {protocols}\n  SSLCertificateFile {}\n  SSLCertificateKeyFile {}\n  SSLCACertificateFile {}\n  SSLVerifyDepth 3\n  {body}\n</VirtualHost>\n",
            f("server.pem"),
            f("server.key"),
            f("ca.crt")
        )
    };
    let both = "-all +TLSv1.2 +TLSv1.3";
    conf += &vhost(req, both, "SSLVerifyClient require");
    conf += &vhost(opt, both, "SSLVerifyClient optional");
    conf += &vhost(noca, both, "SSLVerifyClient optional_no_ca");
    conf += &vhost(none, both, "SSLVerifyClient none");
    conf += &vhost(tls12, "-all +TLSv1.2", "SSLVerifyClient require");
    conf += &vhost(tls13, "-all +TLSv1.3", "SSLVerifyClient require");
    conf += &vhost(
        crl,
        both,
        &format!("SSLVerifyClient require\n  SSLCARevocationFile {}\n  SSLCARevocationCheck chain", f("inter-crl.pem")),
    );
    conf += &vhost(
        leaf_crl,
        both,
        &format!("SSLVerifyClient require\n  SSLCARevocationFile {}\n  SSLCARevocationCheck leaf", f("crl.pem")),
    );
    let denied = format!(
        "SSLVerifyClient require\n  <Location /403>\n    Require all denied\n  </Location>\n  SSLCARevocationFile {}\n  SSLCARevocationCheck leaf",
        f("crl.pem")
    );
    let app = p[10];
    conf += &vhost(app, both, &denied);
    let per_location = "SSLVerifyClient none\n  <Location /secure>\n    SSLVerifyClient require\n  </Location>";
    conf += &vhost(loc12, "-all +TLSv1.2", per_location);
    conf += &vhost(loc13, "-all +TLSv1.3", per_location);
    let conf_path = dir.join("httpd.conf");
    std::fs::write(&conf_path, conf).expect("httpd.conf");
    let mut cmd = Command::new(server_bin("apache2"));
    cmd.arg("-X").arg("-f").arg(&conf_path).arg("-DFOREGROUND");
    let log = dir.join("error.log");
    let _apache = start("apache2", cmd, dir.join("stdout.log"), &p);

    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "require", req, Mode::Required, &REQUIRED_CASES, &[]));
    checks.push(check(&pki, "require", req, Case::Intermediate, &[], ok()));
    checks.extend(mode_checks(
        &pki,
        "optional",
        opt,
        Mode::Optional,
        &[Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly],
        &[],
    ));
    checks.extend(mode_checks(&pki, "optional_no_ca", noca, Mode::Unverified, &MODE_CASES, &[]));
    checks.extend(mode_checks(&pki, "none", none, Mode::None, &MODE_CASES, &[]));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, &[], ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, &[], fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, &[], fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, &[], fail("client_cert_expired").tls(v)));
    }
    checks.push(check(
        &pki,
        "crl chain",
        crl,
        Case::Intermediate,
        &[],
        fail("client_cert_rejected").says("ca-chain.crl"),
    ));
    checks.push(check(&pki, "crl", leaf_crl, Case::Revoked, &[], fail("client_cert_revoked")));
    checks.push(check(&pki, "crl", leaf_crl, Case::Good, &[], ok()));
    // Access rules refuse a verified identity; a revoked one is refused by TLS first.
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/403"], fail("http_refused").says("accepted ours")));
    checks.push(check(&pki, "app", app, Case::Revoked, &["--http", "/403"], fail("client_cert_revoked")));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/nothing-here"], ok().first("http_status")));
    // Per-directory client auth: TLS 1.2 renegotiates, TLS 1.3 would need post-handshake auth.
    checks.push(check(
        &pki,
        "location",
        loc12,
        Case::Good,
        &["--http", "/secure/"],
        fail("renegotiation_requested").tls("TLSv1.2"),
    ));
    checks.push(check(
        &pki,
        "location",
        loc13,
        Case::Good,
        &["--http", "/secure/"],
        fail("http_refused").tls("TLSv1.3").says("post-handshake"),
    ));
    checks.push(check(&pki, "location", loc12, Case::Good, &[], fail("client_cert_not_requested")));
    checks.push(check(&pki, "location", loc13, Case::Good, &[], fail("client_cert_not_requested")));
    run_checks(&pki, "apache2", &checks, 4, &log);

    alert_race(
        &pki,
        "apache2",
        tls12,
        &[(Case::NoCert, "handshake_failure"), (Case::OtherCa, "unknown_ca"), (Case::Expired, "certificate_expired")],
        20,
    );
    alert_race(
        &pki,
        "apache2",
        tls13,
        &[
            (Case::NoCert, "certificate_required"),
            (Case::OtherCa, "unknown_ca"),
            (Case::Expired, "certificate_expired"),
        ],
        20,
    );
}

// ---------- HAProxy ----------

#[test]
fn probe_servers_haproxy() {
    let pki = Pki::new();
    let dir = pki.path().join("haproxy");
    std::fs::create_dir_all(&dir).expect("haproxy dir");
    let p = ports(8);
    let (req, opt, noca, none, tls12, tls13, crl, app) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    let f = |n: &str| pki.file(n);
    let mut conf = "global\n  maxconn 200\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 10s\n  timeout server 10s\n".to_string();
    let front = |name: &str, port: u16, bind_opts: &str, rules: &str| {
        format!(
            "frontend {name}\n  bind 127.0.0.1:{port} ssl crt {} {bind_opts}\n  {rules}\n  http-request return status 200 content-type text/plain string hello\n",
            f("server.pem")
        )
    };
    let ca = format!("ca-file {}", f("ca.crt"));
    conf += &front("req", req, &format!("{ca} verify required"), "");
    conf += &front("opt", opt, &format!("{ca} verify optional"), "");
    conf += &front("noca", noca, &format!("{ca} verify optional ca-ignore-err all crt-ignore-err all"), "");
    conf += &front("none", none, "", "");
    conf += &front("tls12", tls12, &format!("{ca} verify required ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.2"), "");
    conf += &front("tls13", tls13, &format!("{ca} verify required ssl-min-ver TLSv1.3"), "");
    conf += &front("crl", crl, &format!("{ca} verify required crl-file {}", f("crl.pem")), "");
    conf += &front(
        "app",
        app,
        &format!("{ca} verify required"),
        "http-request return status 403 if { path /403 }\n  http-request return status 401 if { path /401 }\n  http-request return status 421 if { path /421 }",
    );
    let conf_path = dir.join("haproxy.cfg");
    std::fs::write(&conf_path, conf).expect("haproxy.cfg");
    let mut cmd = Command::new(server_bin("haproxy"));
    cmd.arg("-db").arg("-f").arg(&conf_path);
    let log = dir.join("haproxy.log");
    let _haproxy = start("haproxy", cmd, log.clone(), &p);

    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "required", req, Mode::Required, &REQUIRED_CASES, &[]));
    checks.push(check(&pki, "required", req, Case::Intermediate, &[], ok()));
    checks.extend(mode_checks(
        &pki,
        "optional",
        opt,
        Mode::Optional,
        &[Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly],
        &[],
    ));
    checks.extend(mode_checks(&pki, "ca-ignore-err", noca, Mode::Unverified, &MODE_CASES, &[]));
    checks.extend(mode_checks(&pki, "none", none, Mode::None, &MODE_CASES, &[]));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, &[], ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, &[], fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, &[], fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, &[], fail("client_cert_expired").tls(v)));
    }
    checks.push(check(&pki, "crl", crl, Case::Revoked, &[], fail("client_cert_revoked")));
    checks.push(check(&pki, "crl", crl, Case::Good, &[], ok()));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/403"], fail("http_refused")));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/401"], fail("http_refused")));
    checks.push(check(&pki, "app", app, Case::Good, &["--http", "/421"], ok().first("http_status")));
    run_checks(&pki, "haproxy", &checks, 4, &log);

    alert_race(
        &pki,
        "haproxy",
        tls12,
        &[(Case::NoCert, "handshake_failure"), (Case::OtherCa, "unknown_ca"), (Case::Expired, "certificate_expired")],
        20,
    );
    alert_race(
        &pki,
        "haproxy",
        tls13,
        &[
            (Case::NoCert, "certificate_required"),
            (Case::OtherCa, "unknown_ca"),
            (Case::Expired, "certificate_expired"),
        ],
        20,
    );
}

// ---------- stunnel ----------

#[test]
fn probe_servers_stunnel() {
    let pki = Pki::new();
    let dir = pki.path().join("stunnel");
    std::fs::create_dir_all(&dir).expect("stunnel dir");
    let backend = http_backend();
    let p = ports(7);
    let (req, opt, noca, none, tls12, tls13, crl) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    let f = |n: &str| pki.file(n);
    let mut conf = format!("foreground = yes\npid = {d}/stunnel.pid\ndebug = info\n", d = dir.display());
    let service = |name: &str, port: u16, opts: &str| {
        format!(
            "[{name}]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{backend}\ncert = {}\nkey = {}\nCAfile = {}\n{opts}\n",
            f("server.pem"),
            f("server.key"),
            f("ca.crt")
        )
    };
    conf += &service("req", req, "verifyChain = yes\nrequireCert = yes");
    conf += &service("opt", opt, "verifyChain = yes\nrequireCert = no");
    conf += &service("noca", noca, "requireCert = yes");
    conf += &service("none", none, "");
    conf += &service("tls12", tls12, "verifyChain = yes\nsslVersionMin = TLSv1.2\nsslVersionMax = TLSv1.2");
    conf += &service("tls13", tls13, "verifyChain = yes\nsslVersionMin = TLSv1.3");
    conf += &service("crl", crl, &format!("verifyChain = yes\nCRLfile = {}", f("crl.pem")));
    let conf_path = dir.join("stunnel.conf");
    std::fs::write(&conf_path, conf).expect("stunnel.conf");
    let mut cmd = Command::new(server_bin("stunnel4"));
    cmd.arg(&conf_path);
    let log = dir.join("stunnel.log");
    let _stunnel = start("stunnel4", cmd, log.clone(), &p);

    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "required", req, Mode::Required, &REQUIRED_CASES, &[]));
    checks.push(check(&pki, "required", req, Case::Intermediate, &[], ok()));
    checks.extend(mode_checks(
        &pki,
        "optional",
        opt,
        Mode::Optional,
        &[Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly],
        &[],
    ));
    // requireCert without verifyChain: a certificate must come, any certificate.
    checks.push(check(&pki, "unverified", noca, Case::Good, &[], ok()));
    checks.push(check(&pki, "unverified", noca, Case::NoCert, &[], fail("client_cert_missing").enf("required")));
    checks.push(check(&pki, "unverified", noca, Case::OtherCa, &[], expect(Mode::Unverified, Case::OtherCa)));
    checks.push(check(&pki, "unverified", noca, Case::Enforce, &[], expect(Mode::Unverified, Case::Enforce)));
    checks.push(check(&pki, "unverified", noca, Case::EnforceOnly, &[], expect(Mode::Unverified, Case::EnforceOnly)));
    checks.extend(mode_checks(&pki, "none", none, Mode::None, &MODE_CASES, &[]));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, &[], ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, &[], fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, &[], fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, &[], fail("client_cert_expired").tls(v)));
    }
    checks.push(check(&pki, "crl", crl, Case::Revoked, &[], fail("client_cert_revoked")));
    checks.push(check(&pki, "crl", crl, Case::Good, &[], ok()));
    // The application behind stunnel answers.
    for (path, expect) in [
        ("/400", ok().first("http_status").says("not one of nginx's")),
        ("/401", fail("http_refused").says("accepted ours")),
        ("/403", fail("http_refused")),
        ("/421", ok().first("http_status").says("Host/SNI")),
        ("/502", ok().first("http_status").says("no upstream")),
    ] {
        checks.push(check(&pki, "app", req, Case::Good, &["--http", path], expect));
    }
    checks.push(check(&pki, "app", none, Case::Good, &["--http", "/403"], fail("http_refused").says("did not ask")));
    run_checks(&pki, "stunnel4", &checks, 4, &log);

    alert_race(
        &pki,
        "stunnel4",
        tls12,
        &[(Case::NoCert, "handshake_failure"), (Case::OtherCa, "unknown_ca"), (Case::Expired, "certificate_expired")],
        20,
    );
    alert_race(
        &pki,
        "stunnel4",
        tls13,
        &[
            (Case::NoCert, "certificate_required"),
            (Case::OtherCa, "unknown_ca"),
            (Case::Expired, "certificate_expired"),
        ],
        20,
    );
}

// ---------- lighttpd ----------

#[test]
fn probe_servers_lighttpd() {
    let pki = Pki::new();
    let dir = pki.path().join("lighttpd");
    std::fs::create_dir_all(&dir).expect("lighttpd dir");
    let p = ports(6);
    let (req, noca, none, tls12, tls13, crl) = (p[0], p[1], p[2], p[3], p[4], p[5]);
    let f = |n: &str| pki.file(n);
    let tls = |extra: &str| {
        format!(
            "ssl.engine = \"enable\"\n  ssl.pemfile = \"{}\"\n  ssl.privkey = \"{}\"\n  ssl.verifyclient.ca-file = \"{}\"\n  ssl.verifyclient.depth = 3\n  {extra}\n",
            f("server.pem"),
            f("server.key"),
            f("ca.crt")
        )
    };
    let verify = "ssl.verifyclient.activate = \"enable\"\n  ssl.verifyclient.enforce = \"enable\"";
    let mut conf = format!(
        "server.modules = (\"mod_openssl\")\nserver.document-root = \"{w}\"\nserver.bind = \"127.0.0.1\"\nserver.port = {req}\nserver.errorlog = \"{d}/error.log\"\nindex-file.names = (\"index.html\")\n{}",
        tls(verify),
        w = f("www"),
        d = dir.display()
    );
    let socket =
        |port: u16, extra: &str| format!("$SERVER[\"socket\"] == \"127.0.0.1:{port}\" {{\n  {}}}\n", tls(extra));
    conf += &socket(noca, "ssl.verifyclient.activate = \"enable\"\n  ssl.verifyclient.enforce = \"disable\"");
    conf += &socket(none, "ssl.verifyclient.activate = \"disable\"");
    conf += &socket(
        tls12,
        &format!(
            "{verify}\n  ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\", \"MaxProtocol\" => \"TLSv1.2\")"
        ),
    );
    conf += &socket(tls13, &format!("{verify}\n  ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.3\")"));
    conf += &socket(crl, &format!("{verify}\n  ssl.verifyclient.ca-crl-file = \"{}\"", f("crl.pem")));
    let conf_path = dir.join("lighttpd.conf");
    std::fs::write(&conf_path, conf).expect("lighttpd.conf");
    let mut cmd = Command::new(server_bin("lighttpd"));
    cmd.arg("-D").arg("-f").arg(&conf_path);
    let log = dir.join("error.log");
    let _lighttpd = start("lighttpd", cmd, dir.join("stdout.log"), &p);

    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "enforce", req, Mode::Required, &REQUIRED_CASES, &[]));
    checks.push(check(&pki, "enforce", req, Case::Intermediate, &[], ok()));
    // lighttpd has no "optional": enforce = disable asks and lets anything in.
    checks.extend(mode_checks(&pki, "enforce disable", noca, Mode::Unverified, &MODE_CASES, &[]));
    checks.extend(mode_checks(&pki, "activate disable", none, Mode::None, &MODE_CASES, &[]));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, &[], ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, &[], fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, &[], fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, &[], fail("client_cert_expired").tls(v)));
    }
    checks.push(check(&pki, "crl", crl, Case::Revoked, &[], fail("client_cert_revoked")));
    checks.push(check(&pki, "crl", crl, Case::Good, &[], ok()));
    run_checks(&pki, "lighttpd", &checks, 4, &log);

    alert_race(
        &pki,
        "lighttpd",
        tls12,
        &[(Case::NoCert, "handshake_failure"), (Case::OtherCa, "unknown_ca"), (Case::Expired, "certificate_expired")],
        20,
    );
    alert_race(
        &pki,
        "lighttpd",
        tls13,
        &[
            (Case::NoCert, "certificate_required"),
            (Case::OtherCa, "unknown_ca"),
            (Case::Expired, "certificate_expired"),
        ],
        20,
    );
}

// ---------- Caddy ----------

#[test]
fn probe_servers_caddy() {
    let pki = Pki::new();
    let dir = pki.path().join("caddy");
    std::fs::create_dir_all(&dir).expect("caddy dir");
    let p = ports(7);
    let (req, opt, request, require, none, tls12, tls13) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    let f = |n: &str| pki.file(n);
    let mut conf = format!(
        "{{\n  admin off\n  auto_https off\n  default_sni localhost\n  storage file_system {d}/storage\n  log {{\n    output file {d}/caddy.log\n  }}\n}}\n",
        d = dir.display()
    );
    let site = |port: u16, tls_extra: &str, client_auth: &str| {
        let auth = if client_auth.is_empty() {
            String::new()
        } else {
            format!("    client_auth {{\n      {client_auth}\n      trusted_ca_cert_file {}\n    }}\n", f("ca.crt"))
        };
        format!(
            "https://localhost:{port} {{\n  bind 127.0.0.1\n  tls {} {} {{\n    {tls_extra}\n{auth}  }}\n  respond /401 401\n  respond /403 403\n  respond \"hello\" 200\n}}\n",
            f("server.pem"),
            f("server.key")
        )
    };
    conf += &site(req, "", "mode require_and_verify");
    conf += &site(opt, "", "mode verify_if_given");
    conf += &site(request, "", "mode request");
    conf += &site(require, "", "mode require");
    conf += &site(none, "protocols tls1.2 tls1.3", "");
    conf += &site(tls12, "protocols tls1.2 tls1.2", "mode require_and_verify");
    conf += &site(tls13, "protocols tls1.3", "mode require_and_verify");
    let conf_path = dir.join("Caddyfile");
    std::fs::write(&conf_path, conf).expect("Caddyfile");
    let mut cmd = Command::new(server_bin("caddy"));
    cmd.args(["run", "--adapter", "caddyfile", "--config"]).arg(&conf_path);
    for var in ["HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"] {
        cmd.env(var, &dir);
    }
    let log = dir.join("caddy.log");
    let _caddy = start("caddy", cmd, dir.join("stdout.log"), &p);

    // Caddy picks its site by name: SNI localhost (probe sends it as Host too).
    let sni: &[&str] = &["--servername", "localhost"];
    let named =
        [Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly, Case::Untrusted];
    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "require_and_verify", req, Mode::Required, &named, sni));
    checks.push(check(&pki, "require_and_verify", req, Case::Intermediate, sni, ok()));
    // An SNI Caddy has no site for: it refuses the handshake (internal_error) before any certificate.
    checks.push(check(
        &pki,
        "require_and_verify",
        req,
        Case::WrongName,
        &[],
        fail("tls_handshake_failed").alert("internal_error"),
    ));
    checks.extend(mode_checks(
        &pki,
        "verify_if_given",
        opt,
        Mode::Optional,
        &[Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly],
        sni,
    ));
    checks.extend(mode_checks(&pki, "request", request, Mode::Unverified, &MODE_CASES, sni));
    // mode require: a certificate must come, any certificate.
    checks.push(check(&pki, "require", require, Case::Good, sni, ok()));
    checks.push(check(&pki, "require", require, Case::NoCert, sni, fail("client_cert_missing").enf("required")));
    checks.push(check(&pki, "require", require, Case::OtherCa, sni, expect(Mode::Unverified, Case::OtherCa)));
    checks.push(check(&pki, "require", require, Case::Enforce, sni, expect(Mode::Unverified, Case::Enforce)));
    checks.push(check(&pki, "require", require, Case::EnforceOnly, sni, expect(Mode::Unverified, Case::EnforceOnly)));
    checks.extend(mode_checks(&pki, "no client_auth", none, Mode::None, &MODE_CASES, sni));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, sni, ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, sni, fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, sni, fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, sni, fail("client_cert_expired").tls(v)));
    }
    // Reached by IP: no SNI, Host 127.0.0.1, and Caddy's strict SNI/Host check answers 421.
    checks.push(check(&pki, "by IP", req, Case::Good, &[], ok().first("http_status").says("Host/SNI")));
    checks.push(check(
        &pki,
        "app",
        req,
        Case::Good,
        &["--servername", "localhost", "--http", "/403"],
        fail("http_refused"),
    ));
    checks.push(check(
        &pki,
        "app",
        req,
        Case::Good,
        &["--servername", "localhost", "--http", "/401"],
        fail("http_refused"),
    ));
    checks.push(check(
        &pki,
        "app",
        none,
        Case::Good,
        &["--servername", "localhost", "--http", "/403"],
        fail("http_refused").says("did not ask"),
    ));
    run_checks(&pki, "caddy", &checks, 4, &log);

    alert_race(
        &pki,
        "caddy",
        tls12,
        &[(Case::NoCert, "bad_certificate"), (Case::OtherCa, "bad_certificate"), (Case::Expired, "bad_certificate")],
        20,
    );
    alert_race(
        &pki,
        "caddy",
        tls13,
        &[(Case::NoCert, "bad_certificate"), (Case::OtherCa, "bad_certificate"), (Case::Expired, "bad_certificate")],
        20,
    );
}

// ---------- openssl s_server ----------

#[test]
fn probe_servers_openssl_s_server() {
    let pki = Pki::new();
    let dir = pki.path().join("s_server");
    std::fs::create_dir_all(&dir).expect("s_server dir");
    let p = ports(7);
    let (req, opt, noca, none, tls12, tls13, crl) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    let strict = ["-Verify", "1", "-verify_return_error"];
    let crl_file = pki.file("crl.pem");
    let modes: [(u16, &str, Vec<&str>); 7] = [
        (req, "required", strict.to_vec()),
        (opt, "optional", vec!["-verify", "1", "-verify_return_error"]),
        // -verify without -verify_return_error: asks, and lets any certificate in.
        (noca, "unverified", vec!["-verify", "1"]),
        (none, "none", vec![]),
        (tls12, "tls12", [&strict[..], &["-tls1_2"]].concat()),
        (tls13, "tls13", [&strict[..], &["-tls1_3"]].concat()),
        (crl, "crl", [&strict[..], &["-CRL", crl_file.as_str(), "-crl_check"]].concat()),
    ];
    let mut servers = Vec::new();
    for (port, name, args) in &modes {
        let mut cmd = Command::new(server_bin("openssl"));
        cmd.args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-www", "-quiet"])
            .args(args)
            .arg("-cert")
            .arg(pki.path().join("server.crt"))
            .arg("-key")
            .arg(pki.path().join("server.key"))
            .arg("-CAfile")
            .arg(pki.path().join("ca.crt"));
        servers.push(start("openssl s_server", cmd, dir.join(format!("{name}.log")), &[*port]));
    }
    let log = dir.join("required.log");

    let mut checks = Vec::new();
    checks.extend(mode_checks(&pki, "-Verify", req, Mode::Required, &REQUIRED_CASES, &[]));
    checks.push(check(&pki, "-Verify", req, Case::Intermediate, &[], ok()));
    checks.extend(mode_checks(
        &pki,
        "-verify",
        opt,
        Mode::Optional,
        &[Case::Good, Case::NoCert, Case::OtherCa, Case::Expired, Case::Enforce, Case::EnforceOnly],
        &[],
    ));
    checks.extend(mode_checks(&pki, "-verify lax", noca, Mode::Unverified, &MODE_CASES, &[]));
    checks.extend(mode_checks(&pki, "none", none, Mode::None, &MODE_CASES, &[]));
    for (port, v) in [(tls12, "TLSv1.2"), (tls13, "TLSv1.3")] {
        checks.push(check(&pki, v, port, Case::Good, &[], ok().tls(v)));
        checks.push(check(&pki, v, port, Case::NoCert, &[], fail("client_cert_missing").enf("required").tls(v)));
        checks.push(check(&pki, v, port, Case::OtherCa, &[], fail("client_cert_ca_mismatch").tls(v)));
        checks.push(check(&pki, v, port, Case::Expired, &[], fail("client_cert_expired").tls(v)));
    }
    checks.push(check(&pki, "crl", crl, Case::Revoked, &[], fail("client_cert_revoked")));
    checks.push(check(&pki, "crl", crl, Case::Good, &[], ok()));
    run_checks(&pki, "openssl s_server", &checks, 4, &log);

    alert_race(
        &pki,
        "openssl s_server",
        tls12,
        &[(Case::NoCert, "handshake_failure"), (Case::OtherCa, "unknown_ca"), (Case::Expired, "certificate_expired")],
        20,
    );
    alert_race(
        &pki,
        "openssl s_server",
        tls13,
        &[
            (Case::NoCert, "certificate_required"),
            (Case::OtherCa, "unknown_ca"),
            (Case::Expired, "certificate_expired"),
        ],
        20,
    );
    drop(servers);
}
