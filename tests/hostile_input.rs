//! Hostile input the CA must refuse or survive with words: index lines written by
//! other tools, terminal escapes in names, oversized and malformed requests,
//! odd store paths and closed output streams (issue 14).

use std::os::unix::fs::PermissionsExt as _;

use rcgen::{CertificateParams, DnType, KeyPair};

use crate::common::{Env, snapshot_dir};

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

/// A request for `count` DNS SANs.
fn many_sans_csr(env: &Env, name: &str, count: usize) -> std::path::PathBuf {
    let names: Vec<String> = (0..count).map(|i| format!("h{i}.example.com")).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params.distinguished_name.push(DnType::CommonName, "many-sans");
    write_csr(env, name, params)
}

#[test]
fn inputs_are_bounded_in_size_and_in_names() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    // Over a few hundred SANs: refused with the count, quickly.
    many_sans_csr(&env, "300.csr", 300);
    env.run(&["sign", "300.csr"]).error().stderr_has("300 subject alternative names");
    let mut args = vec!["issue", "--cn", "many"];
    let sans: Vec<String> = (0..300).map(|i| format!("dns:h{i}.example.com")).collect();
    for s in &sans {
        args.extend(["--san", s.as_str()]);
    }
    env.run(&args).error().stderr_has("at most 256");
    // A request over 1 MiB is refused before parsing, from a file or stdin.
    let big = many_sans_csr(&env, "big.csr", 60_000);
    assert!(std::fs::metadata(&big).expect("size").len() > 1 << 20);
    let started = std::time::Instant::now();
    env.run(&["sign", "big.csr"]).error().stderr_has("limit");
    let mut c = env.batch_cmd();
    c.args(["sign", "-"]).stdin(std::fs::File::open(&big).expect("open"));
    crate::common::to_run(c.output().expect("run")).error().stderr_has("limit");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
    assert_eq!(env.snapshot(), before, "a refused request changed the store");
    // 256 names are still signed.
    many_sans_csr(&env, "256.csr", 256);
    env.run(&["sign", "256.csr"]).ok();
}

#[test]
fn devices_are_refused_instead_of_read_forever() {
    let env = Env::new().with_ca();
    env.run(&["inspect", "/dev/zero"]).error().stderr_has("device");
    env.run(&["sign", "/dev/zero"]).error().stderr_has("device");
    let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
    let mut c = env.batch_cmd();
    c.args(["sign", "-"]).stdin(zero);
    let run = crate::common::to_run(c.output().expect("run"));
    run.error().stderr_has("limit");
}

/// Run `args` on the env's store; fail the test (and stop the child) if it takes over 20 s.
fn run_within(env: &Env, args: &[&str]) -> crate::common::Run {
    let mut c = env.batch_cmd();
    c.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("{args:?} still reading after 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    crate::common::to_run(child.wait_with_output().expect("output"))
}

#[test]
fn store_files_that_are_devices_are_refused_not_read_forever() {
    for device in ["/dev/zero", "/dev/full"] {
        let env = Env::new().with_ca();
        let path = env.store().join("index.txt");
        std::fs::remove_file(&path).expect("remove");
        std::os::unix::fs::symlink(device, &path).expect("symlink");
        run_within(&env, &["list"]).error().stderr_has("device");
        run_within(&env, &["issue", "--cn", "dev"]).error();
    }
    // The store's own openssl.cnf is only read to keep `dir` true; as a device
    // it is left alone, and commands neither hang nor fail on it.
    let env = Env::new().with_ca();
    let cnf = env.store().join("openssl.cnf");
    std::fs::remove_file(&cnf).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", &cnf).expect("symlink");
    let moved = env.path().join("moved");
    std::fs::rename(env.store(), &moved).expect("move the store");
    let env = Env::at(&moved);
    run_within(&env, &["list"]).ok();
}

/// A request with a DNS SAN and the extra raw extensions `exts` (OID 2.5.29.17 = subjectAltName).
fn csr_with_raw_sans(env: &Env, name: &str, exts: &[&[u8]]) -> std::path::PathBuf {
    let mut params = CertificateParams::new(vec!["a.example.com".to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, "raw-sans");
    for content in exts {
        params.custom_extensions.push(rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 17], content.to_vec()));
    }
    write_csr(env, name, params)
}

