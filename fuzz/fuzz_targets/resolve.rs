#![no_main]
//! Properties: `repodex::fuzzing::resolve`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| repodex::fuzzing::resolve(data));
