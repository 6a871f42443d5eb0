//! Other tools on the same store or against our certificates, where no single
//! command is the subject: nginx + curl end to end, `openssl ca` working on our store
//! and we on its, adopting easy-rsa and demoCA directories.

use std::path::{Path, PathBuf};

use mtlsctl::store::index::Index;

use crate::common::*;

// ---------------------------------------------------------------------------
// nginx and curl: the whole loop

#[test]
fn nginx_accepts_mtlsctl_client_and_refuses_none() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    env.issue("payment-service", &[]);
    // A client of another CA: nginx must refuse it too.
    let other = Env::new().with_ca();
    other.issue("intruder", &[]);

    let body = nginx_mtls(
        &env.issued("localhost", "chain.pem"),
        &env.issued("localhost", "key.pem"),
        &env.store().join("certs/ca.crt"),
    );
    let nginx_dir = env.path().join("nginx");
    let server = start_nginx(&nginx_dir, &body);
    let ca = display(env.store().join("certs/ca.crt"));
    let chain = display(env.issued("payment-service", "chain.pem"));
    let key = display(env.issued("payment-service", "key.pem"));
    assert_eq!(curl_status(server.port, &["--cacert", &ca, "--cert", &chain, "--key", &key]), 200);
    assert_eq!(curl_status(server.port, &["--cacert", &ca]), 400, "no client certificate must get 400");
    let (oc, ok) = (display(other.issued("intruder", "chain.pem")), display(other.issued("intruder", "key.pem")));
    assert_eq!(
        curl_status(server.port, &["--cacert", &ca, "--cert", &oc, "--key", &ok]),
        400,
        "a foreign CA's client must get 400"
    );
    // The server certificate verifies for 127.0.0.1 against our CA (curl checks the IP SAN).
    let r = curl(server.port, &["--cacert", &ca, "--cert", &chain, "--key", &key]);
    assert!(r.stdout.contains("CN=payment-service"), "nginx did not see our client: {}{}", r.stdout, r.stderr);
}

