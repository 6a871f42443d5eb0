//! Hints that look at the situation (a directory inside a store, an easy-rsa
//! PKI, an unknown SAN type, an IP SAN), name constraints and decoded names in
//! inspect/list, and the man pages and completions (SYNOPSIS, ENVIRONMENT,
//! EXIT STATUS, the store's identities offered for --cn/--name).

use std::path::Path;

use crate::common::*;

/// `mtlsctl ARGS` in `cwd` without `--dir`, as a user types it there.
fn run_in(env: &Env, cwd: &Path, args: &[&str]) -> Run {
    let mut c = env.cmd();
    c.current_dir(cwd).arg("--batch").args(args);
    to_run(c.output().expect("run mtlsctl"))
}

/// `-V` names the program the same way wherever it is given.
#[test]
fn the_version_is_the_programs_after_a_subcommand_too() {
    let env = Env::new();
    let want = format!("mtlsctl {}\n", env!("CARGO_PKG_VERSION"));
    for args in [&["--version"][..], &["-V"], &["issue", "-V"], &["ocsp", "serve", "--version"]] {
        let r = run_in(&env, env.path(), args).ok();
        assert_eq!(r.stdout, want, "{args:?}");
    }
}

// ---------------------------------------------------------------------------
// item 9: hints that look before they speak

#[test]
fn a_dir_inside_a_store_is_pointed_at_the_store() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    for inner in ["pki/issued", "pki/issued/svc", "pki/certs"] {
        let r = run_in(&env, env.path(), &["--dir", inner, "list"]).error();
        assert!(r.stderr.contains(&format!("hint: {inner} is inside the store pki: pass --dir pki")), "{}", r.stderr);
        assert!(!r.stderr.contains("init-ca"), "no CA is to be created inside a store:\n{}", r.stderr);
    }
    // From inside the store, the store is `.`.
    let r = run_in(&env, &env.store(), &["--dir", "issued", "list"]).error();
    assert!(r.stderr.contains("pass --dir ."), "{}", r.stderr);
}

#[test]
fn a_dir_of_other_files_is_not_offered_a_ca() {
    let env = Env::new();
    let other = env.path().join("website");
    std::fs::create_dir_all(&other).expect("mkdir");
    std::fs::write(other.join("index.html"), "<p>hi</p>").expect("write");
    let r = run_in(&env, env.path(), &["--dir", "website", "list"]).error();
    assert!(r.stderr.contains("website holds other files"), "{}", r.stderr);
    assert!(!r.stderr.contains("init-ca --dir website"), "{}", r.stderr);
    // A missing directory can still be created.
    let r = run_in(&env, env.path(), &["--dir", "fresh", "list"]).error();
    assert!(r.stderr.contains("hint: create one with: mtlsctl init-ca --dir fresh"), "{}", r.stderr);
}

