//! An intermediate store remembers its parent: gen-crl bundles the parent's current CRL into
//! crl/ca-chain.crl by itself (saying when it is missing or expired), nginx-config refuses a chain
//! CRL that leaves a CA out, and a real nginx with the generated config accepts an intermediate's
//! client until it is revoked.

use std::path::Path;

use crate::common::*;

const ROOT_CN: &str = "CN=mtlsctl Root CA";

/// The generated server block, included in an nginx whose upstream echoes the client CN.
fn start_generated_nginx(int: &Env, dir: &Path, port: u16, up: u16) -> Server {
    let listen = format!("127.0.0.1:{port}");
    let upstream = format!("http://127.0.0.1:{up}");
    let block =
        int.run(&["nginx-config", "--server", "localhost", "--listen", &listen, "--upstream", &upstream]).ok().stdout;
    assert!(block.contains(&format!("ssl_crl {};", int.store().join("crl/ca-chain.crl").display())), "{block}");
    assert!(block.contains("ssl_verify_client on;") && block.contains("ssl_verify_depth 2;"), "{block}");
    std::fs::create_dir_all(dir).expect("nginx dir");
    std::fs::write(dir.join("mtls.conf"), &block).expect("write block");
    write_nginx_conf(
        dir,
        &format!(
            "  include {d}/mtls.conf;\n  server {{ listen 127.0.0.1:{up}; location / {{ return 200 \"cn=$http_x_client_cert_cn\\n\"; }} }}\n",
            d = dir.display()
        ),
    );
    let t = peer("nginx", &["-t", "-p", utf8(dir), "-c", utf8(&dir.join("nginx.conf"))], dir);
    assert!(t.code == 0, "nginx -t: {}", t.stderr);
    run_nginx(dir, port)
}

/// curl with `cn`'s certificate from the intermediate, trusting the root: (status, body).
fn curl_as(int: &Env, root: &Env, port: u16, cn: &str) -> (u16, String) {
    let ca = root.store().join("certs/ca.crt");
    let (cert, key) = (int.issued(cn, "chain.pem"), int.issued(cn, "key.pem"));
    let r = curl(port, &["-w", "\n%{http_code}", "--cacert", utf8(&ca), "--cert", utf8(&cert), "--key", utf8(&key)]);
    let (body, code) = r.stdout.rsplit_once('\n').unwrap_or(("", r.stdout.as_str()));
    (code.trim().parse().unwrap_or(0), body.trim().to_string())
}