#[test]
fn san_policy_gaps_are_refused_with_words() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    for (san, words) in [
        ("dns:127.0.0.1", "is an IP address"),
        ("dns:*.com", "needs two labels after it"),
        ("uri:javascript:alert(1)", "not an identity"),
    ] {
        env.run(&["issue", "--cn", "gap", "--san", san]).error().stderr_has(words);
    }
    let mut params = CertificateParams::default();
    params.subject_alt_names = vec![rcgen::SanType::DnsName("127.0.0.1".try_into().expect("ia5"))];
    params.distinguished_name.push(DnType::CommonName, "ip-as-dns");
    write_csr(&env, "ipdns.csr", params);
    env.run(&["sign", "ipdns.csr"]).error().stderr_has("is an IP address");
    let mut params = CertificateParams::new(vec!["*.com".to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, "wild");
    write_csr(&env, "wild.csr", params);
    env.run(&["sign", "wild.csr"]).error().stderr_has("needs two labels");
    // A second subjectAltName extension (b.example.com) is not merged into the first.
    let second: &[u8] = b"\x30\x0f\x82\x0db.example.com";
    csr_with_raw_sans(&env, "two.csr", &[second]);
    env.run(&["sign", "two.csr"]).error().stderr_has("more than one subjectAltName");
    // A malformed one is not dropped (the certificate issued without its names).
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "malformed-san");
    params
        .custom_extensions
        .push(rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 17], b"\x30\x03\x82\x05A".to_vec()));
    write_csr(&env, "bad.csr", params);
    env.run(&["sign", "bad.csr"]).error().stderr_has("subjectAltName extension is malformed");
    assert_eq!(env.snapshot(), before, "a refused name changed the store");
}

