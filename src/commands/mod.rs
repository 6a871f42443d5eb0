//! One module per subcommand; `dispatch` is the only place that knows them all.

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
pub mod probe;
pub mod renew;
pub mod revoke;
pub mod sign;
pub mod verify;

use crate::Outcome;
use crate::cli::Command;
use crate::output::Ctx;

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
        Command::Completions(a) => completions::run(ctx, &a),
    }
}
