//! The tree walker: statements, operators, casts, locals and the step budget.

use tollgate_config::expr::{BinOp, Expr, Node, Part, Stmt, UnOp};

use super::{Fail, Obj, Value, json, text, time};
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Steps (nodes evaluated, items visited) one expression may take before it fails.
pub const STEP_BUDGET: u32 = 100_000;

/// Longest string an expression may build, in bytes.
const MAX_TEXT: usize = 16 << 20;

pub(crate) const NULL_REFERENCE: &str = "Object reference not set to an instance of an object.";

/// One evaluation: the request state, the host, the locals and the steps left.
pub(crate) struct Eval<'x, 'c, 'h> {
    pub ctx: &'x mut Ctx<'c>,
    pub host: &'x Host<'h>,
    pub locals: Vec<(String, Value)>,
    steps: u32,
}

/// What a statement list did.
enum Done {
    Next,
    Return(Value),
}

impl<'x, 'c, 'h> Eval<'x, 'c, 'h> {
    pub fn new(ctx: &'x mut Ctx<'c>, host: &'x Host<'h>) -> Self {
        Eval {
            ctx,
            host,
            locals: Vec::new(),
            steps: STEP_BUDGET,
        }
    }

    pub fn run(&mut self, expr: &Expr) -> Result<Value, Fail> {
        match expr {
            Expr::Value(node) => self.eval(node),
            Expr::Block(stmts) => match self.block(stmts)? {
                Done::Return(value) => Ok(value),
                Done::Next => Ok(Value::Null),
            },
        }
    }

    /// Uses up `n` steps.
    pub fn step(&mut self, n: u32) -> Result<(), Fail> {
        self.steps = self
            .steps
            .checked_sub(n)
            .ok_or_else(|| format!("the expression took more than {STEP_BUDGET} steps"))?;
        Ok(())
    }

    fn block(&mut self, stmts: &[Stmt]) -> Result<Done, Fail> {
        for stmt in stmts {
            self.step(1)?;
            match stmt {
                Stmt::Var(name, value) => {
                    let value = self.eval(value)?;
                    self.set_local(name, value);
                }
                Stmt::Assign(place, value) => {
                    let value = self.eval(value)?;
                    self.assign(place, value)?;
                }
                Stmt::If(cond, then, otherwise) => {
                    let branch = if self.truth(cond)? { then } else { otherwise };
                    if let Done::Return(value) = self.block(branch)? {
                        return Ok(Done::Return(value));
                    }
                }
                Stmt::Return(value) => return Ok(Done::Return(self.eval(value)?)),
                Stmt::Expr(node) => {
                    self.eval(node)?;
                }
            }
        }
        Ok(Done::Next)
    }

