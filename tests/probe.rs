//! Issue #4: `probe` against real servers on 127.0.0.1: nginx with ssl_verify_client
//! on/optional/off and with a CRL, `openssl s_server -Verify 1` in TLS 1.2 and 1.3, an
//! in-process rustls server trusting another CA, and endpoints that are not TLS at all.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// A store with a server identity for 127.0.0.1/localhost and a client "alice",
/// plus a second CA ("Other CA", in <tmp>/other) with its own client "stranger".
fn pki() -> Env {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "dns:localhost", "--san", "ip:127.0.0.1"]);
    env.issue("alice", &[]);
    let other = env.path().join("other");
    let o = |args: &[&str]| {
        let mut c = env.cmd();
        c.arg("--batch").arg("--dir").arg(&other).args(args);
        let r = to_run(c.output().expect("run mtlsctl"));
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    o(&["init-ca", "--cn", "Other CA"]);
    o(&["issue", "--cn", "stranger"]);
    env
}

fn other(env: &Env, file: &str) -> String {
    env.path().join("other/issued/stranger").join(file).display().to_string()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

fn nginx_body(env: &Env, verify: &str, crl: bool) -> String {
    let mut b = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n",
        p(&env.issued("localhost", "chain.pem")),
        p(&env.issued("localhost", "key.pem"))
    );
    if verify != "off" {
        b.push_str(&format!(
            "    ssl_client_certificate {};\n    ssl_verify_client {verify};\n    ssl_verify_depth 2;\n",
            p(&env.store().join("certs/ca.crt"))
        ));
    }
    if crl {
        b.push_str(&format!("    ssl_crl {};\n", p(&env.store().join("crl/ca.crl"))));
    }
    b
}

/// `mtlsctl --json probe 127.0.0.1:PORT ARGS...`
fn probe(env: &Env, port: u16, args: &[&str]) -> (Run, Value) {
    let target = format!("127.0.0.1:{port}");
    let mut all = vec!["--json", "probe", target.as_str()];
    all.extend_from_slice(args);
    let r = env.run(&all);
    assert!(!r.stderr.contains("panicked"), "panic:\n{}", r.stderr);
    let j = r.json();
    (r, j)
}

