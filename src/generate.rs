//! Shell completions and man pages, generated from the clap definitions so
//! they cannot drift from the CLI. A test compares them with the files under
//! completions/ and docs/man/.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::commands::Cli;

/// The completion script for one shell.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mtlsctl", &mut out);
    out
}

/// The file name each shell expects.
pub fn completion_file(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "mtlsctl.bash",
        Shell::Zsh => "_mtlsctl",
        Shell::Fish => "mtlsctl.fish",
        Shell::PowerShell => "_mtlsctl.ps1",
        Shell::Elvish => "mtlsctl.elv",
        _ => "mtlsctl.completion",
    }
}

pub const SHELLS: [Shell; 5] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish];

/// Every generated file, relative to the repository root.
pub fn files() -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    for shell in SHELLS {
        out.push((PathBuf::from("completions").join(completion_file(shell)), completions(shell)));
    }
    let cmd = Cli::command();
    out.push((PathBuf::from("docs/man/mtlsctl.1"), man_page(&cmd)?));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let name = format!("mtlsctl-{}", sub.get_name());
        let version = cmd.get_version().unwrap_or_default().to_string();
        let page = sub.clone().name(name.clone()).display_name(name.clone()).version(version);
        out.push((PathBuf::from(format!("docs/man/{name}.1")), man_page(&page)?));
    }
    Ok(out)
}

fn man_page(cmd: &clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    // A fixed date keeps the pages reproducible.
    clap_mangen::Man::new(cmd.clone()).date("").render(&mut buf)?;
    Ok(buf)
}