    pub fn set_local(&mut self, name: &str, value: Value) {
        match self.locals.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.locals.push((name.to_string(), value)),
        }
    }

    pub fn truth(&mut self, node: &Node) -> Result<bool, Fail> {
        match self.eval(node)? {
            Value::Bool(b) | Value::Json(serde_json::Value::Bool(b)) => Ok(b),
            other => Err(format!("expected a boolean, got {}", other.type_name())),
        }
    }

    /// `local = v`, `local[k]... = v`.
    fn assign(&mut self, place: &Node, value: Value) -> Result<(), Fail> {
        let (root, keys) = self.place(place)?;
        if keys.is_empty() {
            self.set_local(&root, value);
            return Ok(());
        }
        let target = self.local_mut(&root)?;
        json::set_path(target, &keys, value)
    }

    /// The local a place starts from and the evaluated indexes after it.
    pub fn place(&mut self, node: &Node) -> Result<(String, Vec<Value>), Fail> {
        match node {
            Node::Local(name) => Ok((name.clone(), Vec::new())),
            Node::Index(inner, index, _) => {
                let (root, mut keys) = self.place(inner)?;
                keys.push(self.eval(index)?);
                Ok((root, keys))
            }
            _ => Err("only local variables and their indexers can be assigned".into()),
        }
    }

    pub fn local_mut(&mut self, name: &str) -> Result<&mut Value, Fail> {
        self.locals
            .iter_mut()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("`{name}` is not assigned"))
    }

    pub fn eval(&mut self, node: &Node) -> Result<Value, Fail> {
        self.step(1)?;
        Ok(match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(n) => Value::Int(*n),
            Node::Float(f) => Value::Float(*f),
            Node::Str(s) => Value::Str(s.clone()),
            Node::Interp(parts) => Value::Str(self.interpolate(parts)?),
            Node::Named(name) => Value::Str(self.named(name)?),
            Node::Local(name) => self
                .locals
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("`{name}` is not assigned"))?,
            Node::Context => Value::Ctx(Obj::Context),
            Node::Type(name) => return Err(format!("`{name}` is a type, not a value")),
            Node::Member(target, name, null_conditional) => {
                if let Node::Type(ty) = &**target {
                    return super::methods::static_member(self, ty, name);
                }
                let target = self.eval(target)?;
                if target.is_null() {
                    return if *null_conditional {
                        Ok(Value::Null)
                    } else {
                        Err(NULL_REFERENCE.into())
                    };
                }
                super::context::member(self, target, name)?
            }
            Node::Call(call) => super::methods::call(self, call)?,
            Node::Index(target, index, null_conditional) => {
                let target = self.eval(target)?;
                if target.is_null() {
                    return if *null_conditional {
                        Ok(Value::Null)
                    } else {
                        Err(NULL_REFERENCE.into())
                    };
                }
                let index = self.eval(index)?;
                super::context::index(self, target, index)?
            }
            Node::Unary(UnOp::Not, inner) => Value::Bool(!self.truth(inner)?),
            Node::Unary(UnOp::Neg, inner) => match self.eval(inner)? {
                Value::Int(n) => Value::Int(n.wrapping_neg()),
                Value::Float(f) => Value::Float(-f),
                Value::Span(ms) => Value::Span(-ms),
                Value::Json(j) if j.is_number() => negate_json(&j),
                other => return Err(format!("cannot negate {}", other.type_name())),
            },
            Node::Binary(op, left, right) => self.binary(*op, left, right)?,
            Node::Cond(cond, then, otherwise) => {
                if self.truth(cond)? {
                    self.eval(then)?
                } else {
                    self.eval(otherwise)?
                }
            }
            Node::Cast(ty, inner) => {
                let value = self.eval(inner)?;
                cast(ty, value)?
            }
            Node::As(inner, ty) => {
                let value = self.eval(inner)?;
                if is_type(&value, ty) {
                    value
                } else {
                    Value::Null
                }
            }
            Node::Is(inner, ty) => {
                let value = self.eval(inner)?;
                Value::Bool(!value.is_null() && is_type(&value, ty))
            }
            Node::Lambda(..) => return Err("a lambda can only be a method argument".into()),
            Node::New(ty, args) => {
                let args = self.eval_all(args)?;
                super::methods::construct(ty, args)?
            }
            Node::Array(items) => Value::List(self.eval_all(items)?),
            Node::Out(_) => return Err("`out` is only allowed as a method argument".into()),
        })
    }

    pub fn eval_all(&mut self, nodes: &[Node]) -> Result<Vec<Value>, Fail> {
        nodes.iter().map(|node| self.eval(node)).collect()
    }

    /// Calls a lambda with `args` bound to its parameters.
    pub fn apply(&mut self, lambda: &Node, args: Vec<Value>) -> Result<Value, Fail> {
        let Node::Lambda(params, body) = lambda else {
            return Err("expected a lambda (x => ...)".into());
        };
        let before = self.locals.len();
        for (param, arg) in params.iter().zip(args) {
            self.locals.push((param.clone(), arg));
        }
        let result = self.eval(body);
        self.locals.truncate(before);
        result
    }

    fn named(&mut self, name: &str) -> Result<String, Fail> {
        self.host
            .vars
            .get(name)
            .ok_or_else(|| format!("named value {{{{{name}}}}} has no value"))
    }

    fn interpolate(&mut self, parts: &[Part]) -> Result<String, Fail> {
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Named(name) => out.push_str(&self.named(name)?),
                Part::Expr(node, format) => {
                    let value = self.eval(node)?;
                    out.push_str(&text::format_value(
                        &value,
                        format.as_deref().unwrap_or(""),
                    )?);
                }
            }
            self.check_len(out.len())?;
        }
        Ok(out)
    }

    pub fn check_len(&mut self, len: usize) -> Result<(), Fail> {
        if len > MAX_TEXT {
            return Err("the expression built a string longer than 16 MiB".into());
        }
        self.step(u32::try_from(len / 4096).unwrap_or(u32::MAX))
    }

    fn binary(&mut self, op: BinOp, left: &Node, right: &Node) -> Result<Value, Fail> {
        match op {
            BinOp::And => return Ok(Value::Bool(self.truth(left)? && self.truth(right)?)),
            BinOp::Or => return Ok(Value::Bool(self.truth(left)? || self.truth(right)?)),
            BinOp::Coalesce => {
                let value = self.eval(left)?;
                return if value.is_null() {
                    self.eval(right)
                } else {
                    Ok(value)
                };
            }
            _ => {}
        }
        let a = self.eval(left)?;
        let b = self.eval(right)?;
        let result = binary(op, a, b)?;
        if let Value::Str(s) = &result {
            self.check_len(s.len())?;
        }
        Ok(result)
    }
}

fn negate_json(j: &serde_json::Value) -> Value {
    match j.as_i64() {
        Some(n) => Value::Int(n.wrapping_neg()),
        None => Value::Float(-j.as_f64().unwrap_or(0.0)),
    }
}

