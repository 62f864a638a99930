#![no_main]
//! libFuzzer driver of `khaothi_fuzz::package_verify` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::package_verify(data));
