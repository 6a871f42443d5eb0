//! The one integration test binary: every module drives the built `mtlsctl`.
//! Modules are grouped by surface; tests/layout.rs fails when a file here is not
//! declared below.

// Test code may be long and its helpers are shared across modules by `pub`.
#![allow(clippy::too_many_lines, unreachable_pub)]

mod common;

mod ca_urls;
mod csr_sign;
mod docs;
mod docs_stories;
mod foreign_keys;
mod hints_docs;
mod hostile_input;
mod intermediate_crl;
mod interop;
mod issue;
mod json_vocab;
mod layout;
mod lifecycle_ux;
mod nginx_config_checks;
mod ocsp;
mod probe;
mod probe_servers;
mod prompts;
mod renew_due;
mod renew_export;
mod revoke_crl;
mod revoke_siblings;
mod store_check;
mod store_integrity;
mod store_ops;
mod store_writes;
mod verify;
mod verify_corpus;