/// A number, for arithmetic: `Int`, `Float`, or a JSON number.
enum Num {
    I(i64),
    F(f64),
}

fn num(value: &Value) -> Option<Num> {
    match value {
        Value::Int(n) => Some(Num::I(*n)),
        Value::Float(f) => Some(Num::F(*f)),
        Value::Json(j) => j.as_i64().map(Num::I).or_else(|| j.as_f64().map(Num::F)),
        _ => None,
    }
}

fn as_f64(n: &Num) -> f64 {
    match n {
        Num::I(i) => *i as f64,
        Num::F(f) => *f,
    }
}

/// A binary operator on two evaluated operands (not `&&`, `||`, `??`).
pub(crate) fn binary(op: BinOp, a: Value, b: Value) -> Result<Value, Fail> {
    use BinOp::*;
    match op {
        Eq => return Ok(Value::Bool(equals(&a, &b))),
        Ne => return Ok(Value::Bool(!equals(&a, &b))),
        _ => {}
    }
    // String concatenation: either side a string (null is "").
    let is_text =
        |v: &Value| matches!(v, Value::Str(_) | Value::Json(serde_json::Value::String(_)));
    if op == Add
        && (matches!(a, Value::Str(_))
            || matches!(b, Value::Str(_))
            || (is_text(&a) && is_text(&b)))
    {
        let mut out = a.to_text();
        out.push_str(&b.to_text());
        return Ok(Value::Str(out));
    }
    if a.is_null() || b.is_null() {
        // Lifted operators: arithmetic on null is null; comparisons are false.
        return Ok(if matches!(op, Lt | Le | Gt | Ge) {
            Value::Bool(false)
        } else {
            Value::Null
        });
    }
    match (&a, &b) {
        (Value::Date(x), Value::Span(y)) if matches!(op, Add | Sub) => {
            return Ok(Value::Date(if op == Add {
                x.saturating_add(*y)
            } else {
                x.saturating_sub(*y)
            }));
        }
        (Value::Date(x), Value::Date(y)) if op == Sub => {
            return Ok(Value::Span(x.saturating_sub(*y)));
        }
        (Value::Span(x), Value::Span(y)) if matches!(op, Add | Sub) => {
            return Ok(Value::Span(if op == Add {
                x.saturating_add(*y)
            } else {
                x.saturating_sub(*y)
            }));
        }
        (Value::Date(x), Value::Date(y)) | (Value::Span(x), Value::Span(y)) => {
            return compare(op, x.cmp(y)).ok_or_else(|| bad_operands(op, &a, &b));
        }
        (Value::Str(x), Value::Str(y)) if matches!(op, Lt | Le | Gt | Ge) => {
            return compare(op, x.cmp(y)).ok_or_else(|| bad_operands(op, &a, &b));
        }
        _ => {}
    }
    let (Some(x), Some(y)) = (num(&a), num(&b)) else {
        return Err(bad_operands(op, &a, &b));
    };
    if let (Num::I(x), Num::I(y)) = (&x, &y) {
        let (x, y) = (*x, *y);
        return Ok(match op {
            Add => Value::Int(x.wrapping_add(y)),
            Sub => Value::Int(x.wrapping_sub(y)),
            Mul => Value::Int(x.wrapping_mul(y)),
            Div | Rem if y == 0 => return Err("Attempted to divide by zero.".into()),
            Div => Value::Int(x.wrapping_div(y)),
            Rem => Value::Int(x.wrapping_rem(y)),
            _ => return compare(op, x.cmp(&y)).ok_or_else(|| bad_operands(op, &a, &b)),
        });
    }
    let (x, y) = (as_f64(&x), as_f64(&y));
    Ok(match op {
        Add => Value::Float(x + y),
        Sub => Value::Float(x - y),
        Mul => Value::Float(x * y),
        Div => Value::Float(x / y),
        Rem => Value::Float(x % y),
        _ => {
            let ordering = x.partial_cmp(&y);
            return Ok(Value::Bool(
                ordering.is_some_and(|o| compare(op, o) == Some(Value::Bool(true))),
            ));
        }
    })
}

fn compare(op: BinOp, ordering: std::cmp::Ordering) -> Option<Value> {
    use std::cmp::Ordering::*;
    Some(Value::Bool(match op {
        BinOp::Lt => ordering == Less,
        BinOp::Le => ordering != Greater,
        BinOp::Gt => ordering == Greater,
        BinOp::Ge => ordering != Less,
        _ => return None,
    }))
}

