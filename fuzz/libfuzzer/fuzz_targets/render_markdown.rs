#![no_main]
//! libFuzzer driver of `khaothi_fuzz::render_markdown` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_fuzz::render_markdown(data));
