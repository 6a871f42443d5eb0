//! Issue 15 items 3, 5, 10 and 13: revoke then re-issue (also in an easy-rsa
//! PKI), time left in the unit that fits, server-looking requests and the peer
//! profile's names, and the small ones (list flag conflict, colour resets,
//! probe's fix text and verdict words, renew's key path).

use std::path::Path;

use crate::common::*;

// ---------------------------------------------------------------------------
// item 3: revoke, then re-issue

#[test]
fn issue_replaces_a_revoked_identity_without_force_and_says_so() {
    let env = Env::new().with_ca();
    let old = env.issue_serial("bob", &[]);
    // A valid identity still needs --force, and the refusal changes nothing.
    let before = env.snapshot();
    env.run(&["issue", "--cn", "bob"]).error().stderr_has("already holds a certificate").stderr_has("--force");
    assert_eq!(env.snapshot(), before);

    env.run(&["revoke", "--cn", "bob", "--reason", "key-compromise", "--yes"])
        .ok()
        .stderr_has("Revoked 1 certificate with CN \"bob\", reason keyCompromise:");
    let r = env.run(&["--json", "issue", "--cn", "bob"]).ok();
    assert!(
        r.stderr.contains(&format!("held the revoked certificate {old}")) && r.stderr.contains("keyCompromise"),
        "the replacement is said: {}",
        r.stderr
    );
    let new = r.serial();
    assert_ne!(new, old);
    let cert = openssl(env.path(), &["x509", "-in", "pki/issued/bob/cert.pem", "-noout", "-serial"]).stdout;
    assert!(cert.contains(&new), "issued/bob holds the new certificate: {cert}");
    let v = peer("openssl", &["verify", "-CAfile", "pki/certs/ca.crt", "pki/issued/bob/cert.pem"], env.path());
    assert_eq!(v.code, 0, "{}", v.both());
    // The new one is valid, so the next issue needs --force again.
    env.run(&["issue", "--cn", "bob"]).error().stderr_has("--force");
}

