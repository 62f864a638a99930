#![no_main]
//! libFuzzer driver of `khaothi_fuzz::seb_file` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::seb_file(data));
