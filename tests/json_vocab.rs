//! One vocabulary in every command's `--json` (SPEC §10): on one store, the
//! same field kinds (subject, issuer, reason, SANs, paths, serials, dates) have
//! one shape in every command, and one certificate reads the same everywhere.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::*;

/// Keys whose values name a distinguished name: `CN=x, O=y`.
const DN_KEYS: &[&str] = &["subject", "issuer", "responder_name"];
/// Keys whose values are lists of distinguished names.
const DN_LIST_KEYS: &[&str] = &["acceptable_ca_names", "trust_anchors"];
/// Keys whose values are codes: snake_case.
const CODE_KEYS: &[&str] = &["reason", "old_revoked", "code", "verdict", "severity", "enforcement", "ocsp_status"];
/// Keys whose values are files or directories: absolute.
const PATH_KEYS: &[&str] = &[
    "dir",
    "ca_cert",
    "ca_key",
    "openssl_cnf",
    "parent",
    "ca_chain",
    "cert",
    "key",
    "chain",
    "ca",
    "newcert",
    "store",
    "crl",
    "der",
    "chain_crl",
    "certificate",
    "csr",
    "out",
    "index_file",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_client_certificate",
    "ssl_crl",
    "trust_file",
    "path",
];
/// Keys whose values are certificate serials: upper-case hex in whole bytes.
const SERIAL_KEYS: &[&str] = &["serial", "old_serial", "responder_serial"];
/// Keys whose values are times: RFC 3339 in UTC.
const DATE_KEYS: &[&str] = &[
    "not_before",
    "not_after",
    "old_not_after",
    "revoked_at",
    "this_update",
    "next_update",
    "produced_at",
    "crl_next_update",
    "invalidity_date",
    "at",
    "responder_not_after",
];
/// Fields that describe a certificate: one serial, one value, in every command.
const PER_SERIAL: &[&str] = &["subject", "issuer", "not_before", "not_after", "sans", "revoked_at", "reason"];

fn is_dn(s: &str) -> bool {
    !s.starts_with('/')
        && s.split(", ").all(|rdn| {
            rdn.split_once('=')
                .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'))
        })
}

fn is_code(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_serial(s: &str) -> bool {
    !s.is_empty() && s.len().is_multiple_of(2) && s.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
}

/// `2027-02-23T11:54:57Z`, with a fraction of a second allowed.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let fixed = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let tail = &s[19.min(s.len())..];
    let frac_ok = match tail.strip_prefix('.') {
        Some(f) => f.strip_suffix('Z').is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())),
        None => tail == "Z",
    };
    fixed && frac_ok
}

/// Check every field of `v` whose key says what kind it is; problems go to `bad`.
fn check_shapes(label: &str, v: &Value, bad: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, val) in map {
                let k = k.as_str();
                let mut fail = |what: &str| bad.push(format!("{label}: `{k}` is {what}: {val}"));
                if let Some(s) = val.as_str() {
                    if DN_KEYS.contains(&k) && !s.is_empty() && !is_dn(s) {
                        fail("not a `CN=x, O=y` name");
                    }
                    if k == "index_subject" && !s.starts_with('/') {
                        fail("not index.txt's `/CN=x` form");
                    }
                    if CODE_KEYS.contains(&k) && !is_code(s) {
                        fail("not a snake_case code");
                    }
                    if PATH_KEYS.contains(&k) && !s.starts_with('/') {
                        fail("not an absolute path");
                    }
                    if k == "source" && !s.starts_with("store:") && !s.starts_with('/') {
                        fail("neither store:NAME nor an absolute path");
                    }
                    if SERIAL_KEYS.contains(&k) && !is_serial(s) {
                        fail("not upper-case hex in whole bytes");
                    }
                    if DATE_KEYS.contains(&k) && !is_rfc3339(s) {
                        fail("not RFC 3339 UTC");
                    }
                }
                if DN_LIST_KEYS.contains(&k) {
                    let all = val.as_array().is_some_and(|a| a.iter().all(|n| n.as_str().is_some_and(is_dn)));
                    if !all {
                        fail("not a list of `CN=x, O=y` names");
                    }
                }
                if k == "sans" {
                    let ok = val.as_array().is_some_and(|a| {
                        a.iter().all(|san| {
                            san.as_object().is_some_and(|o| {
                                o.len() == 2
                                    && o["type"].as_str().is_some_and(|t| ["dns", "ip", "uri", "email"].contains(&t))
                                    && o["value"].is_string()
                            })
                        })
                    });
                    if !ok {
                        fail("not a list of {type, value} objects");
                    }
                }
                check_shapes(label, val, bad);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| check_shapes(label, i, bad)),
        _ => {}
    }
}

