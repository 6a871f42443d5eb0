//! SPEC §7: `init-ca --ocsp-url/--crl-url/--issuer-url` and `ca-urls`: the
//! certificates the store issues carry authorityInfoAccess and
//! crlDistributionPoints, and `openssl ca` on the same store agrees.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::common::*;

const OCSP: &str = "http://127.0.0.1:8888/";
const CRL: &str = "http://pki.example.com/root/ca.crl";
const ISSUER: &str = "http://pki.example.com/root/ca.crt";

/// A store whose CA publishes `ocsp`, CRL and ISSUER.
fn store_with_urls(ocsp: &str) -> Env {
    let env = Env::new();
    env.run(&["init-ca", "--ocsp-url", ocsp, "--crl-url", CRL, "--issuer-url", ISSUER]).ok();
    env
}

/// `openssl x509 -text` of a certificate file.
fn text_of(env: &Env, cert: &Path) -> String {
    openssl(env.path(), &["x509", "-noout", "-text", "-in", utf8(cert)]).stdout
}

/// The AIA and CDP URLs as `openssl x509 -text` prints them: (OCSP, CA Issuers, CRL).
fn urls_in(text: &str) -> (Option<String>, Option<String>, Option<String>) {
    let after = |label: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(label))
            .map(|rest| rest.trim_start_matches(" - ").trim_start_matches("URI:").to_string())
    };
    let cdp = text.find("X509v3 CRL Distribution Points").map(|at| {
        let uri = text[at..].lines().map(str::trim).find(|l| l.starts_with("URI:")).expect("a CDP URI");
        uri["URI:".len()..].to_string()
    });
    (after("OCSP - URI:").map(|u| u.trim().to_string()), after("CA Issuers - URI:"), cdp)
}

fn all(ocsp: &str) -> (Option<String>, Option<String>, Option<String>) {
    (Some(ocsp.to_string()), Some(ISSUER.to_string()), Some(CRL.to_string()))
}

#[test]
fn issue_sign_renew_and_openssl_ca_carry_the_urls() {
    let env = store_with_urls(OCSP);
    let cnf = std::fs::read_to_string(env.store().join("openssl.cnf")).expect("openssl.cnf");
    assert!(cnf.contains(&format!("authorityInfoAccess     = OCSP;URI:{OCSP},caIssuers;URI:{ISSUER}")), "{cnf}");
    assert!(cnf.contains(&format!("crlDistributionPoints   = URI:{CRL}")), "{cnf}");
    let ca = env.store().join("certs/ca.crt");

    env.issue("client-1", &[]);
    let issued = env.issued("client-1", "cert.pem");
    let t = text_of(&env, &issued);
    assert_eq!(urls_in(&t), all(OCSP), "issue:\n{t}");
    assert!(!t.contains("Authority Information Access: critical"), "AIA must not be critical:\n{t}");
    let strict = openssl(env.path(), &["verify", "-x509_strict", "-CAfile", utf8(&ca), utf8(&issued)]);
    assert!(strict.stdout.contains(": OK"), "{}", strict.stdout);

    env.run(&["csr", "--cn", "from-csr", "--out", "req"]).ok();
    let signed = env.run(&["--json", "sign", "req/csr.pem"]).ok().json();
    let signed_cert = env.store().join(format!("newcerts/{}.pem", signed["serial"].as_str().expect("serial")));
    assert_eq!(urls_in(&text_of(&env, &signed_cert)), all(OCSP), "sign");

    let renewed = env.run(&["--json", "renew", "--cn", "client-1", "--before", "400d"]).ok().json();
    let renewed_cert = env.store().join(format!("newcerts/{}.pem", renewed["serial"].as_str().expect("serial")));
    assert_eq!(urls_in(&text_of(&env, &renewed_cert)), all(OCSP), "renew");

    // openssl ca reads the same sections: its certificates say the same.
    openssl(env.path(), &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "o.key"]);
    for ext in ["client_cert", "server_cert", "peer_cert"] {
        openssl(env.path(), &["req", "-new", "-key", "o.key", "-subj", &format!("/CN=openssl-{ext}"), "-out", "o.csr"]);
        openssl_ca(&env, &["-batch", "-extensions", ext, "-in", "o.csr", "-out", "o.crt"]);
        let t = text_of(&env, &env.path().join("o.crt"));
        assert_eq!(urls_in(&t), all(OCSP), "openssl ca -extensions {ext}:\n{t}");
        let strict = openssl(env.path(), &["verify", "-x509_strict", "-CAfile", utf8(&ca), "o.crt"]);
        assert!(strict.stdout.contains(": OK"), "{}", strict.stdout);
    }
    // The root itself carries none: nobody asks about a trust anchor.
    assert_eq!(urls_in(&text_of(&env, &ca)), (None, None, None));
    // ca-urls reads back what init-ca wrote.
    let shown = env.run(&["--json", "ca-urls"]).ok().json();
    assert_eq!(
        (&shown["ocsp_url"], &shown["crl_url"], &shown["issuer_url"]),
        (&OCSP.into(), &CRL.into(), &ISSUER.into())
    );
    assert_eq!(shown["changed"], false);
}

