#![no_main]
//! Fuzz target `read_tex`: the body is `khaothi_interop::fuzzing::read_tex` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_tex(data));
