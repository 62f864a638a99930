#![no_main]
//! Fuzz target `read_xlsx`: the body is `khaothi_interop::fuzzing::read_xlsx` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_xlsx(data));
