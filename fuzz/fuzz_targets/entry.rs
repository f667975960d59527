#![no_main]
//! Properties: `repodex::fuzzing::entry`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| repodex::fuzzing::entry(data));