#[test]
fn init_ca_on_an_easyrsa_pki_says_it_can_be_used() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    // Before build-ca: say how to finish it.
    let r = run_in(&env, env.path(), &["list"]).error();
    assert!(
        r.stderr.contains("easy-rsa PKI without a CA yet") && r.stderr.contains("easyrsa build-ca"),
        "{}",
        r.stderr
    );
    let before = env.snapshot();
    let r = run_in(&env, env.path(), &["init-ca"]).error();
    assert!(r.stderr.contains("easy-rsa PKI without a CA yet"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before, "init-ca changed the PKI");

    easyrsa(&env, &["build-ca", "nopass"]).ok();
    let before = env.snapshot();
    let r = run_in(&env, env.path(), &["init-ca"]).error();
    assert!(r.stderr.contains("it already exists, as an easy-rsa PKI"), "{}", r.stderr);
    assert!(r.stderr.contains("mtlsctl can use it as is") && r.stderr.contains("`mtlsctl list`"), "{}", r.stderr);
    assert!(!r.stderr.contains("choose another --dir"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before, "init-ca changed the PKI");
    // ... and it can.
    run_in(&env, env.path(), &["list"]).ok();

    // An mtlsctl store is named as one.
    let own = Env::new().with_ca();
    let r = own.run(&["init-ca"]).error();
    assert!(r.stderr.contains("already exists and holds a CA store") && r.stderr.contains("list`"), "{}", r.stderr);
}

#[test]
fn san_errors_name_the_real_problem() {
    let env = Env::new().with_ca();
    let r = env.run(&["issue", "--cn", "x", "--san", "foo:bar"]).error();
    assert!(r.stderr.contains("unknown type 'foo:'"), "{}", r.stderr);
    for prefix in ["dns:", "ip:", "uri:", "email:"] {
        assert!(r.stderr.contains(prefix), "the known prefixes are listed: {}", r.stderr);
    }
    assert!(!r.stderr.contains("not a DNS name"), "{}", r.stderr);
    let r = env.run(&["issue", "--cn", "x", "--san", "urn:uuid:1234"]).error();
    assert!(r.stderr.contains("uri:urn:uuid:1234"), "{}", r.stderr);
    // The DNS rule says what is accepted, and what it says is accepted is.
    let r = env.run(&["issue", "--cn", "x", "--san", "dns:a b.example.com"]).error();
    assert!(r.stderr.contains("'_'") && r.stderr.contains("'*.'"), "{}", r.stderr);
    env.issue("svc", &["--profile", "server", "--san", "dns:_grpc.svc.example.com", "--san", "dns:*.svc.example.com"]);
}

#[test]
fn probe_suggests_an_ip_san_for_an_address() {
    let env = Env::new().with_ca();
    env.issue("web.example.com", &["--profile", "server"]);
    env.issue("client", &[]);
    let body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n",
        env.issued("web.example.com", "chain.pem").display(),
        env.issued("web.example.com", "key.pem").display(),
        env.store().join("certs/ca.crt").display()
    );
    let server = start_nginx(&env.path().join("nginx"), &body);
    let target = format!("127.0.0.1:{}", server.port);
    let r = env.run(&["--json", "probe", &target, "--name", "client"]);
    let j = r.json();
    let fix = j["diagnosis"]
        .as_array()
        .expect("diagnosis")
        .iter()
        .find(|d| d["code"] == "hostname_mismatch")
        .unwrap_or_else(|| panic!("no hostname_mismatch: {j}"))["fix"]
        .as_str()
        .expect("fix")
        .to_string();
    assert!(fix.contains("--san ip:127.0.0.1"), "{fix}");
    assert!(!fix.contains("dns:127.0.0.1"), "{fix}");
    drop(server);
}

// ---------------------------------------------------------------------------
// item 11: name constraints and decoded names

#[test]
fn inspect_shows_name_constraints() {
    let env = Env::new();
    env.run(&["init-ca", "--permitted-dns", "example.com", "--excluded-dns", "bad.example.com"]).ok();
    let ca = env.store().join("certs/ca.crt");
    let ca = utf8(&ca);
    let text = env.run(&["inspect", ca]).ok().stdout;
    assert!(text.contains("permitted:   dns:example.com  (name constraints, critical)"), "{text}");
    assert!(text.contains("excluded:    dns:bad.example.com"), "{text}");
    let j = env.run(&["--json", "inspect", ca]).ok().json();
    let nc = &j["certificates"][0]["name_constraints"];
    assert_eq!(nc["critical"], true, "{j}");
    assert_eq!(nc["permitted"], serde_json::json!([{"type": "dns", "value": "example.com"}]));
    assert_eq!(nc["excluded"], serde_json::json!([{"type": "dns", "value": "bad.example.com"}]));
    // A leaf has none: null, and no lines.
    env.issue("api.example.com", &["--profile", "server"]);
    let leaf = env.issued("api.example.com", "cert.pem");
    let j = env.run(&["--json", "inspect", utf8(&leaf)]).ok().json();
    assert!(j["certificates"][0]["name_constraints"].is_null(), "{j}");
    assert!(!env.run(&["inspect", utf8(&leaf)]).ok().stdout.contains("permitted:"));
    // What inspect shows is what openssl reads.
    let ossl = openssl(env.path(), &["x509", "-in", ca, "-noout", "-ext", "nameConstraints"]).ok().stdout;
    assert!(ossl.contains("DNS:example.com") && ossl.contains("DNS:bad.example.com"), "{ossl}");
}

