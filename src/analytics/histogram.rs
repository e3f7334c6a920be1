//! The fixed log-scale latency histogram: bucket 0 holds calls under 1 ms, bucket `b`
//! (1–16) calls from 2^(b-1) ms up to 2^b ms, bucket 17 everything from 65,536 ms. A
//! percentile is the upper bound of the bucket the rank falls in, so it is never below the
//! true value and less than twice it: within one bucket of the truth.

/// Number of buckets.
pub const BUCKETS: usize = 18;

/// The bucket of a latency.
pub fn bucket(latency_ms: u64) -> usize {
    if latency_ms == 0 {
        return 0;
    }
    ((u64::BITS - latency_ms.leading_zeros()) as usize).min(BUCKETS - 1)
}

/// The upper bound (ms) a bucket reports; the last bucket reports its lower bound.
pub fn upper_bound_ms(bucket: usize) -> u64 {
    1u64 << bucket.min(BUCKETS - 2)
}

/// The `p`th percentile (nearest rank) of the calls counted in `counts`, as its bucket's
/// bound in ms; `None` with no calls.
pub fn percentile(counts: &[u64; BUCKETS], p: u64) -> Option<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = (total * p).div_ceil(100).max(1);
    let mut seen = 0;
    for (bucket, count) in counts.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return Some(upper_bound_ms(bucket));
        }
    }
    Some(upper_bound_ms(BUCKETS - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_double() {
        let cases = [
            (0, 0),
            (1, 1),
            (2, 2),
            (3, 2),
            (4, 3),
            (1_000, 10),
            (65_535, 16),
        ];
        for (ms, b) in cases {
            assert_eq!(bucket(ms), b, "{ms} ms");
        }
        assert_eq!(bucket(65_536), 17);
        assert_eq!(bucket(u64::MAX), 17);
    }

    #[test]
    fn a_percentile_is_within_one_bucket_of_the_truth() {
        let mut latencies: Vec<u64> = (1..=1_000).map(|i| (i * 37) % 3_001).collect();
        let mut counts = [0; BUCKETS];
        for &ms in &latencies {
            counts[bucket(ms)] += 1;
        }
        latencies.sort_unstable();
        for p in [50, 95, 99] {
            let truth = latencies[(latencies.len() * p as usize).div_ceil(100) - 1];
            let reported = percentile(&counts, p).unwrap_or_default();
            assert!(
                reported >= truth && reported <= 2 * truth.max(1),
                "p{p}: {reported} vs {truth}"
            );
        }
        assert_eq!(percentile(&[0; BUCKETS], 50), None);
    }
}
