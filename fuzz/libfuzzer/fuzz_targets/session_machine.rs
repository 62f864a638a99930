#![no_main]
//! libFuzzer driver of `khaothi_fuzz::session_machine` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::session_machine(data));
