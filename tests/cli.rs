//! The one integration test binary: every module drives the built `mtlsctl`.

mod common;

mod foundation;
mod generated;
mod json_docs;
mod lifecycle;
mod hardening;
mod operations;
mod probe;
