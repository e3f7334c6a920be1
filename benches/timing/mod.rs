//! The one timing loop of the std-only benches (`harness = false`): a warm-up of a tenth of
//! the iterations, then the mean time per call, printed and returned in microseconds.

use std::hint::black_box;
use std::time::Instant;

/// Times `iterations` calls of `f` after a warm-up; prints `label` and the mean in µs.
pub fn time<T>(label: &str, iterations: u32, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..iterations / 10 {
        black_box(f());
    }
    let started = Instant::now();
    for _ in 0..iterations {
        black_box(f());
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!("{label:<52} {micros:>9.2} µs");
    micros
}
