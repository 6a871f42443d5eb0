//! Hostile input the CA must refuse or survive with words: index lines written by
//! other tools, terminal escapes in names, oversized and malformed requests,
//! odd store paths and closed output streams (issue 14).

use rcgen::{CertificateParams, DnType, KeyPair};

use crate::common::Env;

/// Write a request for `params`, signed by a fresh P-256 key, to `name` in the env.
fn write_csr(env: &Env, name: &str, params: CertificateParams) -> std::path::PathBuf {
    let key = KeyPair::generate().expect("key");
    let csr = params.serialize_request(&key).expect("request");
    let path = env.path().join(name);
    std::fs::write(&path, csr.pem().expect("pem")).expect("write request");
    path
}

/// A valid index line whose subject another tool wrote with `text` as the CN.
fn foreign_index_line(env: &Env, serial: &str, subject: &str) {
    let mut index = env.index_text();
    index.push_str(&format!("V\t391231235959Z\t\t{serial}\tunknown\t{subject}\n"));
    std::fs::write(env.store().join("index.txt"), index).expect("write index");
}

fn no_panic(run: &crate::common::Run) {
    assert_ne!(run.code, 101, "panic:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "panic:\n{}", run.stderr);
}

#[test]
fn an_escape_before_a_multibyte_character_in_an_index_subject_does_not_panic() {
    let env = Env::new().with_ca();
    foreign_index_line(&env, "0A", "/CN=\\x€");
    let list = env.run(&["list"]).ok();
    assert!(list.stdout.contains('€'), "{}", list.stdout);
    no_panic(&env.run(&["revoke", "--cn", "nobody-here"]));
    no_panic(&env.run(&["renew", "--cn", "nobody-here"]));
    no_panic(&env.run(&["revoke", "--cn", "\\x€"]));
}

/// DNS, URI and e-mail SAN values carrying an OSC title sequence and a bell.
const HOSTILE_SANS: &str =
    "subjectAltName=DNS:a\u{1b}]0;owned\u{7}.example.com,URI:https://\u{1b}]0;u\u{7}/,email:e\u{7}@x.com";

fn assert_terminal_safe(what: &str, text: &str) {
    assert!(!text.contains("\u{1b}]"), "{what} printed an OSC sequence raw:\n{text:?}");
    assert!(!text.contains('\u{7}'), "{what} printed a bell raw:\n{text:?}");
}

#[test]
fn san_values_of_untrusted_certificates_and_requests_reach_no_terminal_raw() {
    let env = Env::new().with_ca();
    let dir = env.path();
    let base = ["-keyout", "k.pem", "-subj", "/CN=hostile", "-addext", HOSTILE_SANS];
    let mut args = vec!["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&["-out", "c.pem"]);
    crate::common::openssl(dir, &args);
    let mut args = vec!["req", "-new", "-key", "k.pem", "-subj", "/CN=hostile", "-addext", HOSTILE_SANS];
    args.extend_from_slice(&["-out", "r.pem"]);
    crate::common::openssl(dir, &args);

    let inspect = env.run(&["inspect", "c.pem"]).ok();
    assert_terminal_safe("inspect", &inspect.both());
    assert!(inspect.stdout.contains("\\u{1b}]0;owned\\u{7}"), "{}", inspect.stdout);
    let json = env.run(&["--json", "inspect", "c.pem"]).ok().json();
    let sans = json["certificates"][0]["sans"].to_string();
    assert!(sans.contains("\\u001b]0;owned\\u0007"), "the JSON keeps the real value: {sans}");
    assert_terminal_safe("inspect of a request", &env.run(&["inspect", "r.pem"]).ok().both());
    assert_terminal_safe("verify", &env.run(&["verify", "c.pem", "--ca", "c.pem", "--no-crl"]).both());
    assert_terminal_safe("verify --hostname", &env.run(&["verify", "c.pem", "--hostname", "x.example"]).both());
    let sign = env.run(&["sign", "r.pem"]).error();
    assert_terminal_safe("sign", &sign.stderr);
}

#[test]
fn index_subjects_written_by_other_tools_reach_no_terminal_raw() {
    let env = Env::new().with_ca();
    foreign_index_line(&env, "0B", "/CN=evil\u{1b}]0;owned\u{7}");
    let list = env.run(&["list"]).ok();
    assert_terminal_safe("list", &list.both());
    assert!(list.stdout.contains("evil\\u{1b}]0;owned\\u{7}"), "{}", list.stdout);
    let json = env.run(&["--json", "list"]).ok().stdout;
    assert!(json.contains("evil\\u001b]0;owned\\u0007"), "the JSON keeps the real value: {json}");
    let revoke = env.run(&["revoke", "--serial", "0B"]);
    no_panic(&revoke);
    assert_terminal_safe("revoke", &revoke.both());
}

/// Run with stderr on /dev/full: a full stderr must not turn done work into a failure.
fn run_stderr_full(env: &Env, args: &[&str]) -> crate::common::Run {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let mut c = env.batch_cmd();
    c.args(args).stderr(full);
    let out = c.output().expect("run mtlsctl");
    crate::common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::new(),
    }
}

#[test]
fn a_full_stderr_does_not_turn_done_work_into_a_panic() {
    let env = Env::new();
    assert_eq!(run_stderr_full(&env, &["init-ca"]).code, 0, "init-ca");
    assert_eq!(run_stderr_full(&env, &["issue", "--cn", "full-stderr"]).code, 0, "issue");
    assert!(env.issued("full-stderr", "cert.pem").is_file());
    assert_eq!(run_stderr_full(&env, &["list"]).code, 0, "list");
    assert_eq!(run_stderr_full(&env, &["revoke", "--cn", "full-stderr"]).code, 0, "revoke");
    assert_eq!(run_stderr_full(&env, &["gen-crl"]).code, 0, "gen-crl");
    // A failure still exits 1, not 101.
    assert_eq!(run_stderr_full(&env, &["revoke", "--serial", "ABCDEF"]).code, 1, "failed revoke");
}

#[test]
fn the_organization_is_validated_like_the_common_name() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    let long = "O".repeat(65);
    env.run(&["issue", "--cn", "org-a", "--org", &long]).error().stderr_has("ub-organization-name");
    env.run(&["issue", "--cn", "org-b", "--org", "Evil\u{1b}]0;x\u{7}"]).error().stderr_has("control characters");
    env.run(&["issue", "--cn", "org-c", "--org", " "]).error().stderr_has("organization (O) is empty");
    assert_eq!(env.snapshot(), before, "a refused issue changed the store");
    env.issue("org-ok", &["--org", &"O".repeat(64)]);

    // The same rules for the O of a request (openssl refuses to make such a request).
    let before = env.snapshot();
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "csr-org");
    params.distinguished_name.push(DnType::OrganizationName, long.as_str());
    write_csr(&env, "long.csr", params);
    env.run(&["sign", "long.csr"]).error().stderr_has("ub-organization-name");
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "csr-org");
    params.distinguished_name.push(DnType::OrganizationName, "Evil\u{1b}]0;x\u{7}");
    write_csr(&env, "ctl.csr", params);
    env.run(&["sign", "ctl.csr"]).error().stderr_has("control characters");
    assert_eq!(env.snapshot(), before, "a refused sign changed the store");
}
