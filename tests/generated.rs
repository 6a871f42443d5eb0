//! completions/ and docs/ are generated from the CLI; these tests fail when
//! they are stale. Regenerate with: MTLSCTL_BLESS=1 cargo test --test cli generated

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::common::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = mtlsctl::generate::files().expect("generate");
    let md = clap_markdown::help_markdown_command_custom(
        &mtlsctl::cli::Cli::command(),
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
    let cmd = mtlsctl::cli::Cli::command();
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
