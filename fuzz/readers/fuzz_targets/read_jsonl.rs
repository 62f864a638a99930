#![no_main]
//! Fuzz target `read_jsonl`: the body is `khaothi_interop::fuzzing::read_jsonl` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_jsonl(data));
