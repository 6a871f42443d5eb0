//! Issue #3: csr, sign, revoke, gen-crl, verify, proven against nginx, curl and OpenSSL.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::*;

fn openssl(env: &Env, args: &[&str]) -> Run {
    openssl_ok(env.path(), args)
}

fn d(p: PathBuf) -> String {
    p.display().to_string()
}

fn serial_of(env: &Env, cn: &str) -> String {
    let j = env.run(&["--json", "inspect", &d(env.issued(cn, "cert.pem"))]).ok().json();
    j["certificates"][0]["serial"].as_str().expect("serial").to_string()
}

fn both(r: &Run) -> String {
    format!("{}{}", r.stdout, r.stderr)
}

/// `mtlsctl verify` with --json: (exit code, JSON, stderr).
fn verify_json(env: &Env, args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["--json", "verify"];
    all.extend_from_slice(args);
    let r = env.run(&all);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let j = r.json();
    (r.code, j, r.stderr)
}

/// `openssl verify -crl_check` against the store; returns (ok, output).
fn openssl_verify_crl(env: &Env, cert: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "verify",
        "-CAfile",
        "pki/certs/ca.crt",
        "-crl_check",
        "-CRLfile",
        "pki/crl/ca.crl",
        "-purpose",
        "sslclient",
    ];
    args.extend_from_slice(extra);
    args.push(cert);
    let r = peer("openssl", &args, env.path());
    (r.code == 0 && r.stdout.contains(": OK"), both(&r))
}

fn epoch_in(days: u64) -> String {
    (SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() + days * 86_400).to_string()
}

// ---------------------------------------------------------------------------
// nginx + curl: the whole loop

fn nginx_body(env: &Env, crl: bool) -> String {
    let mut body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n    ssl_verify_depth 2;\n",
        d(env.issued("localhost", "chain.pem")),
        d(env.issued("localhost", "key.pem")),
        d(env.store().join("certs/ca.crt")),
    );
    if crl {
        body.push_str(&format!("    ssl_crl {};\n", d(env.store().join("crl/ca.crl"))));
    }
    body
}

#[test]
fn nginx_accepts_issued_and_signed_clients_then_refuses_the_revoked_one() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    env.issue("alice", &[]);
    env.issue("carol", &[]);
    // bob makes his own key and request; the CA signs it.
    env.run(&["csr", "--cn", "bob", "--out", "bob"]).ok();
    env.run(&["sign", "bob/csr.pem"]).ok();
    assert!(!env.issued("bob", "key.pem").exists(), "sign must not write a key");

    let ca = d(env.store().join("certs/ca.crt"));
    let client = |cert: String, key: String| {
        vec!["--cacert".to_string(), ca.clone(), "--cert".into(), cert, "--key".into(), key]
    };
    let alice = client(d(env.issued("alice", "chain.pem")), d(env.issued("alice", "key.pem")));
    let carol = client(d(env.issued("carol", "chain.pem")), d(env.issued("carol", "key.pem")));
    let bob = client(d(env.issued("bob", "chain.pem")), d(env.path().join("bob/key.pem")));
    let status = |port: u16, args: &[String]| curl_status(port, &args.iter().map(String::as_str).collect::<Vec<_>>());

    let nginx_dir = env.path().join("nginx");
    {
        let server = start_nginx(&nginx_dir, &nginx_body(&env, false));
        assert_eq!(status(server.port, &alice), 200, "issued client");
        assert_eq!(status(server.port, &bob), 200, "csr+sign client");
        assert_eq!(curl_status(server.port, &["--cacert", &ca]), 400, "no client certificate");
    }

    env.run(&["revoke", "--cn", "bob", "--reason", "key-compromise"]).ok().stderr_has("gen-crl");
    env.run(&["gen-crl"]).ok();
    // Restart nginx with the CRL.
    let server = start_nginx(&env.path().join("nginx2"), &nginx_body(&env, true));
    assert_eq!(status(server.port, &bob), 400, "the revoked client must be refused");
    assert_eq!(status(server.port, &alice), 200, "a valid client still gets in");
    assert_eq!(status(server.port, &carol), 200, "another valid client still gets in");

    let r = env.run(&["verify", &d(env.issued("bob", "cert.pem"))]).code(3);
    assert!(both(&r).contains("revoked on") && both(&r).contains("keyCompromise"), "{}", both(&r));
}

// ---------------------------------------------------------------------------
// OpenSSL reads our CRLs, we read OpenSSL's

const REASONS: [(&str, &str); 10] = [
    ("unspecified", ""),
    ("key-compromise", "Key Compromise"),
    ("ca-compromise", "CA Compromise"),
    ("affiliation-changed", "Affiliation Changed"),
    ("superseded", "Superseded"),
    ("cessation-of-operation", "Cessation Of Operation"),
    ("certificate-hold", "Certificate Hold"),
    ("remove-from-crl", "Remove From CRL"),
    ("privilege-withdrawn", "Privilege Withdrawn"),
    ("aa-compromise", "AA Compromise"),
];

