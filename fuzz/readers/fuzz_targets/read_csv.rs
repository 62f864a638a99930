#![no_main]
//! Fuzz target `read_csv`: the body is `khaothi_interop::fuzzing::read_csv` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_csv(data));
