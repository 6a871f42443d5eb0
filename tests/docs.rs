//! What the docs promise holds: the README quick start runs, the generated
//! completions / man pages / CLI reference are current, every `--help` has examples,
//! and docs/json.md matches the real `--json` output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::CommandFactory;
use serde_json::Value;

use crate::common::*;

// ---------------------------------------------------------------------------
// README: the quick start runs

/// The shell lines of the ```sh blocks in the README's "## Quick start" section.
fn quick_start_lines() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = readme.find("## Quick start").expect("README has a Quick start section");
    let section = &readme[start + 3..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut lines = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.trim() == "```sh";
            continue;
        }
        if in_block {
            lines.push(line.to_string());
        }
    }
    lines
}

#[test]
fn readme_quick_start_runs() {
    let lines = quick_start_lines();
    assert!(
        lines.iter().filter(|l| l.trim_start().starts_with("mtlsctl ")).count() >= 8,
        "quick start too short: {lines:?}"
    );
    let env = Env::new();
    let bin_dir = bin().parent().expect("binary dir").to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let script = format!("set -euo pipefail\n{}\n", lines.join("\n"));
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(env.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", env.path())
        .env("CI", "true")
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    let r = to_run(out);
    assert_eq!(r.code, 0, "the README quick start failed:\n{script}\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    // What the quick start promises exists.
    for f in [
        "pki/certs/ca.crt",
        "pki/crl/ca.crl",
        "pki/issued/payment-service/key.pem",
        "pki/issued/localhost/chain.pem",
        "billing/csr.pem",
    ] {
        assert!(env.path().join(f).exists(), "quick start did not produce {f}");
    }
    assert!(r.stdout.contains("/CN=payment-service"), "list --revoked shows the revoked client:\n{}", r.stdout);
}

// ---------------------------------------------------------------------------
// generated completions, man pages, CLI reference and --help: they fail when
// stale. Regenerate with: MTLSCTL_BLESS=1 cargo test --test cli generated

fn expected() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = mtlsctl::generate::files().expect("generate");
    let md = clap_markdown::help_markdown_command_custom(
        &mtlsctl::commands::Cli::command(),
        &clap_markdown::MarkdownOptions::new().show_footer(false).show_table_of_contents(true),
    );
    files.push((PathBuf::from("docs/cli-reference.md"), md.into_bytes()));
    files
}

#[test]
fn generated_files_are_current() {
    let bless = std::env::var_os("MTLSCTL_BLESS").is_some();
    let mut stale = Vec::new();
    let files = expected();
    for (rel, want) in &files {
        let path = repo().join(rel);
        let have = std::fs::read(&path).unwrap_or_default();
        if have != *want {
            if bless {
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(&path, want).expect("write generated file");
            } else {
                stale.push(rel.display().to_string());
            }
        }
    }
    // A man page for a removed command is stale too.
    let man_dir = repo().join("docs/man");
    if let Ok(rd) = std::fs::read_dir(&man_dir) {
        for e in rd.flatten() {
            let rel = Path::new("docs/man").join(e.file_name());
            if !files.iter().any(|(p, _)| *p == rel) {
                if bless {
                    std::fs::remove_file(e.path()).expect("remove stale man page");
                } else {
                    stale.push(rel.display().to_string());
                }
            }
        }
    }
    assert!(stale.is_empty(), "{} stale; run MTLSCTL_BLESS=1 cargo test --test cli generated", stale.join(", "));
}

#[test]
fn completions_command_matches_shipped_files() {
    let env = Env::new();
    for (shell, file) in [("bash", "mtlsctl.bash"), ("zsh", "_mtlsctl"), ("fish", "mtlsctl.fish")] {
        let r = env.run(&["completions", shell]).ok();
        let shipped = std::fs::read_to_string(repo().join("completions").join(file)).unwrap_or_default();
        assert_eq!(r.stdout, shipped, "completions {shell} differs from completions/{file}");
    }
}

#[test]
fn every_subcommand_help_has_examples() {
    let cmd = mtlsctl::commands::Cli::command();
    let env = Env::new();
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        let r = env.run(&[name, "--help"]).ok();
        assert!(r.stdout.contains("Examples:"), "`mtlsctl {name} --help` has no Examples:\n{}", r.stdout);
        assert!(
            r.stdout.contains(&format!("mtlsctl {name}")) || r.stdout.contains("mtlsctl "),
            "{name}: examples do not show the command"
        );
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        assert!(!about.is_empty() && !about.contains('\n'), "{name} needs a one-line summary");
    }
}

