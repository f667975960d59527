#![no_main]
//! Properties: `repodex::fuzzing::recipients`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| repodex::fuzzing::recipients(data));
