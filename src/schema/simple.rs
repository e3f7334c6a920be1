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

/// Adds the positions reachable by skipping optional states.
fn closure(pattern: &SimplePattern, mut set: u64) -> u64 {
    for (p, state) in pattern.states.iter().enumerate() {
        if state.optional && set & (1 << p) != 0 {
            set |= 1 << (p + 1);
        }
    }
    set
}

/// Whether `text` matches (a search unless anchored, as JSON Schema's `pattern` is).
pub fn is_match(pattern: &SimplePattern, text: &str) -> bool {
    let accept = 1u64 << pattern.states.len();
    let start = closure(pattern, 1);
    let mut set = start;
    if !pattern.anchored_end && set & accept != 0 {
        return true;
    }
    for c in text.chars() {
        let mut next = 0u64;
        for (p, state) in pattern.states.iter().enumerate() {
            if set & (1 << p) != 0 && accepts(state, c) {
                next |= 1 << (p + 1);
                if state.repeats {
                    next |= 1 << p;
                }
            }
        }
        set = closure(pattern, next);
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
