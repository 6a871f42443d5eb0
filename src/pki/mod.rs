//! Certificates, keys, requests and CRLs as bytes: no directories, no terminal.

pub mod build;
pub mod certinfo;
pub mod crl;
pub mod csr;
pub mod dates;
pub mod hex;
pub mod keys;
pub mod names;
pub mod policy;
