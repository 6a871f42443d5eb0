//! init-ca and issue, and reading back what they made (list, inspect): key types,
//! profiles, extensions, validity and name-constraint policy, encrypted CA keys,
//! intermediate CAs (`init-ca --parent`), expiry warnings, checked with openssl.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::*;

/// A path relative to `base`, for peers run in `base`.
fn rel(p: &Path, base: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

// ---------------------------------------------------------------------------
// openssl agrees: every key type, every profile

#[test]
fn init_ca_then_issue_verifies_with_openssl() {
    let env = Env::new().with_ca();
    env.issue("payment-service", &[]);
    let r = peer(
        "openssl",
        &["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", "sslclient", "pki/issued/payment-service/cert.pem"],
        env.path(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(": OK"));
}

/// A CA of `ca_type` issues client, server and peer certificates (keys of
/// `leaf_types`, cycled); `openssl verify` accepts each for its purposes and
/// refuses the purpose its EKU leaves out.
fn key_type_case(ca_type: &str, leaf_types: &[&str]) {
    let env = Env::new();
    env.run(&["init-ca", "--key-type", ca_type]).ok();
    let ca = env.run(&["--json", "inspect", "pki/certs/ca.crt"]).ok().json();
    assert_eq!(ca["certificates"][0]["key_type"], ca_type, "CA key type");
    let profiles: [(&str, &[&str], &[&str]); 3] = [
        ("client", &["sslclient"], &["sslserver"]),
        ("server", &["sslserver"], &["sslclient"]),
        ("peer", &["sslclient", "sslserver"], &[]),
    ];
    for (i, (profile, ok, refused)) in profiles.iter().enumerate() {
        let leaf_type = leaf_types[i % leaf_types.len()];
        let cn = format!("{profile}.example.com");
        env.issue(&cn, &["--profile", profile, "--key-type", leaf_type]);
        let cert = rel(&env.issued(&cn, "cert.pem"), env.path());
        for purpose in *ok {
            let r = openssl_verify_purpose(&env, &cert, purpose);
            assert!(
                r.code == 0 && r.stdout.contains(": OK"),
                "{ca_type}/{leaf_type} {profile} -purpose {purpose}:\n{}{}",
                r.stdout,
                r.stderr
            );
        }
        for purpose in *refused {
            let r = openssl_verify_purpose(&env, &cert, purpose);
            assert_ne!(r.code, 0, "{profile} certificate passed -purpose {purpose}:\n{}", r.stdout);
        }
        // The key on disk is the certificate's key.
        let key = rel(&env.issued(&cn, "key.pem"), env.path());
        let from_cert = openssl(env.path(), &["x509", "-in", &cert, "-noout", "-pubkey"]).stdout;
        let from_key = openssl(env.path(), &["pkey", "-in", &key, "-pubout"]).stdout;
        assert_eq!(from_cert, from_key, "{cn}: key.pem does not match cert.pem");
        let info = env.run(&["--json", "inspect", &cert]).ok().json();
        assert_eq!(info["certificates"][0]["key_type"], leaf_type);
        // RSA leaves may encipher keys (TLS 1.2 RSA key exchange); others only sign.
        let (_, ku) = must_ext(&x509_text(&env, &cert), "Key Usage");
        assert_eq!(ku.contains("Key Encipherment"), leaf_type.starts_with("rsa-"), "{leaf_type} key usage: {ku}");
    }
}

#[test]
fn key_type_ec_p256() {
    key_type_case("ec-p256", &["ec-p256"]);
}

#[test]
fn key_type_ec_p384() {
    key_type_case("ec-p384", &["ec-p384"]);
}

#[test]
fn key_type_ed25519() {
    key_type_case("ed25519", &["ed25519"]);
}

#[test]
fn key_type_rsa_2048() {
    key_type_case("rsa-2048", &["rsa-2048"]);
}

#[test]
fn key_type_rsa_3072() {
    key_type_case("rsa-3072", &["rsa-3072", "ec-p256"]);
}

// RSA-4096 takes seconds per key: one CA and one leaf of it, the rest EC.
#[test]
fn key_type_rsa_4096() {
    key_type_case("rsa-4096", &["rsa-4096", "ec-p256", "ed25519"]);
}

// ---------------------------------------------------------------------------
// openssl x509 -text shows the extensions

#[test]
fn x509_text_shows_ca_and_leaf_extensions() {
    let env = Env::new();
    env.run(&[
        "init-ca",
        "--cn",
        "Example Root",
        "--org",
        "Example Corp",
        "--path-len",
        "1",
        "--permitted-dns",
        "example.com",
    ])
    .ok();
    let ca = x509_text(&env, "pki/certs/ca.crt");
    assert!(ca.contains("Version: 3"), "{ca}");
    assert!(ca.contains("Subject: CN = Example Root, O = Example Corp"), "{ca}");
    assert_eq!(must_ext(&ca, "Basic Constraints"), (true, "CA:TRUE, pathlen:1".to_string()));
    let (crit, ku) = must_ext(&ca, "Key Usage");
    assert!(crit && ku.contains("Certificate Sign") && ku.contains("CRL Sign"), "{ku}");
    let (_, ca_ski) = must_ext(&ca, "Subject Key Identifier");
    assert!(!ca_ski.is_empty());
    let (_, nc) = must_ext(&ca, "Name Constraints");
    assert!(nc.contains("Permitted:") && nc.contains("DNS:example.com"), "{nc}");

    env.issue(
        "client.example.com",
        &["--san", "dns:a.example.com", "--san", "ip:10.0.0.5", "--san", "email:ops@example.com"],
    );
    env.issue("api.example.com", &["--profile", "server"]);
    env.issue("mesh.example.com", &["--profile", "peer", "--san", "uri:spiffe://example.com/ns/prod/sa/mesh"]);
    let cases = [
        (
            "client.example.com",
            "TLS Web Client Authentication",
            "DNS:a.example.com, IP Address:10.0.0.5, email:ops@example.com",
        ),
        ("api.example.com", "TLS Web Server Authentication", "DNS:api.example.com"),
        (
            "mesh.example.com",
            "TLS Web Server Authentication, TLS Web Client Authentication",
            // The CN is added as a DNS SAN after the given ones: a peer needs a name to be checked by.
            "URI:spiffe://example.com/ns/prod/sa/mesh, DNS:mesh.example.com",
        ),
    ];
    for (cn, eku, san) in cases {
        let t = x509_text(&env, &rel(&env.issued(cn, "cert.pem"), env.path()));
        assert!(t.contains(&format!("Subject: CN = {cn}")), "{t}");
        assert!(t.contains("Issuer: CN = Example Root, O = Example Corp"), "{t}");
        assert_eq!(must_ext(&t, "Basic Constraints"), (true, "CA:FALSE".to_string()), "{cn}");
        assert_eq!(must_ext(&t, "Key Usage"), (true, "Digital Signature".to_string()), "{cn}");
        assert_eq!(must_ext(&t, "Extended Key Usage").1, eku, "{cn}");
        assert!(!must_ext(&t, "Subject Key Identifier").1.is_empty());
        let (_, aki) = must_ext(&t, "Authority Key Identifier");
        assert!(aki.contains(&ca_ski), "{cn}: AKI {aki} is not the CA's SKI {ca_ski}");
        assert_eq!(must_ext(&t, "Subject Alternative Name").1, san, "{cn}");
    }
}

// ---------------------------------------------------------------------------
// policy: validity, name constraints

#[test]
fn issue_refuses_past_the_ca_zero_validity_and_names_outside_constraints() {
    let env = Env::new();
    env.run(&["init-ca", "--validity", "30d", "--permitted-dns", "example.com"]).ok();
    env.issue("api.example.com", &["--profile", "server", "--validity", "7d"]);
    let before = env.snapshot();
    let ca_end = {
        let pem = std::fs::read(env.store().join("certs/ca.crt")).expect("ca");
        let block = pem::parse(pem).expect("pem");
        let (_, c) = x509_parser::parse_x509_certificate(block.contents()).expect("der");
        c.validity().not_after.to_datetime().year().to_string()
    };
    env.run(&["issue", "--cn", "long", "--validity", "1y"]).error().stderr_has("CA itself expires").stderr_has(&ca_end);
    for zero in ["0d", "0s", "0h"] {
        env.run(&["issue", "--cn", "zero", "--validity", zero]).error().stderr_has("--validity");
    }
    env.run(&["issue", "--cn", "evil", "--san", "dns:evil.org", "--validity", "7d"])
        .error()
        .stderr_has("evil.org")
        .stderr_has("name constraints");
    env.run(&["issue", "--cn", "evil.org", "--profile", "server", "--validity", "7d"])
        .error()
        .stderr_has("name constraints");
    env.run(&["issue", "--cn", "mail", "--san", "email:a@evil.org", "--validity", "7d"])
        .error()
        .stderr_has("name constraints");
    assert_eq!(env.snapshot(), before, "a refused issue changed the store");
}

// ---------------------------------------------------------------------------
// secrets: an encrypted CA key that openssl opens

#[test]
fn encrypted_ca_key_with_passphrase_file() {
    let env = Env::new();
    std::fs::write(env.path().join("pass.txt"), "correct horse battery\n").unwrap();
    // Ed25519: the key type whose PKCS#8 encoding OpenSSL 3.0 is pickiest about.
    let r = env.run(&["--json", "init-ca", "--key-type", "ed25519", "--passphrase-file", "pass.txt"]).ok();
    assert_eq!(r.json()["key_encrypted"], true);
    assert!(!r.stdout.contains("correct horse") && !r.stderr.contains("correct horse"));
    let key = std::fs::read_to_string(env.store().join("private/ca.key")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{key}");

    openssl(env.path(), &["pkey", "-in", "pki/private/ca.key", "-passin", "file:pass.txt", "-noout"]);
    peer("openssl", &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:wrong", "-noout"], env.path()).nonzero();
    peer("openssl", &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:", "-noout"], env.path()).nonzero();

    // Signing needs the passphrase; without it batch mode fails and changes nothing.
    let before = env.snapshot();
    env.run(&["issue", "--cn", "svc"])
        .error()
        .stderr_has("is encrypted and no passphrase was given")
        .stderr_has("MTLSCTL_CA_PASSPHRASE");
    env.run_with(&["issue", "--cn", "svc"], &[("MTLSCTL_CA_PASSPHRASE", "wrong")])
        .error()
        .stderr_has("cannot decrypt the CA key");
    assert_eq!(before, env.snapshot(), "a refused issue changed the store");
    assert!(!env.store().join("issued/svc").exists());

    env.run(&["issue", "--cn", "svc", "--passphrase-file", "pass.txt"]).ok();
    env.run_with(&["issue", "--cn", "svc2"], &[("MTLSCTL_CA_PASSPHRASE", "correct horse battery")]).ok();
    for cn in ["svc", "svc2"] {
        let r = openssl_verify_purpose(&env, &rel(&env.issued(cn, "cert.pem"), env.path()), "sslclient");
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    // Leaf keys are never encrypted (services load them unattended), but are 0600.
    assert_eq!(mode(&env.issued("svc", "key.pem")), 0o600);
    assert_eq!(mode(&env.store().join("private/ca.key")), 0o600);
    assert_eq!(mode(&env.store().join("private")), 0o700);
}

#[test]
fn encrypted_ca_key_with_env_passphrase() {
    let env = Env::new();
    env.run_with(&["init-ca", "--key-type", "rsa-2048"], &[("MTLSCTL_CA_PASSPHRASE", "s3cret env pass")]).ok();
    openssl(env.path(), &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:s3cret env pass", "-noout"]);
    peer("openssl", &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:s3cret", "-noout"], env.path()).nonzero();
    let r = env.run(&["--json", "inspect", "pki/private/ca.key"]).ok();
    assert_eq!(r.json()["encrypted"], true);
    let before = env.snapshot();
    env.run(&["issue", "--cn", "svc"]).error().stderr_has("no passphrase was given");
    assert_eq!(before, env.snapshot());
    env.run_with(&["issue", "--cn", "svc"], &[("MTLSCTL_CA_PASSPHRASE", "s3cret env pass")]).ok();
    let r = openssl_verify_purpose(&env, &rel(&env.issued("svc", "cert.pem"), env.path()), "sslclient");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

// ---------------------------------------------------------------------------
// intermediate CAs: init-ca --parent

fn count_certs(path: &Path) -> usize {
    std::fs::read_to_string(path).expect("read pem").matches("BEGIN CERTIFICATE").count()
}

#[test]
fn intermediate_is_recorded_in_root_and_chains() {
    let (env, int) = root_and_intermediate();
    let index = std::fs::read_to_string(env.store().join("index.txt")).expect("root index");
    assert_eq!(index.lines().count(), 1, "{index}");
    assert!(index.contains("/CN=Issuing CA"), "{index}");
    let serial = index.split('\t').nth(3).expect("serial");
    assert!(env.store().join(format!("newcerts/{serial}.pem")).exists());
    assert_eq!(count_certs(&int.join("certs/ca-chain.crt")), 2);
    assert_eq!(count_certs(&int.join("certs/ca.crt")), 1);

    Env::at(&int).run(&["issue", "--cn", "alice"]).ok();
    let leaf = int.join("issued/alice");
    assert_eq!(count_certs(&leaf.join("chain.pem")), 2, "chain.pem = leaf + intermediate");
    assert_eq!(
        std::fs::read(leaf.join("ca.pem")).expect("ca.pem"),
        std::fs::read(env.store().join("certs/ca.crt")).expect("root")
    );
    let r = peer(
        "openssl",
        &[
            "verify",
            "-CAfile",
            "pki/certs/ca.crt",
            "-untrusted",
            "int/certs/ca.crt",
            "-purpose",
            "sslclient",
            "int/issued/alice/cert.pem",
        ],
        env.path(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // openssl ca on the root still reads the root's index with the intermediate in it.
    let st = peer("openssl", &["ca", "-config", "pki/openssl.cnf", "-status", serial], env.path());
    assert!(st.stderr.contains("Valid"), "{}", st.stderr);
}

#[test]
fn intermediate_respects_parent_limits() {
    let (env, int) = root_and_intermediate();
    // The intermediate has pathLen 0 by default: it cannot sign another CA.
    let sub = env.path().join("sub");
    Env::at(&sub).run(&["init-ca", "--parent", utf8(&int)]).error().stderr_has("pathLen 0");
    assert!(!sub.exists());
    // A root with pathLen 1 refuses a child with pathLen 1.
    let r1 = env.path().join("r1");
    Env::at(&r1).run(&["init-ca", "--path-len", "1"]).ok();
    Env::at(env.path().join("c1")).run(&["init-ca", "--parent", utf8(&r1), "--path-len", "1"]).error();
    // Explicit validity past the parent's end is refused; the default is cut with a notice.
    let short = env.path().join("short");
    Env::at(&short).run(&["init-ca", "--validity", "30d"]).ok();
    let before = snapshot_dir(&short);
    Env::at(env.path().join("c2"))
        .run(&["init-ca", "--parent", utf8(&short), "--validity", "1y"])
        .error()
        .stderr_has("after the parent CA expires");
    assert_eq!(before, snapshot_dir(&short), "a refused intermediate changes nothing in the parent");
    let c3 = env.path().join("c3");
    let r = Env::at(&c3).run(&["--json", "init-ca", "--parent", utf8(&short)]).ok().stderr_has("ends with it");
    let parent_end = peer("openssl", &["x509", "-noout", "-enddate", "-in", "short/certs/ca.crt"], env.path()).stdout;
    let child_end = peer("openssl", &["x509", "-noout", "-enddate", "-in", "c3/certs/ca.crt"], env.path()).stdout;
    assert_eq!(parent_end, child_end);
    assert!(r.json()["parent"].is_string());
}

#[test]
fn an_intermediate_path_length_is_enforced() {
    let env = Env::new();
    env.run(&["init-ca", "--path-len", "0"]).ok();
    let before = env.snapshot();
    let sub = env.path().join("sub");
    Env::at(&sub).run(&["init-ca", "--cn", "Sub", "--parent", utf8(&env.store())]).error().stderr_has("pathLen");
    assert_eq!(env.snapshot(), before);
    assert!(!sub.join("private/ca.key").exists());
}

// ---------------------------------------------------------------------------
// list filters

#[test]
fn list_filters_by_status_and_expiry() {
    let env = Env::new().with_ca();
    let long = env.issue_serial("long-lived", &[]);
    let soon = env.issue_serial("short-lived", &["--validity", "2d"]);
    let revoked = env.issue_serial("revoked", &[]);
    openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{revoked}.pem"), "-crl_reason", "superseded"]);
    // An expired certificate, as openssl ca records it (a V line past its notAfter).
    let (csr, _) = openssl_csr(env.path(), "old", "/CN=old", &[]);
    openssl_ca(
        &env,
        &["-batch", "-startdate", "200101000000Z", "-enddate", "200201000000Z", "-in", &csr, "-out", "old.crt"],
    );
    let expired = env.last_serial();

    let serials = |v: &serde_json::Value| -> BTreeSet<String> { rows_by_serial(v).into_keys().collect() };
    let set = |xs: &[&String]| -> BTreeSet<String> { xs.iter().map(|s| s.to_string()).collect() };

    let all = env.list_json(&[]);
    assert_eq!(all["count"], 4);
    assert_eq!(serials(&all), set(&[&long, &soon, &revoked, &expired]));
    let rows = rows_by_serial(&all);
    assert_eq!(rows[&expired]["status"], "expired");
    assert!(rows[&expired]["days_left"].as_i64().unwrap() < 0);
    assert_eq!(rows[&revoked]["reason"], "superseded");
    assert_eq!(rows[&soon]["days_left"], 1, "a 2d certificate has 1 whole day left");

    assert_eq!(serials(&env.list_json(&["--valid"])), set(&[&long, &soon]));
    assert_eq!(serials(&env.list_json(&["--revoked"])), set(&[&revoked]));
    assert_eq!(serials(&env.list_json(&["--expiring", "7d"])), set(&[&soon]));
    assert_eq!(serials(&env.list_json(&["--expiring", "365d"])), set(&[&long, &soon]));
    assert_eq!(env.list_json(&["--expiring", "1h"])["count"], 0);

    let text = env.run(&["list"]).ok().stdout;
    assert!(text.starts_with("STATUS"), "{text}");
    assert!(
        text.contains("revoked (superseded)") && text.contains("expired") && text.contains("/CN=short-lived"),
        "{text}"
    );
    let text = env.run(&["list", "--revoked"]).ok().stdout;
    assert!(text.contains(&revoked) && !text.contains(&long), "{text}");

    env.run(&["list", "--revoked", "--valid"]).usage_error();
    env.run(&["list", "--revoked", "--expiring", "7d"]).usage_error();
    env.run(&["list", "--expiring", "week"]).error().stderr_has("--expiring");
    let empty = Env::new().with_ca();
    assert_eq!(empty.list_json(&[])["count"], 0);
    empty.run(&["list"]).ok().stdout_has("no certificates");
}

// ---------------------------------------------------------------------------
// inspect: every kind, PEM / DER / stdin, text and JSON, never key material

/// The base64 lines of a PEM file's body.
fn pem_body_lines(pem: &str) -> Vec<String> {
    pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_string).collect()
}

fn assert_no_key_material(out: &str, key_pem: &str, private_hex: &str) {
    for line in pem_body_lines(key_pem) {
        assert!(!out.contains(&line), "key material in output:\n{out}");
    }
    assert!(!out.contains("PRIVATE KEY-----"), "{out}");
    let compact = private_hex.to_ascii_uppercase();
    assert!(compact.len() >= 32);
    let upper = out.to_ascii_uppercase().replace(':', "");
    assert!(!upper.contains(&compact), "the private scalar is in the output:\n{out}");
}

#[test]
fn inspect_reads_every_kind_in_every_encoding() {
    let env = Env::new().with_ca();
    env.issue("api.example.com", &["--profile", "server"]);
    let cert = rel(&env.issued("api.example.com", "cert.pem"), env.path());
    let key = rel(&env.issued("api.example.com", "key.pem"), env.path());
    let ca = "pki/certs/ca.crt";

    // Certificate: PEM, DER, stdin; text and JSON.
    openssl(env.path(), &["x509", "-in", &cert, "-outform", "DER", "-out", "cert.der"]);
    for file in [cert.as_str(), "cert.der"] {
        let j = env.run(&["--json", "inspect", file]).ok().json();
        assert_eq!(j["kind"], "certificates", "{file}");
        let c = &j["certificates"][0];
        assert_eq!(c["common_name"], "api.example.com");
        assert_eq!(c["profile"], "server");
        assert_eq!(c["is_ca"], false);
        assert_eq!(c["sans"][0], serde_json::json!({"type": "dns", "value": "api.example.com"}));
        assert_eq!(c["extended_key_usage"], serde_json::json!(["serverAuth"]));
        let t = env.run(&["inspect", file]).ok().stdout;
        assert!(
            t.contains("subject:     CN=api.example.com  (server certificate)") && t.contains("dns:api.example.com"),
            "{t}"
        );
    }
    let der = std::fs::read(env.path().join("cert.der")).unwrap();
    let j = env.run_stdin(&["--json", "inspect", "-"], &der).ok().json();
    assert_eq!(j["certificates"][0]["common_name"], "api.example.com");
    let pem = std::fs::read(env.path().join(&cert)).unwrap();
    let t = env.run_stdin(&["inspect", "-"], &pem).ok().stdout;
    assert!(t.contains("api.example.com"), "{t}");

    // A chain: leaf then CA.
    let mut chain = std::fs::read_to_string(env.path().join(&cert)).unwrap();
    chain.push_str(&std::fs::read_to_string(env.path().join(ca)).unwrap());
    std::fs::write(env.path().join("chain.pem"), &chain).unwrap();
    let j = env.run(&["--json", "inspect", "chain.pem"]).ok().json();
    let certs = j["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[1]["is_ca"], true);
    assert_eq!(certs[1]["self_signed"], true);
    assert_eq!(certs[0]["authority_key_id"], certs[1]["subject_key_id"]);
    let t = env.run(&["inspect", "chain.pem"]).ok().stdout;
    assert!(t.contains("Certificate #2") && t.contains("root CA"), "{t}");

    // CSR: PEM, DER, stdin.
    let (csr, csr_key) = openssl_csr(
        env.path(),
        "req",
        "/CN=req.example.com",
        &["-addext", "subjectAltName=DNS:req.example.com,IP:10.1.2.3"],
    );
    openssl(env.path(), &["req", "-in", &csr, "-outform", "DER", "-out", "req.der"]);
    for file in [csr.as_str(), "req.der"] {
        let j = env.run(&["--json", "inspect", file]).ok().json();
        assert_eq!(j["kind"], "csr", "{file}");
        assert_eq!(j["common_name"], "req.example.com");
        assert_eq!(j["signature_valid"], true);
        assert_eq!(j["key_type"], "ec-p256");
        assert_eq!(j["sans"].as_array().unwrap().len(), 2);
    }
    let t = env.run_stdin(&["inspect", "-"], &std::fs::read(env.path().join(&csr)).unwrap()).ok().stdout;
    assert!(t.contains("Certificate request") && t.contains("valid (proof of possession)"), "{t}");

    // CRL from openssl ca: PEM, DER, stdin.
    let revoked = env.issue_serial("gone", &[]);
    openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{revoked}.pem"), "-crl_reason", "cessationOfOperation"]);
    openssl_ca(&env, &["-gencrl", "-out", "ca.crl"]);
    openssl(env.path(), &["crl", "-in", "ca.crl", "-outform", "DER", "-out", "ca.crl.der"]);
    for file in ["ca.crl", "ca.crl.der"] {
        let j = env.run(&["--json", "inspect", file]).ok().json();
        assert_eq!(j["kind"], "crl", "{file}");
        assert_eq!(j["revoked_count"], 1);
        assert_eq!(j["revoked"][0]["serial"], revoked.as_str());
        assert_eq!(j["revoked"][0]["reason"], "cessation_of_operation");
        assert_eq!(j["crl_number"], "01");
        assert!(j["next_update"].as_str().is_some());
    }
    let t = env.run_stdin(&["inspect", "-"], &std::fs::read(env.path().join("ca.crl.der")).unwrap()).ok().stdout;
    assert!(
        t.contains("Certificate revocation list") && t.contains(&revoked) && t.contains("cessationOfOperation"),
        "{t}"
    );

    // Keys: PKCS#8 PEM, SEC1 DER, stdin, the CSR's key; never their contents.
    let key_pem = std::fs::read_to_string(env.path().join(&key)).unwrap();
    let priv_hex: String = {
        let t = openssl(env.path(), &["pkey", "-in", &key, "-noout", "-text"]).stdout;
        let after = t.split("priv:").nth(1).unwrap();
        after.lines().skip(1).take_while(|l| l.starts_with("    ")).map(|l| l.trim().replace(':', "")).collect()
    };
    openssl(env.path(), &["pkey", "-in", &key, "-outform", "DER", "-out", "key.der"]);
    let runs = [
        env.run(&["--json", "inspect", &key]),
        env.run(&["--json", "inspect", "key.der"]),
        env.run_stdin(&["--json", "inspect", "-"], key_pem.as_bytes()),
        env.run(&["inspect", &key]),
        env.run(&["inspect", "key.der"]),
        env.run_stdin(&["inspect", "-"], &std::fs::read(env.path().join("key.der")).unwrap()),
    ];
    for (i, r) in runs.into_iter().enumerate() {
        let r = r.ok();
        assert_no_key_material(&format!("{}{}", r.stdout, r.stderr), &key_pem, &priv_hex);
        if i < 3 {
            let j = r.json();
            assert_eq!(j["kind"], "key");
            assert_eq!(j["encrypted"], false);
            assert_eq!(j["key_type"], "ec-p256");
            assert!(j["public_key_sha256"].as_str().is_some_and(|s| s.len() == 95));
        } else {
            assert!(r.stdout.contains("Private key (contents not shown)"), "{}", r.stdout);
        }
    }
    let csr_key_pem = std::fs::read_to_string(env.path().join(&csr_key)).unwrap();
    let r = env.run(&["inspect", &csr_key]).ok();
    for line in pem_body_lines(&csr_key_pem) {
        assert!(!r.stdout.contains(&line) && !r.stderr.contains(&line));
    }

    // Not a PKI object: a clear error.
    std::fs::write(env.path().join("junk.bin"), b"\x00\x01garbage").unwrap();
    env.run(&["inspect", "junk.bin"]).error().stderr_has("junk.bin");
    env.run(&["inspect", "nope.pem"]).error().stderr_has("nope.pem");
    env.run_stdin(&["inspect", "-"], b"").error().stderr_has("standard input");
}

// ---------------------------------------------------------------------------
// expiry warnings

/// Days-left warnings: a CA or CRL close to its end is said on stderr by `list`
/// and after `issue`, with what to do.
#[test]
fn warns_when_ca_or_crl_expire_soon() {
    let env = Env::new();
    env.run(&["init-ca", "--validity", "10d"]).ok();
    let r = env.run(&["issue", "--cn", "svc", "--validity", "1d"]).ok();
    assert!(r.stderr.contains("the CA certificate expires in"), "issue: {}", r.stderr);
    let r = env.run(&["list"]).ok();
    assert!(r.stderr.contains("the CA certificate expires in"), "list: {}", r.stderr);
    // A deliberate 12-hour CRL is quiet at first (issue 15); one in its last day of seven is not.
    env.run(&["gen-crl", "--next-update", "12h"]).ok();
    assert!(!env.run(&["list"]).ok().stderr.contains("the CRL"));
    crate::docs_stories::crl_between(&env, -6 * 24, 20);
    let r = env.run(&["list"]).ok();
    assert!(r.stderr.contains("expires in") && r.stderr.contains("mtlsctl gen-crl"), "list: {}", r.stderr);
    let r = env.run(&["--json", "list"]).ok();
    r.json();
    assert!(r.stderr.contains("mtlsctl gen-crl"), "warnings stay on stderr with --json: {}", r.stderr);
}