#[test]
fn openssl_crl_text_shows_every_reason_the_number_and_the_dates() {
    let env = Env::new().with_ca();
    let mut serials = Vec::new();
    for (reason, _) in REASONS {
        let cn = format!("c-{reason}");
        env.issue(&cn, &[]);
        let serial = serial_of(&env, &cn);
        if reason == "remove-from-crl" {
            // SPEC §6 (revised): revoke refuses it; another tool may still write such a line.
            env.run(&["revoke", "--serial", &serial, "--reason", reason]).code(1);
            let cert = format!("pki/newcerts/{serial}.pem");
            openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-revoke", &cert, "-crl_reason", "removeFromCRL"]);
        } else {
            env.run(&["revoke", "--serial", &serial, "--reason", reason]).ok();
        }
        serials.push(serial);
    }
    env.issue("still-valid", &[]);
    let valid_serial = serial_of(&env, "still-valid");
    let j = env.run(&["--json", "gen-crl", "--der", "ca.crl.der", "--next-update", "3d"]).ok().json();
    assert_eq!(j["crl_number"], "01");
    assert_eq!(j["revoked_count"], 10);
    assert_eq!(std::fs::read_to_string(env.store().join("crlnumber")).expect("crlnumber"), "02\n");

    let text = openssl(&env, &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    for (_, words) in REASONS.iter().filter(|(_, w)| !w.is_empty()) {
        assert!(text.contains(words), "no {words} in\n{text}");
    }
    for s in &serials {
        assert!(text.contains(&format!("Serial Number: {s}")), "{s} not listed in\n{text}");
    }
    assert!(!text.contains(&valid_serial), "a valid certificate is listed");
    assert!(text.contains("X509v3 CRL Number:") && text.contains("                1\n"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(text.contains("Last Update:") && text.contains("Next Update:"), "{text}");
    assert!(text.contains("Version 2"), "{text}");
    // The CRL verifies with the CA's key, and the DER copy is the same CRL.
    let r = peer("openssl", &["crl", "-in", "pki/crl/ca.crl", "-CAfile", "pki/certs/ca.crt", "-noout"], env.path());
    assert!(both(&r).contains("verify OK"), "{}", both(&r));
    let der_text = openssl(&env, &["crl", "-inform", "DER", "-in", "ca.crl.der", "-text", "-noout"]).stdout;
    assert_eq!(der_text, text);
    // Next update is three days on, as asked.
    let next = openssl(&env, &["crl", "-in", "pki/crl/ca.crl", "-nextupdate", "-noout"]).stdout;
    let j2 = env.run(&["--json", "inspect", "pki/crl/ca.crl"]).ok().json();
    assert_eq!(j2["next_update"], j["next_update"], "{next}");

    // The next CRL takes the next number and writes the one after.
    env.run(&["gen-crl"]).ok().stderr_has("Next CRL due by");
    let text = openssl(&env, &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    assert!(text.contains("                2\n"), "{text}");
    assert_eq!(std::fs::read_to_string(env.store().join("crlnumber")).expect("crlnumber"), "03\n");
}

#[test]
fn gen_crl_can_leave_out_expired_certificates() {
    let env = Env::new().with_ca();
    env.issue("short", &["--validity", "1s"]);
    env.issue("long", &[]);
    let short = serial_of(&env, "short");
    env.run(&["revoke", "--serial", &short]).ok();
    env.run(&["revoke", "--cn", "long"]).ok();
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(
        env.run(&["--json", "gen-crl"]).ok().json()["revoked_count"],
        2,
        "expired certificates stay listed by default"
    );
    let j = env.run(&["--json", "gen-crl", "--exclude-expired"]).ok().json();
    assert_eq!(j["revoked_count"], 1);
    assert_eq!(j["excluded_expired"], 1);
}

#[test]
fn openssl_verify_agrees_with_mtlsctl_verify() {
    let env = Env::new().with_ca();
    env.issue("good", &[]);
    env.issue("bad", &[]);
    env.issue("brief", &["--validity", "1s"]);
    env.run(&["revoke", "--cn", "bad", "--reason", "superseded"]).ok();
    env.run(&["gen-crl"]).ok();
    std::thread::sleep(Duration::from_millis(2200));

    let cert = |cn: &str| format!("pki/issued/{cn}/cert.pem");
    // valid
    let (ok, out) = openssl_verify_crl(&env, &cert("good"), &[]);
    assert!(ok, "{out}");
    let (code, j, _) = verify_json(&env, &[&cert("good")]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")));
    // revoked
    let (ok, out) = openssl_verify_crl(&env, &cert("bad"), &[]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (code, j, _) = verify_json(&env, &[&cert("bad")]);
    assert_eq!((code, j["code"].as_str(), j["reason"].as_str()), (3, Some("revoked"), Some("superseded")));
    // expired (short validity)
    let (ok, out) = openssl_verify_crl(&env, &cert("brief"), &[]);
    assert!(!ok && out.contains("certificate has expired"), "{out}");
    let (code, j, _) = verify_json(&env, &[&cert("brief")]);
    assert_eq!((code, j["code"].as_str()), (3, Some("expired")));
    // expired at a later time (--at / -attime); the CRL is past its nextUpdate then too,
    // which OpenSSL also refuses, so compare without the CRL.
    let at = epoch_in(100);
    let r = peer("openssl", &["verify", "-CAfile", "pki/certs/ca.crt", "-attime", &at, &cert("good")], env.path());
    assert!(r.code != 0 && both(&r).contains("certificate has expired"), "{}", both(&r));
    let (code, j, _) = verify_json(&env, &[&cert("good"), "--no-crl", "--at", "now+100d"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("expired")));
    // and with the CRL, at a time the certificate is still valid but the CRL is not: both refuse.
    let at = epoch_in(10);
    let (ok, out) = openssl_verify_crl(&env, &cert("good"), &["-attime", &at]);
    assert!(!ok && out.contains("CRL has expired"), "{out}");
    let (code, j, _) = verify_json(&env, &[&cert("good"), "--at", "now+10d"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("crl_expired")));
}

#[test]
fn crl_from_openssl_ca_is_read_and_its_revocations_reach_our_next_crl() {
    let env = Env::new().with_ca();
    env.issue("kept", &[]);
    env.issue("dropped", &[]);
    let dropped = serial_of(&env, "dropped");
    openssl(
        &env,
        &[
            "ca",
            "-config",
            "pki/openssl.cnf",
            "-revoke",
            "pki/issued/dropped/cert.pem",
            "-crl_reason",
            "cessationOfOperation",
        ],
    );
    openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-gencrl", "-out", "openssl.crl"]);

    let (code, j, _) = verify_json(&env, &["pki/issued/dropped/cert.pem", "--crl", "openssl.crl"]);
    assert_eq!(code, 3, "{j}");
    assert_eq!(j["code"], "revoked");
    assert_eq!(j["reason"], "cessation_of_operation");
    let (code, j, _) = verify_json(&env, &["pki/issued/kept/cert.pem", "--crl", "openssl.crl"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")));

    // Our gen-crl lists what openssl ca revoked, numbered after openssl's CRL.
    let j = env.run(&["--json", "gen-crl"]).ok().json();
    assert_eq!(j["crl_number"], "02", "openssl used 01");
    let text = openssl(&env, &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    assert!(text.contains(&format!("Serial Number: {dropped}")) && text.contains("Cessation Of Operation"), "{text}");
    // And openssl ca keeps numbering after ours.
    openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-gencrl", "-out", "openssl2.crl"]);
    let t2 = openssl(&env, &["crl", "-in", "openssl2.crl", "-text", "-noout"]).stdout;
    assert!(t2.contains("                3\n"), "{t2}");
}

// ---------------------------------------------------------------------------
// csr and sign

fn openssl_request(env: &Env, name: &str, subj: &str, extra: &[&str]) -> String {
    openssl_csr(env.path(), name, subj, extra).0
}

#[test]
fn sign_takes_only_subject_and_sans_from_a_request_asking_to_be_a_ca() {
    let env = Env::new().with_ca();
    let csr = openssl_request(
        &env,
        "evil",
        "/C=US/O=Org/OU=Unit/CN=evil",
        &[
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
            "-addext",
            "subjectAltName=DNS:evil.example.com",
        ],
    );
    let j = env.run(&["--json", "sign", &csr]).ok().json();
    assert_eq!(j["key"], serde_json::Value::Null);
    let text = openssl(&env, &["x509", "-in", "pki/issued/evil/cert.pem", "-text", "-noout"]).stdout;
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(!text.contains("CA:TRUE"), "{text}");
    assert!(!text.contains("Certificate Sign") && !text.contains("CRL Sign"), "{text}");
    assert!(text.contains("DNS:evil.example.com"), "{text}");
    assert!(text.contains("Subject: CN = evil, O = Org") || text.contains("Subject: CN=evil, O=Org"), "{text}");
    assert!(!text.contains("OU = Unit") && !text.contains("C = US"), "{text}");
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    // The request is kept under csr/ and the certificate verifies as a client.
    let kept: Vec<_> = std::fs::read_dir(env.store().join("csr")).expect("csr dir").flatten().collect();
    assert_eq!(kept.len(), 1);
    let r = peer(
        "openssl",
        &["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", "sslclient", "pki/issued/evil/cert.pem"],
        env.path(),
    );
    assert_eq!(r.code, 0, "{}", both(&r));
}

#[test]
fn sign_accepts_der_and_applies_profile_and_validity() {
    let env = Env::new().with_ca();
    let csr = openssl_request(&env, "api", "/CN=api.example.com", &[]);
    openssl(&env, &["req", "-in", &csr, "-outform", "DER", "-out", "api.der"]);
    let j = env.run(&["--json", "sign", "api.der", "--profile", "server", "--validity", "30d"]).ok().json();
    assert_eq!(j["profile"], "server");
    let text = openssl(&env, &["x509", "-in", "pki/issued/api.example.com/cert.pem", "-text", "-noout"]).stdout;
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("DNS:api.example.com"), "a server certificate gets its CN as SAN: {text}");
    let (code, j, _) = verify_json(&env, &["pki/issued/api.example.com/cert.pem", "--hostname", "api.example.com"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    let days = j["message"].as_str().unwrap_or_default().to_string();
    assert!(days.contains("(29 days left)") || days.contains("(30 days left)"), "{days}");
}

#[test]
fn sign_refuses_bad_requests_and_changes_nothing() {
    let env = Env::new().with_ca();
    env.issue("someone", &[]);
    env.run(&["csr", "--cn", "victim", "--out", "victim"]).ok();
    openssl(&env, &["req", "-in", "victim/csr.pem", "-outform", "DER", "-out", "victim.der"]);
    let mut der = std::fs::read(env.path().join("victim.der")).expect("der");
    // The last byte belongs to the signature: the request still parses but no longer verifies.
    let last = der.len() - 1;
    der[last] ^= 0x01;
    std::fs::write(env.path().join("corrupt.der"), &der).expect("write");
    std::fs::write(env.path().join("empty.csr"), b"").expect("write");
    let mut noise = vec![0u8; 512];
    for (i, b) in noise.iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8;
    }
    std::fs::write(env.path().join("random.csr"), &noise).expect("write");
    // A PEM request whose body was altered (the subject changed after signing).
    let pem = std::fs::read_to_string(env.path().join("victim/csr.pem")).expect("pem");
    let mut blocks = ::pem::parse(pem.as_bytes()).expect("parse").into_contents();
    if let Some(pos) = blocks.windows(6).position(|w| w == b"victim") {
        blocks[pos] = b'V';
    }
    let tampered = ::pem::encode(&::pem::Pem::new("CERTIFICATE REQUEST", blocks));
    std::fs::write(env.path().join("tampered.csr"), tampered).expect("write");

    for (file, words) in [
        ("corrupt.der", "signature does not verify"),
        ("tampered.csr", "signature does not verify"),
        ("empty.csr", "empty"),
        ("random.csr", "not a PKCS#10"),
    ] {
        let before = env.snapshot();
        env.run(&["sign", file]).error().stderr_has(words);
        assert_eq!(before, env.snapshot(), "sign {file} changed the store");
    }
    assert!(!env.issued("victim", "cert.pem").exists());
}

#[test]
fn sign_refuses_names_outside_the_name_constraints() {
    let env = Env::new();
    env.run(&["init-ca", "--permitted-dns", "example.com"]).ok();
    env.run(&["csr", "--cn", "svc", "--san", "dns:svc.evil.org", "--out", "svc"]).ok();
    let before = env.snapshot();
    env.run(&["sign", "svc/csr.pem"]).error().stderr_has("name constraints").stderr_has("svc.evil.org");
    assert_eq!(before, env.snapshot());
    env.run(&["csr", "--cn", "ok", "--san", "dns:svc.example.com", "--out", "ok"]).ok();
    env.run(&["sign", "ok/csr.pem"]).ok();
}

#[test]
fn csr_makes_requests_openssl_verifies_for_every_key_type() {
    let env = Env::new();
    for kt in ["ec-p256", "ec-p384", "ed25519", "rsa-2048", "rsa-3072", "rsa-4096"] {
        let out = format!("req-{kt}");
        let j = env
            .run(&["--json", "csr", "--cn", "svc", "--key-type", kt, "--san", "dns:svc.example.com", "--out", &out])
            .ok()
            .json();
        assert_eq!(j["key_type"], kt);
        let r = peer("openssl", &["req", "-in", &format!("{out}/csr.pem"), "-verify", "-noout", "-text"], env.path());
        // OpenSSL 3.0 exits 0 even on a bad signature: read the words.
        assert!(both(&r).contains("verify OK"), "{kt}: {}", both(&r));
        assert!(both(&r).contains("DNS:svc.example.com"), "{kt}: {}", both(&r));
        let key = env.path().join(&out).join("key.pem");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).expect("key").permissions());
        assert_eq!(mode & 0o777, 0o600, "{kt}");
    }
    // Refuses to overwrite without --force.
    env.run(&["csr", "--cn", "svc", "--out", "req-ec-p256"]).error().stderr_has("--force");
}

#[test]
fn csr_with_an_existing_key_and_a_spiffe_id_signs_as_an_svid() {
    let env = Env::new().with_ca();
    openssl(&env, &["genpkey", "-algorithm", "ed25519", "-out", "mine.key"]);
    let j = env
        .run(&[
            "--json",
            "csr",
            "--cn",
            "payments",
            "--key",
            "mine.key",
            "--spiffe-id",
            "spiffe://example.org/ns/prod/sa/payments",
        ])
        .ok()
        .json();
    assert_eq!(j["key_generated"], false);
    assert_eq!(j["key_type"], "ed25519");
    assert!(!env.path().join("payments/key.pem").exists(), "an existing key is not copied");
    let r = peer("openssl", &["req", "-in", "payments/csr.pem", "-verify", "-noout"], env.path());
    assert!(both(&r).contains("verify OK"), "{}", both(&r));
    let j = env.run(&["--json", "sign", "payments/csr.pem"]).ok().json();
    assert_eq!(j["profile"], "peer");
    let text = openssl(&env, &["x509", "-in", "pki/issued/payments/cert.pem", "-text", "-noout"]).stdout;
    assert!(text.contains("URI:spiffe://example.org/ns/prod/sa/payments"), "{text}");
    // The certificate carries the key the requester holds.
    let a = openssl(&env, &["pkey", "-in", "mine.key", "-pubout"]).stdout;
    let b = openssl(&env, &["x509", "-in", "pki/issued/payments/cert.pem", "-pubkey", "-noout"]).stdout;
    assert_eq!(a, b);
}

// ---------------------------------------------------------------------------
// revoke

#[test]
fn revoke_by_serial_cn_and_file_writes_openssl_r_lines() {
    let env = Env::new().with_ca();
    env.issue("one", &[]);
    env.issue("twin", &[]);
    env.issue("twin", &["--out", "twin2"]);
    env.issue("file", &[]);
    let one = serial_of(&env, "one");
    let file = serial_of(&env, "file");

    let j = env.run(&["--json", "revoke", "--serial", &one.to_lowercase(), "--reason", "ca-compromise"]).ok().json();
    assert_eq!(j["count"], 1);
    assert_eq!(j["revoked"][0]["serial"], one.as_str());
    let r = env.run(&["revoke", "--cn", "twin", "--reason", "superseded"]).ok();
    assert!(r.stderr.contains("Revoked 2 certificates with CN \"twin\""), "{}", r.stderr);
    env.run(&["revoke", &d(env.issued("file", "cert.pem")), "--reason", "affiliation-changed"]).ok();

    let index = std::fs::read_to_string(env.store().join("index.txt")).expect("index");
    let line = index.lines().find(|l| l.contains(&one)).expect("line");
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields[0], "R");
    assert!(fields[2].len() == 13 + ",CACompromise".len() && fields[2].ends_with("Z,CACompromise"), "{line}");
    assert_eq!(index.lines().filter(|l| l.starts_with("R\t") && l.ends_with("/CN=twin")).count(), 2);
    assert!(index.contains(&format!(",affiliationChanged\t{file}\t")), "{index}");
    // openssl ca agrees.
    let r = peer("openssl", &["ca", "-config", "pki/openssl.cnf", "-status", &one], env.path());
    assert!(both(&r).contains(&format!("{one}=Revoked (R)")), "{}", both(&r));
}

#[test]
fn revoking_twice_or_an_unknown_serial_is_an_error_that_changes_nothing() {
    let env = Env::new().with_ca();
    env.issue("once", &[]);
    let s = serial_of(&env, "once");
    env.run(&["revoke", "--serial", &s]).ok();
    let before = env.snapshot();
    env.run(&["revoke", "--serial", &s]).error().stderr_has("already revoked");
    env.run(&["revoke", "--cn", "once"]).error().stderr_has("already revoked");
    env.run(&["revoke", &d(env.issued("once", "cert.pem"))]).error().stderr_has("already revoked");
    env.run(&["revoke", "--serial", "0123456789ABCDEF"]).error().stderr_has("no certificate with serial");
    env.run(&["revoke", "--cn", "nobody"]).error().stderr_has("no certificate with CN");
    env.run(&["revoke", "--serial", "xyz"]).error();
    // A certificate of another CA.
    let other = Env::new().with_ca();
    other.issue("stranger", &[]);
    env.run(&["revoke", &d(other.issued("stranger", "cert.pem"))]).error().stderr_has("not by this store's CA");
    assert_eq!(before, env.snapshot());
    // Nothing to select is a usage error.
    env.run(&["revoke"]).code(2);
}

// ---------------------------------------------------------------------------
// CRL expiry warnings

#[test]
fn signing_commands_and_list_warn_when_the_crl_expires_soon_or_has_expired() {
    let env = Env::new().with_ca();
    env.run(&["gen-crl", "--next-update", "2h"]).ok().stderr_has("warning:").stderr_has("mtlsctl gen-crl");
    env.run(&["list"]).ok().stderr_has("expires in 1h").stderr_has("mtlsctl gen-crl");
    env.issue("a", &[]).stderr_has("expires in").stderr_has("mtlsctl gen-crl");
    env.run(&["csr", "--cn", "b", "--out", "b"]).ok();
    env.run(&["sign", "b/csr.pem"]).ok().stderr_has("expires in");
    env.run(&["revoke", "--cn", "a"]).ok().stderr_has("expires in");
    // A week-long CRL: no warning.
    let r = env.run(&["gen-crl"]).ok();
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
    assert!(!env.run(&["list"]).ok().stderr.contains("warning:"));
    // Expired.
    env.run(&["gen-crl", "--next-update", "1s"]).ok();
    std::thread::sleep(Duration::from_millis(2200));
    env.run(&["list"]).ok().stderr_has("expired on").stderr_has("mtlsctl gen-crl");
    env.issue("c", &[]).stderr_has("expired on");
}

// ---------------------------------------------------------------------------
// verify: one test per answer

fn cert_path(env: &Env, cn: &str) -> String {
    d(env.issued(cn, "cert.pem"))
}

#[test]
fn verify_valid() {
    let env = Env::new().with_ca();
    env.issue("ok", &[]);
    env.run(&["gen-crl"]).ok();
    let (code, j, _) = verify_json(&env, &[&cert_path(&env, "ok")]);
    assert_eq!(code, 0);
    assert_eq!(j["valid"], true);
    assert_eq!(j["code"], "valid");
    assert_eq!(j["revocation_checked"], true);
    assert_eq!(j["purposes"], serde_json::json!(["client"]));
    let r = env.run(&["verify", &cert_path(&env, "ok")]).ok();
    assert!(r.stdout.contains("valid until") && r.stdout.contains("not revoked"), "{}", r.stdout);
}

#[test]
fn verify_expired() {
    let env = Env::new().with_ca();
    env.issue("old", &[]);
    let (code, j, _) = verify_json(&env, &[&cert_path(&env, "old"), "--at", "now+91d"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("expired")));
    assert!(j["message"].as_str().is_some_and(|m| m.starts_with("expired on ")), "{j}");
    env.run(&["verify", &cert_path(&env, "old"), "--at", "now+91d"]).code(3).stdout_has("expired on");
}

#[test]
fn verify_not_yet_valid() {
    let env = Env::new().with_ca();
    env.issue("young", &[]);
    let (code, j, _) = verify_json(&env, &[&cert_path(&env, "young"), "--at", "2001-01-01"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("not_yet_valid")));
    env.run(&["verify", &cert_path(&env, "young"), "--at", "2001-01-01"]).code(3).stdout_has("not yet valid");
}

#[test]
fn verify_revoked_with_reason_and_index_warning() {
    let env = Env::new().with_ca();
    env.issue("gone", &[]);
    env.run(&["gen-crl"]).ok();
    env.run(&["revoke", "--cn", "gone", "--reason", "key-compromise"]).ok();
    // Revoked in index.txt, not yet in the published CRL: still valid to servers, with a warning.
    let (code, j, stderr) = verify_json(&env, &[&cert_path(&env, "gone")]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")));
    assert!(stderr.contains("does not list it yet") && stderr.contains("mtlsctl gen-crl"), "{stderr}");
    env.run(&["gen-crl"]).ok();
    let (code, j, stderr) = verify_json(&env, &[&cert_path(&env, "gone")]);
    assert_eq!((code, j["code"].as_str(), j["reason"].as_str()), (3, Some("revoked"), Some("key_compromise")));
    assert!(j["revoked_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert!(!stderr.contains("does not list it yet"), "{stderr}");
    let r = env.run(&["verify", &cert_path(&env, "gone")]).code(3);
    assert!(r.stdout.contains("revoked on ") && r.stdout.contains("(keyCompromise)"), "{}", r.stdout);
    // --no-crl skips only the CRL check.
    env.run(&["verify", "--no-crl", &cert_path(&env, "gone")]).ok().stdout_has("revocation not checked");
}

#[test]
fn verify_unknown_issuer() {
    let env = Env::new().with_ca();
    let other = Env::new();
    other.run(&["init-ca", "--cn", "Other Root"]).ok();
    other.issue("stranger", &[]);
    let (code, j, _) = verify_json(&env, &[&cert_path(&other, "stranger")]);
    assert_eq!((code, j["code"].as_str()), (3, Some("unknown_issuer")));
    env.run(&["verify", &cert_path(&other, "stranger")])
        .code(3)
        .stdout_has("issued by CN=Other Root, which is not this CA");
}

#[test]
fn verify_wrong_purpose() {
    let env = Env::new().with_ca();
    env.issue("srv.example.com", &["--profile", "server"]);
    env.issue("cli", &[]);
    let (code, j, _) = verify_json(&env, &[&cert_path(&env, "srv.example.com"), "--purpose", "client"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("wrong_purpose")));
    env.run(&["verify", &cert_path(&env, "srv.example.com"), "--purpose", "client"])
        .code(3)
        .stdout_has("not valid for client authentication");
    env.run(&["verify", &cert_path(&env, "cli"), "--purpose", "server"])
        .code(3)
        .stdout_has("not valid for server authentication");
    env.run(&["verify", &cert_path(&env, "cli"), "--purpose", "client"]).ok();
}

#[test]
fn verify_name_mismatch() {
    let env = Env::new().with_ca();
    env.issue("api.example.com", &["--profile", "server", "--san", "dns:api.example.com", "--san", "ip:10.0.0.5"]);
    let c = cert_path(&env, "api.example.com");
    env.run(&["verify", &c, "--hostname", "api.example.com"]).ok();
    env.run(&["verify", &c, "--ip", "10.0.0.5"]).ok();
    let (code, j, _) = verify_json(&env, &[&c, "--hostname", "www.example.com"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("name_mismatch")));
    env.run(&["verify", &c, "--hostname", "www.example.com"]).code(3).stdout_has("name mismatch");
    let (code, j, _) = verify_json(&env, &[&c, "--ip", "10.0.0.6"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("name_mismatch")));
}

#[test]
fn verify_crl_expired_fails_closed() {
    let env = Env::new().with_ca();
    env.issue("client", &[]);
    env.run(&["gen-crl", "--next-update", "1s"]).ok();
    std::thread::sleep(Duration::from_millis(2200));
    let (code, j, _) = verify_json(&env, &[&cert_path(&env, "client")]);
    assert_eq!((code, j["code"].as_str()), (3, Some("crl_expired")));
    let r = env.run(&["verify", &cert_path(&env, "client")]).code(3);
    assert!(
        r.stdout.contains("CRL") && r.stdout.contains("expired on") && r.stdout.contains("gen-crl"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_with_a_ca_file_of_roots_and_intermediates() {
    let root = Env::new().with_ca();
    let inter = Env::new();
    inter.run(&["init-ca", "--cn", "Issuing CA", "--parent", &d(root.store())]).ok();
    inter.issue("leaf", &[]);
    // Several roots (one unrelated) and the intermediate in one file.
    let unrelated = Env::new().with_ca();
    let mut bundle = std::fs::read_to_string(unrelated.store().join("certs/ca.crt")).expect("ca");
    bundle.push_str(&std::fs::read_to_string(root.store().join("certs/ca.crt")).expect("ca"));
    bundle.push_str(&std::fs::read_to_string(inter.store().join("certs/ca.crt")).expect("ca"));
    let bundle_path = inter.path().join("bundle.pem");
    std::fs::write(&bundle_path, bundle).expect("write");
    let leaf = cert_path(&inter, "leaf");
    let (code, j, _) = verify_json(&inter, &[&leaf, "--ca", &d(bundle_path.clone())]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    assert_eq!(j["revocation_checked"], false);
    // Only the root given: the intermediate comes from chain.pem.
    let (code, j, _) =
        verify_json(&inter, &[&d(inter.issued("leaf", "chain.pem")), "--ca", &d(root.store().join("certs/ca.crt"))]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    // The unrelated root alone: not issued by it.
    let (code, j, _) = verify_json(&inter, &[&leaf, "--ca", &d(unrelated.store().join("certs/ca.crt"))]);
    assert_eq!((code, j["code"].as_str()), (3, Some("unknown_issuer")), "{j}");
    // The intermediate store verifies its own leaf (path to the parent's root).
    let (code, j, _) = verify_json(&inter, &[&leaf, "--no-crl"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    // With the intermediate's CRL only, the leaf is checked and the gap is named.
    inter.run(&["gen-crl"]).ok();
    let (code, j, stderr) = verify_json(&inter, &[&leaf]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j} {stderr}");
    assert!(stderr.contains("only the certificate itself was checked"), "{stderr}");
}

#[test]
fn verify_errors_exit_1() {
    let env = Env::new().with_ca();
    std::fs::write(env.path().join("junk.pem"), b"not a certificate").expect("write");
    env.run(&["verify", "missing.pem"]).error();
    env.run(&["verify", "junk.pem"]).error();
    env.issue("x", &[]);
    std::fs::write(env.path().join("bad.crl"), b"garbage").expect("write");
    env.run(&["verify", &cert_path(&env, "x"), "--crl", "bad.crl"]).error().stderr_has("bad.crl");
    env.run(&["verify", &cert_path(&env, "x"), "--at", "someday"]).error().stderr_has("--at");
}

#[test]
fn gen_crl_on_an_intermediate_bundles_the_parents_crl_for_crl_check_all() {
    let root = Env::new().with_ca();
    root.run(&["gen-crl"]).ok();
    let inter = Env::new();
    inter.run(&["init-ca", "--cn", "Issuing CA", "--parent", &d(root.store())]).ok();
    inter.issue("leaf", &[]);
    inter.issue("gone", &[]);
    inter.run(&["revoke", "--cn", "gone", "--reason", "key-compromise"]).ok();
    // Without the parent's CRL the bundle is incomplete, and gen-crl says so.
    inter.run(&["gen-crl"]).ok().stderr_has("--parent-crl");
    let root_crl = d(root.store().join("crl/ca.crl"));
    let j = inter.run(&["--json", "gen-crl", "--parent-crl", &root_crl]).ok().json();
    assert!(j["chain_crl"].as_str().is_some_and(|p| p.ends_with("crl/ca-chain.crl")), "{j}");
    // The next run keeps the parent's CRL it already has.
    let r = inter.run(&["gen-crl"]).ok();
    assert!(!r.stderr.contains("--parent-crl"), "{}", r.stderr);

    let root_ca = d(root.store().join("certs/ca.crt"));
    let chain_crl = d(inter.store().join("crl/ca-chain.crl"));
    let untrusted = d(inter.store().join("certs/ca.crt"));
    let check = |cn: &str| {
        let cert = d(inter.issued(cn, "cert.pem"));
        let r = peer(
            "openssl",
            &["verify", "-CAfile", &root_ca, "-untrusted", &untrusted, "-crl_check_all", "-CRLfile", &chain_crl, &cert],
            inter.path(),
        );
        (r.code == 0 && r.stdout.contains(": OK"), both(&r))
    };
    let (ok, out) = check("leaf");
    assert!(ok, "{out}");
    let (ok, out) = check("gone");
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    // mtlsctl verify with the bundle checks the whole chain and agrees.
    let (code, j, stderr) = verify_json(&inter, &[&d(inter.issued("leaf", "cert.pem")), "--crl", &chain_crl]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    assert!(!stderr.contains("only the certificate itself"), "{stderr}");
    let (code, j, _) = verify_json(&inter, &[&d(inter.issued("gone", "cert.pem")), "--crl", &chain_crl]);
    assert_eq!((code, j["code"].as_str()), (3, Some("revoked")), "{j}");
    // A CRL from a CA that is not a parent is refused.
    let other = Env::new().with_ca();
    other.run(&["gen-crl"]).ok();
    let before = inter.snapshot();
    inter.run(&["gen-crl", "--parent-crl", &d(other.store().join("crl/ca.crl"))]).error().stderr_has("not a parent");
    assert_eq!(before, inter.snapshot());
}

#[test]
fn openssl_pseudo_reasons_become_crl_entry_extensions() {
    let env = Env::new().with_ca();
    env.issue("leaked", &[]);
    env.issue("held", &[]);
    let cnf = "pki/openssl.cnf";
    openssl(
        &env,
        &["ca", "-config", cnf, "-revoke", "pki/issued/leaked/cert.pem", "-crl_compromise", "20250101000000Z"],
    );
    openssl(&env, &["ca", "-config", cnf, "-revoke", "pki/issued/held/cert.pem", "-crl_hold", "holdInstructionReject"]);
    let j = env.run(&["--json", "gen-crl"]).ok().json();
    assert_eq!(j["revoked_count"], 2, "{j}");
    let text = openssl(&env, &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    assert!(
        text.contains("Key Compromise")
            && text.contains("Invalidity Date")
            && text.contains("Jan  1 00:00:00 2025 GMT"),
        "{text}"
    );
    assert!(text.contains("Certificate Hold"), "{text}");
    let (code, j, _) = verify_json(&env, &["pki/issued/leaked/cert.pem"]);
    assert_eq!((code, j["reason"].as_str()), (3, Some("key_compromise")), "{j}");
}

/// A large CRL takes a moment; gen-crl says so on stderr (not with --quiet),
/// and the CRL holds every entry.
#[test]
fn gen_crl_reports_progress_on_a_large_crl() {
    let env = Env::new().with_ca();
    let mut text = String::new();
    for i in 0..10_000u32 {
        text.push_str(&format!(
            "R\t301231235959Z\t250101000000Z,superseded\t{:08X}{i:08X}\tunknown\t/CN=bulk-{i}\n",
            0x1000_0000u32
        ));
    }
    std::fs::write(env.store().join("index.txt"), text).expect("write index");
    let r = env.run(&["gen-crl"]).ok();
    assert!(r.stderr.contains("signing a CRL of 10000 entries"), "{}", r.stderr);
    let r = env.run(&["--quiet", "gen-crl"]).ok();
    assert!(!r.stderr.contains("signing a CRL"), "{}", r.stderr);
    let j = env.run(&["--json", "inspect", "pki/crl/ca.crl"]).ok().json();
    assert_eq!(j["revoked_count"], 10_000);
}
