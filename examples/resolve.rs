//! Open the registry and resolve a name, as another Rust program would.
//!
//! `cargo run --example resolve -- mk` prints the URL of the repository `mk` names.

fn main() -> anyhow::Result<()> {
    let reference = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: resolve REF"))?;
    // $REPODEX_HOME, else the XDG data directory; created on first use.
    let ctx = repodex::Context::from_env(None, false)?;
    let registry = ctx.open()?;
    let found = registry.resolve(&reference)?;
    let entry = registry.entry(&found.name)?;
    println!("{} ({:?} rule): {}", entry.name, found.rule, entry.url);
    Ok(())
}
