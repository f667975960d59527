//! Every input a fuzzer found (fuzz/regressions/<target>/), and the seeds the fuzzers
//! start from (fuzz/seeds/<target>/), replayed through the same property checks as the
//! fuzz targets (`repodex::fuzzing`), so that a bug once found stays fixed.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for folder in ["regressions", "seeds"] {
        let Ok(files) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        for file in files.flatten() {
            if file.file_name() == "README" {
                continue;
            }
            let data = std::fs::read(file.path()).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} breaks {target}", file.path().display());
            replayed += 1;
        }
    }
    replayed
}

#[test]
fn every_input_that_broke_a_fuzz_target_stays_fixed() {
    // The resolve target's registry goes in a folder this test removes.
    let scratch = tempfile::tempdir().unwrap();
    repodex::fuzzing::use_registry_dir(scratch.path());
    for (target, check) in [
        ("url", repodex::fuzzing::url as fn(&[u8])),
        ("entry", repodex::fuzzing::entry),
        ("recipients", repodex::fuzzing::recipients),
        ("credential_protocol", repodex::fuzzing::credential_protocol),
        ("resolve", repodex::fuzzing::resolve),
    ] {
        assert!(replay(target, check) > 0, "no inputs for {target}");
    }
}