fn codes(j: &Value) -> Vec<String> {
    j["diagnosis"]
        .as_array()
        .expect("diagnosis array")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

fn assert_result(r: &Run, j: &Value, code: i32, verdict: &str, diag: Option<&str>) {
    assert_eq!(r.code, code, "exit code\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_eq!(j["verdict"], verdict, "{}", r.stdout);
    if let Some(d) = diag {
        assert!(codes(j).iter().any(|c| c == d), "diagnosis {d} missing: {:?}\n{}", codes(j), r.stdout);
    }
}

#[test]
fn probe_nginx_verify_on() {
    let env = pki();
    let server = start_nginx(&env.path().join("nginx"), &nginx_body(&env, "on", false));
    let port = server.port;

    // The store's client, and a second handshake without it.
    let (r, j) = probe(&env, port, &["--name", "alice", "--no-client-cert"]);
    assert_result(&r, &j, 0, "ok", None);
    assert_eq!(j["client_cert_requested"], true);
    assert_eq!(j["acceptable_ca_names"][0], "CN=mtlsctl Root CA");
    assert_eq!(j["issuer_acceptable"], true);
    assert_eq!(j["client_cert_sent"], true);
    assert_eq!(j["client_cert_accepted"], true);
    assert_eq!(j["client_cert"]["subject"], "CN=alice");
    assert_eq!(j["server_response"]["http_status"], 200);
    assert_eq!(j["server_verification"]["trusted"], true);
    assert_eq!(j["server_verification"]["hostname_ok"], true);
    assert_eq!(j["server_verification"]["trust_source"], "store");
    assert_eq!(j["server_chain"][0]["subject"], "CN=localhost");
    assert!(
        j["server_chain"][0]["sans"].as_array().unwrap().iter().any(|s| s["type"] == "ip" && s["value"] == "127.0.0.1")
    );
    assert!(j["server_chain"][0]["days_left"].as_i64().unwrap() > 80);
    assert_eq!(j["tls_version"], "TLSv1.3");
    assert!(j["connect_ms"].is_number() && j["handshake_ms"].is_number());
    assert_eq!(j["enforcement"], "required");
    assert_eq!(j["without_client_cert"]["accepted"], false);
    assert_eq!(j["without_client_cert"]["server_response"]["http_status"], 400);

    // No client certificate: nginx completes the handshake and answers 400.
    let (r, j) = probe(&env, port, &[]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_missing"));
    assert_eq!(j["server_response"]["http_status"], 400);
    assert_eq!(j["enforcement"], "required");
    assert!(j["diagnosis"][0]["cause"].as_str().unwrap().contains("No required SSL certificate was sent"));

    // A client certificate from a CA nginx does not trust.
    let (r, j) = probe(&env, port, &["--cert", &other(&env, "chain.pem"), "--key", &other(&env, "key.pem")]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_ca_mismatch"));
    assert_eq!(j["issuer_acceptable"], false);
    assert_eq!(j["client_cert_accepted"], false);

    // Our trust store holds another CA: the server is not trusted, and the report names its issuer.
    let other_ca = p(&env.path().join("other/certs/ca.crt"));
    let (r, j) = probe(&env, port, &["--name", "alice", "--cacert", &other_ca]);
    assert_result(&r, &j, 3, "mtls_failed", Some("server_cert_untrusted"));
    assert_eq!(j["server_verification"]["trusted"], false);
    assert_eq!(j["server_verification"]["code"], "server_cert_untrusted");
    assert_eq!(j["server_chain"][0]["issuer"], "CN=mtlsctl Root CA");
    let cause = j["diagnosis"][0]["cause"].as_str().unwrap();
    assert!(
        cause.contains("not among the CAs trusted")
            && cause.contains("CN=mtlsctl Root CA")
            && cause.contains("CN=Other CA"),
        "{cause}"
    );
    // The human report says the same on stdout.
    let h = env.run(&["probe", &format!("127.0.0.1:{port}"), "--name", "alice", "--cacert", &other_ca]).code(3);
    assert!(h.stdout.contains("NOT trusted") && h.stdout.contains("issuer  CN=mtlsctl Root CA"), "{}", h.stdout);

    // --insecure goes on, still reporting why verification fails.
    let (r, j) = probe(&env, port, &["--name", "alice", "--cacert", &other_ca, "--insecure"]);
    assert_result(&r, &j, 0, "ok", Some("server_cert_untrusted"));
    assert_eq!(j["diagnosis"][0]["severity"], "warning");
    assert_eq!(j["server_response"]["http_status"], 200);

    // A name the server certificate does not carry.
    let (r, j) = probe(&env, port, &["--name", "alice", "--servername", "wrong.example"]);
    assert_result(&r, &j, 3, "mtls_failed", Some("hostname_mismatch"));
    assert_eq!(j["sni"], "wrong.example");
    assert_eq!(j["server_verification"]["hostname_ok"], false);

    // The human report of a success, on stdout.
    let h = env.run(&["probe", &format!("127.0.0.1:{port}"), "--name", "alice"]).ok();
    assert!(h.stdout.contains("Verdict: ok") && h.stdout.contains("HTTP 200"), "{}", h.stdout);
}

#[test]
fn probe_nginx_verify_optional_and_off() {
    let env = pki();
    let optional = start_nginx(&env.path().join("nginx-opt"), &nginx_body(&env, "optional", false));
    // SPEC §3 (revised 2026-12-01): with --no-client-cert an optional server is exit 3.
    let (r, j) = probe(&env, optional.port, &["--name", "alice", "--no-client-cert"]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_optional"));
    assert_eq!(j["diagnosis"][0]["code"], "client_cert_optional");
    assert_eq!(j["client_cert_accepted"], true);
    assert_eq!(j["enforcement"], "optional");
    assert_eq!(j["without_client_cert"]["client_cert_requested"], true);
    assert_eq!(j["without_client_cert"]["accepted"], true);
    assert_eq!(j["with_canary_cert"]["accepted"], false);
    // Without a certificate the connection is let in: mTLS is not enforced (exit 3 since the revision).
    let (r, j) = probe(&env, optional.port, &[]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_optional"));
    assert_eq!(j["enforcement"], "optional");
    drop(optional);

    let off = start_nginx(&env.path().join("nginx-off"), &nginx_body(&env, "off", false));
    // A server that never asks is never "mTLS works" (SPEC §3 revised 2026-12-01: was exit 0).
    let (r, j) = probe(&env, off.port, &["--name", "alice", "--no-client-cert"]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_not_requested"));
    assert_eq!(j["diagnosis"][0]["code"], "client_cert_not_requested");
    assert_eq!(j["client_cert_accepted"], Value::Null);
    assert_eq!(j["client_cert_requested"], false);
    assert_eq!(j["client_cert_sent"], false);
    assert_eq!(j["enforcement"], "not_requested");
}

#[test]
fn probe_nginx_with_crl_refuses_the_revoked_identity() {
    let env = pki();
    env.issue("bob", &[]);
    env.run(&["revoke", "--cn", "bob", "--reason", "key-compromise"]).ok();
    env.run(&["gen-crl"]).ok();
    let server = start_nginx(&env.path().join("nginx"), &nginx_body(&env, "on", true));

    let (r, j) = probe(&env, server.port, &["--name", "bob"]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_revoked"));
    assert_eq!(j["server_response"]["http_status"], 400);
    assert!(j["client_cert"]["revoked_in_store"].as_str().unwrap().contains("keyCompromise"), "{}", r.stdout);

    let (r, j) = probe(&env, server.port, &["--name", "alice"]);
    assert_result(&r, &j, 0, "ok", None);
}

/// `openssl s_server -Verify 1 -verify_return_error` in one TLS version; ready once it prints ACCEPT.
fn s_server(env: &Env, version: &str) -> Server {
    let openssl = require_peer("openssl");
    let port = free_port();
    let mut child = Command::new(openssl)
        .args([
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-www",
            "-Verify",
            "1",
            "-verify_return_error",
            version,
        ])
        .arg("-cert")
        .arg(env.issued("localhost", "cert.pem"))
        .arg("-key")
        .arg(env.issued("localhost", "key.pem"))
        .arg("-CAfile")
        .arg(env.store().join("certs/ca.crt"))
        .current_dir(env.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let stdout = child.stdout.take().expect("s_server stdout");
    let (tx, rx) = mpsc::channel();
    // Keep draining stdout so s_server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("ACCEPT") {
                let _ = tx.send(());
            }
        }
    });
    let server = Server { child, port, dir: env.path().to_path_buf() };
    rx.recv_timeout(Duration::from_secs(10)).expect("s_server did not print ACCEPT");
    server
}

#[test]
fn probe_openssl_s_server_tls12_and_tls13() {
    let env = pki();
    // An expired client certificate, made by openssl ca on our store.
    openssl_csr(env.path(), "old", "/CN=old", &[]);
    let cnf = p(&env.store().join("openssl.cnf"));
    let r = peer(
        "openssl",
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
        env.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    for (flag, version, missing_alert) in
        [("-tls1_2", "TLSv1.2", "handshake_failure"), ("-tls1_3", "TLSv1.3", "certificate_required")]
    {
        let server = s_server(&env, flag);
        let port = server.port;

        let (r, j) = probe(&env, port, &["--name", "alice", "--no-http", "--no-client-cert"]);
        assert_result(&r, &j, 0, "ok", None);
        assert_eq!(j["tls_version"], version);
        assert_eq!(j["client_cert_accepted"], true);
        assert_eq!(j["enforcement"], "required");
        assert_eq!(j["without_client_cert"]["server_response"]["alert"], missing_alert);

        let (r, j) = probe(&env, port, &["--no-http"]);
        assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_missing"));
        assert_eq!(j["server_response"]["alert"], missing_alert);
        let stage = if version == "TLSv1.3" { "after_handshake" } else { "handshake" };
        assert_eq!(j["server_response"]["stage"], stage);

        let (r, j) =
            probe(&env, port, &["--no-http", "--cert", &other(&env, "chain.pem"), "--key", &other(&env, "key.pem")]);
        assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_ca_mismatch"));
        assert_eq!(j["server_response"]["alert"], "unknown_ca");

        let (r, j) = probe(&env, port, &["--no-http", "--cert", "old.crt", "--key", "old.key"]);
        assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_expired"));
        assert_eq!(j["server_response"]["alert"], "certificate_expired");
    }
}

/// A rustls server that requires client certificates from `client_ca` only, answering HTTP 200.
fn rustls_server(env: &Env, client_ca: &Path) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(env.issued("localhost", "chain.pem"))
        .expect("server chain")
        .map(|c| c.expect("cert"))
        .collect();
    let key = PrivateKeyDer::from_pem_file(env.issued("localhost", "key.pem")).expect("server key");
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(client_ca).expect("client CA") {
        roots.add(c.expect("cert")).expect("anchor");
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .expect("client verifier");
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .expect("server config"),
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut tcp) = stream else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(mut conn) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                let mut buf = [0u8; 2048];
                if tls.read(&mut buf).is_ok() {
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            });
        }
    });
    port
}

#[test]
fn probe_rustls_server_requiring_another_ca() {
    let env = pki();
    let port = rustls_server(&env, &env.path().join("other/certs/ca.crt"));

    let (r, j) = probe(&env, port, &["--name", "alice"]);
    assert_result(&r, &j, 3, "mtls_failed", Some("client_cert_ca_mismatch"));
    assert_eq!(j["acceptable_ca_names"][0], "CN=Other CA");
    assert_eq!(j["issuer_acceptable"], false);
    assert_eq!(j["server_response"]["alert"], "unknown_ca");
    assert!(j["diagnosis"][0]["cause"].as_str().unwrap().contains("CN=Other CA"));

    // The other CA's client is welcome.
    let (r, j) = probe(&env, port, &["--cert", &other(&env, "chain.pem"), "--key", &other(&env, "key.pem")]);
    assert_result(&r, &j, 0, "ok", None);
    assert_eq!(j["issuer_acceptable"], true);
    assert_eq!(j["server_response"]["http_status"], 200);
}

fn assert_fails_fast(env: &Env, port: u16, code: &str) {
    let start = Instant::now();
    let target = format!("127.0.0.1:{port}");
    let r = env.run(&["--json", "probe", &target, "--name", "alice", "--timeout", "2s"]);
    let elapsed = start.elapsed();
    let j = r.json();
    let r = r.error();
    assert_eq!(j["verdict"], "error");
    assert!(codes(&j).iter().any(|c| c == code), "{code} missing: {}", r.stdout);
    assert!(r.stderr.contains(code), "{}", r.stderr);
    assert!(elapsed < Duration::from_secs(5), "{code}: took {elapsed:?}");
}

#[test]
fn probe_errors_when_nothing_can_be_tested() {
    let env = pki();

    // A plain-HTTP listener answers the ClientHello in text.
    let http = TcpListener::bind("127.0.0.1:0").expect("bind");
    let http_port = http.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in http.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    assert_fails_fast(&env, http_port, "not_tls");

    // A closed port.
    assert_fails_fast(&env, free_port(), "connection_refused");

    // A port that accepts (the kernel's backlog) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    assert_fails_fast(&env, silent_port, "timeout");
    drop(silent);

    // Bad arguments: exit 1 with an error line, before any connection.
    env.run(&["probe", "127.0.0.1:notaport"]).error().stderr_has("port");
    env.run(&["probe", "::1:443"]).error().stderr_has("brackets");
    env.run(&["probe", "127.0.0.1:1", "--name", "nobody"]).error().stderr_has("mtlsctl issue --cn nobody");
    env.run(&["probe", "127.0.0.1:1", "--timeout", "0s"]).error();
}
