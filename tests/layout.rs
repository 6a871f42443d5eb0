//! The shape of the test suite itself: every test file under tests/ is compiled
//! into the one test binary (`autotests = false` means an undeclared file is
//! silently never built).

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::common::repo;

fn tests_dir() -> PathBuf {
    repo().join("tests")
}

/// The `mod NAME;` lines of tests/cli.rs.
fn declared_modules() -> BTreeSet<String> {
    let cli = std::fs::read_to_string(tests_dir().join("cli.rs")).expect("tests/cli.rs");
    cli.lines()
        .filter_map(|l| {
            let code = l.split("//").next().unwrap_or("").trim().trim_start_matches("pub ");
            code.strip_prefix("mod ")?.strip_suffix(';').map(|name| name.trim().to_string())
        })
        .collect()
}

/// tests/NAME.rs (other than cli.rs) and tests/NAME/mod.rs.
fn module_files() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for e in std::fs::read_dir(tests_dir()).expect("read tests/").flatten() {
        let p = e.path();
        let Some(stem) = p.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        let dir_module = p.is_dir() && p.join("mod.rs").is_file();
        let file_module = p.extension().is_some_and(|x| x == "rs") && stem != "cli";
        if dir_module || file_module {
            names.insert(stem);
        }
    }
    names
}

#[test]
fn every_test_file_is_declared_in_cli_rs() {
    let declared = declared_modules();
    assert!(declared.contains("common") && declared.contains("layout"), "cli.rs mod lines not read: {declared:?}");
    let missing: Vec<_> = module_files().difference(&declared).cloned().collect();
    assert!(missing.is_empty(), "tests/{{{}}}.rs never compiled: add `mod NAME;` to tests/cli.rs", missing.join(","));
}

/// Every `.rs` file under src/DIR, with its text.
fn sources_under(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(p: &std::path::Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(p).expect("read src dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("src").join(dir), &mut out);
    out
}

/// The arrows docs/architecture.md allows: store, pki, probe and ocsp never reach the
/// face (no printing, prompting or CLI types), and pki knows no directory layout.
#[test]
fn layers_point_down_as_docs_architecture_md_says() {
    let forbidden_below_face = [
        "crate::output",
        "crate::prompt",
        "crate::cli",
        "crate::commands",
        "eprintln!",
        "eprint!",
        "println!",
        "print!(",
    ];
    let mut hits = Vec::new();
    for layer in ["store", "pki", "probe", "ocsp"] {
        for (path, text) in sources_under(layer) {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                let mut bad: Vec<&str> = forbidden_below_face.iter().copied().filter(|f| code.contains(f)).collect();
                if (layer == "pki" || layer == "probe") && code.contains("crate::store") {
                    bad.push("crate::store");
                }
                if layer != "probe" && code.contains("crate::probe") {
                    bad.push("crate::probe");
                }
                if layer != "ocsp" && code.contains("crate::ocsp") {
                    bad.push("crate::ocsp");
                }
                if !bad.is_empty() {
                    hits.push(format!("{}:{}: {}", path.display(), n + 1, bad.join(", ")));
                }
            }
        }
    }
    assert!(hits.is_empty(), "a lower layer reaches up:\n{}", hits.join("\n"));
    let clap_below: Vec<String> = ["store", "pki", "probe", "ocsp"]
        .iter()
        .flat_map(|l| sources_under(l))
        .filter(|(_, t)| t.lines().any(|l| l.trim_start().starts_with("use clap")))
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(clap_below.is_empty(), "clap below the face: {clap_below:?}");
    // bytes is below every layer: it imports nothing from the crate.
    let bytes = std::fs::read_to_string(repo().join("src/bytes.rs")).expect("src/bytes.rs");
    let up: Vec<&str> = bytes.lines().filter(|l| l.split("//").next().unwrap_or("").contains("crate::")).collect();
    assert!(up.is_empty(), "src/bytes.rs reaches into the crate: {up:?}");
}

/// Verb files do not import each other: what two commands share lives in
/// commands/common.rs, the store or pki.
#[test]
fn verb_files_do_not_import_each_other() {
    let dir = repo().join("src/commands");
    let verbs: Vec<String> = std::fs::read_dir(&dir)
        .expect("read src/commands")
        .flatten()
        .filter_map(|e| e.path().file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .filter(|s| s != "mod" && s != "common")
        .collect();
    let mut hits = Vec::new();
    for (path, text) in sources_under("commands") {
        for v in &verbs {
            for pat in [format!("super::{v}"), format!("commands::{v}")] {
                if path.file_stem().is_some_and(|s| s != "mod") && text.contains(&pat) {
                    hits.push(format!("{} uses {pat}", path.display()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}
