//! Matching a [`SimplePattern`] (quantified character classes, compiled at build time): a
//! bit-parallel NFA over at most 63 states, one pass over the input, no allocation.

use tollgate_config::schema::{SimplePattern, SimpleState};

fn accepts(state: &SimpleState, c: char) -> bool {
    state
        .ranges
        .iter()
        .any(|&(low, high)| low <= c && c <= high)
        != state.negated
}

/// Adds the positions reachable by skipping optional states (`optional`: their bits).
fn closure(optional: u64, mut set: u64) -> u64 {
    loop {
        let more = set | ((set & optional) << 1);
        if more == set {
            return set;
        }
        set = more;
    }
}

/// Whether `text` matches (a search unless anchored, as JSON Schema's `pattern` is). Per
/// character only the states in the current set are tried.
pub fn is_match(pattern: &SimplePattern, text: &str) -> bool {
    let states = &pattern.states;
    if states.len() >= 64 {
        return false;
    }
    let (mut optional, mut repeats) = (0u64, 0u64);
    for (p, state) in states.iter().enumerate() {
        optional |= u64::from(state.optional) << p;
        repeats |= u64::from(state.repeats) << p;
    }
    if optional | repeats == 0 && pattern.anchored_start && pattern.anchored_end {
        // A fixed-length pattern (`^[A-Z]{3}-[0-9]{4}$`): one state per character.
        let mut chars = text.chars();
        return states
            .iter()
            .all(|state| chars.next().is_some_and(|c| accepts(state, c)))
            && chars.next().is_none();
    }
    let accept = 1u64 << states.len();
    let start = closure(optional, 1);
    let mut set = start;
    if !pattern.anchored_end && set & accept != 0 {
        return true;
    }
    for c in text.chars() {
        let mut next = 0u64;
        let mut live = set & (accept - 1);
        while live != 0 {
            let p = live.trailing_zeros() as usize;
            live &= live - 1;
            if accepts(&states[p], c) {
                next |= (1 << (p + 1)) | (repeats & (1 << p));
            }
        }
        set = closure(optional, next);
        if !pattern.anchored_start {
            set |= start;
        }
        if !pattern.anchored_end && set & accept != 0 {
            return true;
        }
        if set == 0 {
            return false;
        }
    }
    set & accept != 0
}