#[test]
fn requests_in_unsupported_or_broken_algorithms_are_named_not_called_altered() {
    let env = Env::new().with_ca();
    let before = env.snapshot();
    let cases: [(&[&str], &str); 6] = [
        (&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-sha512"], "unsupported key/signature algorithm"),
        (&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-sha256"], "unsupported key/signature algorithm"),
        (&["-newkey", "ed448"], "unsupported key/signature algorithm"),
        (&["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048", "-sha256"], "unsupported key/signature algorithm"),
        (&["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-sha1"], "SHA-1"),
        (&["-newkey", "rsa:2048", "-sha1"], "SHA-1"),
    ];
    for (i, (opts, words)) in cases.iter().enumerate() {
        let out = format!("alg{i}.csr");
        let mut args = vec!["req", "-new", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=alg", "-out", &out];
        args.extend_from_slice(opts);
        crate::common::openssl(env.path(), &args);
        let run = env.run(&["sign", &out]).error().stderr_has(words);
        assert!(!run.stderr.contains("altered"), "{opts:?}:\n{}", run.stderr);
    }
    assert_eq!(env.snapshot(), before, "a refused request changed the store");
}

#[test]
fn another_users_ca_key_is_permission_denied_not_missing() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new().with_ca();
    std::fs::set_permissions(env.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = env.path().join("out");
    let store = env.store();
    let args =
        ["--batch", "--dir", crate::common::utf8(&store), "issue", "--cn", "x", "--out", crate::common::utf8(&out)];
    let uid = crate::common::peer("id", &["-u"], env.path()).stdout;
    let run = if uid.trim() == "0" {
        // Root reads every file: run as an ordinary user instead.
        let mut c = std::process::Command::new(crate::common::require_peer("runuser"));
        c.args(["-u", "nobody", "--"]).arg(crate::common::bin()).args(args).current_dir(env.path());
        crate::common::to_run(c.output().expect("runuser"))
    } else {
        let private = env.store().join("private");
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        let run = crate::common::to_run(env.cmd().args(args).output().expect("run"));
        std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        run
    };
    let run = run.error().stderr_has("cannot read the CA key").stderr_has("Permission denied");
    assert!(!run.stderr.contains("missing"), "{}", run.stderr);
}

#[test]
fn openssl_ca_works_on_a_store_whose_path_holds_config_syntax() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["weird#dir", "cost$dir", "back\\slash", "quo\"te's"] {
        let parent = tmp.path().join(name);
        std::fs::create_dir(&parent).expect("mkdir");
        let env = Env::at(parent.join("pki"));
        env.run(&["init-ca"]).ok();
        let dir = env.path();
        let csr = dir.join("r.csr");
        let key = dir.join("r.key");
        let mut args = vec!["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
        args.extend([
            "-subj",
            "/CN=via-openssl",
            "-keyout",
            crate::common::utf8(&key),
            "-out",
            crate::common::utf8(&csr),
        ]);
        crate::common::openssl(dir, &args);
        let out = dir.join("r.crt");
        crate::common::openssl_ca(
            &env,
            &["-batch", "-in", crate::common::utf8(&csr), "-out", crate::common::utf8(&out)],
        );
        let list = env.run(&["list"]).ok();
        assert!(list.stdout.contains("via-openssl"), "{name}: {}", list.stdout);
        crate::common::openssl_ca(&env, &["-gencrl", "-out", crate::common::utf8(&dir.join("x.crl"))]);
    }
}

/// Replace the store's CA certificate with one for the same key that starts `start`.
fn replace_ca_starting(env: &Env, start: time::OffsetDateTime) {
    let key_pem = std::fs::read_to_string(env.store().join("private/ca.key")).expect("CA key");
    let key = KeyPair::from_pem(&key_pem).expect("parse CA key");
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "Future CA");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    params.not_before = start;
    params.not_after = time::OffsetDateTime::now_utc() + time::Duration::days(365);
    let cert = params.self_signed(&key).expect("self-sign");
    std::fs::write(env.store().join("certs/ca.crt"), cert.pem()).expect("write CA");
}

#[test]
fn a_ca_that_is_not_yet_valid_issues_nothing() {
    let env = Env::new().with_ca();
    replace_ca_starting(&env, time::OffsetDateTime::now_utc() + time::Duration::days(1));
    let before = env.snapshot();
    env.run(&["issue", "--cn", "early"]).error().stderr_has("not valid until");
    many_sans_csr(&env, "early.csr", 1);
    env.run(&["sign", "early.csr"]).error().stderr_has("not valid until");
    assert_eq!(env.snapshot(), before, "a refused issue changed the store");
    assert!(!env.store().join("issued/early").exists(), "a refused issue left issued/early");
    assert!(!env.store().join("issued/many-sans").exists(), "a refused sign left issued/many-sans");

    // A CA that started a minute ago (younger than the backdate): the leaf starts with it, not before.
    replace_ca_starting(&env, time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    env.issue("young", &[]);
    let not_before = |path: std::path::PathBuf| {
        let pem = std::fs::read(path).expect("read");
        let der = pem::parse(pem).expect("pem").into_contents();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("cert");
        cert.validity().not_before.timestamp()
    };
    let ca = not_before(env.store().join("certs/ca.crt"));
    assert!(not_before(env.issued("young", "cert.pem")) >= ca, "the leaf starts before its CA");
}

#[test]
fn an_empty_pkcs12_password_is_refused() {
    let env = Env::new().with_ca();
    env.issue("p12", &[]);
    let out = env.path().join("p12.p12");
    let out = crate::common::utf8(&out);
    env.run(&["export", "--cn", "p12", "--format", "pkcs12", "--password", "", "--out", out])
        .error()
        .stderr_has("password is empty");
    std::fs::write(env.path().join("empty.pass"), "\n").expect("write");
    env.run(&["export", "--cn", "p12", "--format", "pkcs12", "--password-file", "empty.pass", "--out", out])
        .error()
        .stderr_has("password is empty");
    assert!(!env.path().join("p12.p12").exists());
    env.run(&["export", "--cn", "p12", "--format", "pkcs12", "--password", "s3cret", "--out", out]).ok();
}

/// Guards (these held on main already): a refused issue or sign leaves no empty issued/<cn>/.
#[test]
fn failed_issue_and_sign_leave_no_empty_identity_directory() {
    let env = Env::new();
    env.run(&["init-ca", "--permitted-dns", "example.com"]).ok();
    env.run(&["issue", "--cn", "evil.com", "--profile", "server"]).error();
    env.run(&["issue", "--cn", "zero", "--validity", "0d"]).error();
    std::fs::write(env.path().join("junk.csr"), "junk").expect("write");
    env.run(&["sign", "junk.csr"]).error();
    let mut params = CertificateParams::new(vec!["evil.com".to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, "evil-sign");
    write_csr(&env, "evil.csr", params);
    env.run(&["sign", "evil.csr", "--profile", "server"]).error();
    let issued: Vec<_> =
        std::fs::read_dir(env.store().join("issued")).expect("issued/").flatten().map(|e| e.path()).collect();
    assert!(issued.is_empty(), "left behind: {issued:?}");
}

/// The `Max core file size` line of /proc/PID/limits, spaces collapsed.
fn core_limit(pid: u32) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    text.lines()
        .find(|l| l.starts_with("Max core file size"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The owner of /proc/PID: the process's own user, or root once it is not dumpable.
fn proc_owner(pid: u32) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(format!("/proc/{pid}/status")).ok().map(|m| m.uid())
}

#[test]
fn a_signing_command_cannot_dump_core() {
    let env = Env::new().with_ca();
    let uid = crate::common::peer("id", &["-u"], env.path()).stdout.trim().to_string();
    // /proc/PID turns root-owned when a process makes itself not dumpable, which
    // shows only for a process that is not root: as root, run it as nobody.
    // Hold the store lock, so `issue` waits with the CA key about to be used.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(env.store().join("index.txt.lock"))
        .expect("open the lock");
    lock.lock().expect("take the lock");
    let as_root = uid == "0";
    if as_root {
        crate::common::peer("chown", &["-R", "nobody:nogroup", crate::common::utf8(env.path())], env.path()).code(0);
    }
    let mut c = if as_root {
        let mut c = std::process::Command::new(crate::common::require_peer("setpriv"));
        c.args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--"]).arg(crate::common::bin());
        c.current_dir(env.path()).env("HOME", env.path());
        c.arg("--batch").arg("--dir").arg(env.store());
        c
    } else {
        env.batch_cmd()
    };
    c.args(["issue", "--cn", "no-core"]).env("MTLSCTL_LOCK_TIMEOUT", "30");
    c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let pid = child.id();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut owner = None;
    while std::time::Instant::now() < deadline {
        assert!(child.try_wait().expect("wait").is_none(), "issue ended before the lock was released");
        owner = proc_owner(pid);
        if owner == Some(0) && core_limit(pid).as_deref() == Some("Max core file size 0 0 bytes") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let core = core_limit(pid);
    lock.unlock().expect("release the lock");
    let run = crate::common::to_run(child.wait_with_output().expect("wait"));
    assert_eq!(owner, Some(0), "the waiting issue stayed dumpable (/proc/{pid} not root-owned)");
    assert_eq!(core.as_deref(), Some("Max core file size 0 0 bytes"), "core rlimit");
    run.ok();
}

/// An adopted CA whose openssl.cnf names a device as its serial or crlnumber
/// file: issue and gen-crl refuse it instead of reading forever.
#[test]
fn serial_and_crlnumber_files_that_are_devices_are_refused_not_read_forever() {
    for (key, command) in [("serial", &["issue", "--cn", "dev"][..]), ("crlnumber", &["gen-crl"][..])] {
        let env = Env::new().with_ca();
        let adopted = env.path().join("adopted");
        std::fs::create_dir_all(adopted.join("newcerts")).expect("mkdir");
        std::fs::copy(env.store().join("index.txt"), adopted.join("index.txt")).expect("index");
        std::fs::copy(env.store().join("certs/ca.crt"), adopted.join("ca.pem")).expect("ca");
        std::fs::copy(env.store().join("private/ca.key"), adopted.join("ca.key")).expect("key");
        std::fs::set_permissions(adopted.join("ca.key"), std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let (serial, crlnumber) =
            if key == "serial" { ("/dev/zero", "$dir/crlnumber") } else { ("$dir/serial", "/dev/zero") };
        let cnf = format!(
            "[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = {}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\nserial = {serial}\ncrlnumber = {crlnumber}\ncrl = $dir/crl.pem\n",
            adopted.display()
        );
        std::fs::write(adopted.join("openssl.cnf"), cnf).expect("cnf");
        std::fs::write(adopted.join("serial"), "01\n").expect("serial");
        let before = snapshot_dir(&adopted);
        run_within(&Env::at(&adopted), command).error().stderr_has("device");
        assert_eq!(snapshot_dir(&adopted), before, "{key}: a refused command changed the store");
    }
}

#[test]
fn a_ca_key_cut_short_is_said_in_words() {
    let env = Env::new().with_ca();
    let key = env.store().join("private/ca.key");
    let text = std::fs::read(&key).expect("key");
    std::fs::write(&key, &text[..100]).expect("cut");
    let before = env.snapshot();
    let r = env.run(&["issue", "--cn", "carol"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no \"-----END PRIVATE KEY-----\" line"), "{}", r.stderr);
    assert!(!r.stderr.contains('['), "bytes in the words: {}", r.stderr);
    assert_eq!(env.snapshot(), before);
}
