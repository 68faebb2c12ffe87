//! Integration tests of annlab-formats, built as one test binary.

mod malformed;
mod real_data;
mod robustness;
mod roundtrip;
