#![no_main]
//! libFuzzer driver of `khaothi_fuzz::result_file_verify` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::result_file_verify(data));
