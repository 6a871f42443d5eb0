//! Encrypted CA keys written by other tools (easy-rsa's build-ca, `openssl req -keyout`, legacy
//! `Proc-Type: 4,ENCRYPTED` PEM, scrypt and PBKDF2-SHA1 PKCS#8) open with the passphrase and sign
//! certificates and CRLs that openssl verifies; a wrong passphrase and an unsupported scheme are two
//! different errors that change nothing.

use std::path::{Path, PathBuf};

use crate::common::*;

const PASS: &str = "correct horse";

/// easy-rsa 3 run on `<tmp>/pki`, with the CA passphrase given both ways it reads it.
fn easyrsa(env: &Env, args: &[&str]) -> Run {
    let pass = format!("pass:{PASS}");
    let o = easyrsa_command(env)
        .arg(format!("--passout={pass}"))
        .arg(format!("--passin={pass}"))
        .args(args)
        .env("EASYRSA_PASSOUT", &pass)
        .env("EASYRSA_PASSIN", &pass)
        .output()
        .expect("run easyrsa");
    to_run(o)
}

/// The OBJECT lines of `openssl asn1parse` of a PEM file: which scheme encrypts a key.
fn asn1_objects(cwd: &Path, file: &Path) -> String {
    openssl(cwd, &["asn1parse", "-in", utf8(file)]).stdout
}

/// A passphrase file holding `pass` on its first line.
fn pass_file(env: &Env, pass: &str) -> PathBuf {
    let p = env.path().join("ca.pass");
    std::fs::write(&p, format!("{pass}\n")).expect("write passphrase file");
    p
}

/// Issue alice and bob, revoke bob, sign a CRL; openssl then accepts alice and refuses bob.
/// The passphrase reaches mtlsctl by --passphrase-file when `by_file`, else by MTLSCTL_CA_PASSPHRASE.
fn issue_revoke_and_verify(env: &Env, ca: &Path, by_file: bool) {
    let file = pass_file(env, PASS);
    let with_pass = |args: &[&str]| -> Run {
        if by_file {
            let mut all = args.to_vec();
            all.extend_from_slice(&["--passphrase-file", utf8(&file)]);
            env.run(&all)
        } else {
            env.run_with(args, &[("MTLSCTL_CA_PASSPHRASE", PASS)])
        }
    };
    let alice = with_pass(&["--json", "issue", "--cn", "alice"]).ok().json();
    let bob = with_pass(&["--json", "issue", "--cn", "bob"]).ok().json();
    env.run(&["revoke", "--cn", "bob", "--yes"]).ok();
    let crl = with_pass(&["--json", "gen-crl"]).ok().json();
    let crl = crl["crl"].as_str().expect("crl path").to_string();
    let verify = |cert: &serde_json::Value| {
        peer(
            "openssl",
            &["verify", "-CAfile", utf8(ca), "-crl_check", "-CRLfile", &crl, cert["cert"].as_str().expect("cert")],
            env.path(),
        )
    };
    let ok = verify(&alice);
    assert!(ok.code == 0 && ok.stdout.contains(": OK"), "{}", ok.both());
    let revoked = verify(&bob);
    assert!(revoked.code != 0 && revoked.both().contains("certificate revoked"), "{}", revoked.both());
}

/// A store whose CA certificate and encrypted key were made by openssl: mtlsctl's
/// layout with certs/ca.crt, certs/ca-chain.crt and private/ca.key replaced.
fn store_with_foreign_ca(cert: &Path, key: &Path) -> Env {
    let env = Env::new().with_ca();
    let store = env.store();
    for name in ["certs/ca.crt", "certs/ca-chain.crt"] {
        std::fs::copy(cert, store.join(name)).expect("install CA certificate");
    }
    std::fs::copy(key, store.join("private/ca.key")).expect("install CA key");
    std::fs::set_permissions(store.join("private/ca.key"), std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("chmod ca.key");
    env
}

/// A self-signed CA for `key` (plain PEM) in `dir`: `dir/ca.crt`.
fn self_signed_ca(dir: &Path, key: &Path) -> PathBuf {
    let cert = dir.join("ca.crt");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            utf8(key),
            "-subj",
            "/CN=Foreign CA",
            "-days",
            "3650",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            utf8(&cert),
        ],
    );
    cert
}

