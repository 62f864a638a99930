#![no_main]
//! Fuzz target `read_mtef`: the body is `khaothi_interop::fuzzing::read_mtef` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_mtef(data));
