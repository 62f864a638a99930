#![no_main]
//! Fuzz target `read_zip`: the body is `khaothi_interop::fuzzing::read_zip` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_zip(data));
