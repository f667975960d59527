//! Link the `repodex` binary with packed relative relocations where the platform has
//! them (GNU ld 2.38+ or lld with glibc 2.36+): a position-independent binary of this
//! size has ~40,000 relative relocations, and reading them in the usual format costs
//! more page faults at every start than the rest of a quick command (docs/design.md).
//! Linkers that lack the option ignore it with a warning.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux-gnu") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