#[test]
fn nginx_accepts_an_intermediates_client_until_it_is_revoked() {
    let (root, int_path) = root_and_intermediate();
    let int = Env::at(&int_path);
    assert_eq!(
        std::fs::read_to_string(int_path.join("parent-store")).expect("parent-store"),
        format!("{}\n", root.store().display())
    );
    int.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    int.issue("alice", &[]);
    int.issue("bob", &[]);

    // The root has no CRL yet: gen-crl says so, names the command, and the bundle is incomplete.
    let r = int.run(&["--json", "gen-crl"]).ok();
    let j = r.json();
    assert_eq!(j["chain_crl_uncovered"], serde_json::json!([ROOT_CN]), "{j}");
    assert!(j["parent_crl_source"].is_null(), "{j}");
    assert!(r.stderr.contains("has no CRL yet"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("mtlsctl --dir {} gen-crl", root.store().display())), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("has no CRL of {ROOT_CN}")), "{}", r.stderr);
    let check = int.run(&["--json", "check"]).code(3).json();
    let codes: Vec<&str> =
        check["problems"].as_array().expect("problems").iter().filter_map(|p| p["code"].as_str()).collect();
    assert_eq!(codes, ["chain_crl_incomplete"], "{check}");

    // nginx-config refuses it, with the fix, and changes nothing.
    let before = int.snapshot();
    let refused = int.run(&["nginx-config", "--server", "localhost"]).error();
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert!(refused.stderr.contains(&format!("has no CRL of {ROOT_CN}")), "{}", refused.stderr);
    assert!(refused.stderr.contains("unable to get certificate CRL"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&format!("hint: run `mtlsctl --dir {} gen-crl`", int_path.display())),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains(&root.store().display().to_string()), "{}", refused.stderr);
    assert_eq!(before, int.snapshot());
    int.run(&["nginx-config", "--server", "localhost", "--no-crl"]).ok();

    // Once the root has a CRL, gen-crl in the intermediate takes it by itself.
    root.run(&["gen-crl"]).ok();
    let r = int.run(&["--json", "gen-crl"]).ok();
    let j = r.json();
    assert_eq!(j["chain_crl_uncovered"], serde_json::json!([]), "{j}");
    assert_eq!(j["parent_crl_source"].as_str(), Some(utf8(&root.store().join("crl/ca.crl"))), "{j}");
    assert!(!r.stderr.contains("has no CRL") && !r.stderr.contains("expire"), "{}", r.stderr);

    assert_eq!(int.run(&["--json", "check"]).ok().json()["clean"], true);

    let (port, up) = (free_port(), free_port());
    let dir = int.path().join("ng");
    let server = start_generated_nginx(&int, &dir, port, up);
    assert_eq!(curl_as(&int, &root, port, "alice"), (200, "cn=alice".into()));
    assert_eq!(curl_as(&int, &root, port, "bob"), (200, "cn=bob".into()));
    drop(server);

    int.run(&["revoke", "--cn", "alice", "--yes"]).ok();
    int.run(&["gen-crl"]).ok();
    let _server = start_generated_nginx(&int, &dir, port, up);
    let (code, _) = curl_as(&int, &root, port, "alice");
    assert_eq!(code, 400, "a revoked client of the intermediate");
    assert_eq!(curl_as(&int, &root, port, "bob"), (200, "cn=bob".into()));
}

/// Three levels: the second intermediate bundles its parent's chain CRL, so every CA up to the
/// root is covered, and openssl's -crl_check_all agrees.
#[test]
fn a_second_level_intermediate_covers_every_ca_above_it() {
    let root = Env::new().with_ca();
    let int1_path = root.path().join("int");
    Env::at(&int1_path)
        .run(&["init-ca", "--parent", utf8(&root.store()), "--cn", "Issuing CA", "--path-len", "1"])
        .ok();
    let int2_path = root.path().join("int2");
    let int1 = Env::at(&int1_path);
    let int2 = Env::at(&int2_path);
    int2.run(&["init-ca", "--parent", utf8(&int1_path), "--cn", "Second CA"]).ok();
    int2.issue("leaf", &[]);
    int2.issue("gone", &[]);
    int2.run(&["revoke", "--cn", "gone", "--yes"]).ok();
    root.run(&["gen-crl"]).ok();
    int1.run(&["gen-crl"]).ok();
    let j = int2.run(&["--json", "gen-crl"]).ok().json();
    assert_eq!(j["chain_crl_uncovered"], serde_json::json!([]), "{j}");
    assert_eq!(j["parent_crl_source"].as_str(), Some(utf8(&int1_path.join("crl/ca-chain.crl"))), "{j}");
    let bundle = std::fs::read_to_string(int2_path.join("crl/ca-chain.crl")).expect("bundle");
    assert_eq!(bundle.matches("BEGIN X509 CRL").count(), 3, "{bundle}");

    let untrusted = root.path().join("untrusted.pem");
    let mut chain = std::fs::read(int2_path.join("certs/ca.crt")).expect("int2 ca");
    chain.extend(std::fs::read(int1_path.join("certs/ca.crt")).expect("int1 ca"));
    std::fs::write(&untrusted, chain).expect("write untrusted");
    let verify = |cn: &str| {
        let cert = int2.issued(cn, "cert.pem");
        peer(
            "openssl",
            &[
                "verify",
                "-crl_check_all",
                "-CAfile",
                utf8(&root.store().join("certs/ca.crt")),
                "-untrusted",
                utf8(&untrusted),
                "-CRLfile",
                utf8(&int2_path.join("crl/ca-chain.crl")),
                utf8(&cert),
            ],
            root.path(),
        )
    };
    let ok = verify("leaf");
    assert!(ok.code == 0 && ok.stdout.contains(": OK"), "{}", ok.both());
    let revoked = verify("gone");
    assert!(revoked.code != 0 && revoked.both().contains("certificate revoked"), "{}", revoked.both());
    // openssl's own tools still work on a store that records its parent.
    openssl(root.path(), &["ca", "-config", utf8(&int2_path.join("openssl.cnf")), "-gencrl", "-out", "x.crl"]);
}

