//! Regular expressions: `Regex` (static and instance `IsMatch`, `Match`, `Matches`,
//! `Replace`, `Split`, `Escape`, `Unescape`), `Match`, `Group` and their collections, over
//! `regex-lite` (a PikeVM: linear in the input, no catastrophic backtracking).
//!
//! Literal patterns were translated from .NET syntax at load time ([`Node::Regex`]); a
//! pattern built at run time is translated here, and a failure is an evaluation failure.
//! Compiled patterns are kept for the rest of the evaluation, so a loop compiles once.
//! Groups are numbered as .NET numbers them: unnamed groups first, then named ones.

use std::rc::Rc;

use tollgate_config::expr::Node;
use tollgate_config::regex::translate;

mod text;

use text::{escape, split, substitute, unescape};

use super::eval::Eval;
use super::methods::{byte_index, char_index, int};
use super::objects::{Object, new};
use super::{Fail, Value};

/// A compiled pattern.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as the policy wrote it (or its translation, for literal patterns).
    pub source: String,
    /// The `RegexOptions` bits.
    pub options: u32,
    regex: regex_lite::Regex,
    /// Engine group index by .NET group number.
    order: Vec<usize>,
    /// .NET group names by number (`"0"`, `"1"`, .., then the named groups).
    names: Rc<[String]>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.options == other.options
    }
}

/// One match (or a failed one): the input, each group's byte span by .NET number.
#[derive(Debug, PartialEq)]
pub struct Found {
    input: Rc<str>,
    /// Byte spans by .NET group number; `None` for a group that did not take part.
    pub spans: Vec<Option<(usize, usize)>>,
    pattern: Rc<Pattern>,
}

/// Compiles the engine's `pattern`, or reuses the copy this evaluation compiled before.
pub(crate) fn compile(
    ev: &mut Eval<'_, '_, '_>,
    engine: String,
    source: &str,
    options: u32,
) -> Result<Rc<Pattern>, Fail> {
    if let Some((_, p)) = ev.regexes.iter().find(|(k, _)| *k == engine) {
        return Ok(p.clone());
    }
    ev.step(u32::try_from(engine.len()).unwrap_or(u32::MAX))?;
    let regex =
        regex_lite::Regex::new(&engine).map_err(|e| format!("Invalid pattern '{source}': {e}"))?;
    let engine_names: Vec<Option<String>> = regex
        .capture_names()
        .map(|n| n.map(str::to_string))
        .collect();
    let mut order = vec![0];
    let mut names = vec!["0".to_string()];
    for (i, name) in engine_names.iter().enumerate().skip(1) {
        if name.is_none() {
            order.push(i);
            names.push(order.len().saturating_sub(1).to_string());
        }
    }
    for (i, name) in engine_names.iter().enumerate().skip(1) {
        if let Some(name) = name {
            order.push(i);
            names.push(name.clone());
        }
    }
    let pattern = Rc::new(Pattern {
        source: source.to_string(),
        options,
        regex,
        order,
        names: names.into(),
    });
    ev.regexes.push((engine, pattern.clone()));
    Ok(pattern)
}

/// The pattern a `Regex` call means: a compiled object, a literal (translated at load time)
/// or a string with options, translated now.
pub(crate) fn pattern(
    ev: &mut Eval<'_, '_, '_>,
    value: Value,
    options: Option<&Value>,
) -> Result<Rc<Pattern>, Fail> {
    if let Value::Object(o) = &value
        && let Object::Regex(p) = &**o
    {
        return Ok(p.clone());
    }
    if value.is_null() {
        return Err("Value cannot be null. (Parameter 'pattern')".into());
    }
    let source = value.to_text();
    let options = match options {
        Some(v) => u32::try_from(int(v)?).map_err(|_| "invalid RegexOptions")?,
        None => 0,
    };
    let engine = translate(&source, options).map_err(|e| {
        format!(
            "Invalid pattern '{source}' at offset {}: {}",
            e.offset, e.message
        )
    })?;
    compile(ev, engine, &source, options)
}

/// A literal pattern node: compiled (once per evaluation).
pub(crate) fn literal(
    ev: &mut Eval<'_, '_, '_>,
    engine: &str,
    options: u32,
) -> Result<Value, Fail> {
    let p = compile(ev, engine.to_string(), engine, options)?;
    Ok(new(Object::Regex(p)))
}

/// Steps for scanning `input` (the engine is linear in it).
fn charge(ev: &mut Eval<'_, '_, '_>, input: &str) -> Result<(), Fail> {
    ev.step(u32::try_from(input.len() / 64 + 1).unwrap_or(u32::MAX))
}

/// The match at or after byte `start`.
fn find(p: &Rc<Pattern>, input: &Rc<str>, start: usize) -> Found {
    let caps = (start <= input.len())
        .then(|| p.regex.captures_at(input, start))
        .flatten();
    let spans = p
        .order
        .iter()
        .map(|&i| {
            caps.as_ref()
                .and_then(|c| c.get(i))
                .map(|m| (m.start(), m.end()))
        })
        .collect();
    Found {
        input: input.clone(),
        spans,
        pattern: p.clone(),
    }
}

/// Every match, in order (empty matches advance by one character).
fn all(p: &Rc<Pattern>, input: &Rc<str>) -> Vec<Found> {
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let found = find(p, input, start);
        let Some((s, e)) = found.spans[0] else { break };
        start = next_start(input, s, e);
        out.push(found);
        if start > input.len() {
            break;
        }
    }
    out
}

fn next_start(input: &str, s: usize, e: usize) -> usize {
    if e > s {
        e
    } else {
        e + input[e..].chars().next().map_or(1, char::len_utf8)
    }
}

