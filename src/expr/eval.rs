//! The tree walker: statements, operators, casts, locals and the step budget.

use tollgate_config::expr::{BinOp, Expr, Node, Part, Stmt, UnOp};

use super::ops::{binary, cast, is_type, negate_json};
use super::{Fail, Obj, Value, json, text};
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Steps (nodes evaluated, items visited) one expression may take before it fails.
pub const STEP_BUDGET: u32 = 100_000;

/// Longest string an expression may build, in bytes.
const MAX_TEXT: usize = 16 << 20;

/// The local that holds the exception being handled, for `throw;`.
const CAUGHT: &str = "@exception";

pub(crate) const NULL_REFERENCE: &str = "Object reference not set to an instance of an object.";

/// One evaluation: the request state, the host, the locals and the steps left.
pub(crate) struct Eval<'x, 'c, 'h> {
    pub ctx: &'x mut Ctx<'c>,
    pub host: &'x Host<'h>,
    pub locals: Vec<(String, Value)>,
    steps: u32,
    /// Regular expressions compiled so far, by the engine's pattern (`regex.rs`).
    pub regexes: Vec<(String, std::rc::Rc<super::regex::Pattern>)>,
}

/// What a statement list did.
enum Done {
    Next,
    Return(Value),
    Break,
    Continue,
}

impl<'x, 'c, 'h> Eval<'x, 'c, 'h> {
    pub fn new(ctx: &'x mut Ctx<'c>, host: &'x Host<'h>) -> Self {
        Eval {
            ctx,
            host,
            locals: Vec::new(),
            steps: STEP_BUDGET,
            regexes: Vec::new(),
        }
    }

    pub fn run(&mut self, expr: &Expr) -> Result<Value, Fail> {
        match expr {
            Expr::Value(node) => self.eval(node),
            Expr::Block(stmts) => match self.block(stmts)? {
                Done::Return(value) => Ok(value),
                _ => Ok(Value::Null),
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
                    match self.block(branch)? {
                        Done::Next => {}
                        done => return Ok(done),
                    }
                }
                Stmt::Block(stmts) => match self.block(stmts)? {
                    Done::Next => {}
                    done => return Ok(done),
                },
                Stmt::Foreach(..) | Stmt::While(..) => {
                    if let Some(value) = self.run_loop(stmt)? {
                        return Ok(Done::Return(value));
                    }
                }
                Stmt::Try(body, name, handler, finally) => {
                    let done = self.try_block(body, name.as_deref(), handler);
                    match self.block(finally)? {
                        Done::Next => {}
                        other => return Ok(other),
                    }
                    match done? {
                        Done::Next => {}
                        other => return Ok(other),
                    }
                }
                Stmt::Throw(value) => {
                    let value = match value {
                        Node::Null => self.local_mut(CAUGHT).map(|v| v.clone())?,
                        node => self.eval(node)?,
                    };
                    return Err(super::objects::exception_message(&value));
                }
                Stmt::Break => return Ok(Done::Break),
                Stmt::Continue => return Ok(Done::Continue),
                Stmt::Return(value) => return Ok(Done::Return(self.eval(value)?)),
                Stmt::Expr(node) => {
                    self.eval(node)?;
                }
            }
        }
        Ok(Done::Next)
    }

    /// `try { body } catch (Exception name) { handler }`. Running out of steps cannot be caught.
    fn try_block(
        &mut self,
        body: &[Stmt],
        name: Option<&str>,
        handler: &[Stmt],
    ) -> Result<Done, Fail> {
        match self.block(body) {
            Err(message) if self.steps > 0 => {
                let exception = super::objects::new(super::objects::Object::Exception(message));
                self.set_local(CAUGHT, exception.clone());
                if let Some(name) = name {
                    self.set_local(name, exception);
                }
                self.block(handler)
            }
            other => other,
        }
    }

    /// A `foreach` or `while` loop; `Some` when its body returned. Each turn costs a step.
    fn run_loop(&mut self, stmt: &Stmt) -> Result<Option<Value>, Fail> {
        let turn = |ev: &mut Self, body: &[Stmt], step: &[Stmt]| -> Result<Option<Done>, Fail> {
            ev.step(1)?;
            let done = ev.block(body)?;
            if matches!(done, Done::Next | Done::Continue) {
                ev.block(step)?;
            }
            Ok(match done {
                Done::Break | Done::Return(_) => Some(done),
                _ => None,
            })
        };
        let done = match stmt {
            Stmt::Foreach(name, items, body) => {
                let collection = self.eval(items)?;
                if collection.is_null() {
                    return Err(NULL_REFERENCE.into());
                }
                let items = super::methods::items(&collection).ok_or_else(|| {
                    format!("foreach cannot enumerate {}", collection.type_name())
                })?;
                let mut done = None;
                for item in items {
                    self.set_local(name, item);
                    done = turn(self, body, &[])?;
                    if done.is_some() {
                        break;
                    }
                }
                done
            }
            Stmt::While(cond, body, step) => {
                let mut done = None;
                while self.truth(cond)? {
                    done = turn(self, body, step)?;
                    if done.is_some() {
                        break;
                    }
                }
                done
            }
            _ => None,
        };
        Ok(match done {
            Some(Done::Return(value)) => Some(value),
            _ => None,
        })
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
        if let Node::Member(..) = place {
            return super::methods::set_member(self, place, value)?
                .ok_or_else(|| "only local variables, their indexers and the settings of a local crypto object can be assigned".into());
        }
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
            Node::IsVar(inner, ty, name) => {
                let value = self.eval(inner)?;
                let matched = !value.is_null() && is_type(&value, ty);
                self.set_local(name, if matched { value } else { Value::Null });
                Value::Bool(matched)
            }
            Node::Regex(pattern, options) => super::regex::literal(self, pattern, *options)?,
            Node::Init(target, entries) => super::methods::init(self, target, entries)?,
            Node::New(ty, args) if ty == "Regex" => super::regex::construct(self, args)?,
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
            .ok_or_else(|| format!("a named value has no value: set the Spin variable `{name}`"))
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
