#![no_main]
//! libFuzzer driver of `khaothi_fuzz::ws_message` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::ws_message(data));