/// serial -> field -> (value, the command that said it), for every object with a serial.
type BySerial = BTreeMap<String, BTreeMap<&'static str, Vec<(Value, String)>>>;

fn collect_by_serial(label: &str, v: &Value, out: &mut BySerial) {
    match v {
        Value::Object(map) => {
            if let Some(serial) = map.get("serial").and_then(Value::as_str) {
                for &f in PER_SERIAL {
                    if let Some(val) = map.get(f).filter(|x| !x.is_null() && *x != "") {
                        out.entry(serial.to_string())
                            .or_default()
                            .entry(f)
                            .or_default()
                            .push((val.clone(), label.into()));
                    }
                }
            }
            // renew --due's `skipped[].reason` says why it was left alone (`not_due`, `revoked`), not a revocation reason.
            map.iter().filter(|(k, _)| *k != "skipped").for_each(|(_, c)| collect_by_serial(label, c, out));
        }
        Value::Array(items) => items.iter().for_each(|i| collect_by_serial(label, i, out)),
        _ => {}
    }
}

struct Outputs {
    env: Env,
    all: Vec<(String, Value)>,
    server: Option<Server>,
}

impl Outputs {
    fn json(&mut self, label: &str, r: Run) -> Value {
        let v = r.json();
        assert!(v.is_object(), "{label}: --json prints one object: {v}");
        self.all.push((label.to_string(), v.clone()));
        v
    }
    fn ok(&mut self, args: &[&str]) -> Value {
        let r = self.env.run(args).ok();
        self.json(&args[..2.min(args.len())].join(" "), r)
    }
}

/// Every command with --json on one store; relative paths where the user types them.
fn run_everything() -> Outputs {
    let env = Env::new();
    let ngx_dir = env.path().join("nginx");
    let mut o = Outputs { env, all: Vec::new(), server: None };
    o.ok(&["--json", "init-ca", "--cn", "Vocab Root CA", "--org", "Acme"]);
    o.ok(&["--json", "issue", "--cn", "svc", "--org", "Acme", "--san", "dns:svc.example.com", "--san", "ip:10.0.0.1"]);
    o.ok(&["--json", "issue", "--cn", "api.example.com", "--profile", "server", "--san", "ip:127.0.0.1"]);
    o.ok(&["--json", "issue", "--cn", "café"]);
    o.ok(&["--json", "issue", "--cn", "client1", "--san", "uri:spiffe://example.org/client1"]);
    o.ok(&["--json", "issue", "--cn", "old", "--validity", "1d"]);
    o.ok(&["--json", "csr", "--cn", "req", "--san", "email:req@example.com", "--out", "req"]);
    o.ok(&["--json", "sign", "req/csr.pem"]);
    // OpenSSL's spelling of the reason is accepted; the JSON says key_compromise.
    o.ok(&["--json", "revoke", "--cn", "svc", "--reason", "keyCompromise"]);
    o.ok(&["--json", "renew", "--cn", "old", "--revoke-old", "superseded"]);
    o.ok(&["--json", "gen-crl", "--der", "ca.crl.der"]);
    o.ok(&["--json", "list"]);
    let r = o.env.run(&["--json", "verify", "pki/issued/svc/cert.pem"]).code(3);
    o.json("verify (revoked)", r);
    o.ok(&["--json", "verify", "pki/issued/api.example.com/cert.pem", "--crl", "pki/crl/ca.crl"]);
    for file in ["pki/issued/api.example.com/chain.pem", "req/csr.pem", "pki/crl/ca.crl", "ca.crl.der"] {
        o.ok(&["--json", "inspect", file]);
    }
    std::fs::write(o.env.path().join("p12.pass"), "export-pass\n").expect("write password");
    o.ok(&[
        "--json",
        "export",
        "--cn",
        "api.example.com",
        "--format",
        "pkcs12",
        "--password-file",
        "p12.pass",
        "--out",
        "api.p12",
    ]);
    o.ok(&["--json", "nginx-config", "--server", "api.example.com"]);
    o.ok(&["--json", "ca-urls"]);
    o.ok(&["--json", "ocsp", "sign", "--out", "ocsp-out"]);
    let svc = o.all.iter().find(|(_, v)| v["common_name"] == "svc").map(|(_, v)| v["serial"].clone()).expect("svc");
    let response = format!("ocsp-out/{}.der", svc.as_str().expect("serial"));
    let r = o.env.run(&["--json", "inspect", &response]).ok();
    o.json("ocsp response", r);
    o.ok(&["--json", "schedule", "cron"]);
    std::fs::create_dir_all(o.env.path().join("units")).expect("mkdir units");
    o.ok(&["--json", "schedule", "systemd", "--out", "units"]);
    o.ok(&["--json", "issue", "--cn", "short", "--validity", "30s"]);
    o.ok(&["--json", "renew", "--due", "--before", "100%"]);
    // An intermediate store named by relative paths: `parent` and the rest come back absolute.
    let mut c = o.env.cmd();
    c.args(["--batch", "--json", "--dir", "int", "init-ca", "--parent", "pki", "--cn", "Vocab Issuing CA"]);
    let r = to_run(c.output().expect("run mtlsctl")).ok();
    o.json("init-ca --parent", r);
    o.ok(&["--json", "gen-crl", "--if-due"]);
    let r = o.env.run(&["--json", "check"]);
    assert!(r.code == 0 || r.code == 3, "check: {r:?}");
    o.json("check", r);

    // probe against a real nginx that requires a client certificate of this CA.
    let ca = o.env.store().join("certs/ca.crt");
    let body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n",
        o.env.issued("api.example.com", "chain.pem").display(),
        o.env.issued("api.example.com", "key.pem").display(),
        ca.display()
    );
    let server = start_nginx(&ngx_dir, &body);
    let target = format!("127.0.0.1:{}", server.port);
    o.server = Some(server);
    o.ok(&["--json", "probe", &target, "--name", "client1"]);
    let r = o
        .env
        .run(&[
            "--json",
            "probe",
            &target,
            "--cert",
            "pki/issued/client1/chain.pem",
            "--key",
            "pki/issued/client1/key.pem",
            "--cacert",
            "pki/certs/ca.crt",
        ])
        .ok();
    o.json("probe --cert", r);
    o
}

