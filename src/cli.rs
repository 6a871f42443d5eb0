//! The command line: global flags and the subcommand enum. Each subcommand's
//! arguments live beside its implementation in `commands/<verb>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;

/// A command-line PKI toolkit for mutual TLS
///
/// mtlsctl runs a private certificate authority from an OpenSSL `ca` directory,
/// issues the client and server certificates services present to each other,
/// revokes them and publishes CRLs.
#[derive(Parser, Debug)]
#[command(name = "mtlsctl", version, propagate_version = true)]
#[command(after_long_help = "Examples:
  mtlsctl init-ca                                   # ./pki, root CA, P-256
  mtlsctl issue --cn payment-service                # client certificate + key
  mtlsctl issue --cn api.example.com --profile server

Exit codes:
  0  success (verify: valid; probe: mTLS works)
  1  error: bad input, missing store, I/O, wrong passphrase, lock timeout
  2  command-line usage error
  3  negative answer: verify found the certificate invalid, probe found mTLS failing")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// The CA store directory
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "MTLSCTL_DIR",
        default_value = "pki",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
    /// Print the result as one JSON document on stdout; human text goes to stderr
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Print only warnings and errors
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub quiet: bool,
    /// Never prompt (implied when stdin is not a terminal or CI is set)
    #[arg(long, global = true, help_heading = "Global options")]
    pub batch: bool,
    /// When to use colour on stderr
    #[arg(long, global = true, help_heading = "Global options", value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    InitCa(commands::init_ca::InitCaArgs),
    Issue(commands::issue::IssueArgs),
    Csr(commands::csr::CsrArgs),
    Sign(commands::sign::SignArgs),
    Revoke(commands::revoke::RevokeArgs),
    GenCrl(commands::gen_crl::GenCrlArgs),
    Verify(commands::verify::VerifyArgs),
    Probe(commands::probe::ProbeArgs),
    List(commands::list::ListArgs),
    Inspect(commands::inspect::InspectArgs),
    Renew(commands::renew::RenewArgs),
    Export(commands::export::ExportArgs),
    NginxConfig(commands::nginx_config::NginxConfigArgs),
    Completions(commands::completions::CompletionsArgs),
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
