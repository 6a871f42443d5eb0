//! Issue #17: `ocsp serve` and `ocsp sign` against real clients on 127.0.0.1:
//! `openssl ocsp`, nginx `ssl_ocsp` and `ssl_stapling_file`, Apache
//! `SSLOCSPEnable`, and hostile HTTP clients.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// `mtlsctl ocsp serve` we started; stopped by PID.
struct Responder {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Responder {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then the exit code and stdout.
    fn stop(&mut self) -> (i32, String) {
        let child = self.child.take().expect("running");
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
        let out = child.wait_with_output().expect("wait");
        (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn serve(env: &Env, extra: &[&str]) -> Responder {
    let port = free_port();
    let log = env.path().join(format!("ocsp-{port}.log"));
    let listen = format!("127.0.0.1:{port}");
    let mut c = env.cmd();
    c.arg("--batch").arg("--dir").arg(env.store()).args(["ocsp", "serve", "--listen", &listen]).args(extra);
    c.stdout(Stdio::piped()).stderr(std::fs::File::create(&log).expect("log file"));
    let child = c.spawn().expect("start ocsp serve");
    let r = Responder { child: Some(child), port, log };
    wait_port(port, Duration::from_secs(20));
    r
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A store with `good`, `bad` (revoked, keyCompromise) and a `localhost` server identity.
fn store() -> Env {
    let env = Env::new().with_ca();
    env.issue("good", &[]);
    env.issue("bad", &[]);
    env.issue("localhost", &["--profile", "server"]);
    env.run(&["revoke", "--cn", "bad", "--reason", "key-compromise"]).ok();
    env
}

/// `openssl ocsp` against the responder; `hash` is `-sha1` or `-sha256`.
fn query(env: &Env, r: &Responder, hash: &str, target: &[&str]) -> Run {
    let ca = s(&env.store().join("certs/ca.crt"));
    let url = r.url();
    let mut args = vec!["ocsp", hash, "-url", &url, "-issuer", &ca, "-CAfile", &ca];
    args.extend_from_slice(target);
    peer("openssl", &args, env.path())
}

fn cert(env: &Env, cn: &str) -> String {
    s(&env.issued(cn, "cert.pem"))
}

#[test]
fn openssl_ocsp_every_status_in_sha1_and_sha256() {
    let env = store();
    let mut r = serve(&env, &["--json"]);
    for hash in ["-sha1", "-sha256"] {
        let good = query(&env, &r, hash, &["-cert", &cert(&env, "good")]);
        assert!(good.stderr.contains("Response verify OK"), "{hash} good: {good:?}");
        assert!(good.stdout.contains("cert.pem: good"), "{hash}: {good:?}");
        let bad = query(&env, &r, hash, &["-cert", &cert(&env, "bad")]);
        assert!(bad.stderr.contains("Response verify OK"), "{hash} revoked: {bad:?}");
        assert!(bad.stdout.contains("cert.pem: revoked"), "{hash}: {bad:?}");
        assert!(bad.stdout.contains("Reason: keyCompromise"), "{hash}: {bad:?}");
        assert!(bad.stdout.contains("Revocation Time:"), "{hash}: {bad:?}");
        let unknown = query(&env, &r, hash, &["-serial", "0x0123456789"]);
        assert!(unknown.stderr.contains("Response verify OK"), "{hash} unknown: {unknown:?}");
        assert!(unknown.stdout.contains("0x0123456789: unknown"), "{hash}: {unknown:?}");
    }
    // Two certificates in one request are answered one by one, nonce echoed (openssl checks it).
    let both = query(&env, &r, "-sha256", &["-cert", &cert(&env, "good"), "-cert", &cert(&env, "bad")]);
    assert!(both.stderr.contains("Response verify OK") && !both.stderr.contains("nonce"), "{both:?}");
    assert!(both.stdout.contains(": good") && both.stdout.contains(": revoked"), "{both:?}");

    // Another CA's certificate: unauthorized.
    let other = Env::new().with_ca();
    other.issue("stranger", &[]);
    let url = r.url();
    let ca = s(&env.store().join("certs/ca.crt"));
    let (oca, ocert) = (s(&other.store().join("certs/ca.crt")), cert(&other, "stranger"));
    let args = ["ocsp", "-url", &url, "-issuer", &oca, "-CAfile", &ca, "-cert", &ocert];
    let foreign = peer("openssl", &args, env.path());
    assert!(foreign.stdout.contains("unauthorized") || foreign.stderr.contains("unauthorized"), "{foreign:?}");

    // The delegated responder certificate is in index.txt and says what RFC 6960 asks.
    let list = env.run(&["--json", "list"]).ok().json();
    let responder = list["certificates"]
        .as_array()
        .expect("certificates")
        .iter()
        .find(|c| c["subject"].as_str().is_some_and(|s| s.contains("OCSP Responder")))
        .unwrap_or_else(|| panic!("no responder certificate in index.txt: {list}"))
        .clone();
    let serial = responder["serial"].as_str().expect("serial");
    let pem = env.store().join(format!("newcerts/{serial}.pem"));
    let text = openssl(env.path(), &["x509", "-in", &s(&pem), "-noout", "-text"]).stdout;
    for want in ["OCSP Signing", "OCSP No Check", "CA:FALSE"] {
        assert!(text.contains(want), "responder certificate lacks {want}:\n{text}");
    }
    let log = r.log();
    assert!(log.lines().filter(|l| l.contains("\"http_status\":200")).count() >= 7, "{log}");
    let (code, stdout) = r.stop();
    assert_eq!(code, 0, "SIGTERM must exit 0; log:\n{}", r.log());
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object on stdout");
    assert_eq!(report["stopped"], "signal");
    assert_eq!(report["responder_serial"], serial);
    assert!(!r.log().contains("panicked"));
}

#[test]
fn signer_ca_and_a_revocation_without_restart() {
    let env = store();
    let r = serve(&env, &["--signer", "ca", "--validity", "10m"]);
    let good = query(&env, &r, "-sha1", &["-cert", &cert(&env, "good")]);
    assert!(good.stderr.contains("Response verify OK") && good.stdout.contains(": good"), "{good:?}");
    // Revoked by mtlsctl while it runs: the next answer says so.
    env.run(&["revoke", "--cn", "good", "--reason", "superseded"]).ok();
    let now = query(&env, &r, "-sha1", &["-cert", &cert(&env, "good")]);
    assert!(now.stdout.contains(": revoked") && now.stdout.contains("superseded"), "{now:?}");
    // And by `openssl ca -revoke`, which rewrites index.txt its own way.
    let cnf = s(&env.store().join("openssl.cnf"));
    let localhost = cert(&env, "localhost");
    openssl(
        env.path(),
        &["ca", "-config", &cnf, "-batch", "-revoke", &localhost, "-crl_reason", "cessationOfOperation"],
    );
    let after = query(&env, &r, "-sha256", &["-cert", &localhost]);
    assert!(after.stdout.contains(": revoked") && after.stdout.contains("cessationOfOperation"), "{after:?}");
    // No responder certificate was issued for --signer ca.
    let list = env.run(&["list"]).ok();
    assert!(!list.stdout.contains("OCSP Responder"), "{}", list.stdout);
}

/// One raw HTTP exchange; the status and body.
fn http(port: u16, request: &[u8]) -> (u16, Vec<u8>) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(15))).expect("timeout");
    // The server may answer (413) and close before the whole body is sent.
    let _ = c.write_all(request);
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = out.windows(4).position(|w| w == b"\r\n\r\n").map(|i| out[i + 4..].to_vec()).unwrap_or_default();
    (status, body)
}

/// An OCSP request for `cn`'s certificate, made by openssl (no nonce, as nginx sends).
fn request_der(env: &Env, cn: &str) -> Vec<u8> {
    let out = env.path().join(format!("{cn}.req"));
    let ca = s(&env.store().join("certs/ca.crt"));
    openssl(env.path(), &["ocsp", "-no_nonce", "-issuer", &ca, "-cert", &cert(env, cn), "-reqout", &s(&out)]);
    std::fs::read(out).expect("request")
}

fn b64(der: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(der)
}

fn ocsp_status_of(env: &Env, body: &[u8]) -> String {
    let f = env.path().join("resp.der");
    std::fs::write(&f, body).expect("write");
    let r = openssl(env.path(), &["ocsp", "-respin", &s(&f), "-resp_text", "-noverify"]);
    r.stdout
}

#[test]
fn get_as_nginx_sends_it_and_hostile_clients() {
    let env = store();
    let r = serve(&env, &["--request-timeout", "2s"]);
    let der = request_der(&env, "good");
    // GET with the base64 as is (its '/' and '+' unescaped) and percent-encoded.
    let raw = b64(&der);
    let escaped = raw.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    for path in [&raw, &escaped] {
        let (status, body) = http(r.port, format!("GET /{path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes());
        assert_eq!(status, 200);
        let text = ocsp_status_of(&env, &body);
        assert!(text.contains("Cert Status: good"), "{text}");
    }

    // One byte per second: held to the request timeout, never delaying the others.
    let port = r.port;
    let slow = std::thread::spawn(move || {
        let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let started = Instant::now();
        for b in b"POST / HTTP/1.0\r\n" {
            if c.write_all(&[*b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        (started.elapsed(), String::from_utf8_lossy(&out).into_owned())
    });
    let post = |body: &[u8]| {
        let mut req = format!(
            "POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        http(port, &req)
    };
    for _ in 0..5 {
        let t = Instant::now();
        let (status, body) = post(&der);
        assert_eq!(status, 200);
        assert!(ocsp_status_of(&env, &body).contains("Cert Status: good"));
        assert!(t.elapsed() < Duration::from_millis(900), "a slow client delayed others: {:?}", t.elapsed());
        // Garbage: a malformedRequest answer (OCSPResponseStatus 1).
        let (status, body) = post(b"\x30\x82\xff\xffgarbage");
        assert_eq!((status, body), (200, vec![0x30, 0x03, 0x0a, 0x01, 0x01]));
        // Connect and close without a word (openssl ocsp spins on this: openssl#23934).
        drop(TcpStream::connect(("127.0.0.1", port)).expect("connect"));
    }
    let big = vec![0x30u8; 100 * 1024];
    assert_eq!(post(&big).0, 413);
    assert_eq!(http(port, b"GET /favicon.ico HTTP/1.0\r\n\r\n").0, 404);
    assert_eq!(http(port, b"POST /elsewhere HTTP/1.0\r\nContent-Length: 2\r\n\r\n\x30\x00").0, 404);
    assert_eq!(http(port, b"DELETE / HTTP/1.0\r\n\r\n").0, 405);
    assert_eq!(http(port, b"\x16\x03\x01\x00\x05hello\r\n\r\n").0, 400);
    assert_eq!(http(port, b"GET /ca.crt HTTP/1.0\r\n\r\n").0, 200);
    assert_eq!(http(port, b"GET /crl HTTP/1.0\r\n\r\n").0, 404, "no CRL has been published yet");
    env.run(&["gen-crl"]).ok();
    let (status, crl) = http(port, b"GET /crl HTTP/1.0\r\n\r\n");
    assert_eq!(status, 200);
    assert_eq!(crl.first(), Some(&0x30), "the CRL is served as DER");
    let (elapsed, answer) = slow.join().expect("slow client");
    assert!(answer.contains(" 408 "), "the slow client gets 408: {answer:?}");
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
    // Still answering, and nothing panicked.
    assert_eq!(post(&der).0, 200);
    let log = r.log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains(" 408 ") && log.contains(" 413 ") && log.contains("malformed_request"), "{log}");
}

#[test]
fn connections_that_send_nothing_do_not_hold_the_workers() {
    let env = store();
    let r = serve(&env, &["--workers", "2", "--request-timeout", "3s"]);
    let der = request_der(&env, "good");
    // Port scanners and connect-only health checks: four times the workers,
    // connected and silent. They reach a worker only once they send something
    // (or after a second), so they hold none while a real client asks.
    let idle: Vec<TcpStream> = (0..8).map(|_| TcpStream::connect(("127.0.0.1", r.port)).expect("connect")).collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut req =
        format!("POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n", der.len())
            .into_bytes();
    req.extend_from_slice(&der);
    let t = Instant::now();
    let (status, body) = http(r.port, &req);
    assert_eq!(status, 200);
    assert!(ocsp_status_of(&env, &body).contains("Cert Status: good"));
    assert!(t.elapsed() < Duration::from_millis(900), "silent connections held the workers: {:?}", t.elapsed());
    drop(idle);
    assert!(!r.log().contains("panicked"));
}

/// The nginx server block of an mTLS endpoint checking client certificates by OCSP.
fn nginx_ocsp_body(env: &Env, mode: &str, responder: &str) -> String {
    format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n    ssl_ocsp {mode};\n    ssl_ocsp_responder {responder};\n",
        s(&env.issued("localhost", "chain.pem")),
        s(&env.issued("localhost", "key.pem")),
        s(&env.store().join("certs/ca.crt")),
    )
}

fn curl_as(env: &Env, port: u16, cn: &str) -> u16 {
    let (c, k) = (cert(env, cn), s(&env.issued(cn, "key.pem")));
    curl_status(port, &["-k", "--cert", &c, "--key", &k])
}

#[test]
fn nginx_ssl_ocsp_on_and_leaf() {
    let env = store();
    env.issue("later", &[]);
    let mut r = serve(&env, &[]);
    for mode in ["on", "leaf"] {
        let ngx = start_nginx(&env.path().join(format!("nginx-{mode}")), &nginx_ocsp_body(&env, mode, &r.url()));
        assert_eq!(curl_as(&env, ngx.port, "good"), 200, "ssl_ocsp {mode}: good");
        assert_eq!(curl_as(&env, ngx.port, "bad"), 400, "ssl_ocsp {mode}: revoked");
    }
    let ngx = start_nginx(&env.path().join("nginx-live"), &nginx_ocsp_body(&env, "leaf", &r.url()));
    assert_eq!(curl_as(&env, ngx.port, "later"), 200);
    // Revoked while nginx runs, no reload, no ssl_ocsp_cache: refused on the next connection.
    env.run(&["revoke", "--cn", "later"]).ok();
    assert_eq!(curl_as(&env, ngx.port, "later"), 400, "a revocation must count on the next connection");
    let log = r.log();
    assert!(log.contains("GET /"), "nginx asks by GET: {log}");
    // Responder down: nginx fails closed.
    assert_eq!(r.stop().0, 0);
    assert_eq!(curl_as(&env, ngx.port, "good"), 400, "responder down must not mean accepted");
}

/// Apache httpd in the foreground with its own config in `dir`.
fn start_apache(env: &Env, dir: &Path, ocsp_url: &str) -> Server {
    // Debian keeps it in /usr/sbin, which is not on every PATH.
    let sbin = PathBuf::from("/usr/sbin/apache2");
    let apache = if sbin.exists() { sbin } else { require_peer("apache2") };
    let port = free_port();
    let docs = dir.join("htdocs");
    std::fs::create_dir_all(&docs).expect("htdocs");
    std::fs::write(docs.join("index.html"), "hello\n").expect("index.html");
    let modules = "/usr/lib/apache2/modules";
    let user = if running_as_root() { "User www-data\nGroup www-data\n" } else { "" };
    let conf = format!(
        "ServerRoot \"{d}\"\nServerName localhost\nListen 127.0.0.1:{port}\nPidFile {d}/httpd.pid\nDefaultRuntimeDir {d}\nErrorLog {d}/error.log\nLogLevel info\n\
LoadModule mpm_event_module {modules}/mod_mpm_event.so\nLoadModule authz_core_module {modules}/mod_authz_core.so\n\
LoadModule socache_shmcb_module {modules}/mod_socache_shmcb.so\nLoadModule ssl_module {modules}/mod_ssl.so\n{user}\
DocumentRoot \"{docs}\"\n<Directory \"{docs}\">\n  Require all granted\n</Directory>\n\
SSLEngine on\nSSLProtocol -all +TLSv1.2 +TLSv1.3\nSSLCertificateFile {chain}\nSSLCertificateKeyFile {key}\nSSLCACertificateFile {ca}\n\
SSLVerifyClient require\nSSLVerifyDepth 2\nSSLOCSPEnable leaf\nSSLOCSPDefaultResponder {ocsp_url}\nSSLOCSPOverrideResponder on\n",
        d = dir.display(),
        docs = docs.display(),
        chain = s(&env.issued("localhost", "chain.pem")),
        key = s(&env.issued("localhost", "key.pem")),
        ca = s(&env.store().join("certs/ca.crt")),
    );
    let conf_path = dir.join("httpd.conf");
    std::fs::write(&conf_path, conf).expect("httpd.conf");
    // The worker user reads the document root.
    for p in [env.path(), dir, &docs] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let child = Command::new(apache)
        .arg("-f")
        .arg(&conf_path)
        .arg("-DFOREGROUND")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start apache2");
    let server = Server { child, port, dir: dir.to_path_buf() };
    wait_port(port, Duration::from_secs(15));
    server
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn apache_sslocspenable_leaf_posts_with_a_nonce() {
    let env = store();
    let r = serve(&env, &["--json"]);
    let apache = start_apache(&env, &env.path().join("apache"), &r.url());
    let page = format!("https://127.0.0.1:{}/index.html", apache.port);
    let get = |cn: &str| {
        let (c, k) = (cert(&env, cn), s(&env.issued(cn, "key.pem")));
        let r = peer(
            "curl",
            &["-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cert", &c, "--key", &k, &page],
            Path::new("/"),
        );
        r.stdout.trim().parse::<u16>().unwrap_or(0)
    };
    assert_eq!(get("good"), 200);
    assert_ne!(get("bad"), 200, "Apache must refuse the revoked certificate");
    let error_log = std::fs::read_to_string(apache.dir.join("error.log")).unwrap_or_default();
    assert!(error_log.contains("certificate status: good"), "{error_log}");
    assert!(error_log.contains("certificate status: revoked"), "{error_log}");
    // Apache POSTs, with a nonce it checks (a missing echo would fail as "bad nonce").
    let log = r.log();
    assert!(log.contains("\"method\":\"POST\"") && !error_log.contains("nonce"), "{log}\n{error_log}");
}

#[test]
fn nginx_staples_an_ocsp_sign_response() {
    let env = store();
    let out = env.path().join("ocsp-out");
    let signed = env.run(&["--json", "ocsp", "sign", "--out", &s(&out)]).ok().json();
    assert_eq!(signed["signer"], "ca");
    assert_eq!(signed["revoked"], 1);
    let serial = cert_serial(&env, "localhost");
    let staple = out.join(format!("{serial}.der"));
    assert!(staple.is_file(), "no {}", staple.display());
    let ngx_dir = env.path().join("nginx-staple");
    let body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_stapling on;\n    ssl_stapling_file {};\n",
        s(&env.issued("localhost", "chain.pem")),
        s(&env.issued("localhost", "key.pem")),
        s(&staple)
    );
    let ngx = start_nginx(&ngx_dir, &body);
    let connect = format!("127.0.0.1:{}", ngx.port);
    let ca = s(&env.store().join("certs/ca.crt"));
    let o = Command::new(require_peer("openssl"))
        .args(["s_client", "-connect", &connect, "-status", "-CAfile", &ca, "-servername", "localhost"])
        .stdin(Stdio::null())
        .output()
        .expect("s_client");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("OCSP Response Status: successful"), "{text}");
    assert!(text.contains("Cert Status: good"), "{text}");
    // The revoked certificate's pre-signed response says revoked, and verifies.
    let bad = out.join(format!("{}.der", cert_serial(&env, "bad")));
    let v = openssl(
        env.path(),
        &["ocsp", "-respin", &s(&bad), "-CAfile", &ca, "-issuer", &ca, "-cert", &cert(&env, "bad")],
    );
    assert!(v.stderr.contains("Response verify OK") && v.stdout.contains(": revoked"), "{v:?}");
}

fn cert_serial(env: &Env, cn: &str) -> String {
    let r = openssl(env.path(), &["x509", "-in", &cert(env, cn), "-noout", "-serial"]);
    r.stdout.trim().trim_start_matches("serial=").to_string()
}

#[test]
fn responses_dir_serves_a_parents_presigned_answers() {
    let root = Env::new().with_ca();
    let inter = Env::new();
    inter.run(&["init-ca", "--parent", &s(&root.store()), "--cn", "Issuing CA"]).ok();
    inter.issue("leaf", &[]);
    let out = root.path().join("root-ocsp");
    root.run(&["ocsp", "sign", "--out", &s(&out), "--validity", "2d"]).ok();
    let r = serve(&inter, &["--responses", &s(&out)]);
    let url = r.url();
    let (rca, ica) = (s(&root.store().join("certs/ca.crt")), s(&inter.store().join("certs/ca.crt")));
    // The intermediate's own status, from the root's pre-signed answer.
    let q = peer(
        "openssl",
        &["ocsp", "-no_nonce", "-url", &url, "-issuer", &rca, "-CAfile", &rca, "-cert", &ica],
        root.path(),
    );
    assert!(q.stderr.contains("Response verify OK") && q.stdout.contains(": good"), "{q:?}");
    // And the leaf's from the live index, signed by the delegated responder.
    let chain = s(&inter.store().join("certs/ca-chain.crt"));
    let leaf = s(&inter.issued("leaf", "cert.pem"));
    let q = peer("openssl", &["ocsp", "-url", &url, "-issuer", &ica, "-CAfile", &chain, "-cert", &leaf], inter.path());
    assert!(q.stderr.contains("Response verify OK") && q.stdout.contains(": good"), "{q:?}");
}

#[test]
fn exits_75_when_the_responder_certificate_nears_its_end() {
    let env = store();
    let started = Instant::now();
    let mut c = env.batch_cmd();
    let listen = format!("127.0.0.1:{}", free_port());
    c.args(["ocsp", "serve", "--listen", &listen, "--responder-lifetime", "4s", "--validity", "2s"]);
    let r = to_run(c.output().expect("run"));
    assert_eq!(r.code, 75, "{r:?}");
    assert!(r.stderr.contains("exiting for a restart") && r.stderr.contains("restart the responder"), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn bad_arguments_are_clear_errors() {
    let env = store();
    env.run(&["ocsp", "serve", "--listen", "localhost:8888"]).error().stderr_has("--listen");
    env.run(&["ocsp", "serve", "--validity", "8d"]).error().stderr_has("--responder-lifetime");
    env.run(&["ocsp", "serve", "--responses", &s(&env.path().join("nope"))]).error();
    let before = env.snapshot();
    env.run(&["ocsp", "sign", "--out", &s(&env.path().join("o")), "--validity", "0s"]).error();
    assert_eq!(env.snapshot(), before);
}

/// For docs/json.md: `ocsp serve --json`'s request log line and its report at SIGTERM.
pub fn serve_json_outputs(env: &Env) -> Vec<serde_json::Value> {
    let mut r = serve(env, &["--json"]);
    let der = request_der(env, "svc");
    let mut req = format!("POST / HTTP/1.0\r\nContent-Length: {}\r\n\r\n", der.len()).into_bytes();
    req.extend_from_slice(&der);
    assert_eq!(http(r.port, &req).0, 200);
    let (code, stdout) = r.stop();
    assert_eq!(code, 0);
    let mut out = vec![serde_json::from_str(&stdout).expect("serve prints one JSON object at exit")];
    for line in r.log().lines().filter(|l| l.starts_with('{')) {
        out.push(serde_json::from_str(line).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}")));
    }
    out
}

#[test]
fn nginx_config_ocsp_runs_in_nginx() {
    let env = store();
    let r = serve(&env, &[]);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let upstream = format!("http://127.0.0.1:{}", free_port());
    let args = [
        "--json",
        "nginx-config",
        "--server",
        "localhost",
        "--listen",
        &listen,
        "--no-crl",
        "--ocsp",
        &r.url(),
        "--upstream",
        &upstream,
    ];
    let out = env.run(&args).ok().json();
    assert_eq!(out["ssl_ocsp"], "on", "a root store asks about the whole chain: {out}");
    let config = out["config"].as_str().expect("config").to_string();
    assert!(
        config.contains(&format!("ssl_ocsp_responder {};", r.url())) && !config.contains("ssl_ocsp_cache shared"),
        "{config}"
    );
    let dir = env.path().join("nginx-generated");
    write_nginx_conf(&dir, &config);
    let ngx = run_nginx(&dir, port);
    // Through TLS to the (absent) upstream: 502; refused by OCSP: 400.
    assert_eq!(curl_as(&env, ngx.port, "good"), 502);
    assert_eq!(curl_as(&env, ngx.port, "bad"), 400);
    let cached =
        env.run(&["nginx-config", "--server", "localhost", "--ocsp", "http://ocsp.example.com/", "--ocsp-cache"]).ok();
    assert!(
        cached.stdout.contains("ssl_ocsp_cache shared:mtls_ocsp:1m;") && cached.stdout.contains("resolver "),
        "{}",
        cached.stdout
    );
    env.run(&["nginx-config", "--server", "localhost", "--ocsp", "https://ocsp.example.com/"])
        .error()
        .stderr_has("http://");
}

/// For docs/json.md: `inspect --json` of an OCSP request (with a nonce) and of responses.
pub fn inspect_json_outputs(env: &Env, signed_dir: &Path) -> Vec<serde_json::Value> {
    let ca = s(&env.store().join("certs/ca.crt"));
    let req = env.path().join("nonce.req");
    openssl(env.path(), &["ocsp", "-issuer", &ca, "-cert", &cert(env, "svc"), "-reqout", &s(&req)]);
    let mut out = vec![env.run(&["--json", "inspect", &s(&req)]).ok().json()];
    let ders = std::fs::read_dir(signed_dir).expect("ocsp sign output").flatten().map(|e| e.path());
    for der in ders.filter(|p| p.extension().is_some_and(|x| x == "der")).take(2) {
        out.push(env.run(&["--json", "inspect", &s(&der)]).ok().json());
    }
    out
}

#[test]
fn inspect_decodes_ocsp_requests_and_responses() {
    let env = store();
    let r = serve(&env, &[]);
    let ca = s(&env.store().join("certs/ca.crt"));
    let (req, resp) = (env.path().join("q.der"), env.path().join("a.der"));
    let url = r.url();
    let args = [
        "ocsp",
        "-sha256",
        "-url",
        &url,
        "-issuer",
        &ca,
        "-CAfile",
        &ca,
        "-cert",
        &cert(&env, "bad"),
        "-reqout",
        &s(&req),
        "-respout",
        &s(&resp),
    ];
    openssl(env.path(), &args);
    let q = env.run(&["--json", "inspect", &s(&req)]).ok().json();
    assert_eq!(q["kind"], "ocsp_request");
    assert_eq!(q["certs"][0]["hash"], "sha256");
    assert!(q["nonce"].is_string(), "{q}");
    let a = env.run(&["--json", "inspect", &s(&resp)]).ok().json();
    assert_eq!(a["kind"], "ocsp_response");
    assert_eq!(a["status"], "successful");
    assert_eq!(a["responses"][0]["status"], "revoked");
    assert_eq!(a["responses"][0]["reason"], "key_compromise");
    assert_eq!(a["nonce"], q["nonce"], "the nonce is echoed");
    assert!(a["certificates"][0]["subject"].as_str().is_some_and(|s| s.contains("OCSP Responder")), "{a}");
    let text = env.run(&["inspect", &s(&resp)]).ok().stdout;
    assert!(text.contains("OCSP response: successful") && text.contains(": revoked"), "{text}");
    let garbage = env.path().join("g.der");
    std::fs::write(&garbage, [0x30, 0x03, 0x0a, 0x01, 0x06]).expect("write");
    let u = env.run(&["--json", "inspect", &s(&garbage)]).ok().json();
    assert_eq!(u["status"], "unauthorized");
}

#[test]
fn verify_ocsp_url_good_revoked_and_responder_down() {
    let env = store();
    env.issue("later", &[]);
    env.run(&["gen-crl"]).ok();
    // Revoked after the CRL was published: only OCSP knows.
    env.run(&["revoke", "--cn", "later", "--reason", "superseded"]).ok();
    let mut r = serve(&env, &[]);
    let url = r.url();
    let good = env.run(&["--json", "verify", &cert(&env, "good"), "--ocsp-url", &url]).ok().json();
    assert_eq!((&good["ocsp_status"], &good["revocation_checked"]), (&"good".into(), &true.into()), "{good}");
    let later = env.run(&["--json", "verify", &cert(&env, "later"), "--ocsp-url", &url]).code(3).json();
    assert_eq!(later["code"], "revoked", "{later}");
    assert_eq!(later["reason"], "superseded");
    assert!(later["message"].as_str().is_some_and(|m| m.contains("OCSP")), "{later}");
    // No authorityInfoAccess in the certificate: --ocsp says how to go on.
    env.run(&["verify", &cert(&env, "good"), "--ocsp"]).error().stderr_has("--ocsp-url");
    // Another CA's responder cannot vouch for this one: an error, never valid.
    let other = Env::new().with_ca();
    let foreign = serve(&other, &[]);
    env.run(&["verify", &cert(&env, "good"), "--ocsp-url", &foreign.url()]).error();
    // Responder down: exit 1 for a certificate otherwise valid, 3 for one the CRL revokes.
    assert_eq!(r.stop().0, 0);
    env.run(&["verify", &cert(&env, "good"), "--ocsp-url", &url]).error().stderr_has("OCSP");
    let bad = env.run(&["--json", "verify", &cert(&env, "bad"), "--ocsp-url", &url]).code(3).json();
    assert_eq!((&bad["code"], &bad["ocsp_status"]), (&"revoked".into(), &"unchecked".into()), "{bad}");
}

/// One response read off a connection that may stay open: status, head, body.
fn read_response(c: &mut TcpStream) -> Option<(u16, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match c.read(&mut byte) {
            Ok(0) | Err(_) => return None,
            Ok(_) => buf.push(byte[0]),
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    c.read_exact(&mut body).ok()?;
    Some((status, head, body))
}

fn post(version: &str, connection: Option<&str>, der: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "POST / {version}\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n",
        der.len()
    );
    if let Some(c) = connection {
        head.push_str(&format!("Connection: {c}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(der);
    out
}

/// After the answer the server closed: the next read is EOF.
fn closed(c: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(c.read(&mut b), Ok(0))
}

#[test]
fn keeps_a_connection_open_when_the_client_asks_and_closes_it_otherwise() {
    let env = store();
    let mut r = serve(&env, &[]);
    let der = request_der(&env, "good");
    let connect = || {
        let c = TcpStream::connect(("127.0.0.1", r.port)).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        c
    };
    // HTTP/1.1 keeps it by default; HTTP/1.0 (ab -k) when it says keep-alive.
    for (version, connection) in [("HTTP/1.1", None), ("HTTP/1.0", Some("keep-alive"))] {
        let mut c = connect();
        for _ in 0..3 {
            c.write_all(&post(version, connection, &der)).expect("send");
            let (status, head, body) = read_response(&mut c).expect("an answer on the same connection");
            assert_eq!(status, 200, "{head}");
            assert!(head.to_ascii_lowercase().contains("connection: keep-alive"), "{head}");
            assert!(ocsp_status_of(&env, &body).contains("Cert Status: good"));
        }
    }
    // nginx's and openssl's HTTP/1.0 without keep-alive, or an explicit close: one answer, then EOF.
    for (version, connection) in [("HTTP/1.0", None), ("HTTP/1.1", Some("close"))] {
        let mut c = connect();
        c.write_all(&post(version, connection, &der)).expect("send");
        let (status, head, _) = read_response(&mut c).expect("an answer");
        assert_eq!(status, 200);
        assert!(head.contains("Connection: close"), "{head}");
        assert!(closed(&mut c), "{version} {connection:?} was not closed");
    }
    // Two requests in one write (pipelined): the first is answered and the connection closed.
    let mut c = connect();
    let mut two = post("HTTP/1.1", None, &der);
    two.extend(post("HTTP/1.1", None, &der));
    c.write_all(&two).expect("send");
    let (status, head, _) = read_response(&mut c).expect("an answer");
    assert_eq!(status, 200);
    assert!(head.contains("Connection: close"), "{head}");
    assert!(closed(&mut c));
    // An idle kept-alive connection is closed after about a second, with no 408.
    let mut c = connect();
    c.write_all(&post("HTTP/1.1", None, &der)).expect("send");
    read_response(&mut c).expect("an answer");
    let idle = Instant::now();
    assert!(closed(&mut c), "an idle connection got bytes");
    assert!(idle.elapsed() < Duration::from_secs(5), "idle for {:?}", idle.elapsed());
    // An error's answer closes (405 here), keep-alive asked or not.
    let mut c = connect();
    c.write_all(b"PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("send");
    let (status, head, _) = read_response(&mut c).expect("an answer");
    assert_eq!(status, 405, "{head}");
    assert!(closed(&mut c));
    // SIGTERM while a client holds a kept-alive connection: the responder still stops at once.
    let mut c = connect();
    c.write_all(&post("HTTP/1.1", None, &der)).expect("send");
    read_response(&mut c).expect("an answer");
    let stopping = Instant::now();
    let (code, _) = r.stop();
    assert_eq!(code, 0);
    assert!(stopping.elapsed() < Duration::from_secs(5), "stopping took {:?}", stopping.elapsed());
    drop(c);
}
