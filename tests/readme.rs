//! The README's quick start, copied line by line into a fresh directory, runs green.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::common::*;

/// The shell lines of the ```sh blocks in the README's "## Quick start" section.
fn quick_start_lines() -> Vec<String> {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
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