#[test]
fn an_easyrsa_ca_built_with_a_passphrase_issues_and_signs_crls() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["--req-cn=Easy CA", "build-ca"]).ok();
    let key = env.store().join("private/ca.key");
    let text = std::fs::read_to_string(&key).expect("ca.key");
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{text}");
    // What easy-rsa writes today: PBES2 with DES-EDE3-CBC.
    let objects = asn1_objects(env.path(), &key);
    assert!(objects.contains(":PBES2") && objects.contains(":des-ede3-cbc"), "{objects}");
    issue_revoke_and_verify(&env, &env.store().join("ca.crt"), false);
    // A wrong passphrase says so, and changes nothing.
    let before = env.snapshot();
    env.run_with(&["issue", "--cn", "carol"], &[("MTLSCTL_CA_PASSPHRASE", "wrong")])
        .error()
        .stderr_has(": wrong passphrase")
        .stderr_has("MTLSCTL_CA_PASSPHRASE");
    assert_eq!(before, env.snapshot());
}

#[test]
fn keys_from_openssl_req_and_legacy_pem_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pass = format!("pass:{PASS}");
    // `openssl req -newkey -keyout`: the CA certificate and its encrypted key at once.
    let newkeys: [(&str, &[&str]); 2] =
        [("req-ec", &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]), ("req-rsa", &["rsa:2048"])];
    for (n, newkey) in newkeys {
        let (cert, key) = (dir.join(format!("{n}.crt")), dir.join(format!("{n}.key")));
        let mut args = vec!["req", "-x509", "-newkey"];
        args.extend_from_slice(newkey);
        args.extend_from_slice(&["-keyout", utf8(&key), "-passout", &pass, "-subj", "/CN=Req CA", "-days", "3650"]);
        args.extend_from_slice(&["-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", utf8(&cert)]);
        openssl(dir, &args);
        let text = std::fs::read_to_string(&key).expect("key");
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{text}");
        let env = store_with_foreign_ca(&cert, &key);
        issue_revoke_and_verify(&env, &cert, n == "req-rsa");
    }
    // Legacy PEM encryption over SEC1 and PKCS#1 bodies.
    openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"]);
    openssl(dir, &["genrsa", "-out", "rsa.pem", "2048"]);
    openssl(dir, &["ec", "-in", "ec.pem", "-des3", "-passout", &pass, "-out", "ec-des3.pem"]);
    openssl(dir, &["rsa", "-in", "rsa.pem", "-aes256", "-traditional", "-passout", &pass, "-out", "rsa-aes.pem"]);
    for (plain, enc, label, dek) in [
        ("ec.pem", "ec-des3.pem", "EC PRIVATE KEY", "DEK-Info: DES-EDE3-CBC,"),
        ("rsa.pem", "rsa-aes.pem", "RSA PRIVATE KEY", "DEK-Info: AES-256-CBC,"),
    ] {
        let text = std::fs::read_to_string(dir.join(enc)).expect("legacy key");
        assert!(text.contains(&format!("BEGIN {label}")) && text.contains("Proc-Type: 4,ENCRYPTED"), "{text}");
        assert!(text.contains(dek), "{text}");
        let cert = self_signed_ca(dir, &dir.join(plain));
        let env = store_with_foreign_ca(&cert, &dir.join(enc));
        let j = env.run(&["--json", "inspect", utf8(&dir.join(enc))]).ok().json();
        let cipher = dek.trim_start_matches("DEK-Info: ").trim_end_matches(',');
        assert!(j["encryption"].as_str().is_some_and(|e| e.starts_with("legacy PEM") && e.contains(cipher)), "{j}");
        issue_revoke_and_verify(&env, &cert, plain == "ec.pem");
        let before = env.snapshot();
        env.run_with(&["gen-crl"], &[("MTLSCTL_CA_PASSPHRASE", "not it")]).error().stderr_has(": wrong passphrase");
        assert_eq!(before, env.snapshot());
    }
}