fn bad_operands(op: BinOp, a: &Value, b: &Value) -> Fail {
    format!(
        "operator {op:?} cannot be applied to {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// `==`: null equals null; numbers by value; strings and JSON strings by text.
pub(crate) fn equals(a: &Value, b: &Value) -> bool {
    if a.is_null() || b.is_null() {
        return a.is_null() && b.is_null();
    }
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return as_f64(&x) == as_f64(&y);
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Str(s), Value::Json(serde_json::Value::String(j)))
        | (Value::Json(serde_json::Value::String(j)), Value::Str(s)) => s == j,
        (Value::Bool(x), Value::Json(serde_json::Value::Bool(y)))
        | (Value::Json(serde_json::Value::Bool(y)), Value::Bool(x)) => x == y,
        _ => a == b,
    }
}

/// Whether `value` is of the type named `ty` (for `as` and `is`).
fn is_type(value: &Value, ty: &str) -> bool {
    let ty = ty.trim_end_matches('?');
    match ty {
        "string" | "String" => matches!(value, Value::Str(_)),
        "int" | "Int32" | "long" | "Int64" => matches!(value, Value::Int(_)),
        "double" | "Double" | "float" | "decimal" => matches!(value, Value::Float(_)),
        "bool" | "Boolean" => matches!(value, Value::Bool(_)),
        "JObject" => matches!(value, Value::Json(serde_json::Value::Object(_))),
        "JArray" => matches!(value, Value::Json(serde_json::Value::Array(_))),
        "JToken" => matches!(value, Value::Json(_)),
        "JValue" => matches!(value, Value::Json(j) if !j.is_object() && !j.is_array()),
        "JProperty" => matches!(value, Value::Pair(_)),
        "DateTime" => matches!(value, Value::Date(_)),
        "TimeSpan" => matches!(value, Value::Span(_)),
        "IResponse" => matches!(value, Value::Message(_)),
        "Jwt" => matches!(value, Value::Jwt(_)),
        "object" => true,
        _ if ty.ends_with("[]") => matches!(value, Value::List(_) | Value::Bytes(_)),
        _ => false,
    }
}

/// `(Type)value`.
pub(crate) fn cast(ty: &str, value: Value) -> Result<Value, Fail> {
    let nullable = ty.ends_with('?');
    let ty = ty.trim_end_matches('?');
    if value.is_null() {
        return match ty {
            "int" | "Int32" | "long" | "Int64" | "double" | "Double" | "float" | "decimal"
            | "bool" | "Boolean" | "DateTime" | "TimeSpan"
                if !nullable =>
            {
                Err("Nullable object must have a value.".into())
            }
            _ => Ok(Value::Null),
        };
    }
    let invalid = |v: &Value| {
        format!(
            "Unable to cast object of type '{}' to type '{ty}'.",
            v.type_name()
        )
    };
    Ok(match ty {
        "string" | "String" => match &value {
            Value::Str(_) => value,
            Value::Json(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => {
                return Err(format!("Can not convert {} to String.", value.type_name()));
            }
            _ => Value::Str(value.to_text()),
        },
        "int" | "Int32" | "long" | "Int64" => match &value {
            Value::Int(_) => value,
            Value::Float(f) => Value::Int(*f as i64),
            Value::Json(j) => match (j.as_i64(), j.as_f64(), j.as_str()) {
                (Some(n), _, _) => Value::Int(n),
                (_, Some(f), _) => Value::Int(f as i64),
                (_, _, Some(s)) => Value::Int(text::parse_int(s)?),
                _ => return Err(invalid(&value)),
            },
            _ => return Err(invalid(&value)),
        },
        "double" | "Double" | "float" | "decimal" => match &value {
            Value::Float(_) => value,
            Value::Int(n) => Value::Float(*n as f64),
            Value::Json(j) => match (j.as_f64(), j.as_str()) {
                (Some(f), _) => Value::Float(f),
                (_, Some(s)) => Value::Float(s.trim().parse().map_err(|_| invalid(&value))?),
                _ => return Err(invalid(&value)),
            },
            _ => return Err(invalid(&value)),
        },
        "bool" | "Boolean" => match &value {
            Value::Bool(_) => value,
            Value::Json(serde_json::Value::Bool(b)) => Value::Bool(*b),
            Value::Json(serde_json::Value::String(s)) => Value::Bool(text::parse_bool(s)?),
            _ => return Err(invalid(&value)),
        },
        "DateTime" => match &value {
            Value::Date(_) => value,
            Value::Json(serde_json::Value::String(s)) | Value::Str(s) => {
                Value::Date(time::parse_date(s)?)
            }
            _ => return Err(invalid(&value)),
        },
        "JObject" | "JArray" | "JToken" | "JValue" => match value {
            Value::Json(_) if is_type(&value, ty) => value,
            other => return Err(invalid(&other)),
        },
        _ if is_type(&value, ty) || ty == "object" || ty == "IResponse" || ty == "Jwt" => value,
        _ => return Err(invalid(&value)),
    })
}