fn nginx_body(env: &Env, crl: bool) -> String {
    let mut body = nginx_mtls(
        &env.issued("localhost", "chain.pem"),
        &env.issued("localhost", "key.pem"),
        &env.store().join("certs/ca.crt"),
    );
    if crl {
        body.push_str(&format!("    ssl_crl {};\n", display(env.store().join("crl/ca.crl"))));
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

    let ca = display(env.store().join("certs/ca.crt"));
    let client = |cert: String, key: String| {
        vec!["--cacert".to_string(), ca.clone(), "--cert".into(), cert, "--key".into(), key]
    };
    let alice = client(display(env.issued("alice", "chain.pem")), display(env.issued("alice", "key.pem")));
    let carol = client(display(env.issued("carol", "chain.pem")), display(env.issued("carol", "key.pem")));
    let bob = client(display(env.issued("bob", "chain.pem")), display(env.path().join("bob/key.pem")));
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

    let r = env.run(&["verify", &display(env.issued("bob", "cert.pem"))]).code(3);
    assert!(r.both().contains("revoked on") && r.both().contains("keyCompromise"), "{}", r.both());
}

/// `openssl ca -gencrl` for a store; returns the CRL path.
fn openssl_crl(store: &Path, out: &Path) -> PathBuf {
    openssl_ca(&Env::at(store), &["-batch", "-gencrl", "-out", utf8(out)]);
    out.to_path_buf()
}

#[test]
fn nginx_accepts_intermediate_leaf_until_root_revokes_intermediate() {
    let (env, int) = root_and_intermediate();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    Env::at(&int).run(&["issue", "--cn", "alice"]).ok();
    let root_ca = env.store().join("certs/ca.crt");
    let srv = env.store().join("issued/localhost");
    let body = nginx_mtls(&srv.join("chain.pem"), &srv.join("key.pem"), &root_ca);
    let alice = int.join("issued/alice");
    let (chain, key) = (alice.join("chain.pem"), alice.join("key.pem"));
    let argv = ["--cacert", utf8(&root_ca), "--cert", utf8(&chain), "--key", utf8(&key)];
    {
        let ng = start_nginx(&env.path().join("ng1"), &body);
        assert_eq!(curl_status(ng.port, &argv), 200);
    }
    // With both CAs' CRLs loaded (nginx checks every CA in the chain) it still passes...
    let crl = env.path().join("chain.crl");
    let write_crls = || {
        let root_crl = openssl_crl(&env.store(), &env.path().join("root.crl"));
        let int_crl = openssl_crl(&int, &env.path().join("int.crl"));
        let both = format!(
            "{}{}",
            std::fs::read_to_string(root_crl).expect("root crl"),
            std::fs::read_to_string(int_crl).expect("int crl")
        );
        std::fs::write(&crl, both).expect("write crl");
    };
    let with_crl = format!("{body}    ssl_crl {};\n", crl.display());
    write_crls();
    {
        let ng = start_nginx(&env.path().join("ng2"), &with_crl);
        assert_eq!(curl_status(ng.port, &argv), 200);
    }
    // ...until the root revokes the intermediate.
    openssl_ca(&env, &["-batch", "-revoke", "int/certs/ca.crt"]);
    write_crls();
    let ng = start_nginx(&env.path().join("ng3"), &with_crl);
    assert_eq!(curl_status(ng.port, &argv), 400);
}

// ---------------------------------------------------------------------------
// openssl ca keeps working on our store, and we read what it wrote

#[test]
fn openssl_ca_signs_and_revokes_on_our_store() {
    let env = Env::new().with_ca();
    let ours_valid = env.issue_serial("ours-valid", &[]);
    let ours_revoked = env.issue_serial("ours-revoked", &[]);

    // Sign a request with openssl ca, SANs copied, CA:TRUE request ignored.
    let (csr, _) = openssl_csr(
        env.path(),
        "fromssl",
        "/CN=from-openssl",
        &["-addext", "subjectAltName=DNS:from-openssl.example.com", "-addext", "basicConstraints=critical,CA:TRUE"],
    );
    openssl_ca(&env, &["-batch", "-extensions", "server_cert", "-in", &csr, "-out", "fromssl.crt"]);
    let theirs = env.last_serial();
    let t = x509_text(&env, "fromssl.crt");
    assert_eq!(
        must_ext(&t, "Basic Constraints"),
        (true, "CA:FALSE".to_string()),
        "copy_extensions let a request become a CA"
    );
    assert_eq!(must_ext(&t, "Subject Alternative Name").1, "DNS:from-openssl.example.com");
    let r = openssl_verify_purpose(&env, "fromssl.crt", "sslserver");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(env.store().join(format!("newcerts/{theirs}.pem")).exists());

    openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{ours_revoked}.pem"), "-crl_reason", "keyCompromise"]);

    let list = env.list_json(&[]);
    assert_eq!(list["count"], 3);
    let rows = rows_by_serial(&list);
    assert_eq!(rows[&theirs]["status"], "valid");
    assert_eq!(rows[&theirs]["common_name"], "from-openssl");
    assert_eq!(rows[&ours_valid]["status"], "valid");
    assert_eq!(rows[&ours_revoked]["status"], "revoked");
    assert_eq!(rows[&ours_revoked]["reason"], "key_compromise");
    assert!(rows[&ours_revoked]["revoked_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    let text = env.run(&["list"]).ok();
    assert!(text.stdout.contains("revoked (keyCompromise)"), "{}", text.stdout);
    assert!(text.stdout.contains("/CN=from-openssl"), "{}", text.stdout);

    // openssl ca -status is right for our certificates. It reports on stderr,
    // and OpenSSL 3.0 exits 1 even when it found the serial, so only the words count.
    let status = |serial: &str| {
        let r = peer("openssl", &["ca", "-config", "pki/openssl.cnf", "-status", serial], env.path());
        format!("{}{}", r.stdout, r.stderr)
    };
    assert!(status(&ours_valid).contains(&format!("{ours_valid}=Valid (V)")));
    assert!(status(&ours_revoked).contains(&format!("{ours_revoked}=Revoked (R)")));
    assert!(status(&theirs).contains(&format!("{theirs}=Valid (V)")));

    // After openssl ca rewrote index.txt and serial, mtlsctl still issues and openssl still reads it.
    let after = env.issue_serial("after-openssl", &[]);
    assert_ne!(after, theirs);
    assert!(status(&after).contains(&format!("{after}=Valid (V)")));
    openssl_ca(&env, &["-gencrl", "-out", "openssl.crl"]);
    let crl = env.run(&["--json", "inspect", "openssl.crl"]).ok().json();
    assert_eq!(crl["revoked_count"], 1);
    assert_eq!(crl["revoked"][0]["serial"], ours_revoked.as_str());
    assert_eq!(crl["revoked"][0]["reason"], "key_compromise");
}

#[test]
fn subjects_are_written_as_openssl_writes_them() {
    let env = Env::new().with_ca();
    // `/`, `+` and a non-ASCII letter: the cases X509_NAME_oneline escapes.
    let cn = "a/b+c é";
    env.run(&["issue", "--cn", cn, "--out", "odd"]).ok();
    let ours = env.index_text().lines().last().unwrap().split('\t').nth(5).unwrap().to_string();
    let (csr, _) = openssl_csr(env.path(), "odd", "/CN=a\\/b\\+c é", &[]);
    openssl_ca(&env, &["-batch", "-utf8", "-in", &csr, "-out", "odd.crt"]);
    let theirs = env.index_text().lines().last().unwrap().split('\t').nth(5).unwrap().to_string();
    assert_eq!(ours, theirs);
    assert_eq!(ours, "/CN=a\\/b\\+c \\xC3\\xA9");
    let list = env.list_json(&[]);
    for row in list["certificates"].as_array().unwrap() {
        assert_eq!(row["common_name"], cn);
    }
}

/// Every reason `openssl ca -revoke` can write, a GeneralizedTime notAfter and a
/// reasonless R line: our parser and writer give back the same bytes, an append
/// by `issue` leaves them untouched, and `list` reads each reason.
#[test]
fn index_round_trips_openssl_lines_byte_for_byte() {
    let env = Env::new();
    // Long enough for a notAfter in 2051, which index.txt holds as GeneralizedTime.
    env.run(&["init-ca", "--validity", "30y"]).ok();
    let cnf = "pki/openssl.cnf";
    let reasons = [
        ("unspecified", "unspecified"),
        ("keyCompromise", "key_compromise"),
        ("CACompromise", "ca_compromise"),
        ("affiliationChanged", "affiliation_changed"),
        ("superseded", "superseded"),
        ("cessationOfOperation", "cessation_of_operation"),
        ("certificateHold", "certificate_hold"),
        ("removeFromCRL", "remove_from_crl"),
    ];
    let mut expected = Vec::new();
    for (openssl_name, json) in reasons {
        let serial = env.issue_serial(&format!("r-{openssl_name}"), &[]);
        openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{serial}.pem"), "-crl_reason", openssl_name]);
        expected.push((serial, Some(json), format!(",{openssl_name}")));
    }
    // The pseudo-reasons: holdInstruction, keyTime, CAkeyTime.
    let pseudo: [(&str, &str, &str, &str); 3] = [
        ("-crl_hold", "holdInstructionReject", "certificate_hold", ",holdInstruction,holdInstructionReject"),
        ("-crl_compromise", "20250101000000Z", "key_compromise", ",keyTime,20250101000000Z"),
        ("-crl_CA_compromise", "20250101000000Z", "ca_compromise", ",CAkeyTime,20250101000000Z"),
    ];
    for (flag, value, json, suffix) in pseudo {
        let serial = env.issue_serial(&format!("p{flag}"), &[]);
        openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{serial}.pem"), flag, value]);
        expected.push((serial, Some(json), suffix.to_string()));
    }
    let serial = env.issue_serial("no-reason", &[]);
    openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{serial}.pem")]);
    expected.push((serial, None, String::new()));
    let (csr, _) = openssl_csr(env.path(), "far", "/CN=far future/O=A\\/B\\+C", &[]);
    openssl_ca(&env, &["-batch", "-enddate", "20510101000000Z", "-in", &csr, "-out", "far.crt"]);
    let far = env.last_serial();

    let before = env.index_text();
    // The lines are what openssl wrote: check the forms we meant to produce.
    for (serial, _, suffix) in &expected {
        let line = before.lines().find(|l| l.contains(serial.as_str())).unwrap();
        let rev = line.split('\t').nth(2).unwrap();
        assert!(line.starts_with("R\t") && rev.len() == 13 + suffix.len() && rev.ends_with(suffix.as_str()), "{line}");
    }
    let far_line = before.lines().last().unwrap();
    assert_eq!(far_line, format!("V\t20510101000000Z\t\t{far}\tunknown\t/O=A\\/B\\+C/CN=far future"));

    let parsed = Index::parse(&before).expect("our parser reads openssl's index.txt");
    assert_eq!(parsed.entries.len(), expected.len() + 1);
    assert_eq!(parsed.to_text(), before, "parse + write changed openssl's bytes");

    // An append by mtlsctl keeps every earlier byte.
    let appended = env.issue_serial("appended", &[]);
    let after = env.index_text();
    assert!(after.starts_with(&before), "issue rewrote earlier lines");
    let tail = &after[before.len()..];
    assert!(
        tail.starts_with("V\t") && tail.contains(&appended) && tail.ends_with('\n') && tail.lines().count() == 1,
        "{tail:?}"
    );
    assert_eq!(Index::parse(&after).unwrap().to_text(), after);

    let rows = rows_by_serial(&env.list_json(&[]));
    for (serial, json, _) in &expected {
        assert_eq!(rows[serial]["status"], "revoked", "{serial}");
        match json {
            Some(j) => assert_eq!(rows[serial]["reason"], *j, "{serial}"),
            None => assert!(rows[serial]["reason"].is_null(), "{serial}"),
        }
    }
    assert_eq!(rows[&far]["not_after"], "2051-01-01T00:00:00Z");
    assert_eq!(rows[&far]["common_name"], "far future");
    // And openssl still reads the whole file, our line included.
    openssl_ca(&env, &["-gencrl", "-out", "all.crl"]);
    let crl = env.run(&["--json", "inspect", "all.crl"]).ok().json();
    assert_eq!(crl["revoked_count"], expected.len());
    let r = peer("openssl", &["ca", "-config", cnf, "-status", &appended], env.path());
    assert!(r.stderr.contains(&format!("{appended}=Valid (V)")), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// adopting easy-rsa and demoCA directories

#[test]
fn adopts_an_easyrsa_pki() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["build-ca", "nopass"]).ok();
    easyrsa(&env, &["build-client-full", "alice", "nopass"]).ok();
    let pki = env.store();

    let r = env.run(&["--json", "list"]).ok();
    let certs = r.json()["certificates"].as_array().expect("certificates").clone();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["common_name"], "alice");

    // mtlsctl issues into easy-rsa's own places, and easy-rsa sees it.
    let issued = env.run(&["--json", "issue", "--cn", "bob"]).ok().json();
    let serial = issued["serial"].as_str().expect("serial").to_string();
    assert!(pki.join(format!("certs_by_serial/{serial}.pem")).is_file());
    assert!(pki.join("issued/bob.crt").is_file());
    assert!(pki.join("private/bob.key").is_file());
    assert!(pki.join("issued/bob/chain.pem").is_file());
    easyrsa(&env, &["show-cert", "bob"]).ok();
    let v = peer("openssl", &["verify", "-CAfile", "pki/ca.crt", "pki/issued/bob.crt"], env.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    // A name easy-rsa already issued is not silently replaced.
    env.run(&["issue", "--cn", "alice"]).error().stderr_has("easy-rsa already issued");

    // mtlsctl revokes and publishes the CRL where easy-rsa keeps it (pki/crl.pem,
    // creating crlnumber); both tools keep working on the shared index.
    env.run(&["revoke", "--cn", "bob", "--yes"]).ok();
    let revoked = env.run(&["--json", "list", "--revoked"]).ok().json();
    assert_eq!(revoked["certificates"][0]["serial"], serial.as_str());
    env.run(&["gen-crl"]).ok();
    assert!(pki.join("crlnumber").is_file());
    let crl = openssl(env.path(), &["crl", "-in", "pki/crl.pem", "-noout", "-text"]);
    assert!(crl.stdout.contains(&serial), "{}", crl.stdout);
    assert!(crl.stdout.contains("CRL Number"), "{}", crl.stdout);
    let v = peer(
        "openssl",
        &["verify", "-crl_check", "-CAfile", "pki/ca.crt", "-CRLfile", "pki/crl.pem", "pki/issued/bob.crt"],
        env.path(),
    );
    assert_ne!(v.code, 0, "bob must be revoked: {}{}", v.stdout, v.stderr);
    easyrsa(&env, &["show-cert", "alice"]).ok();
    easyrsa(&env, &["gen-crl"]).ok();
    let crl = openssl(env.path(), &["crl", "-in", "pki/crl.pem", "-noout", "-text"]);
    assert!(crl.stdout.contains(&serial), "easy-rsa's own CRL lists mtlsctl's revocation: {}", crl.stdout);
    env.run(&["issue", "--cn", "carol"]).ok();
    easyrsa(&env, &["build-client-full", "dave", "nopass"]).ok();
    assert_eq!(env.run(&["--json", "list", "--valid"]).ok().json()["count"], 3);
}

/// A demoCA-style `openssl ca` directory: openssl.cnf beside ./demoCA.
fn demo_ca(env: &Env) -> PathBuf {
    let top = env.path().join("legacy");
    let ca = top.join("demoCA");
    std::fs::create_dir_all(ca.join("newcerts")).expect("mkdir");
    std::fs::create_dir_all(ca.join("private")).expect("mkdir");
    std::fs::write(ca.join("index.txt"), "").expect("index");
    std::fs::write(ca.join("serial"), "1000\n").expect("serial");
    std::fs::write(ca.join("crlnumber"), "01\n").expect("crlnumber");
    std::fs::write(
        top.join("openssl.cnf"),
        "[ ca ]\ndefault_ca = CA_default\n\n[ CA_default ]\ndir = ./demoCA\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\ncertificate = $dir/cacert.pem\nprivate_key = $dir/private/cakey.pem\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\ncrl = $dir/crl.pem\ndefault_md = sha256\ndefault_days = 30\ndefault_crl_days = 7\npolicy = policy_anything\n\n[ policy_anything ]\ncommonName = supplied\norganizationName = optional\n",
    )
    .expect("cnf");
    openssl(
        &top,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "demoCA/private/cakey.pem",
            "-out",
            "demoCA/cacert.pem",
            "-subj",
            "/CN=Legacy CA",
            "-days",
            "365",
        ],
    );
    top
}

#[test]
fn adopts_a_democa_openssl_directory() {
    let env = Env::new();
    let top = demo_ca(&env);
    let issued = Env::at(&top).run(&["--json", "issue", "--cn", "svc"]).ok().json();
    let serial = issued["serial"].as_str().expect("serial").to_string();
    let ca = top.join("demoCA");
    assert!(ca.join(format!("newcerts/{serial}.pem")).is_file());
    assert!(ca.join("issued/svc/cert.pem").is_file());
    // openssl ca revokes what mtlsctl issued, and mtlsctl reads its change.
    openssl(&top, &["ca", "-batch", "-config", "openssl.cnf", "-revoke", "demoCA/issued/svc/cert.pem"]);
    let listed = Env::at(&top).run(&["--json", "list", "--revoked"]).ok().json();
    assert_eq!(listed["certificates"][0]["serial"], serial.as_str());
    openssl(&top, &["ca", "-batch", "-config", "openssl.cnf", "-gencrl", "-out", "demoCA/crl.pem"]);
    // mtlsctl's CRL goes to the cnf's `crl` path and continues openssl's numbering.
    Env::at(&top).run(&["gen-crl"]).ok();
    let crl = openssl(&top, &["crl", "-in", "demoCA/crl.pem", "-noout", "-text"]);
    let number = crl.stdout.split("CRL Number:").nth(1).unwrap_or("").trim_start();
    assert!(crl.stdout.contains(&serial) && number.starts_with('2'), "{}", crl.stdout);
    // The stock names are recognised when --dir names demoCA itself.
    Env::at(&ca).run(&["issue", "--cn", "svc2"]).ok();
    assert_eq!(Env::at(&top).run(&["--json", "list"]).ok().json()["count"], 2);
}
