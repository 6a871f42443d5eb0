//! Certificates, keys, requests and CRLs as bytes: no directories, no terminal.

pub mod asn1time;
pub mod build;
pub mod certinfo;
pub mod crl;
pub mod csr;
pub mod dates;
pub mod decode;
pub mod hex;
pub mod keys;
pub mod names;
pub mod ocsp;
pub mod policy;
#[cfg(test)]
mod props;
pub mod reason;
pub mod verify;