#[test]
fn every_command_speaks_one_vocabulary() {
    let mut o = run_everything();
    same_shapes_everywhere(&o);
    names_reasons_and_paths_in_their_one_form(&o);
    drop(o.server.take());
}

fn same_shapes_everywhere(o: &Outputs) {
    let mut bad = Vec::new();
    for (label, v) in &o.all {
        check_shapes(label, v, &mut bad);
    }
    assert!(bad.is_empty(), "fields out of shape:\n{}", bad.join("\n"));

    // One certificate reads the same in every command that names it.
    let mut by_serial = BySerial::new();
    for (label, v) in &o.all {
        collect_by_serial(label, v, &mut by_serial);
    }
    let mut disagree = Vec::new();
    for (serial, fields) in &by_serial {
        for (field, said) in fields {
            if said.iter().any(|(v, _)| *v != said[0].0) {
                let all: Vec<String> = said.iter().map(|(v, who)| format!("  {who}: {v}")).collect();
                disagree.push(format!("{serial} `{field}`:\n{}", all.join("\n")));
            }
        }
    }
    assert!(disagree.is_empty(), "commands disagree:\n{}", disagree.join("\n"));

    // The comparison above had material: each kind was said by several commands.
    let said_by = |label: &str, field: &str| -> usize {
        by_serial.values().filter_map(|f| f.get(field)).flatten().filter(|(_, who)| who.starts_with(label)).count()
    };
    for (cmd, field) in [
        ("--json issue", "subject"),
        ("--json list", "subject"),
        ("--json revoke", "subject"),
        ("--json gen-crl", "subject"),
        ("verify", "subject"),
        ("--json inspect", "subject"),
        ("--json probe", "subject"),
        ("--json probe", "sans"),
        ("--json inspect", "sans"),
        ("--json list", "reason"),
        ("--json inspect", "reason"),
        ("verify", "reason"),
        ("ocsp response", "reason"),
    ] {
        assert!(said_by(cmd, field) > 0, "{cmd} said no `{field}` of a certificate");
    }
}

