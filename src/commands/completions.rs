//! `mtlsctl completions`: print a shell completion script.

use clap::Args;
use clap_complete::Shell;

use crate::Outcome;
use crate::output::Ctx;

/// Print shell completions (bash, zsh, fish, powershell, elvish)
///
/// The same scripts ship in the repository's completions/ directory.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl completions bash > ~/.local/share/bash-completion/completions/mtlsctl
  mtlsctl completions zsh > ~/.zfunc/_mtlsctl
  mtlsctl completions fish > ~/.config/fish/completions/mtlsctl.fish")]
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
