#![no_main]
//! Properties: `repodex::fuzzing::credential_protocol`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| repodex::fuzzing::credential_protocol(data));