#[test]
fn issue_replaces_an_expired_identity_without_force() {
    let env = Env::new().with_ca();
    // Issued with the 5-minute backdate, a 1s validity is already over.
    let old = env.issue_serial("shortlived", &["--validity", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let r = env.run(&["issue", "--cn", "shortlived"]).ok();
    assert!(r.stderr.contains(&format!("held the expired certificate {old}")), "{}", r.stderr);
    let (code, j, _) = env.verify_json(&["pki/issued/shortlived/cert.pem"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
}

#[test]
fn sign_replaces_a_revoked_identity_too() {
    let env = Env::new().with_ca();
    let (csr, _) = openssl_csr(env.path(), "svc", "/CN=svc", &[]);
    env.run(&["sign", &csr]).ok();
    env.run(&["sign", &csr]).error().stderr_has("--force");
    env.run(&["revoke", "--cn", "svc", "--yes"]).ok();
    env.run(&["sign", &csr]).ok().stderr_has("held the revoked certificate");
}

#[test]
fn renew_of_a_revoked_identity_points_at_issue_which_works() {
    let env = Env::new().with_ca();
    let serial = env.issue_serial("carol", &[]);
    env.run(&["revoke", "--cn", "carol", "--yes"]).ok();
    let before = env.snapshot();
    for target in [&["--cn", "carol"][..], &["--serial", &serial][..]] {
        let mut args = vec!["renew"];
        args.extend_from_slice(target);
        let r = env.run(&args).error();
        assert!(r.stderr.contains(&format!("certificate {serial} is revoked")), "{}", r.stderr);
        assert!(r.stderr.contains("never renewed"), "{}", r.stderr);
        assert!(r.stderr.contains("hint:") && r.stderr.contains("mtlsctl issue --cn carol"), "{}", r.stderr);
        assert!(!r.stderr.contains("--force"), "issue needs no --force for a revoked identity: {}", r.stderr);
        assert_eq!(env.snapshot(), before, "{target:?}");
    }
    // The hint's command works as written.
    env.run(&["issue", "--cn", "carol"]).ok();
    env.run(&["renew", "--cn", "carol"]).ok();
    // A name never issued keeps its own words.
    env.run(&["renew", "--cn", "nobody"])
        .error()
        .stderr_has("no unrevoked certificate")
        .stderr_has("mtlsctl issue --cn nobody");
}

fn easyrsa_pki() -> Env {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["build-ca", "nopass"]).ok();
    env
}

fn serial_of(env: &Env, file: &str) -> String {
    let out = openssl(env.path(), &["x509", "-in", file, "-noout", "-serial"]).stdout;
    out.trim().trim_start_matches("serial=").to_string()
}

#[test]
fn in_an_easyrsa_pki_revoke_moves_the_files_like_easyrsa_and_issue_reuses_the_name() {
    let env = easyrsa_pki();
    let pki = env.store();
    easyrsa(&env, &["build-client-full", "alice", "nopass"]).ok();
    let old = serial_of(&env, "pki/issued/alice.crt");

    // A valid certificate easy-rsa issued is never replaced, and the refusal leaves no debris.
    let before = env.snapshot();
    env.run(&["issue", "--cn", "alice"]).error().stderr_has("easy-rsa already issued");
    env.run(&["issue", "--cn", "alice", "--force"]).error().stderr_has("easy-rsa already issued");
    assert_eq!(env.snapshot(), before, "a refused issue changed the PKI");
    assert!(!pki.join("issued/alice").exists(), "a refused issue left issued/alice/");

    // mtlsctl's revoke moves easy-rsa's files as `easyrsa revoke` does.
    env.run(&["revoke", "--cn", "alice", "--yes"]).ok().stderr_has("moved easy-rsa's files of alice");
    assert!(!pki.join("issued/alice.crt").exists());
    assert!(!pki.join("private/alice.key").exists());
    assert!(!pki.join("reqs/alice.req").exists());
    assert!(pki.join(format!("revoked/certs_by_serial/{old}.crt")).is_file());
    assert!(pki.join(format!("revoked/private_by_serial/{old}.key")).is_file());
    assert!(pki.join(format!("revoked/reqs_by_serial/{old}.req")).is_file());
    assert_eq!(mode(&pki.join(format!("revoked/private_by_serial/{old}.key"))) & 0o077, 0);

    // The name can be issued again, by mtlsctl and easy-rsa alike.
    let new = env.run(&["--json", "issue", "--cn", "alice"]).ok().serial();
    assert_eq!(serial_of(&env, "pki/issued/alice.crt"), new);
    easyrsa(&env, &["show-cert", "alice"]).ok();
    let v = peer("openssl", &["verify", "-CAfile", "pki/ca.crt", "pki/issued/alice.crt"], env.path());
    assert_eq!(v.code, 0, "{}", v.both());
    env.run(&["gen-crl"]).ok();
    let crl = openssl(env.path(), &["crl", "-in", "pki/crl.pem", "-noout", "-text"]);
    assert!(crl.stdout.contains(&old), "{}", crl.stdout);
    easyrsa(&env, &["revoke", "alice"]).ok();
    assert!(pki.join(format!("revoked/certs_by_serial/{new}.crt")).is_file(), "easy-rsa's own revoke still works");
    // easy-rsa's revoke removed certs_by_serial/<new>.pem: the moved file is the record.
    assert!(!pki.join(format!("certs_by_serial/{new}.pem")).exists());
    let check = env.run(&["--json", "check"]);
    let codes: Vec<String> = check.json()["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!codes.iter().any(|c| c == "missing_certificate_file"), "{}", check.stdout);
}

#[test]
fn in_an_easyrsa_pki_issue_recognises_a_certificate_another_tool_revoked() {
    let env = easyrsa_pki();
    let pki = env.store();
    easyrsa(&env, &["build-client-full", "dave", "nopass"]).ok();
    let old = serial_of(&env, "pki/issued/dave.crt");
    env.run(&["revoke", "--cn", "dave", "--yes"]).ok();
    // As if `openssl ca -revoke` had revoked it: the index says R, issued/dave.crt stays.
    std::fs::rename(pki.join(format!("revoked/certs_by_serial/{old}.crt")), pki.join("issued/dave.crt")).expect("mv");
    let r = env.run(&["issue", "--cn", "dave"]).ok();
    assert!(r.stderr.contains(&format!("held the revoked certificate {old}")), "{}", r.stderr);
    assert_ne!(serial_of(&env, "pki/issued/dave.crt"), old);
}

#[test]
fn in_an_easyrsa_pki_an_identity_mtlsctl_issued_is_reissued_after_revoke() {
    let env = easyrsa_pki();
    let old = env.run(&["--json", "issue", "--cn", "erin"]).ok().serial();
    env.run(&["revoke", "--cn", "erin", "--yes"]).ok();
    assert!(env.store().join(format!("revoked/certs_by_serial/{old}.crt")).is_file());
    env.run(&["issue", "--cn", "erin"]).ok().stderr_has("held the revoked certificate");
    assert_eq!(serial_of(&env, "pki/issued/erin.crt"), serial_of(&env, "pki/issued/erin/cert.pem"));
}

// ---------------------------------------------------------------------------
// item 5: time left in the unit that fits

fn valid_line(r: &Run) -> String {
    r.stderr.lines().find(|l| l.contains("valid until")).unwrap_or_default().to_string()
}

#[test]
fn issue_sign_renew_say_time_left_in_the_unit_that_fits() {
    let env = Env::new().with_ca();
    let day = env.run(&["issue", "--cn", "day", "--validity", "24h"]).ok();
    assert!(valid_line(&day).contains("(24h00m left)"), "{}", day.stderr);
    let default = env.run(&["issue", "--cn", "default"]).ok();
    assert!(
        valid_line(&default).contains("(90 days left)"),
        "90d, backdated 5 minutes, is 90 days: {}",
        default.stderr
    );
    let minute = env.run(&["issue", "--cn", "minute", "--validity", "1m"]).ok();
    assert!(valid_line(&minute).contains("(1 min left)"), "{}", minute.stderr);
    let week = env.run(&["issue", "--cn", "week", "--validity", "7d"]).ok();
    assert!(valid_line(&week).contains("(7 days left)"), "{}", week.stderr);
    for r in [&day, &default, &minute, &week] {
        assert!(!r.stderr.contains("(0 days") && !r.stderr.contains("89 days"), "{}", r.stderr);
    }

    let (csr, _) = openssl_csr(env.path(), "req", "/CN=req", &[]);
    let signed = env.run(&["sign", &csr, "--validity", "12h"]).ok();
    assert!(valid_line(&signed).contains("(12h00m left)"), "{}", signed.stderr);

    let not_due = env.run(&["renew", "--cn", "day", "--before", "8h"]).ok();
    assert!(not_due.stderr.contains("(24h00m left), not within 8h"), "{}", not_due.stderr);
    let renewed = env.run(&["renew", "--cn", "day", "--before", "25h"]).ok();
    assert!(renewed.stderr.contains("(24h00m left)"), "{}", renewed.stderr);

    // JSON keeps its fields: RFC 3339 times and whole days.
    let list = env.list_json(&[]);
    let rows = rows_by_serial(&list);
    assert!(rows.values().all(|r| r["days_left"].is_i64() && r["not_after"].is_string()), "{list}");
}

#[test]
fn list_inspect_verify_say_time_left_in_the_unit_that_fits() {
    let env = Env::new().with_ca();
    env.issue("day", &["--validity", "24h"]);
    env.issue("quarter", &[]);
    env.issue("short", &["--validity", "45m"]);
    let table = env.run(&["list"]).ok().stdout;
    let row = |cn: &str| table.lines().find(|l| l.ends_with(&format!("/CN={cn}"))).unwrap_or_default().to_string();
    assert!(table.lines().next().unwrap_or_default().contains("LEFT"), "{table}");
    assert!(row("day").contains("24h00m"), "{table}");
    assert!(row("quarter").contains("90 days"), "{table}");
    assert!(row("short").contains("45 min"), "{table}");

    let inspect = env.run(&["inspect", "pki/issued/day/cert.pem"]).ok().stdout;
    assert!(inspect.contains("(24h00m left)"), "{inspect}");
    let verify = env.run(&["verify", "pki/issued/short/cert.pem", "--no-crl"]).ok();
    assert!(verify.both().contains("(45 min left)"), "{}", verify.both());
    let (_, j, _) = env.verify_json(&["pki/issued/day/cert.pem", "--no-crl"]);
    assert!(j["message"].as_str().unwrap_or_default().contains("(24h00m left)"), "{j}");
}

#[test]
fn a_validity_past_the_ca_is_refused_with_a_limit_in_a_unit_that_fits() {
    let env = Env::new();
    env.run(&["init-ca", "--validity", "20h"]).ok();
    let r = env.run(&["issue", "--cn", "x", "--validity", "1d"]).error();
    assert!(r.stderr.contains("choose a validity of at most 19h"), "not 'at most 0d': {}", r.stderr);
    let warn = env.run(&["issue", "--cn", "x", "--validity", "2h"]).ok();
    assert!(
        warn.stderr.contains("the CA certificate expires in 20h00m") || warn.stderr.contains("expires in 19h59m"),
        "{}",
        warn.stderr
    );
}

// ---------------------------------------------------------------------------
// item 10: silent defaults

#[test]
fn sign_warns_when_a_server_looking_request_gets_the_client_profile() {
    let env = Env::new().with_ca();
    let cases: [(&str, &str, &[&str], &str); 3] = [
        ("api", "/CN=api.example.com", &["-addext", "subjectAltName=DNS:api.example.com"], "dns:api.example.com"),
        ("eku", "/CN=backend", &["-addext", "extendedKeyUsage=serverAuth"], "serverAuth"),
        ("host", "/CN=www.example.org", &[], "host name"),
    ];
    for (name, subj, extra, why) in cases {
        let (csr, _) = openssl_csr(env.path(), name, subj, extra);
        let r = env.run(&["--json", "sign", &csr]).ok();
        assert_eq!(r.json()["profile"], "client");
        assert!(r.stderr.contains("warning:") && r.stderr.contains(why), "{name}: {}", r.stderr);
        assert!(r.stderr.contains(&format!("mtlsctl sign {csr} --profile server --force")), "{name}: {}", r.stderr);
        // The command the warning gives works.
        let again = env.run(&["--json", "sign", &csr, "--profile", "server", "--force"]).ok();
        assert_eq!(again.json()["profile"], "server");
        assert!(!again.stderr.contains("warning:"), "{}", again.stderr);
    }
    // A client's request is signed without a word.
    let (csr, _) = openssl_csr(env.path(), "client", "/CN=payment-service", &[]);
    let r = env.run(&["sign", &csr]).ok();
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
}

#[test]
fn the_peer_profile_needs_a_host_name_like_server() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    for profile in ["server", "peer"] {
        let r = env.run(&["issue", "--cn", "payment service", "--profile", profile]).error();
        assert!(
            r.stderr.contains(&format!("--profile {profile} needs a DNS name or IP"))
                && r.stderr.contains("--san dns:NAME"),
            "{}",
            r.stderr
        );
        assert_eq!(env.snapshot(), before, "{profile}");
    }
    let (csr, _) = openssl_csr(env.path(), "peer", "/CN=payment service", &[]);
    env.run(&["sign", &csr, "--profile", "peer"]).error().stderr_has("needs a DNS name or IP");
    // With a name, a peer certificate carries it; a DNS CN becomes its SAN.
    let j = env
        .run(&["--json", "issue", "--cn", "payment service", "--profile", "peer", "--san", "dns:pay.internal"])
        .ok()
        .json();
    assert_eq!(j["sans"][0]["value"], "pay.internal", "{j}");
    let j = env.run(&["--json", "issue", "--cn", "mesh.internal", "--profile", "peer"]).ok().json();
    assert_eq!(j["sans"][0]["value"], "mesh.internal", "{j}");
    // A SPIFFE ID is what peers check instead.
    env.run(&["issue", "--cn", "svid", "--spiffe-id", "spiffe://example.org/ns/a/sa/b"]).ok();
}

// ---------------------------------------------------------------------------
// item 13: small ones

#[test]
fn list_expiring_with_revoked_is_a_usage_error() {
    let env = Env::new().with_ca();
    env.run(&["list", "--expiring", "1h", "--revoked"]).usage_error().stderr_has("--revoked");
}

#[test]
fn list_colours_stdout_and_resets_before_each_newline() {
    let env = Env::new().with_ca();
    env.issue("a", &[]);
    env.issue("b", &["--validity", "1h"]);
    env.run(&["revoke", "--cn", "a", "--yes"]).ok();
    let out = env.run(&["--color", "always", "list"]).ok().stdout;
    assert!(out.contains("\x1b["), "coloured: {out:?}");
    for line in out.lines() {
        if line.contains("\x1b[") {
            assert!(line.ends_with("\x1b[0m"), "every coloured line ends reset: {line:?}");
        }
    }
    assert!(!out.contains("\n\x1b[0m"), "{out:?}");
    let plain = env.run(&["--color", "never", "list"]).ok().stdout;
    assert!(!plain.contains('\x1b'), "{plain:?}");
    let help = env.run(&["list", "--help"]).ok().stdout;
    assert!(help.contains("tables on stdout"), "--color names both streams: {help}");
}

#[test]
fn renew_prints_the_new_key_path() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    let r = env.run(&["renew", "--cn", "svc"]).ok();
    assert!(r.stderr.contains("  key:   pki/issued/svc/key.pem"), "{}", r.stderr);
    assert!(r.stderr.contains("  cert:  pki/issued/svc/cert.pem"), "{}", r.stderr);
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn probe_fix_text_names_the_identity_and_the_verdict_is_in_words() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "dns:localhost", "--san", "ip:127.0.0.1"]);
    env.issue("bob", &[]);
    env.run(&["revoke", "--cn", "bob", "--yes"]).ok();
    env.run(&["gen-crl"]).ok();
    let body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n    ssl_verify_depth 2;\n    ssl_crl {};\n",
        p(&env.issued("localhost", "chain.pem")),
        p(&env.issued("localhost", "key.pem")),
        p(&env.store().join("certs/ca.crt")),
        p(&env.store().join("crl/ca.crl")),
    );
    let server = start_nginx(&env.path().join("nginx"), &body);
    let target = format!("127.0.0.1:{}", server.port);
    let r = env.run(&["probe", &target, "--name", "bob"]).code(3);
    assert!(r.stdout.contains("Verdict: failed"), "{}", r.stdout);
    assert!(!r.stdout.contains("mtls_failed"), "no snake_case code as the verdict: {}", r.stdout);
    assert!(r.stdout.contains("mtlsctl issue --cn bob"), "{}", r.stdout);
    assert!(!r.stdout.contains("--cn CN") && !r.stdout.contains("--force"), "{}", r.stdout);
    // JSON keeps the code.
    let j = env.run(&["--json", "probe", &target, "--name", "bob"]).code(3).json();
    assert_eq!(j["verdict"], "mtls_failed");
    // The fix works as written: the new certificate gets in.
    env.run(&["issue", "--cn", "bob"]).ok();
    let ok = env.run(&["probe", &target, "--name", "bob"]).ok();
    assert!(ok.stdout.contains("Verdict: ok"), "{}", ok.stdout);
    assert!(
        ok.stdout.contains("(90 days left)") && ok.stdout.contains(", 90 days left, from store:bob"),
        "{}",
        ok.stdout
    );
}

