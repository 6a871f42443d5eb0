//! Link the `mtlsctl` binary as a position-dependent executable on Linux/glibc.
//!
//! A PIE binary of this size carries about 10,000 relative relocations that
//! the dynamic loader applies at every start, touching (and copying) the pages
//! they live on: about 5% of the instructions and 20 of the page faults of an
//! `mtlsctl issue`. The cost of the choice: the binary's own code and data are
//! not placed at a random address (libraries, heap, stack and mmap still are).
//! Only this package's binaries are affected; dependencies are not rebuilt.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MTLSCTL_PIE");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    // MTLSCTL_PIE=1 keeps the default PIE link (for packagers whose policy requires it).
    if linux_gnu && std::env::var_os("MTLSCTL_PIE").is_none() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
