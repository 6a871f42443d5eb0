//! The one integration test binary: every module drives the built `mtlsctl`.
//! Modules are grouped by surface; tests/layout.rs fails when a file here is not
//! declared below.

mod common;

mod csr_sign;
mod docs;
mod interop;
mod issue;
mod layout;
mod ocsp;
mod probe;
mod probe_servers;
mod renew_export;
mod revoke_crl;
mod store_integrity;
mod store_ops;
mod verify;
mod verify_corpus;
