#![no_main]
//! Fuzz target `read_docx`: the body is `khaothi_interop::fuzzing::read_docx` (docs/fuzzing.md).

libfuzzer_sys::fuzz_target!(|data: &[u8]| khaothi_interop::fuzzing::read_docx(data));
