//! Per-request cost of loading the embedded configuration (`Gateway::embedded`), which every
//! request pays because Spin creates a fresh instance per call.
//!
//! `cargo bench --bench config_load` (std only; run natively, so read it as a lower bound of
//! the in-wasm cost).

use std::hint::black_box;
use std::time::Instant;

fn main() {
    let iterations = 20_000;
    // Warm up.
    for _ in 0..1_000 {
        black_box(tollgate::Gateway::embedded().ok());
    }
    let started = Instant::now();
    for _ in 0..iterations {
        black_box(tollgate::Gateway::embedded().ok());
    }
    let per_call = started.elapsed() / iterations;
    println!(
        "config_load: Gateway::embedded() takes {per_call:?} per call ({iterations} iterations)"
    );
}
