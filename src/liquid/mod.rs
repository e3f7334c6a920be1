//! Liquid rendering for `<set-body template="liquid">`: walks the tree the loader parsed
//! (`tollgate_config::liquid`) over Azure's object model.
//!
//! - `body.rs`: `body` (the JSON body, or the XML body as its element tree) and `context`;
//! - `filters.rs`: the filters Azure documents.
//!
//! Values are JSON values. Rendering has a step budget and an output cap; running out is an
//! `ExpressionValueEvaluationFailure`, never a panic.

mod body;
mod filters;

use serde_json::Value as J;
use tollgate_config::liquid::{Block, Cond, Expr, Op, Output, Seg, Template, XsiNil};

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Steps (blocks rendered, loop iterations, path steps) one render may take.
pub const STEP_BUDGET: u32 = 200_000;

/// Longest output a render may build, in bytes.
const MAX_OUTPUT: usize = 16 << 20;

/// Deepest nesting of rendered blocks (the parser bounds it too).
const MAX_DEPTH: usize = 128;

/// Renders a template over the current message: the request body when `request`, else the
/// response body.
pub fn render(
    template: &Template,
    xsi_nil: XsiNil,
    request: bool,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    let body = body::bind(ctx, request, xsi_nil);
    let mut r = Render {
        ctx,
        host,
        body,
        locals: Vec::new(),
        steps: STEP_BUDGET,
        depth: 0,
    };
    let mut out = String::new();
    r.blocks(&template.blocks, &mut out)
        .map_err(|e| expr::failure(format!("liquid: {e}")))?;
    Ok(out)
}

/// One render: the request state, `body`, the assigned and loop variables, the steps left.
pub(crate) struct Render<'x, 'c, 'h> {
    ctx: &'x mut Ctx<'c>,
    host: &'x Host<'h>,
    body: J,
    locals: Vec<(String, J)>,
    steps: u32,
    depth: usize,
}

/// What a block list did.
#[derive(PartialEq)]
enum Flow {
    Next,
    Break,
    Continue,
}

type Fail = String;

