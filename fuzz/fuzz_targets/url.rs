#![no_main]
//! Properties: `repodex::fuzzing::url`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| repodex::fuzzing::url(data));
