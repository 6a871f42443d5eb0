//! The command line and one module per subcommand; `Command` and `dispatch`
//! are the only places that know them all.

pub mod ca_urls;
pub mod check;
pub mod common;
pub mod completions;
pub mod csr;
pub mod export;
pub mod gen_crl;
pub mod init_ca;
pub mod inspect;
pub mod issue;
pub mod list;
pub mod nginx_config;
pub mod ocsp;
pub mod probe;
pub mod renew;
pub mod revoke;
pub mod schedule;
pub mod sign;
pub mod verify;

use clap::{CommandFactory, Parser, Subcommand};

use crate::Outcome;
use crate::cli::GlobalArgs;
use crate::output::Ctx;

/// The variable that asks for dynamic completions: `source <(COMPLETE=bash mtlsctl)`.
pub const COMPLETE_ENV: &str = "COMPLETE";

/// With $COMPLETE set, print the shell's registration script or the
/// completions of the command line it passes, and exit; else return.
pub fn complete_from_env() {
    clap_complete::CompleteEnv::with_factory(Cli::command).var(COMPLETE_ENV).complete();
}

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

#[derive(Subcommand, Debug)]
pub enum Command {
    InitCa(init_ca::InitCaArgs),
    Issue(issue::IssueArgs),
    Csr(csr::CsrArgs),
    Sign(sign::SignArgs),
    Revoke(revoke::RevokeArgs),
    GenCrl(gen_crl::GenCrlArgs),
    Verify(verify::VerifyArgs),
    Probe(probe::ProbeArgs),
    Ocsp(ocsp::OcspArgs),
    List(list::ListArgs),
    Inspect(inspect::InspectArgs),
    Renew(renew::RenewArgs),
    Export(export::ExportArgs),
    NginxConfig(nginx_config::NginxConfigArgs),
    Check(check::CheckArgs),
    CaUrls(ca_urls::CaUrlsArgs),
    Schedule(schedule::ScheduleArgs),
    Completions(completions::CompletionsArgs),
}

pub fn dispatch(ctx: &Ctx, command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::InitCa(a) => init_ca::run(ctx, &a),
        Command::Issue(a) => issue::run(ctx, &a),
        Command::List(a) => list::run(ctx, &a),
        Command::Inspect(a) => inspect::run(ctx, &a),
        Command::Csr(a) => csr::run(ctx, &a),
        Command::Sign(a) => sign::run(ctx, &a),
        Command::Revoke(a) => revoke::run(ctx, &a),
        Command::GenCrl(a) => gen_crl::run(ctx, &a),
        Command::Verify(a) => verify::run(ctx, &a),
        Command::Renew(a) => renew::run(ctx, &a),
        Command::Export(a) => export::run(ctx, &a),
        Command::NginxConfig(a) => nginx_config::run(ctx, &a),
        Command::Probe(a) => probe::run(ctx, &a),
        Command::Check(a) => check::run(ctx, &a),
        Command::CaUrls(a) => ca_urls::run(ctx, &a),
        Command::Schedule(a) => schedule::run(ctx, &a),
        Command::Ocsp(a) => ocsp::run(ctx, &a),
        Command::Completions(a) => completions::run(ctx, &a),
    }
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
