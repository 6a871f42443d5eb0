//! csr and sign: requests made by mtlsctl or openssl, signed under the CA's policy
//! (only subject and SANs taken from a request), bad requests refused unchanged.

use crate::common::*;

#[test]
fn sign_takes_only_subject_and_sans_from_a_request_asking_to_be_a_ca() {
    let env = Env::new().with_ca();
    let (csr, _) = openssl_csr(
        env.path(),
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
    let text = openssl(env.path(), &["x509", "-in", "pki/issued/evil/cert.pem", "-text", "-noout"]).stdout;
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
    assert_eq!(r.code, 0, "{}", r.both());
}

#[test]
fn sign_accepts_der_and_applies_profile_and_validity() {
    let env = Env::new().with_ca();
    let (csr, _) = openssl_csr(env.path(), "api", "/CN=api.example.com", &[]);
    openssl(env.path(), &["req", "-in", &csr, "-outform", "DER", "-out", "api.der"]);
    let j = env.run(&["--json", "sign", "api.der", "--profile", "server", "--validity", "30d"]).ok().json();
    assert_eq!(j["profile"], "server");
    let text = openssl(env.path(), &["x509", "-in", "pki/issued/api.example.com/cert.pem", "-text", "-noout"]).stdout;
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
    assert!(text.contains("DNS:api.example.com"), "a server certificate gets its CN as SAN: {text}");
    let (code, j, _) = env.verify_json(&["pki/issued/api.example.com/cert.pem", "--hostname", "api.example.com"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    let days = j["message"].as_str().unwrap_or_default().to_string();
    assert!(days.contains("(29 days left)") || days.contains("(30 days left)"), "{days}");
}

#[test]
fn sign_refuses_bad_requests_and_changes_nothing() {
    let env = Env::new().with_ca();
    env.issue("someone", &[]);
    env.run(&["csr", "--cn", "victim", "--out", "victim"]).ok();
    openssl(env.path(), &["req", "-in", "victim/csr.pem", "-outform", "DER", "-out", "victim.der"]);
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
        assert!(r.both().contains("verify OK"), "{kt}: {}", r.both());
        assert!(r.both().contains("DNS:svc.example.com"), "{kt}: {}", r.both());
        let key = env.path().join(&out).join("key.pem");
        assert_eq!(mode(&key), 0o600, "{kt}");
    }
    // Refuses to overwrite without --force.
    env.run(&["csr", "--cn", "svc", "--out", "req-ec-p256"]).error().stderr_has("--force");
}

#[test]
fn csr_with_an_existing_key_and_a_spiffe_id_signs_as_an_svid() {
    let env = Env::new().with_ca();
    openssl(env.path(), &["genpkey", "-algorithm", "ed25519", "-out", "mine.key"]);
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
    assert!(r.both().contains("verify OK"), "{}", r.both());
    let j = env.run(&["--json", "sign", "payments/csr.pem"]).ok().json();
    assert_eq!(j["profile"], "peer");
    let text = openssl(env.path(), &["x509", "-in", "pki/issued/payments/cert.pem", "-text", "-noout"]).stdout;
    assert!(text.contains("URI:spiffe://example.org/ns/prod/sa/payments"), "{text}");
    // The certificate carries the key the requester holds.
    let a = openssl(env.path(), &["pkey", "-in", "mine.key", "-pubout"]).stdout;
    let b = openssl(env.path(), &["x509", "-in", "pki/issued/payments/cert.pem", "-pubkey", "-noout"]).stdout;
    assert_eq!(a, b);
}