impl Render<'_, '_, '_> {
    fn step(&mut self, n: u32) -> Result<(), Fail> {
        self.steps = self
            .steps
            .checked_sub(n)
            .ok_or_else(|| format!("the template took more than {STEP_BUDGET} steps"))?;
        Ok(())
    }

    fn blocks(&mut self, blocks: &[Block], out: &mut String) -> Result<Flow, Fail> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("blocks nested too deeply".into());
        }
        let flow = self.blocks_inner(blocks, out);
        self.depth -= 1;
        flow
    }

    fn blocks_inner(&mut self, blocks: &[Block], out: &mut String) -> Result<Flow, Fail> {
        for block in blocks {
            self.step(1)?;
            match block {
                Block::Text(text) => out.push_str(text),
                Block::Output(output) => {
                    let value = self.output(output)?;
                    write_value(&value, out);
                }
                Block::If(branches, otherwise) => {
                    let mut chosen = otherwise;
                    for (cond, body) in branches {
                        if self.cond(cond)? {
                            chosen = body;
                            break;
                        }
                    }
                    let flow = self.blocks(chosen, out)?;
                    if flow != Flow::Next {
                        return Ok(flow);
                    }
                }
                Block::Case(subject, whens, otherwise) => {
                    let subject = self.expr(subject)?;
                    let mut chosen = otherwise;
                    'find: for (values, body) in whens {
                        for v in values {
                            if equal(&subject, &self.expr(v)?) {
                                chosen = body;
                                break 'find;
                            }
                        }
                    }
                    let flow = self.blocks(chosen, out)?;
                    if flow != Flow::Next {
                        return Ok(flow);
                    }
                }
                Block::For(f) => {
                    let source = self.expr(&f.source)?;
                    let mut items: Vec<J> = match source {
                        J::Array(items) => items,
                        J::Object(o) => o
                            .into_iter()
                            .map(|(k, v)| J::Array(vec![J::String(k), v]))
                            .collect(),
                        J::Null => Vec::new(),
                        J::String(s) if s.is_empty() => Vec::new(),
                        other => vec![other],
                    };
                    let offset = match &f.offset {
                        Some(e) => filters::int_of(&self.expr(e)?).unwrap_or(0).max(0),
                        None => 0,
                    };
                    items.drain(..usize::try_from(offset).unwrap_or(0).min(items.len()));
                    if let Some(limit) = &f.limit {
                        let limit = filters::int_of(&self.expr(limit)?).unwrap_or(0).max(0);
                        items.truncate(usize::try_from(limit).unwrap_or(0));
                    }
                    if f.reversed {
                        items.reverse();
                    }
                    if items.is_empty() {
                        self.blocks(&f.otherwise, out)?;
                        continue;
                    }
                    let len = items.len();
                    let before = self.locals.len();
                    for (i, item) in items.into_iter().enumerate() {
                        self.step(1)?;
                        self.locals.truncate(before);
                        self.locals.push(("forloop".into(), forloop(i, len)));
                        self.locals.push((f.var.clone(), item));
                        let flow = self.blocks(&f.body, out)?;
                        if flow == Flow::Break {
                            break;
                        }
                    }
                    // Assignments inside the loop stay visible after it, as in Liquid.
                    let assigned: Vec<(String, J)> = self.locals.drain(before..).skip(2).collect();
                    for (name, value) in assigned {
                        self.assign(name, value);
                    }
                }
                Block::Assign(name, output) => {
                    let value = self.output(output)?;
                    self.assign(name.clone(), value);
                }
                Block::Capture(name, body) => {
                    let mut captured = String::new();
                    self.blocks(body, &mut captured)?;
                    self.assign(name.clone(), J::String(captured));
                }
                Block::Break => return Ok(Flow::Break),
                Block::Continue => return Ok(Flow::Continue),
            }
            if out.len() > MAX_OUTPUT {
                return Err("the template built more than 16 MiB".into());
            }
        }
        Ok(Flow::Next)
    }

    fn assign(&mut self, name: String, value: J) {
        match self.locals.iter_mut().rev().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.locals.push((name, value)),
        }
    }

    fn output(&mut self, output: &Output) -> Result<J, Fail> {
        let mut value = self.expr(&output.value)?;
        for filter in &output.filters {
            self.step(1)?;
            let mut args = Vec::with_capacity(filter.args.len());
            for a in &filter.args {
                args.push(self.expr(a)?);
            }
            let now = i64::try_from(self.host.clock.now_millis()).unwrap_or(0);
            value = filters::apply(filter.name, value, &args, now)?;
        }
        Ok(value)
    }

    fn cond(&mut self, cond: &Cond) -> Result<bool, Fail> {
        self.step(1)?;
        Ok(match cond {
            Cond::Truthy(e) => truthy(&self.expr(e)?),
            Cond::Not(c) => !self.cond(c)?,
            Cond::And(a, b) => {
                let right = self.cond(b)?;
                right && self.cond(a)?
            }
            Cond::Or(a, b) => {
                let right = self.cond(b)?;
                right || self.cond(a)?
            }
            Cond::Compare(a, op, b) => {
                let (special, other) = match (a, b) {
                    (Expr::Empty | Expr::Blank, x) | (x, Expr::Empty | Expr::Blank) => (
                        Some(matches!(a, Expr::Blank) || matches!(b, Expr::Blank)),
                        x,
                    ),
                    _ => (None, a),
                };
                if let (Some(blank), Op::Eq | Op::Ne) = (special, op) {
                    let v = self.expr(other)?;
                    let is = if blank { is_blank(&v) } else { is_empty(&v) };
                    return Ok(is == (*op == Op::Eq));
                }
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                compare(&a, *op, &b)
            }
        })
    }

    fn expr(&mut self, e: &Expr) -> Result<J, Fail> {
        Ok(match e {
            Expr::Nil | Expr::Empty | Expr::Blank => J::Null,
            Expr::Bool(b) => J::Bool(*b),
            Expr::Int(n) => J::from(*n),
            Expr::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Expr::Str(s) => J::String(s.clone()),
            Expr::Range(from, to) => {
                let from = filters::int_of(&self.expr(from)?).unwrap_or(0);
                let to = filters::int_of(&self.expr(to)?).unwrap_or(0);
                let count = u32::try_from(to.saturating_sub(from).saturating_add(1).max(0))
                    .unwrap_or(u32::MAX);
                self.step(count)?;
                J::Array((from..=to).map(J::from).collect())
            }
            Expr::Path(root, segs) => self.path(root, segs)?,
        })
    }

    fn path(&mut self, root: &str, segs: &[Seg]) -> Result<J, Fail> {
        let mut keys = Vec::with_capacity(segs.len());
        for seg in segs {
            self.step(1)?;
            keys.push(match seg {
                Seg::Key(k) => J::String(k.clone()),
                Seg::Index(e) => self.expr(e)?,
            });
        }
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| n == root) {
            return Ok(walk(v, &keys));
        }
        Ok(match root {
            "body" => walk(&self.body, &keys),
            "context" => {
                let (value, used) = body::context(self.ctx, self.host, &keys);
                walk(&value, keys.get(used..).unwrap_or_default())
            }
            _ => J::Null,
        })
    }
}