#[test]
fn inspect_shows_ip_and_email_subtrees_of_an_openssl_ca() {
    let env = Env::new();
    openssl(
        env.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=NC CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "nameConstraints=permitted;IP:10.0.0.0/255.0.0.0,permitted;IP:fd00::/ffff::,excluded;email:.bad.com,excluded;IP:10.1.0.0/255.0.255.0",
        ],
    )
    .ok();
    let j = env.run(&["--json", "inspect", "ca.pem"]).ok().json();
    let nc = &j["certificates"][0]["name_constraints"];
    assert_eq!(nc["critical"], false);
    assert_eq!(
        nc["permitted"],
        serde_json::json!([{"type": "ip", "value": "10.0.0.0/8"}, {"type": "ip", "value": "fd00::/16"}])
    );
    assert_eq!(
        nc["excluded"],
        serde_json::json!([{"type": "email", "value": ".bad.com"}, {"type": "ip", "value": "10.1.0.0/255.0.255.0"}])
    );
}

#[test]
fn list_shows_names_decoded_and_json_keeps_the_index_form() {
    let env = Env::new().with_ca();
    env.issue("café", &["--org", "Zürich AG"]);
    let index = env.index_text();
    assert!(index.contains("/CN=caf\\xC3\\xA9/O=Z\\xC3\\xBCrich AG"), "{index}");
    let text = env.run(&["list"]).ok().stdout;
    assert!(text.contains("/CN=café/O=Zürich AG"), "{text}");
    assert!(!text.contains("\\x"), "{text}");
    let row = &env.list_json(&[])["certificates"][0];
    assert_eq!(row["subject"], "CN=café, O=Zürich AG");
    assert_eq!(row["index_subject"], "/CN=caf\\xC3\\xA9/O=Z\\xC3\\xBCrich AG");
    assert_eq!(row["common_name"], "café");
}

// ---------------------------------------------------------------------------
// item 12: man pages and completions

/// The generated man pages, by file name.
fn man_pages() -> Vec<(String, String)> {
    mtlsctl::generate::files()
        .expect("generate")
        .into_iter()
        .filter(|(p, _)| p.starts_with("docs/man"))
        .map(|(p, b)| {
            (p.file_name().expect("name").to_string_lossy().into_owned(), String::from_utf8(b).expect("utf-8"))
        })
        .collect()
}

/// The text of one `.SH` section of a roff page.
fn section<'a>(page: &'a str, title: &str) -> &'a str {
    let start = page.find(&format!(".SH {title}\n")).unwrap_or_else(|| panic!("no {title} section in\n{page}"));
    let body = &page[start + 5 + title.len()..];
    &body[..body.find("\n.SH ").unwrap_or(body.len())]
}

