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

/// Declares `Command`, one variant per subcommand, and its twin `Deferred`,
/// whose subcommands clap builds only when one is parsed: `parse` reads the
/// command line with it (building every subcommand's arguments took a sixth
/// of `issue`'s instructions), the help, the generated files and every
/// error come from `Command`.
macro_rules! subcommands {
    ($($variant:ident($args:ty),)*) => {
        #[derive(Subcommand, Debug)]
        pub enum Command {
            $($variant($args),)*
        }

        #[derive(Subcommand, Debug)]
        #[command(defer = true)]
        enum Deferred {
            $($variant($args),)*
        }

        impl From<Deferred> for Command {
            fn from(d: Deferred) -> Self {
                match d {
                    $(Deferred::$variant(a) => Self::$variant(a),)*
                }
            }
        }
    };
}

subcommands! {
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

/// Parse the command line. A command line naming a subcommand that parses
/// is read with the deferred tree; anything else (help, `--version`, a usage
/// error) is answered by the whole tree, as `Cli::parse` answers it.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Help and the version are the whole tree's to print: no deferred try first.
    let whole = args.len() < 2
        || args[1..].iter().any(|a| matches!(a.to_str(), Some("-h" | "--help" | "-V" | "--version" | "help")));
    if !whole {
        if let Some(cli) = parse_deferred(&args) {
            return cli;
        }
    }
    let mut cmd = Cli::command();
    let mut matches = cmd.try_get_matches_from_mut(&args).unwrap_or_else(|e| {
        // `mtlsctl issue -V` is the same program: clap would name it "mtlsctl-issue".
        if e.kind() == clap::error::ErrorKind::DisplayVersion {
            println!("mtlsctl {}", env!("CARGO_PKG_VERSION"));
            std::process::exit(0);
        }
        e.exit()
    });
    Cli::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// `args` read with only the named subcommand built; `None` when they do not
/// parse so (or ask for help or the version, which that tree does not know).
fn parse_deferred(args: &[std::ffi::OsString]) -> Option<Cli> {
    use clap::{Args, FromArgMatches, Subcommand};
    let mut cmd = Deferred::augment_subcommands(GlobalArgs::augment_args(clap::Command::new("mtlsctl")));
    let cli = cmd.try_get_matches_from_mut(args).ok().and_then(|mut m| {
        let global = GlobalArgs::from_arg_matches_mut(&mut m).ok()?;
        Some(Cli { global, command: Deferred::from_arg_matches_mut(&mut m).ok()?.into() })
    });
    // Freeing the tree costs more than it holds; the process ends soon.
    std::mem::forget(cmd);
    cli
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

    /// The deferred tree reads a command line as the whole one does, and
    /// leaves it what only the whole tree answers.
    #[test]
    fn the_deferred_parse_reads_what_the_full_one_reads() {
        use clap::Parser;
        let parses: &[&[&str]] = &[
            &["issue", "--cn", "a"],
            &["--dir", "x", "issue", "--cn", "b", "--san", "dns:b", "--san", "ip:10.0.0.1", "--json", "-q"],
            &["issue", "--cn", "c", "--dir", "y", "--validity", "24h", "--key-type", "rsa-2048", "--color", "never"],
            &["ocsp", "serve", "--listen", "127.0.0.1:9"],
            &["list", "--revoked"],
            &["revoke", "--cn", "a", "--yes"],
            &["probe", "127.0.0.1:1", "--name", "a", "--servername", "localhost"],
            &["verify", "cert.pem"],
            &["completions", "bash"],
        ];
        for argv in parses {
            let args: Vec<std::ffi::OsString> =
                std::iter::once("mtlsctl").chain(argv.iter().copied()).map(Into::into).collect();
            let full = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            let deferred = super::parse_deferred(&args).unwrap_or_else(|| panic!("{argv:?} not parsed"));
            assert_eq!(format!("{deferred:?}"), format!("{full:?}"), "{argv:?}");
        }
        let answered: &[&[&str]] = &[
            &[],
            &["--dir", "x"],
            &["--help"],
            &["help"],
            &["help", "issue"],
            &["--version"],
            &["issue", "--version"],
            &["issue", "--help"],
            &["issue"],
            &["bogus"],
            &["issue", "--cn", "a", "--bogus"],
        ];
        for argv in answered {
            let args: Vec<std::ffi::OsString> =
                std::iter::once("mtlsctl").chain(argv.iter().copied()).map(Into::into).collect();
            assert!(super::parse_deferred(&args).is_none(), "{argv:?} is the whole tree's to answer");
        }
    }
}