/// Follows `keys` from `value`, cloning only what it reaches.
fn walk(value: &J, keys: &[J]) -> J {
    let mut at = value;
    for (i, key) in keys.iter().enumerate() {
        match step_into(at, key) {
            Ok(next) => at = next,
            Err(computed) => return walk(&computed, keys.get(i + 1..).unwrap_or_default()),
        }
    }
    at.clone()
}

/// `value.key` / `value[index]`: the value reached, or a computed one (`size`, `first`,
/// `last`; nil when missing). Object keys match exactly first, then ignoring case (XML
/// names read as written or camel-cased).
fn step_into<'v>(value: &'v J, key: &J) -> Result<&'v J, J> {
    match (value, key) {
        (J::Object(o), J::String(k)) => match o.get(k) {
            Some(v) => Ok(v),
            None => match o.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)) {
                Some((_, v)) => Ok(v),
                None if k == "size" => Err(J::from(o.len())),
                None => Err(J::Null),
            },
        },
        (J::Array(items), J::String(k)) => match k.as_str() {
            "size" => Err(J::from(items.len())),
            "first" => items.first().ok_or(J::Null),
            "last" => items.last().ok_or(J::Null),
            _ => Err(J::Null),
        },
        (J::Array(items), index) => {
            let i = filters::int_of(index).and_then(|i| {
                let i = if i < 0 { i + items.len() as i64 } else { i };
                usize::try_from(i).ok()
            });
            i.and_then(|i| items.get(i)).ok_or(J::Null)
        }
        (J::String(s), J::String(k)) if k == "size" => Err(J::from(s.chars().count())),
        _ => Err(J::Null),
    }
}

fn forloop(i: usize, len: usize) -> J {
    let mut o = serde_json::Map::new();
    for (key, value) in [
        ("index", J::from(i + 1)),
        ("index0", J::from(i)),
        ("rindex", J::from(len - i)),
        ("rindex0", J::from(len - i - 1)),
        ("first", J::Bool(i == 0)),
        ("last", J::Bool(i + 1 == len)),
        ("length", J::from(len)),
    ] {
        o.insert(key.into(), value);
    }
    J::Object(o)
}

/// Liquid's truth: everything but nil and false.
fn truthy(v: &J) -> bool {
    !matches!(v, J::Null | J::Bool(false))
}

fn is_empty(v: &J) -> bool {
    match v {
        J::String(s) => s.is_empty(),
        J::Array(a) => a.is_empty(),
        J::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn is_blank(v: &J) -> bool {
    match v {
        J::Null | J::Bool(false) => true,
        J::String(s) => s.trim().is_empty(),
        other => is_empty(other),
    }
}

/// Equality: numbers by value (int and float alike), everything else structurally.
fn equal(a: &J, b: &J) -> bool {
    match (filters::num_of_strict(a), filters::num_of_strict(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn compare(a: &J, op: Op, b: &J) -> bool {
    match op {
        Op::Eq => equal(a, b),
        Op::Ne => !equal(a, b),
        Op::Contains => match (a, b) {
            (J::String(s), needle) => s.contains(&text_of(needle)),
            (J::Array(items), needle) => items.iter().any(|i| equal(i, needle)),
            (J::Object(o), J::String(k)) => o.contains_key(k),
            _ => false,
        },
        _ => {
            let ordering = match (filters::num_of_strict(a), filters::num_of_strict(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => match (a, b) {
                    (J::String(x), J::String(y)) => Some(x.cmp(y)),
                    _ => None,
                },
            };
            let Some(ordering) = ordering else {
                return false;
            };
            match op {
                Op::Lt => ordering.is_lt(),
                Op::Le => ordering.is_le(),
                Op::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
    }
}

/// A value as output text: nil is empty, arrays are their items joined, objects compact JSON.
pub(crate) fn text_of(v: &J) -> String {
    let mut out = String::new();
    write_value(v, &mut out);
    out
}

fn write_value(v: &J, out: &mut String) {
    match v {
        J::Null => {}
        J::String(s) => out.push_str(s),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::Array(items) => items.iter().for_each(|i| write_value(i, out)),
        // A URL object (see body.rs) writes as the URL.
        J::Object(o) => match o.get("@") {
            Some(J::String(url)) => out.push_str(url),
            _ => out.push_str(&v.to_string()),
        },
    }
}
