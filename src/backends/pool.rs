//! Choosing a pool member: the first priority group with an available member, then a
//! weighted random choice inside it (no HTTP, no store).
//!
//! Azure calls a group of equal weights round-robin. A strict rotation would need a shared
//! counter, a KV write on every call; a uniform random choice gives the same split over many
//! calls for free, and weights scale it (`weight / sum of the group's weights`).

/// A member that may be chosen now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// Position in the pool's `services`.
    pub member: usize,
    /// Its weight (at least 1).
    pub weight: u32,
    /// Its priority (lower first).
    pub priority: u32,
}

/// The member to call: among the candidates of the lowest priority value, the one `roll`
/// (a uniform random number) lands on, each with a share proportional to its weight.
pub fn pick(candidates: &[Candidate], roll: u64) -> Option<usize> {
    let priority = candidates.iter().map(|c| c.priority).min()?;
    let group = candidates.iter().filter(|c| c.priority == priority);
    let total: u64 = group.clone().map(|c| u64::from(c.weight.max(1))).sum();
    // The high bits of roll × total: uniform in 0..total without a modulo bias worth naming.
    let mut point = ((u128::from(roll) * u128::from(total)) >> 64) as u64;
    for candidate in group {
        let weight = u64::from(candidate.weight.max(1));
        if point < weight {
            return Some(candidate.member);
        }
        point -= weight;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test may panic
mod tests {
    use super::*;

    fn c(member: usize, weight: u32, priority: u32) -> Candidate {
        Candidate {
            member,
            weight,
            priority,
        }
    }

    #[test]
    fn lowest_priority_group_first_then_by_weight() {
        let pool = [c(0, 1, 1), c(1, 3, 0), c(2, 1, 0)];
        assert_eq!(pick(&pool, 0), Some(1));
        assert_eq!(pick(&pool, u64::MAX / 4 * 3 - 1), Some(1));
        assert_eq!(pick(&pool, u64::MAX), Some(2));
        assert_eq!(pick(&pool[..1], u64::MAX), Some(0));
        assert_eq!(pick(&[], 7), None);
    }

    #[test]
    fn shares_follow_weights() {
        let pool = [c(0, 1, 0), c(1, 2, 0), c(2, 7, 0)];
        let mut counts = [0u32; 3];
        let steps = 10_000u64;
        for i in 0..steps {
            // The middle of each of `steps` equal slices of the roll's range.
            let roll = ((u128::from(2 * i + 1) << 64) / u128::from(2 * steps)) as u64;
            counts[pick(&pool, roll).unwrap()] += 1;
        }
        assert_eq!(counts, [1_000, 2_000, 7_000]);
    }
}