/// An expired parent CRL, a parent store that moved and one that holds another CA: each said
/// clearly, gen-crl still publishes this CA's CRL, and --parent-crl still works.
#[test]
fn a_missing_or_expired_parent_crl_is_said_clearly() {
    let (root, int_path) = root_and_intermediate();
    let int = Env::at(&int_path);
    int.issue("localhost", &["--profile", "server"]);
    root.run(&["gen-crl", "--next-update", "1s"]).ok();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let r = int.run(&["gen-crl"]).ok();
    assert!(r.stderr.contains("a parent CA's CRL in") && r.stderr.contains("expired on"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("mtlsctl --dir {} gen-crl", root.store().display())), "{}", r.stderr);
    int.run(&["nginx-config", "--server", "localhost"]).ok().stderr_has("expired on");

    // The parent store moved: said, and the previous bundle's parent CRL is kept.
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok();
    let moved = root.path().join("root-moved");
    std::fs::rename(root.store(), &moved).expect("move the root store");
    let r = int.run(&["--json", "gen-crl"]).ok();
    assert!(r.stderr.contains("cannot be opened") && r.stderr.contains("--parent-crl"), "{}", r.stderr);
    assert_eq!(r.json()["chain_crl_uncovered"], serde_json::json!([]), "{}", r.stdout);
    // --parent-crl still names the parent's CRL by hand.
    let j = int.run(&["--json", "gen-crl", "--parent-crl", utf8(&moved.join("crl/ca.crl"))]).ok().json();
    assert_eq!(j["chain_crl_uncovered"], serde_json::json!([]), "{j}");
    assert!(j["parent_crl_source"].is_null(), "{j}");

    // parent-store naming a store of another CA: its CRL is not taken.
    let other = Env::new().with_ca();
    other.run(&["gen-crl"]).ok();
    std::fs::write(int_path.join("parent-store"), format!("{}\n", other.store().display())).expect("rewrite");
    int.run(&["gen-crl"]).ok().stderr_has("holds another CA");
    let chain_crl = std::fs::read_to_string(int_path.join("crl/ca-chain.crl")).expect("bundle");
    let other_crl = std::fs::read_to_string(other.store().join("crl/ca.crl")).expect("other crl");
    assert!(!chain_crl.contains(other_crl.trim()), "another CA's CRL was bundled");
}

/// `gen-crl --if-due` (what cron runs) in an intermediate is due when the parent published a new CRL,
/// so the bundle follows the parent's and never runs out while this CA's own CRL is young.
#[test]
fn gen_crl_if_due_follows_the_parents_new_crl() {
    let (root, int_path) = root_and_intermediate();
    let int = Env::at(&int_path);
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok();
    assert_eq!(int.run(&["--json", "gen-crl", "--if-due"]).ok().json()["regenerated"], false);
    root.run(&["gen-crl"]).ok();
    let j = int.run(&["--json", "gen-crl", "--if-due"]).ok().json();
    assert_eq!(j["regenerated"], true, "{j}");
    let bundle = std::fs::read_to_string(int_path.join("crl/ca-chain.crl")).expect("bundle");
    let root_crl = std::fs::read_to_string(root.store().join("crl/ca.crl")).expect("root crl");
    assert!(bundle.contains(root_crl.trim()), "the bundle lacks the root's new CRL");
    assert_eq!(int.run(&["--json", "gen-crl", "--if-due"]).ok().json()["regenerated"], false);
}

