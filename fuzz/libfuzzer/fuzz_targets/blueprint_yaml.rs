#![no_main]
//! libFuzzer driver of `khaothi_fuzz::blueprint_yaml` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::blueprint_yaml(data));
