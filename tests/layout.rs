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
