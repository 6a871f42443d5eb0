//! docs/json.md is the contract scripts rely on: every field its tables
//! document must appear in the real `--json` output of that command, every
//! command has a section, and every output is exactly one JSON document.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::CommandFactory;
use serde_json::Value;

use crate::common::*;

/// `## title` -> the field tables under it (each a list of field names).
fn documented() -> BTreeMap<String, Vec<Vec<String>>> {
    let text = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/json.md"))
        .expect("docs/json.md exists");
    let mut sections: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_table = false;
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            current = Some(title.trim().to_string());
            sections.entry(title.trim().to_string()).or_default();
            in_table = false;
            continue;
        }
        let Some(sec) = &current else { continue };
        if line.starts_with("| field | type |") {
            sections.get_mut(sec).expect("section").push(Vec::new());
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if in_table {
            let first = line.trim_start_matches('|').split('|').next().unwrap_or("");
            for name in first.split(',') {
                let name = name.trim().trim_matches('`');
                if !name.is_empty() && !name.starts_with("---") {
                    sections.get_mut(sec).expect("section").last_mut().expect("table").push(name.to_string());
                }
            }
        }
    }
    sections
}

/// Whether some object in the tree has every one of `fields`.
fn has_object_with(v: &Value, fields: &[String]) -> bool {
    match v {
        Value::Object(map) => {
            fields.iter().all(|f| map.contains_key(f)) || map.values().any(|c| has_object_with(c, fields))
        }
        Value::Array(items) => items.iter().any(|c| has_object_with(c, fields)),
        _ => false,
    }
}

fn json_of(r: &Run) -> Value {
    let v = r.json();
    assert!(v.is_object(), "--json must print one object, got {v}");
    v
}

/// Run every command with --json in realistic situations; outputs by doc section.
fn outputs() -> BTreeMap<&'static str, Vec<Value>> {
    let mut out: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    let env = Env::new();
    out.entry("init-ca").or_default().push(json_of(&env.run(&["--json", "init-ca"]).ok()));
    let issued = json_of(&env.run(&["--json", "issue", "--cn", "svc", "--san", "dns:svc.example.com"]).ok());
    out.entry("issue").or_default().push(issued);
    env.run(&["issue", "--cn", "api.example.com", "--profile", "server"]).ok();
    env.run(&["issue", "--cn", "old", "--validity", "1d"]).ok();

    let csr_dir = env.path().join("req");
    let csr = json_of(&env.run(&["--json", "csr", "--cn", "req", "--out", csr_dir.to_str().expect("utf-8")]).ok());
    out.entry("csr").or_default().push(csr);
    let csr_file = csr_dir.join("csr.pem");
    out.entry("sign").or_default().push(json_of(&env.run(&["--json", "sign", csr_file.to_str().expect("utf-8")]).ok()));

    out.entry("revoke")
        .or_default()
        .push(json_of(&env.run(&["--json", "revoke", "--cn", "svc", "--reason", "key-compromise"]).ok()));
    out.entry("gen-crl").or_default().push(json_of(&env.run(&["--json", "gen-crl"]).ok()));
    out.entry("list").or_default().push(json_of(&env.run(&["--json", "list"]).ok()));

    let cert = env.issued("api.example.com", "cert.pem");
    let cert = cert.to_str().expect("utf-8");
    out.entry("verify").or_default().push(json_of(&env.run(&["--json", "verify", cert]).ok()));
    let revoked = env.issued("svc", "cert.pem");
    out.entry("verify")
        .or_default()
        .push(json_of(&env.run(&["--json", "verify", revoked.to_str().expect("utf-8")]).code(3)));

    for file in [
        env.issued("api.example.com", "chain.pem"),
        csr_file.clone(),
        env.store().join("crl/ca.crl"),
        env.issued("api.example.com", "key.pem"),
    ] {
        out.entry("inspect")
            .or_default()
            .push(json_of(&env.run(&["--json", "inspect", file.to_str().expect("utf-8")]).ok()));
    }

    out.entry("renew").or_default().push(json_of(&env.run(&["--json", "renew", "--cn", "old"]).ok()));
    let pass = env.path().join("p12.pass");
    std::fs::write(&pass, "export-pass\n").expect("write password");
    let p12 = env.path().join("api.p12");
    out.entry("export").or_default().push(json_of(
        &env.run(&[
            "--json",
            "export",
            "--cn",
            "api.example.com",
            "--format",
            "pkcs12",
            "--password-file",
            pass.to_str().expect("utf-8"),
            "--out",
            p12.to_str().expect("utf-8"),
        ])
        .ok(),
    ));
    out.entry("nginx-config")
        .or_default()
        .push(json_of(&env.run(&["--json", "nginx-config", "--server", "api.example.com"]).ok()));

    let inter = Env::new();
    let parent = env.store();
    out.entry("init-ca --parent")
        .or_default()
        .push(json_of(&inter.run(&["--json", "init-ca", "--parent", parent.to_str().expect("utf-8")]).ok()));

    // probe against a real nginx that requires our client certificate.
    let ngx_dir = env.path().join("nginx");
    let ca = env.store().join("certs/ca.crt");
    let body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n",
        env.issued("api.example.com", "chain.pem").display(),
        env.issued("api.example.com", "key.pem").display(),
        ca.display()
    );
    let server = start_nginx(&ngx_dir, &body);
    let target = format!("127.0.0.1:{}", server.port);
    let r = env.run(&[
        "--json",
        "probe",
        &target,
        "--name",
        "api.example.com",
        "--servername",
        "api.example.com",
        "--no-client-cert",
    ]);
    out.entry("probe").or_default().push(json_of(&r));
    out
}

#[test]
fn every_documented_field_is_in_the_output() {
    let docs = documented();
    let outs = outputs();
    // Sections that describe the same object as another one.
    let alias = |s: &str| -> String {
        match s {
            "sign" => "issue".into(),
            "init-ca --parent" => "init-ca".into(),
            other => other.into(),
        }
    };
    for section in docs.keys() {
        let values = outs
            .get(section.as_str())
            .unwrap_or_else(|| panic!("no --json scenario for docs/json.md section `## {section}`"));
        let tables = &docs[&alias(section)];
        assert!(!tables.is_empty(), "`## {section}` documents no fields");
        for table in tables {
            assert!(
                values.iter().any(|v| has_object_with(v, table)),
                "`## {section}`: no output has all of {table:?}\noutputs: {}",
                values.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
            );
        }
    }
    for key in ["parent", "ca_chain"] {
        assert!(outs["init-ca --parent"][0].get(key).is_some_and(|v| !v.is_null()), "init-ca --parent lacks {key}");
    }
}

#[test]
fn every_command_has_a_json_section() {
    let docs = documented();
    for sub in mtlsctl::cli::Cli::command().get_subcommands() {
        let name = sub.get_name();
        if matches!(name, "help" | "completions") {
            continue;
        }
        assert!(docs.contains_key(name), "docs/json.md has no `## {name}` section");
    }
}