#[test]
fn man_synopsis_is_what_one_types() {
    let pages = man_pages();
    assert!(pages.len() > 15, "{}", pages.len());
    for (file, page) in &pages {
        let syn = section(page, "SYNOPSIS");
        assert!(syn.starts_with("\\fBmtlsctl\\fR"), "{file}: {syn}");
        assert!(!syn.contains("mtlsctl\\-"), "{file}: no such binary in the synopsis: {syn}");
        if let Some(sub) = file.strip_prefix("mtlsctl-").and_then(|f| f.strip_suffix(".1")) {
            let typed = sub.replacen("ocsp-", "ocsp ", 1);
            assert!(syn.contains(&format!("\\fB{}\\fR", typed.replace('-', "\\-"))), "{file}: {syn}");
        }
    }
    let issue = &pages.iter().find(|(f, _)| f == "mtlsctl-issue.1").expect("issue page").1;
    let syn = section(issue, "SYNOPSIS");
    for want in [
        "\\fBmtlsctl\\fR [\\fIglobal options\\fR] \\fBissue\\fR",
        "[\\fB\\-\\-org\\fR \\fIORG\\fR]",
        "[\\fB\\-\\-san\\fR \\fITYPE:VALUE\\fR]...",
        "\\fB\\-\\-cn\\fR \\fICN\\fR",
        "[\\fB\\-\\-force\\fR]",
    ] {
        assert!(syn.contains(want), "issue synopsis lacks {want}: {syn}");
    }
    let revoke = &pages.iter().find(|(f, _)| f == "mtlsctl-revoke.1").expect("revoke page").1;
    assert!(section(revoke, "SYNOPSIS").contains("(\\fB\\-\\-serial\\fR \\fIHEX\\fR | "), "{revoke}");
    let main = &pages.iter().find(|(f, _)| f == "mtlsctl.1").expect("main page").1;
    assert!(section(main, "SYNOPSIS").contains("[\\fB\\-\\-dir\\fR \\fIDIR\\fR]"), "{main}");
}

/// Environment variables the source reads: `var("X")`, `var_os("X")`, clap's `env = "X"`, `_ENV: &str = "X"`.
fn env_vars_read() -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read src").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            // Test modules (`#[cfg(test)] mod tests`, at the end) set variables of their own.
            let text = text.split("#[cfg(test)]\nmod ").next().unwrap_or("");
            for pat in ["env::var(\"", "env::var_os(\"", "env = \"", "_ENV: &str = \""] {
                for piece in text.split(pat).skip(1) {
                    let name: String = piece.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
                    if !name.is_empty() && piece[name.len()..].starts_with('"') {
                        found.insert(name);
                    }
                }
            }
        }
    }
    found
}

#[test]
fn man_pages_document_the_environment_and_exit_status() {
    let read = env_vars_read();
    for must in ["MTLSCTL_DIR", "MTLSCTL_CA_PASSPHRASE", "MTLSCTL_LOCK_TIMEOUT", "NO_COLOR", "CI"] {
        assert!(read.contains(must), "the source no longer reads {must}? {read:?}");
    }
    for (file, page) in man_pages() {
        let env = section(&page, "ENVIRONMENT");
        let documented: Vec<String> = env
            .lines()
            .filter_map(|l| l.strip_prefix("\\fB").and_then(|l| l.strip_suffix("\\fR")))
            .map(str::to_string)
            .collect();
        for var in &read {
            assert!(documented.contains(var), "{file}: ENVIRONMENT lacks {var}");
        }
        for var in &documented {
            assert!(read.contains(var), "{file}: ENVIRONMENT documents {var}, which the source never reads");
        }
        let exit = section(&page, "\"EXIT STATUS\"");
        for code in ["0", "1", "2"] {
            assert!(exit.contains(&format!(".TP\n{code}\n")), "{file}: exit {code} missing:\n{exit}");
        }
        let negative =
            matches!(file.as_str(), "mtlsctl.1" | "mtlsctl-verify.1" | "mtlsctl-probe.1" | "mtlsctl-check.1");
        assert_eq!(exit.contains(".TP\n3\n"), negative, "{file}: exit 3 is for negative answers only:\n{exit}");
    }
    // The exit codes the pages name are the ones the binary gives.
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    env.run(&["revoke", "--cn", "svc"]).ok();
    env.run(&["gen-crl"]).ok();
    env.run(&["verify", utf8(&env.issued("svc", "cert.pem"))]).code(3);
    env.run(&["issue", "--cn", "x", "--bogus"]).usage_error();
    env.run(&["issue", "--cn", "x", "--san", "foo:bar"]).error();
    // MTLSCTL_LOCK_TIMEOUT is read by what takes the lock, as the page says.
    env.run_with(&["issue", "--cn", "y"], &[("MTLSCTL_LOCK_TIMEOUT", "soon")])
        .error()
        .stderr_has("MTLSCTL_LOCK_TIMEOUT='soon' is not a number of seconds");
}