impl Found {
    /// The text of group `n` (empty when it did not take part).
    pub fn text(&self, n: usize) -> String {
        match self.spans.get(n).copied().flatten() {
            Some((s, e)) => self.input[s..e].to_string(),
            None => String::new(),
        }
    }

    /// A group number from an index or a name (`-1`-like misses give an unsuccessful group).
    pub fn group(&self, key: &Value) -> usize {
        let missing = self.spans.len();
        match key {
            Value::Int(n) => usize::try_from(*n).ok().filter(|&n| n < missing),
            other => {
                let name = other.to_text();
                self.pattern.names.iter().position(|n| *n == name)
            }
        }
        .unwrap_or(missing)
    }

    /// Members of the match (`n == 0`) or of group `n`.
    pub fn member(&self, n: usize, name: &str, this: &Rc<Object>) -> Option<Value> {
        let span = self.spans.get(n).copied().flatten();
        Some(match name {
            "Success" => Value::Bool(span.is_some()),
            "Value" => Value::Str(self.text(n)),
            "Index" => Value::Int(span.map_or(0, |(s, _)| char_index(&self.input, s))),
            "Length" => Value::Int(span.map_or(0, |(s, e)| char_index(&self.input[s..], e - s))),
            "Name" => Value::Str(self.pattern.names.get(n).cloned().unwrap_or_default()),
            "Groups" if n == 0 => {
                let Object::Match(found) = &**this else {
                    return None;
                };
                new(Object::Groups(found.clone()))
            }
            "Captures" => Value::List(if span.is_some() {
                vec![Value::Object(this.clone())]
            } else {
                Vec::new()
            }),
            _ => return None,
        })
    }
}

/// `Regex.Name(input, pattern, ..)` (static) and `regex.Name(input, ..)` (instance).
pub(crate) fn call(
    ev: &mut Eval<'_, '_, '_>,
    instance: Option<Rc<Pattern>>,
    name: &str,
    nodes: &[Node],
) -> Result<Value, Fail> {
    match name {
        "Escape" | "Unescape" => {
            let s = ev
                .eval(nodes.first().ok_or("missing argument 1")?)?
                .to_text();
            return Ok(Value::Str(if name == "Escape" {
                escape(&s)
            } else {
                unescape(&s)
            }));
        }
        "GetGroupNames" => {
            let p = instance.ok_or("GetGroupNames needs an instance")?;
            return Ok(Value::List(
                p.names.iter().map(|n| Value::Str(n.clone())).collect(),
            ));
        }
        _ => {}
    }
    let input = ev.eval(nodes.first().ok_or("missing argument 1")?)?;
    if input.is_null() {
        return Err("Value cannot be null. (Parameter 'input')".into());
    }
    let input: Rc<str> = input.to_text().into();
    let instance_call = instance.is_some();
    // Static calls: (input, pattern, [replacement,] [options]); instance calls: (input, ..).
    let (p, rest) = match instance {
        Some(p) => (p, nodes.get(1..).unwrap_or_default()),
        None => {
            let pattern_node = nodes.get(1).ok_or("missing argument 2")?;
            let pattern_value = ev.eval(pattern_node)?;
            let options_at = if name == "Replace" { 3 } else { 2 };
            let options = match nodes.get(options_at) {
                Some(node) => Some(ev.eval(node)?),
                None => None,
            };
            (
                pattern(ev, pattern_value, options.as_ref())?,
                nodes.get(2..).unwrap_or_default(),
            )
        }
    };
    charge(ev, &input)?;
    Ok(match name {
        "IsMatch" => Value::Bool(p.regex.is_match(&input)),
        "Match" => {
            let start = match rest.first() {
                Some(node) if instance_call => {
                    let at = int(&ev.eval(node)?)?;
                    byte_index(&input, at)
                        .ok_or("Start index cannot be greater than input length.")?
                }
                _ => 0,
            };
            new(Object::Match(Rc::new(find(&p, &input, start))))
        }
        "Matches" => Value::List(
            all(&p, &input)
                .into_iter()
                .map(|f| new(Object::Match(Rc::new(f))))
                .collect(),
        ),
        "Split" => Value::List(split(&p, &input).into_iter().map(Value::Str).collect()),
        _ => {
            let replacement = rest.first().ok_or("missing argument: replacement")?;
            let mut out = String::with_capacity(input.len());
            let mut last = 0;
            for found in all(&p, &input) {
                let Some((s, e)) = found.spans[0] else { break };
                out.push_str(&input[last..s]);
                if let Node::Lambda(..) = replacement {
                    let m = new(Object::Match(Rc::new(found)));
                    out.push_str(&ev.apply(replacement, vec![m])?.to_text());
                } else {
                    let template = ev.eval(replacement)?.to_text();
                    out.push_str(&substitute(&template, &found));
                }
                ev.check_len(out.len())?;
                last = e;
            }
            out.push_str(&input[last..]);
            Value::Str(out)
        }
    })
}

/// `match.NextMatch()`.
pub(crate) fn next_match(found: &Found) -> Found {
    match found.spans[0] {
        Some((s, e)) => find(&found.pattern, &found.input, next_start(&found.input, s, e)),
        None => find(&found.pattern, &found.input, found.input.len() + 1),
    }
}

/// `new Regex(pattern[, options])`.
pub(crate) fn construct(ev: &mut Eval<'_, '_, '_>, nodes: &[Node]) -> Result<Value, Fail> {
    let pattern_value = ev.eval(nodes.first().ok_or("missing argument 1")?)?;
    let options = match nodes.get(1) {
        Some(node) => Some(ev.eval(node)?),
        None => None,
    };
    let p = pattern(ev, pattern_value, options.as_ref())?;
    Ok(new(Object::Regex(p)))
}