#[test]
fn verify_in_an_intermediate_store_sees_its_own_ca_revoked_by_the_parent() {
    let root = Env::new().with_ca();
    let int_path = root.path().join("int");
    let int = Env::at(&int_path);
    int.run(&["init-ca", "--parent", utf8(&root.store()), "--cn", "Issuing CA"]).ok();
    int.issue("cli", &[]);
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok();
    let cert = int.issued("cli", "cert.pem");
    let v = int.run(&["--json", "verify", utf8(&cert)]).ok().json();
    assert_eq!(v["code"], "valid", "{v}");
    // The root revokes the intermediate; both publish; the store's own verify must say so.
    root.run(&["revoke", "--cn", "Issuing CA", "--reason", "key-compromise", "--yes"]).ok();
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok();
    let r = int.run(&["--json", "verify", utf8(&cert)]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json()["code"], "revoked", "{}", r.stdout);
    assert!(r.json()["message"].as_str().unwrap_or_default().contains("Issuing CA"), "{}", r.stdout);
    // OpenSSL says the same of the bundle nginx is given.
    let ca = int_path.join("certs/ca-chain.crt");
    let o = peer(
        "openssl",
        &[
            "verify",
            "-crl_check_all",
            "-CRLfile",
            utf8(&int_path.join("crl/ca-chain.crl")),
            "-CAfile",
            utf8(&ca),
            utf8(&cert),
        ],
        root.path(),
    );
    assert_ne!(o.code, 0, "openssl accepted it: {}", o.both());
}