#[test]
fn scrypt_and_pbkdf2_variants_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pass = format!("pass:{PASS}");
    openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"]);
    let cert = self_signed_ca(dir, &dir.join("ec.pem"));
    let variants: [(&str, &[&str], &str); 4] = [
        ("scrypt.pem", &["-scrypt"], ":scrypt"),
        ("sha1.pem", &["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"], ":aes-128-cbc"),
        ("sha512.pem", &["-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"], ":hmacWithSHA512"),
        ("des3.pem", &["-v2", "des3"], ":des-ede3-cbc"),
    ];
    for (i, (out, opts, object)) in variants.iter().enumerate() {
        let mut args = vec!["pkcs8", "-topk8", "-in", "ec.pem", "-passout", &pass, "-out", out];
        args.extend_from_slice(opts);
        openssl(dir, &args);
        let objects = asn1_objects(dir, &dir.join(out));
        assert!(objects.contains(object), "{out}: {objects}");
        if *out == "sha1.pem" {
            // PBKDF2's PRF defaults to HMAC-SHA1 and is then left out of the DER.
            assert!(!objects.contains("hmacWithSHA256"), "{objects}");
        }
        let env = store_with_foreign_ca(&cert, &dir.join(out));
        let j = env.run(&["--json", "inspect", utf8(&dir.join(out))]).ok().json();
        let said = j["encryption"].as_str().unwrap_or_default().to_string();
        assert!(j["encrypted"] == true && said.starts_with("PKCS#8 PBES2, ") && !said.contains("not supported"), "{j}");
        assert!(said.contains(object.trim_start_matches(':')), "{j}");
        issue_revoke_and_verify(&env, &cert, i % 2 == 1);
    }
}

/// PKCS#12's password-based 3DES, which `openssl pkcs8 -topk8` wrote by default before
/// OpenSSL 1.1 (`-v1 PBE-SHA1-3DES`, and the 2-key `PBE-SHA1-2DES`), for an EC and an RSA
/// key: named by inspect, opened with the passphrase; a wrong one is that error, not corruption.
#[test]
fn pkcs12_pbe_keys_of_old_openssl_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pass = format!("pass:{PASS}");
    openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"]);
    openssl(dir, &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem"]);
    for (plain, scheme, named) in [
        ("ec.pem", "PBE-SHA1-3DES", "pbeWithSHA1And3-KeyTripleDES-CBC"),
        ("ec.pem", "PBE-SHA1-2DES", "pbeWithSHA1And2-KeyTripleDES-CBC"),
        ("rsa.pem", "PBE-SHA1-3DES", "pbeWithSHA1And3-KeyTripleDES-CBC"),
    ] {
        let out = format!("{scheme}-{plain}");
        openssl(dir, &["pkcs8", "-topk8", "-in", plain, "-v1", scheme, "-passout", &pass, "-out", &out]);
        assert!(asn1_objects(dir, &dir.join(&out)).contains(named), "{out}");
        let cert = self_signed_ca(dir, &dir.join(plain));
        let env = store_with_foreign_ca(&cert, &dir.join(&out));
        let j = env.run(&["--json", "inspect", utf8(&dir.join(&out))]).ok().json();
        let said = j["encryption"].as_str().unwrap_or_default();
        assert!(said.contains(named) && said.contains("(2048 rounds)") && !said.contains("not supported"), "{j}");
        let before = env.snapshot();
        let r = env.run_with(&["issue", "--cn", "alice"], &[("MTLSCTL_CA_PASSPHRASE", "wrong")]).error();
        assert!(r.stderr.contains("wrong passphrase"), "{out}: {}", r.stderr);
        assert_eq!(before, env.snapshot(), "{out}");
        issue_revoke_and_verify(&env, &cert, plain == "rsa.pem");
    }
}