/// What the shell gets when it asks mtlsctl to complete `line` (COMPLETE=fish: one candidate a line).
fn complete(env: &Env, line: &[&str], envs: &[(&str, &str)]) -> Vec<String> {
    let mut c = env.cmd();
    c.env("COMPLETE", "fish").arg("--").args(line);
    for (k, v) in envs {
        c.env(k, v);
    }
    let r = to_run(c.output().expect("run mtlsctl"));
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout.lines().map(|l| l.split('\t').next().unwrap_or("").to_string()).collect()
}

#[test]
fn cn_and_name_complete_the_stores_identities() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    env.issue("café", &[]);
    env.issue("api.example.com", &["--profile", "server"]);
    let dir = utf8(&env.store()).to_string();
    let all = vec!["api.example.com".to_string(), "café".to_string(), "svc".to_string()];
    for line in [
        vec!["mtlsctl", "--dir", &dir, "revoke", "--cn", ""],
        vec!["mtlsctl", "--dir", &dir, "renew", "--cn", ""],
        vec!["mtlsctl", "--dir", &dir, "export", "--cn", ""],
        vec!["mtlsctl", "--dir", &dir, "probe", "127.0.0.1:1", "--name", ""],
        vec!["mtlsctl", "--dir", &dir, "nginx-config", "--server", ""],
    ] {
        let mut got = complete(&env, &line, &[]);
        got.sort();
        assert_eq!(got, all, "{line:?}");
    }
    // The CN is offered, not the directory name it was stored under.
    assert!(env.store().join("issued/caf_/cert.pem").is_file(), "café is stored under a safe directory name");
    // A prefix narrows them; $MTLSCTL_DIR and ./pki are found as the command finds them.
    assert_eq!(complete(&env, &["mtlsctl", "--dir", &dir, "revoke", "--cn", "s"], &[]), vec!["svc"]);
    assert_eq!(complete(&env, &["mtlsctl", "revoke", "--cn", "ca"], &[("MTLSCTL_DIR", &dir)]), vec!["café"]);
    assert_eq!(complete(&env, &["mtlsctl", "revoke", "--cn", "api"], &[]), vec!["api.example.com"]);
    // Elsewhere there is nothing to offer, and no error.
    assert!(complete(&env, &["mtlsctl", "--dir", "/nonexistent", "revoke", "--cn", ""], &[]).is_empty());
    // Flags complete as before.
    assert!(complete(&env, &["mtlsctl", "revoke", "--re"], &[]).contains(&"--reason".to_string()));

    // The registration script the docs tell users to source.
    let mut c = env.cmd();
    let r = to_run(c.env("COMPLETE", "bash").output().expect("run mtlsctl"));
    assert!(r.stdout.contains("complete -o") && r.stdout.contains("COMPLETE=\"bash\""), "{}", r.stdout);
    // Without COMPLETE, or with COMPLETE=0, mtlsctl runs as ever.
    let r = to_run(env.cmd().env("COMPLETE", "0").args(["--dir", &dir, "list"]).output().expect("run"));
    assert!(r.code == 0 && r.stdout.contains("svc"), "{r:?}");
}

#[test]
fn a_missing_output_directory_is_named_not_a_temp_file() {
    let env = Env::new().with_ca();
    env.issue("c", &[]);
    for args in [
        &["schedule", "systemd", "--out", "nodir"][..],
        &["export", "--cn", "c", "--format", "bundle", "--out", "nodir/x.pem"],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("the directory nodir does not exist"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains(".tmp"), "{args:?} named a temp file: {}", r.stderr);
    }
}
