//! The performance harness: repodex against plain git, side by side, in one run.
//!
//! It builds everything it measures in a temporary folder (registries, upstream
//! repositories, a `git daemon` on 127.0.0.1; never the network), runs each repodex
//! command and its plain-git baseline alternately, takes the median of several runs,
//! and prints a table of ratios with each target, then the rows that missed their
//! target by more than twice (`harness::FAIL_FACTOR`). With `--strict` those rows fail
//! the run (exit 1); without it the run is a report. CI runs it without `--strict`: a
//! shared, noisy machine's timings are evidence to read, not a test that can flake, and
//! tests never time anything.
//!
//! `cargo bench --bench repodex`             full run
//! `cargo bench --bench repodex -- --quick`  smoke run for CI (small sizes, few repeats)
//! `cargo bench --bench repodex -- --only names`  one group of rows (registry, remote, names)
//! `cargo bench --bench repodex -- --strict`  fail when a row misses by more than twice

mod agents;
mod harness;
mod names;
mod peers;
mod registry;
mod remote;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(harness::PEAK_MEMORY_FLAG) {
        harness::peak_memory_main(&args[2], &args[3..]);
    }
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("REPODEX_BENCH_QUICK").is_some();
    // `-- --only names` (or registry, remote): one group of rows, at full size.
    let only = std::env::args().skip_while(|a| a != "--only").nth(1);
    let wanted = |group: &str| only.as_deref().is_none_or(|o| o == group);
    let bench = harness::Bench::new(quick);
    let mut rows = Vec::new();
    if wanted("registry") {
        rows.extend(registry::rows(&bench));
    }
    if wanted("remote") {
        rows.extend(remote::rows(&bench));
    }
    if wanted("names") {
        rows.extend(names::rows(&bench));
    }
    let strict = std::env::args().any(|a| a == "--strict");
    let failed = harness::print(&bench, &rows);
    if !failed.is_empty() {
        eprintln!(
            "repodex benchmark: {} row(s) missed their target by more than {} times:",
            failed.len(),
            harness::FAIL_FACTOR
        );
        for row in &failed {
            eprintln!("  {row}");
        }
        if strict {
            std::process::exit(1);
        }
    }
}