/// Unsupported schemes are named (with their OID), whatever the passphrase, before
/// any is asked for; a wrong passphrase is its own error; neither changes the store.
#[test]
fn an_unsupported_scheme_is_not_a_wrong_passphrase() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let pass = format!("pass:{PASS}");
    openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"]);
    let cert = self_signed_ca(dir, &dir.join("ec.pem"));
    openssl(
        dir,
        &["pkcs8", "-topk8", "-in", "ec.pem", "-v2", "camellia-256-cbc", "-passout", &pass, "-out", "cam.pem"],
    );
    openssl(dir, &["ec", "-in", "ec.pem", "-camellia256", "-passout", &pass, "-out", "ec-cam.pem"]);
    let mut cases = vec![
        ("cam.pem", "camellia-256-cbc (1.2.392.200011.61.1.1.1.4)"),
        ("ec-cam.pem", "legacy PEM encryption CAMELLIA-256-CBC"),
    ];
    // PBES1 with RC4 needs OpenSSL 3's legacy provider to be written at all.
    let rc4 = peer(
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "ec.pem",
            "-v1",
            "PBE-SHA1-RC4-128",
            "-provider",
            "legacy",
            "-provider",
            "default",
            "-passout",
            &pass,
            "-out",
            "rc4.pem",
        ],
        dir,
    );
    if rc4.code == 0 {
        cases.push(("rc4.pem", "pbeWithSHA1And128BitRC4 (1.2.840.113549.1.12.1.1)"));
    } else {
        eprintln!("openssl cannot write PBE-SHA1-RC4-128 here ({}); the camellia keys stand for it", rc4.stderr.trim());
    }
    for (key, named) in cases {
        let env = store_with_foreign_ca(&cert, &dir.join(key));
        let j = env.run(&["--json", "inspect", utf8(&dir.join(key))]).ok().json();
        assert!(j["encryption"].as_str().is_some_and(|e| e.ends_with("not supported")), "{j}");
        let check = env.run(&["--json", "check"]).code(3).json();
        let found = check["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p["code"] == "ca_key_unsupported" && p["message"].as_str().is_some_and(|m| m.contains(named)));
        assert!(found, "{check}");
        let before = env.snapshot();
        for envs in [&[("MTLSCTL_CA_PASSPHRASE", PASS)][..], &[("MTLSCTL_CA_PASSPHRASE", "wrong")][..], &[][..]] {
            let r = env.run_with(&["issue", "--cn", "alice"], envs).error().stderr_has(named);
            assert!(r.stderr.contains("does not support"), "{key}: {}", r.stderr);
            assert!(
                !r.stderr.contains("wrong passphrase") && !r.stderr.contains("no passphrase"),
                "{key}: {}",
                r.stderr
            );
            assert!(r.stderr.contains("hint: re-encrypt it"), "{key}: {}", r.stderr);
            env.run_with(&["gen-crl"], envs).error().stderr_has(named);
        }
        assert_eq!(before, env.snapshot(), "{key}");
    }
    // The same key in a supported scheme, with a wrong passphrase from a file: that error, naming the file.
    openssl(dir, &["pkcs8", "-topk8", "-in", "ec.pem", "-v2", "des3", "-passout", &pass, "-out", "des3.pem"]);
    let env = store_with_foreign_ca(&cert, &dir.join("des3.pem"));
    let before = env.snapshot();
    let file = pass_file(&env, "wrong");
    let r = env.run(&["issue", "--cn", "alice", "--passphrase-file", utf8(&file)]).error();
    assert!(r.stderr.contains(": wrong passphrase"), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("--passphrase-file {}", file.display())), "{}", r.stderr);
    assert!(!r.stderr.contains("does not support"), "{}", r.stderr);
    assert_eq!(before, env.snapshot());
}

