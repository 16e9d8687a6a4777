#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::checkup_cda(data));