fn names_reasons_and_paths_in_their_one_form(o: &Outputs) {
    let get = |prefix: &str| -> &Value {
        &o.all.iter().find(|(l, _)| l.starts_with(prefix)).unwrap_or_else(|| panic!("no output of {prefix}")).1
    };
    let list = get("--json list");
    let row = |cn: &str| {
        list["certificates"]
            .as_array()
            .expect("certificates")
            .iter()
            .find(|r| r["common_name"] == cn)
            .cloned()
            .expect(cn)
    };
    // list: the JSON form, and the index.txt form beside it.
    assert_eq!(row("svc")["subject"], "CN=svc, O=Acme");
    assert_eq!(row("svc")["index_subject"], "/CN=svc/O=Acme");
    assert_eq!(row("café")["subject"], "CN=café");
    assert_eq!(row("café")["index_subject"], "/CN=caf\\xC3\\xA9");
    assert_eq!(row("svc")["reason"], "key_compromise");
    let revoke = get("--json revoke");
    assert_eq!(revoke["reason"], "key_compromise");
    assert_eq!(revoke["revoked"][0]["subject"], "CN=svc, O=Acme");
    assert_eq!(revoke["revoked"][0]["index_subject"], "/CN=svc/O=Acme");
    let chain = &get("--json inspect")["certificates"][0];
    assert_eq!(chain["index_subject"], "/CN=api.example.com");

    // Paths the user typed relative come back absolute, the same file as issue said.
    let svc_issue = o.all.iter().find(|(l, v)| l == "--json issue" && v["common_name"] == "svc").expect("issue svc");
    assert_eq!(get("verify (revoked)")["certificate"], svc_issue.1["cert"]);
    let abs = |rel: &str| std::fs::canonicalize(o.env.path().join(rel)).expect(rel).display().to_string();
    assert_eq!(get("--json csr")["csr"], abs("req/csr.pem"));
    assert_eq!(get("--json export")["out"], abs("api.p12"));
    assert_eq!(get("--json gen-crl")["der"], abs("ca.crl.der"));
    assert_eq!(get("probe --cert")["client_cert"]["source"], abs("pki/issued/client1/chain.pem"));
    assert_eq!(get("probe --cert")["server_verification"]["trust_file"], abs("pki/certs/ca.crt"));

    // probe's server chain: SANs as objects, as issue gives them.
    let api = o.all.iter().find(|(l, v)| l == "--json issue" && v["common_name"] == "api.example.com").expect("api");
    assert_eq!(get("--json probe")["server_chain"][0]["sans"], api.1["sans"]);
}

#[test]
fn json_list_prints_only_json() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    env.run(&["gen-crl"]).ok();
    let r = env.run(&["--json", "list"]).ok();
    assert_eq!(r.json()["count"], 1);
    assert_eq!(r.stderr, "", "--json list: stderr is for errors and warnings only");
    // Without --json the table is still there, with the name decoded.
    env.issue("café", &[]);
    let r = env.run(&["list"]).ok();
    assert!(r.stdout.contains("/CN=café") && !r.stdout.contains("\\xC3"), "{}", r.stdout);
}

#[test]
fn reasons_in_every_spelling() {
    let env = Env::new().with_ca();
    for (cn, reason, json) in [
        ("a", "key-compromise", "key_compromise"),
        ("b", "keyCompromise", "key_compromise"),
        ("c", "key_compromise", "key_compromise"),
        ("d", "CACompromise", "ca_compromise"),
        ("e", "cessationOfOperation", "cessation_of_operation"),
        ("f", "AACompromise", "aa_compromise"),
        ("g", "privilege_withdrawn", "privilege_withdrawn"),
    ] {
        env.issue(cn, &[]);
        let j = env.run(&["--json", "revoke", "--cn", cn, "--reason", reason]).ok().json();
        assert_eq!(j["reason"], json, "--reason {reason}");
    }
    let r = env.run(&["revoke", "--cn", "a", "--reason", "keyCompromize"]).usage_error();
    assert!(r.stderr.contains("key-compromise"), "{}", r.stderr);
}

#[test]
fn a_reader_that_closed_its_end_is_no_error_for_json_or_text() {
    // `mtlsctl --json list | head -1`: the pipe closes before mtlsctl writes.
    let env = Env::new().with_ca();
    env.issue("a", &[]);
    for args in [&["--json", "list"][..], &["list"], &["--json", "inspect", "pki/certs/ca.crt"]] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let out = env.batch_cmd().args(args).stdout(writer).output().expect("run mtlsctl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?} said: {stderr}");
    }
}
