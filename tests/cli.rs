//! The one integration test binary: every module drives the built `mtlsctl`.

mod common;

mod foundation;
mod generated;
mod hardening;
mod json_docs;
mod lifecycle;
mod operations;
mod probe;
mod readme;
mod verify_corpus;