#[test]
fn no_escape_codes_in_pipes_or_with_no_color() {
    let env = Env::new().with_ca();
    env.issue("svc", &[]);
    for envs in [vec![], vec![("NO_COLOR", "1")]] {
        let r = env.run_with(&["list"], &envs).ok();
        assert!(!r.stdout.contains('\x1b') && !r.stderr.contains('\x1b'), "escape codes in output: {r:?}");
        let r = env.run_with(&["issue", "--cn", "svc"], &envs).error();
        assert!(!r.stderr.contains('\x1b'), "escape codes in error: {r:?}");
    }
    let r = env.run(&["--color", "always", "list"]).ok();
    assert!(r.stdout.contains('\x1b'), "--color always must colour the table");
}

// ---------------------------------------------------------------------------
// docs/json.md is the contract scripts rely on: every field its tables document
// must appear in the real `--json` output of that command, every command has a
// section, and every output is exactly one JSON document.

/// `## title` -> the field tables under it (each a list of field names).
fn documented() -> BTreeMap<String, Vec<Vec<String>>> {
    let text = std::fs::read_to_string(repo().join("docs/json.md")).expect("docs/json.md exists");
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
    // Short-lived identities renewing themselves: renew --due, gen-crl --if-due, schedule.
    let due = Env::new().with_ca();
    due.run(&["issue", "--cn", "short", "--validity", "30s"]).ok();
    due.run(&["issue", "--cn", "long", "--validity", "1d"]).ok();
    due.run(&["gen-crl"]).ok();
    out.entry("renew --due").or_default().push(json_of(&due.run(&["--json", "renew", "--due", "--exec", "true"]).ok()));
    out.entry("gen-crl --if-due").or_default().push(json_of(&due.run(&["--json", "gen-crl", "--if-due"]).ok()));
    out.entry("gen-crl")
        .or_default()
        .push(json_of(&due.run(&["--json", "gen-crl", "--if-due", "--before", "100%"]).ok()));
    out.entry("schedule").or_default().push(json_of(&due.run(&["--json", "schedule", "systemd"]).ok()));
    out.entry("schedule").or_default().push(json_of(&due.run(&["--json", "schedule", "cron"]).ok()));
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

    // A store with problems: no CRL yet, and an orphan certificate.
    let chk = Env::new().with_ca();
    chk.run(&["issue", "--cn", "lost"]).ok();
    std::fs::write(chk.store().join("index.txt"), "").expect("empty the index");
    out.entry("check").or_default().push(json_of(&chk.run(&["--json", "check"]).code(3)));
    let urls = ["--json", "ca-urls", "--ocsp", "http://127.0.0.1:8888/", "--crl", "http://127.0.0.1:8888/crl"];
    out.entry("ca-urls").or_default().push(json_of(&chk.run(&urls).ok()));
    out.entry("ca-urls").or_default().push(json_of(&chk.run(&["--json", "ca-urls"]).ok()));
    let ocsp_out = env.path().join("ocsp-out");
    let signed = json_of(&env.run(&["--json", "ocsp", "sign", "--out", ocsp_out.to_str().expect("utf-8")]).ok());
    out.entry("ocsp").or_default().push(signed);
    out.entry("ocsp").or_default().extend(crate::ocsp::serve_json_outputs(&env));
    out.entry("inspect").or_default().extend(crate::ocsp::inspect_json_outputs(&env, &ocsp_out));

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
    for sub in mtlsctl::commands::Cli::command().get_subcommands() {
        let name = sub.get_name();
        if matches!(name, "help" | "completions") {
            continue;
        }
        assert!(docs.contains_key(name), "docs/json.md has no `## {name}` section");
    }
}