#[test]
fn an_expired_parent_crl_in_the_bundle_is_warned_by_everyday_commands() {
    let root = Env::new().with_ca();
    let int_path = root.path().join("int");
    let int = Env::at(&int_path);
    int.run(&["init-ca", "--parent", utf8(&root.store())]).ok();
    root.run(&["gen-crl", "--next-update", "2s"]).ok();
    int.run(&["gen-crl"]).ok();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    for args in [&["list"][..], &["issue", "--cn", "d"]] {
        let r = int.run(args).ok();
        assert!(r.stderr.contains("ca-chain.crl expired"), "{args:?}: {}", r.stderr);
        // The root store is ./pki of the working directory the commands run in.
        assert!(
            r.stderr.contains("mtlsctl --dir pki gen-crl`, then `mtlsctl --dir int gen-crl`"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

/// The root revokes an intermediate: the intermediate's store refuses to sign (issue, sign,
/// renew), changing nothing, and list, gen-crl and check say why. It reads the parent store's
/// current CRL, so it knows before its own gen-crl ran; without the parent recorded, its own
/// crl/ca-chain.crl says the same. One level further down, the CA above is named.
#[test]
fn an_intermediate_revoked_by_its_parent_signs_nothing() {
    let root = Env::new().with_ca();
    let int_path = root.path().join("int");
    let int = Env::at(&int_path);
    int.run(&["init-ca", "--parent", utf8(&root.store()), "--cn", "Issuing CA", "--path-len", "1"]).ok();
    int.issue("cli", &[]);
    let low = Env::at(root.path().join("low"));
    low.run(&["init-ca", "--parent", utf8(&int_path), "--cn", "Low CA"]).ok();
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok();
    int.run(&["issue", "--cn", "before"]).ok();
    let (csr, _key) = openssl_csr(int.path(), "req", "/CN=req", &[]);

    root.run(&["revoke", "--cn", "Issuing CA", "--reason", "key-compromise", "--yes"]).ok();
    root.run(&["gen-crl"]).ok();
    let before = int.snapshot();
    let renew_all: &[&str] = &["renew", "--due", "--before", "100%"];
    for args in
        [&["issue", "--cn", "after"][..], &["renew", "--cn", "cli"], renew_all, &["sign", utf8(&int.path().join(&csr))]]
    {
        let r = int.run(args).error();
        assert!(r.stderr.contains("this CA (CN=Issuing CA"), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("was revoked by CN=mtlsctl Root CA"), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("(key-compromise)") && r.stderr.contains("nothing was signed"), "{}", r.stderr);
        assert!(int.snapshot() == before, "{args:?} was refused but changed the store");
    }
    let listed = int.run(&["list"]).ok();
    assert!(listed.stderr.contains("was revoked by CN=mtlsctl Root CA"), "{}", listed.stderr);
    let check = int.run(&["--json", "check"]).code(3).json();
    let codes: Vec<&str> =
        check["problems"].as_array().expect("problems").iter().filter_map(|p| p["code"].as_str()).collect();
    assert!(codes.contains(&"ca_revoked"), "{check}");
    let published = int.run(&["gen-crl"]).ok();
    assert!(published.stderr.contains("was revoked by"), "{}", published.stderr);

    // Without the parent recorded, the bundle gen-crl just wrote says it.
    std::fs::remove_file(int.store().join("parent-store")).expect("rm parent-store");
    let r = int.run(&["issue", "--cn", "after"]).error();
    assert!(r.stderr.contains("ca-chain.crl") && r.stderr.contains("was revoked by"), "{}", r.stderr);

    // Below it: the intermediate's bundle carries the root's CRL to the next level.
    let r = low.run(&["issue", "--cn", "leaf"]).error();
    assert!(r.stderr.contains("CN=Issuing CA (serial") && r.stderr.contains("a CA above this one"), "{}", r.stderr);
    // Nor does the revoked intermediate sign a new intermediate.
    let other = Env::at(root.path().join("other"));
    let r = other.run(&["init-ca", "--parent", utf8(&int_path), "--cn", "Other CA"]).error();
    assert!(r.stderr.contains("was revoked by") && r.stderr.contains("cannot sign a new intermediate"), "{}", r.stderr);
    assert!(!root.path().join("other/private/ca.key").exists(), "a refused init-ca left a key");
}

/// The root revokes the intermediate; nginx, given the chain CRL, refuses its clients. probe
/// says the chain is revoked (not that the server lacks a CRL) and that only a new
/// intermediate helps.
#[test]
fn probe_names_the_revoked_intermediate_when_nginx_refuses_its_clients() {
    let (root, int_path) = root_and_intermediate();
    let int = Env::at(&int_path);
    int.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    int.issue("alice", &[]);
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok();
    let (port, up) = (free_port(), free_port());
    let dir = int.path().join("ng");
    let target = format!("127.0.0.1:{port}");
    let server = start_generated_nginx(&int, &dir, port, up);
    let works = int.run(&["--json", "probe", &target, "--name", "alice"]).ok().json();
    assert_eq!(works["verdict"], "ok", "{works}");
    drop(server);

    root.run(&["revoke", "--cn", "Issuing CA", "--reason", "key-compromise", "--yes"]).ok();
    root.run(&["gen-crl"]).ok();
    int.run(&["gen-crl"]).ok().stderr_has("was revoked by");
    let _server = start_generated_nginx(&int, &dir, port, up);
    assert_eq!(curl_as(&int, &root, port, "alice").0, 400, "nginx still takes a client of the revoked intermediate");
    let r = int.run(&["--json", "probe", &target, "--name", "alice"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let j = r.json();
    let first = &j["diagnosis"][0];
    assert_eq!(first["code"], "client_cert_revoked", "{j}");
    let cause = first["cause"].as_str().unwrap_or_default();
    assert!(cause.contains("chain is revoked") && cause.contains("CN=Issuing CA"), "{j}");
    assert!(cause.contains("was revoked by CN=mtlsctl Root CA") && cause.contains("keyCompromise"), "{j}");
    // The report's own check of our certificate says so too, never "not revoked".
    assert_eq!(j["client_cert"]["check"]["code"], "revoked", "{j}");
    assert!(j["client_cert"]["revoked_in_store"].as_str().unwrap_or_default().contains("CN=Issuing CA"), "{j}");
    assert!(first["fix"].as_str().unwrap_or_default().contains("init-ca --parent"), "{j}");
    assert!(!first["fix"].as_str().unwrap_or_default().contains("ssl_crl"), "{j}");
}
