//! `mtlsctl completions`: print a shell completion script.

use clap::Args;
use clap_complete::Shell;

use crate::Outcome;
use crate::output::Ctx;

/// Print shell completions (bash, zsh, fish, powershell, elvish)
///
/// The same scripts ship in the repository's completions/ directory. They
/// complete commands, flags and fixed values. To have `--cn`, `--name` and
/// `--server` offer the store's identities too, let the shell ask mtlsctl
/// itself instead: `source <(COMPLETE=bash mtlsctl)` in ~/.bashrc (zsh: the
/// same with COMPLETE=zsh; fish: `COMPLETE=fish mtlsctl | source`).
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl completions bash > ~/.local/share/bash-completion/completions/mtlsctl
  mtlsctl completions zsh > ~/.zfunc/_mtlsctl
  mtlsctl completions fish > ~/.config/fish/completions/mtlsctl.fish
  echo 'source <(COMPLETE=bash mtlsctl)' >> ~/.bashrc     # also the store's identities")]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(ctx: &Ctx, args: &CompletionsArgs) -> anyhow::Result<Outcome> {
    let script = crate::generate::completions(args.shell);
    ctx.result(String::from_utf8_lossy(&script));
    Ok(Outcome::Done)
}