#[test]
fn in_an_easyrsa_pki_renew_replaces_what_easyrsa_issued() {
    // coming-from.md: `easyrsa renew www` is `mtlsctl renew --cn www`.
    let env = easyrsa_pki();
    let pki = env.store();
    easyrsa(&env, &["build-server-full", "www", "nopass"]).ok();
    let old = serial_of(&env, "pki/issued/www.crt");
    let new = env.run(&["--json", "renew", "--cn", "www"]).ok().json()["serial"].as_str().expect("serial").to_string();
    assert_ne!(new, old);
    // easy-rsa's copies now hold the new certificate and its key.
    assert_eq!(serial_of(&env, "pki/issued/www.crt"), new);
    let cert_key = openssl(env.path(), &["x509", "-in", "pki/issued/www.crt", "-noout", "-pubkey"]).stdout;
    let key = openssl(env.path(), &["pkey", "-in", "pki/private/www.key", "-pubout"]).stdout;
    assert_eq!(cert_key, key, "issued/www.crt and private/www.key do not match");
    assert_eq!(mode(&pki.join("private/www.key")) & 0o077, 0);
    let ext = openssl(env.path(), &["x509", "-in", "pki/issued/www.crt", "-noout", "-ext", "extendedKeyUsage"]).stdout;
    assert!(ext.contains("TLS Web Server Authentication"), "the server profile was kept: {ext}");
    let v = peer(
        "openssl",
        &["verify", "-purpose", "sslserver", "-CAfile", "pki/ca.crt", "pki/issued/www.crt"],
        env.path(),
    );
    assert_eq!(v.code, 0, "{}", v.both());
    easyrsa(&env, &["show-cert", "www"]).ok();
    // Another name easy-rsa issued is still refused: a renewal opens only its own copy.
    easyrsa(&env, &["build-client-full", "alice", "nopass"]).ok();
    let before = env.snapshot();
    env.run(&["issue", "--cn", "alice"]).error().stderr_has("easy-rsa already issued");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn an_easyrsa_ca_with_non_critical_basic_constraints_verifies_and_probes() {
    // easy-rsa 3.1 writes `basicConstraints = CA:TRUE` without `critical`;
    // OpenSSL, nginx and curl accept it, so must verify and probe.
    let env = easyrsa_pki();
    let bc = openssl(env.path(), &["x509", "-in", "pki/ca.crt", "-noout", "-ext", "basicConstraints"]).stdout;
    assert!(bc.contains("CA:TRUE") && !bc.contains("critical"), "easy-rsa's CA changed: {bc}");
    easyrsa(&env, &["--subject-alt-name=IP:127.0.0.1", "build-server-full", "srv", "nopass"]).ok();
    easyrsa(&env, &["build-client-full", "alice", "nopass"]).ok();
    easyrsa(&env, &["gen-crl"]).ok();
    let v = env.run(&["--json", "verify", "pki/issued/alice.crt"]).ok();
    assert_eq!(v.json()["code"], "valid", "{}", v.stdout);
    assert!(v.stderr.contains("basicConstraints non-critical"), "no warning: {}", v.stderr);
    let ossl = peer("openssl", &["verify", "-CAfile", "pki/ca.crt", "pki/issued/alice.crt"], env.path());
    assert_eq!(ossl.code, 0, "{}", ossl.both());

    let port = free_port();
    let child = std::process::Command::new(require_peer("openssl"))
        .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-www", "-Verify", "1", "-verify_return_error"])
        .args(["-cert", "pki/issued/srv.crt", "-key", "pki/private/srv.key", "-CAfile", "pki/ca.crt"])
        .current_dir(env.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start openssl s_server");
    let _server = Server { child, port, dir: env.path().to_path_buf() };
    wait_port(port, std::time::Duration::from_secs(10));
    let target = format!("127.0.0.1:{port}");
    let p = env.run(&["--json", "probe", &target, "--cert", "pki/issued/alice.crt", "--key", "pki/private/alice.key"]);
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    assert_eq!(p.json()["verdict"], "ok", "{}", p.stdout);
    // --name finds what easy-rsa keeps for the name.
    let p = env.run(&["--json", "probe", &target, "--name", "alice"]);
    assert_eq!(p.code, 0, "{}\n{}", p.stdout, p.stderr);
    assert_eq!(p.json()["verdict"], "ok", "{}", p.stdout);
}

#[test]
fn renew_keeps_a_short_lifetime_short() {
    // docs/rotation.md: a renewal keeps the certificate's lifetime, a 10-minute one too.
    let env = Env::new().with_ca();
    env.issue("t", &["--validity", "10m"]);
    let old = std::fs::read(env.issued("t", "cert.pem")).expect("cert");
    let span = |pem: &[u8]| {
        let f = env.path().join("span.pem");
        std::fs::write(&f, pem).expect("write");
        let out = openssl(env.path(), &["x509", "-in", utf8(&f), "-noout", "-startdate", "-enddate"]).stdout;
        let date = |k: &str| {
            let v = out.lines().find_map(|l| l.strip_prefix(k)).expect("date").to_string();
            peer("date", &["-u", "-d", &v, "+%s"], env.path()).stdout.trim().parse::<i64>().expect("epoch")
        };
        date("notAfter=") - date("notBefore=")
    };
    let before = span(&old);
    env.run(&["renew", "--cn", "t"]).ok().stderr_has("min left");
    let after = span(&std::fs::read(env.issued("t", "cert.pem")).expect("cert"));
    assert!((after - before).abs() <= 60, "lifetime {before} s became {after} s");
}
