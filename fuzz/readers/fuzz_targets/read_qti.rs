#![no_main]
//! Fuzz target `read_qti`: the body is `khaothi_interop::fuzzing::read_qti` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_qti(data));