/// tmux on a socket of its own, so no other session is touched.
fn tmux(socket: &str, args: &[&str]) -> Run {
    let mut all = vec!["-L", socket];
    all.extend_from_slice(args);
    peer("tmux", &all, Path::new("/"))
}

/// Wait until the pane shows `needle` (up to 60 s: a debug build derives keys slowly).
fn wait_pane(socket: &str, needle: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let screen = tmux(socket, &["capture-pane", "-p", "-t", "k"]).stdout;
        if screen.contains(needle) {
            return screen;
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "no {needle:?} on the screen:\n{screen}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// At a terminal, a wrong passphrase for an easy-rsa CA key is asked again, and the right one then works.
#[test]
fn a_wrong_passphrase_typed_at_the_prompt_is_asked_again() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["--req-cn=Easy CA", "build-ca"]).ok();
    let socket = format!("mtlsctl-keys-{}", std::process::id());
    let script = env.path().join("run.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncd {}\nenv -i PATH=\"$PATH\" HOME={} TERM=xterm {} --dir pki issue --cn tty\necho EXIT=$?\nsleep 30\n",
            env.path().display(),
            env.path().display(),
            bin().display()
        ),
    )
    .expect("script");
    tmux(&socket, &["new-session", "-d", "-s", "k", "-x", "120", "-y", "30", "sh", utf8(&script)]).ok();
    let result = std::panic::catch_unwind(|| {
        wait_pane(&socket, "Passphrase for");
        tmux(&socket, &["send-keys", "-t", "k", "-l", "not it"]).ok();
        tmux(&socket, &["send-keys", "-t", "k", "Enter"]).ok();
        wait_pane(&socket, "wrong passphrase, try again");
        tmux(&socket, &["send-keys", "-t", "k", "-l", PASS]).ok();
        tmux(&socket, &["send-keys", "-t", "k", "Enter"]).ok();
        wait_pane(&socket, "EXIT=")
    });
    tmux(&socket, &["kill-server"]);
    let screen = result.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert!(screen.contains("EXIT=0") && screen.contains("Issued client certificate for \"tty\""), "{screen}");
    assert!(!screen.contains(PASS) && !screen.contains("not it"), "{screen}");
}

/// An easy-rsa CA with a passphrase as the parent of an mtlsctl intermediate: init-ca --parent opens
/// its key, and the intermediate's gen-crl bundles easy-rsa's own crl.pem, which openssl accepts.
#[test]
fn an_encrypted_easyrsa_ca_signs_an_intermediate_whose_chain_crl_holds_easyrsas_crl() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["--req-cn=Easy CA", "build-ca"]).ok();
    easyrsa(&env, &["gen-crl"]).ok();
    let file = pass_file(&env, PASS);
    let int = Env::at(env.path().join("int"));
    int.run(&[
        "init-ca",
        "--cn",
        "Issuing CA",
        "--parent",
        utf8(&env.store()),
        "--parent-passphrase-file",
        utf8(&file),
    ])
    .ok();
    int.issue("leaf", &[]);
    let j = int.run(&["--json", "gen-crl"]).ok().json();
    assert_eq!(j["chain_crl_uncovered"], serde_json::json!([]), "{j}");
    assert_eq!(j["parent_crl_source"].as_str(), Some(utf8(&env.store().join("crl.pem"))), "{j}");
    let r = peer(
        "openssl",
        &[
            "verify",
            "-crl_check_all",
            "-CAfile",
            utf8(&env.store().join("ca.crt")),
            "-untrusted",
            utf8(&int.store().join("certs/ca.crt")),
            "-CRLfile",
            utf8(&int.store().join("crl/ca-chain.crl")),
            utf8(&int.issued("leaf", "cert.pem")),
        ],
        env.path(),
    );
    assert!(r.code == 0 && r.stdout.contains(": OK"), "{}", r.both());
}
