//! Liquid rendering for `<set-body template="liquid">`: walks the tree the loader parsed
//! (`tollgate_config::liquid`) over Azure's object model.
//!
//! - `body.rs`: `body` (the JSON body, or the XML body as its element tree) and `context`;
//! - `filters.rs`: the filters Azure documents;
//! - `values.rs`: paths, truth, comparison and output of values.
//!
//! Values are JSON values. Rendering has a step budget and an output cap; running out is an
//! `ExpressionValueEvaluationFailure`, never a panic.

mod body;
mod filters;
mod values;

use serde_json::Value as J;
use tollgate_config::liquid::{Block, Cond, Expr, LiquidBody, Op, Output, Seg};

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use values::{compare, equal, forloop, is_blank, is_empty, truthy, walk, write_value};

/// Steps (blocks rendered, loop iterations, path steps) one render may take.
pub const STEP_BUDGET: u32 = 200_000;

/// Longest output a render may build, in bytes.
const MAX_OUTPUT: usize = 16 << 20;

/// Deepest nesting of rendered blocks (the parser bounds it too).
const MAX_DEPTH: usize = 128;

/// Renders a template over the current message: the request body when `request`, else the
/// response body.
pub fn render(
    liquid: &LiquidBody,
    request: bool,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    let body = body::bind(ctx, request, liquid.xsi_nil, liquid.parse_date);
    let mut r = Render {
        ctx,
        host,
        body,
        locals: Vec::new(),
        steps: STEP_BUDGET,
        depth: 0,
    };
    let mut out = String::new();
    r.blocks(&liquid.template.blocks, &mut out)
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
                        if f.commas && i > 0 {
                            out.push(',');
                        }
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