#[test]
fn ca_urls_changes_apply_to_the_next_certificate_only() {
    let env = Env::new().with_ca();
    env.issue("before", &[]);
    let before = env.issued("before", "cert.pem");
    let before_bytes = std::fs::read(&before).expect("cert");
    assert_eq!(urls_in(&text_of(&env, &before)), (None, None, None));

    let set = env.run(&["--json", "ca-urls", "--ocsp", OCSP, "--crl", CRL, "--issuer-url", ISSUER]).ok().json();
    assert_eq!((&set["changed"], &set["ocsp_url"]), (&true.into(), &OCSP.into()), "{set}");
    env.issue("after", &[]);
    assert_eq!(urls_in(&text_of(&env, &env.issued("after", "cert.pem"))), all(OCSP));
    assert_eq!(std::fs::read(&before).expect("cert"), before_bytes, "an earlier certificate changed");

    // One URL changed, the others kept.
    let other = "http://ocsp2.example.com:8080/ocsp";
    env.run(&["ca-urls", "--ocsp", other]).ok();
    env.issue("third", &[]);
    assert_eq!(urls_in(&text_of(&env, &env.issued("third", "cert.pem"))), all(other));
    assert_eq!(urls_in(&text_of(&env, &env.issued("after", "cert.pem"))), all(OCSP));

    // An intermediate carries its parent's URLs; it publishes its own.
    let int = env.path().join("int");
    let int_ocsp = "http://127.0.0.1:8889/";
    env.run(&[
        "init-ca",
        "--dir",
        utf8(&int),
        "--parent",
        utf8(&env.store()),
        "--cn",
        "Issuing",
        "--ocsp-url",
        int_ocsp,
    ])
    .ok();
    let int_text = text_of(&env, &int.join("certs/ca.crt"));
    assert_eq!(urls_in(&int_text), all(other), "the intermediate:\n{int_text}");
    let int_env = Env::at(&int);
    int_env.issue("below", &[]);
    let below = text_of(&env, &int_env.issued("below", "cert.pem"));
    assert_eq!(urls_in(&below), (Some(int_ocsp.to_string()), None, None), "{below}");

    // --clear: the next certificate carries none; nothing to clear is no change.
    env.run(&["ca-urls", "--clear"]).ok();
    env.issue("cleared", &[]);
    let cleared = text_of(&env, &env.issued("cleared", "cert.pem"));
    assert_eq!(urls_in(&cleared), (None, None, None), "{cleared}");
    assert!(!cleared.contains("Authority Information Access") && !cleared.contains("CRL Distribution"));
    let again = env.snapshot();
    assert_eq!(env.run(&["--json", "ca-urls", "--clear"]).ok().json()["changed"], false);
    assert_eq!(env.snapshot(), again);
    let cnf = std::fs::read_to_string(env.store().join("openssl.cnf")).expect("openssl.cnf");
    assert!(!cnf.contains("authorityInfoAccess") && !cnf.contains("crlDistributionPoints"), "{cnf}");
}

/// `mtlsctl ocsp serve` we started; stopped by PID.
struct Responder(Option<Child>);

impl Responder {
    fn start(env: &Env, port: u16) -> Self {
        let listen = format!("127.0.0.1:{port}");
        let mut c = env.cmd();
        c.arg("--batch").arg("--dir").arg(env.store()).args(["ocsp", "serve", "--listen", &listen]);
        c.stdout(Stdio::null()).stderr(Stdio::null());
        let r = Self(Some(c.spawn().expect("start ocsp serve")));
        wait_port(port, Duration::from_secs(20));
        r
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
            let _ = c.wait_with_output();
        }
    }
}

#[test]
fn verify_ocsp_finds_the_responder_in_the_certificate() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/");
    let env = store_with_urls(&url);
    env.issue("laptop", &[]);
    let cert = env.issued("laptop", "cert.pem");
    let _responder = Responder::start(&env, port);
    let good = env.run(&["--json", "verify", utf8(&cert), "--ocsp"]).ok().json();
    assert_eq!((&good["ocsp_status"], &good["revocation_checked"]), (&"good".into(), &true.into()), "{good}");
    env.run(&["revoke", "--cn", "laptop", "--reason", "key-compromise"]).ok();
    let revoked = env.run(&["--json", "verify", utf8(&cert), "--ocsp"]).code(3).json();
    assert_eq!((&revoked["code"], &revoked["ocsp_status"]), (&"revoked".into(), &"revoked".into()), "{revoked}");
    assert!(revoked["message"].as_str().is_some_and(|m| m.contains(&url)), "{revoked}");
}

const BAD: [&str; 12] = [
    "https://ocsp.example.com/",
    "ldap://ldap.example.com/cn=CA",
    "ocsp.example.com",
    "http://",
    "http:///path",
    "http://ocsp.example.com/a b",
    "http://ocsp.example.com/\u{7f}",
    "http://ocsp.example.com/\n",
    "http://ocsp.example.com/é",
    "http://a.example.com/x,caIssuers;URI:http://evil/",
    "http://a.example.com/#frag",
    "http://a.example.com/$dir",
];

#[test]
fn bad_urls_are_refused_with_the_store_unchanged() {
    let env = Env::new().with_ca();
    env.run(&["ca-urls", "--crl", CRL]).ok();
    let before = env.snapshot();
    for bad in BAD {
        for flag in ["--ocsp", "--crl", "--issuer-url"] {
            let r = env.run(&["ca-urls", flag, bad]).error();
            assert!(r.stderr.starts_with("error: invalid"), "{flag} {bad:?}: {}", r.stderr);
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            assert_eq!(env.snapshot(), before, "ca-urls {flag} {bad:?} changed the store");
        }
    }
    for flag in ["--ocsp-url", "--crl-url", "--issuer-url"] {
        let fresh = Env::new();
        fresh.run(&["init-ca", flag, BAD[0]]).error().stderr_has("http://");
        assert!(!fresh.store().exists(), "init-ca {flag} with a bad URL created a store");
    }
    // --parent with a bad URL: neither store changes.
    let int = env.path().join("int");
    env.run(&["init-ca", "--dir", utf8(&int), "--parent", utf8(&env.store()), "--crl-url", BAD[5]]).error();
    assert!(!int.exists());
    assert_eq!(env.snapshot(), before);
}
