//! .NET reference types held in a [`Value::Object`]: regular expressions and their matches,
//! `StringBuilder`, `Uri`, `Random`, `Tuple` and `HashSet`. Values share them (`Rc`), so a
//! builder appended through one local is appended for every copy, as in C#.

use std::cell::RefCell;
use std::rc::Rc;

use super::eval::Eval;
use super::regex::{Found, Pattern};
use super::uri::Uri;
use super::{Fail, Value, text};

/// A .NET object.
pub enum Object {
    /// `new Regex(..)`, or a literal pattern compiled for a call.
    Regex(Rc<Pattern>),
    /// A `Match`.
    Match(Rc<Found>),
    /// A `Group` of a match (by .NET group number); group 0 is the match.
    Group(Rc<Found>, usize),
    /// `match.Groups`.
    Groups(Rc<Found>),
    /// `StringBuilder`.
    Builder(RefCell<String>),
    /// `Random` (drawn from the host's random source).
    Random,
    /// `Uri`.
    Uri(Box<Uri>),
    /// `Tuple.Create(..)`.
    Tuple(Vec<Value>),
    /// `HashSet<T>` (insertion order kept).
    Set(RefCell<Vec<Value>>),
    /// An exception (`new Exception(message)`, or one caught by `catch`): its message.
    Exception(String),
}

/// `==` on objects compares references, as C# does (and a set holding itself cannot recurse).
impl PartialEq for Object {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name())
    }
}

/// A value holding a new object.
pub(crate) fn new(object: Object) -> Value {
    Value::Object(Rc::new(object))
}

impl Object {
    /// `ToString()`.
    pub fn to_text(&self) -> String {
        match self {
            Object::Regex(p) => p.source.clone(),
            Object::Match(found) => found.text(0),
            Object::Group(found, n) => found.text(*n),
            Object::Groups(_) => "System.Text.RegularExpressions.GroupCollection".into(),
            Object::Builder(b) => b.borrow().clone(),
            Object::Random => "System.Random".into(),
            Object::Uri(uri) => uri.absolute_uri(),
            Object::Tuple(items) => format!(
                "({})",
                items
                    .iter()
                    .map(Value::to_text)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Object::Set(_) => "System.Collections.Generic.HashSet`1[System.String]".into(),
            Object::Exception(m) => format!("System.Exception: {m}"),
        }
    }

    /// The .NET type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Regex(_) => "Regex",
            Object::Match(_) => "Match",
            Object::Group(..) => "Group",
            Object::Groups(_) => "GroupCollection",
            Object::Builder(_) => "StringBuilder",
            Object::Random => "Random",
            Object::Uri(_) => "Uri",
            Object::Tuple(_) => "Tuple",
            Object::Set(_) => "HashSet",
            Object::Exception(_) => "Exception",
        }
    }

    /// The items when enumerated (`foreach`, LINQ).
    pub fn items(&self) -> Option<Vec<Value>> {
        Some(match self {
            Object::Groups(found) => (0..found.spans.len())
                .map(|n| new(Object::Group(found.clone(), n)))
                .collect(),
            Object::Set(items) => items.borrow().clone(),
            Object::Builder(b) => b.borrow().chars().map(|c| Value::Str(c.into())).collect(),
            _ => return None,
        })
    }
}

/// What `throw value` fails with: an exception's message, or the value as text.
pub(crate) fn exception_message(value: &Value) -> Fail {
    match value {
        Value::Object(o) => match &**o {
            Object::Exception(m) => m.clone(),
            other => other.to_text(),
        },
        other => other.to_text(),
    }
}

/// Whether `value` is of the .NET type `ty` (`is`, `as`, casts).
pub(crate) fn is_type(value: &Value, ty: &str) -> bool {
    match (value, ty) {
        (Value::List(_), "List" | "IEnumerable" | "MatchCollection") => true,
        (Value::Map(_), "Dictionary") => true,
        (Value::Pair(_), "KeyValuePair") => true,
        (Value::Object(o), ty) => {
            o.type_name() == ty || (ty == "Capture" && o.type_name() == "Group")
        }
        _ => false,
    }
}

/// `object.Name`.
pub(crate) fn member(object: &Rc<Object>, name: &str) -> Result<Value, Fail> {
    let unknown = || {
        format!(
            "'{}' does not contain a definition for '{name}'",
            object.type_name()
        )
    };
    Ok(match &**object {
        Object::Match(found) => found.member(0, name, object).ok_or_else(unknown)?,
        Object::Group(found, n) => found.member(*n, name, object).ok_or_else(unknown)?,
        Object::Groups(found) if name == "Count" => Value::Int(found.spans.len() as i64),
        Object::Builder(b) if name == "Length" => Value::Int(b.borrow().chars().count() as i64),
        Object::Uri(uri) => uri.member(name)?,
        Object::Tuple(items) => name
            .strip_prefix("Item")
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| items.get(n.wrapping_sub(1)))
            .cloned()
            .ok_or_else(unknown)?,
        Object::Set(items) if name == "Count" => Value::Int(items.borrow().len() as i64),
        Object::Regex(p) if name == "Options" => Value::Int(i64::from(p.options)),
        Object::Exception(m) if name == "Message" => Value::Str(m.clone()),
        _ => return Err(unknown()),
    })
}

/// `object[key]`.
pub(crate) fn index(object: &Rc<Object>, key: Value) -> Result<Value, Fail> {
    match (&**object, key) {
        (Object::Groups(found), key) => Ok(new(Object::Group(found.clone(), found.group(&key)))),
        (Object::Builder(b), Value::Int(i)) => usize::try_from(i)
            .ok()
            .and_then(|i| b.borrow().chars().nth(i))
            .map(|c| Value::Str(c.into()))
            .ok_or_else(|| "Index was out of range.".into()),
        (_, key) => Err(format!(
            "cannot index {} with {}",
            object.type_name(),
            key.type_name()
        )),
    }
}

/// Methods of `StringBuilder`, `Random`, `HashSet` and `Tuple` (regular expressions and URIs
/// have theirs in `regex.rs` and `uri.rs`).
pub(crate) fn method(
    ev: &mut Eval<'_, '_, '_>,
    object: &Rc<Object>,
    name: &str,
    args: &[Value],
) -> Result<Value, Fail> {
    let this = || Value::Object(object.clone());
    let arg = |i: usize| {
        args.get(i)
            .ok_or_else(|| format!("missing argument {}", i + 1))
    };
    let int = |i: usize| super::methods::int(arg(i)?);
    match (&**object, name) {
        (Object::Builder(b), _) => {
            // The texts first: an argument may be this builder (`sb.Append(sb)`).
            let texts: Vec<String> = args.iter().map(Value::to_text).collect();
            let text_arg = |i: usize| {
                texts
                    .get(i)
                    .cloned()
                    .ok_or_else(|| format!("missing argument {}", i + 1))
            };
            let formatted = match name {
                "AppendFormat" => {
                    text::string_format(&text_arg(0)?, args.get(1..).unwrap_or_default())?
                }
                _ => String::new(),
            };
            let mut s = b.borrow_mut();
            match name {
                "Append" => s.push_str(&text_arg(0)?),
                "AppendLine" => {
                    if let Some(line) = texts.first() {
                        s.push_str(line);
                    }
                    s.push_str("\r\n");
                }
                "AppendFormat" => s.push_str(&formatted),
                "Insert" => {
                    let at =
                        super::methods::byte_index(&s, int(0)?).ok_or("Index was out of range.")?;
                    s.insert_str(at, &text_arg(1)?);
                }
                "Replace" => {
                    let replaced = text::replace(&s, &text_arg(0)?, &text_arg(1)?);
                    *s = replaced;
                }
                "Remove" => {
                    let start = super::methods::byte_index(&s, int(0)?);
                    let len = int(1)?.max(0);
                    let end = start
                        .and_then(|st| super::methods::byte_index(&s[st..], len).map(|l| st + l));
                    match (start, end) {
                        (Some(st), Some(en)) => s.replace_range(st..en, ""),
                        _ => return Err("Index was out of range.".into()),
                    }
                }
                "Clear" => s.clear(),
                "ToString" => return Ok(Value::Str(s.clone())),
                _ => {
                    return Err(format!(
                        "'StringBuilder' does not contain a definition for '{name}'"
                    ));
                }
            }
            let len = s.len();
            drop(s);
            ev.check_len(len)?;
            Ok(this())
        }
        (Object::Random, "NextDouble") => Ok(Value::Float(
            (random_u64(ev)? >> 11) as f64 / (1u64 << 53) as f64,
        )),
        (Object::Set(items), "Add" | "Contains" | "Remove") if items.borrow().len() > 16 => {
            // A scan per call: charged, so a loop cannot make it quadratic for free.
            ev.step(u32::try_from(items.borrow().len() / 16).unwrap_or(u32::MAX))?;
            other_method(ev, object, name, args)
        }
        _ => other_method(ev, object, name, args),
    }
}

/// The methods of `Random` (but `NextDouble`), `HashSet`, and those every object has.
fn other_method(
    ev: &mut Eval<'_, '_, '_>,
    object: &Rc<Object>,
    name: &str,
    args: &[Value],
) -> Result<Value, Fail> {
    let arg = |i: usize| {
        args.get(i)
            .ok_or_else(|| format!("missing argument {}", i + 1))
    };
    let int = |i: usize| super::methods::int(arg(i)?);
    match (&**object, name) {
        (Object::Random, "Next") => {
            let (low, high) = match args.len() {
                0 => (0, i64::from(i32::MAX)),
                1 => (0, int(0)?),
                _ => (int(0)?, int(1)?),
            };
            if high < low {
                return Err(if args.len() == 1 {
                    "'maxValue' must be greater than or equal to zero.".into()
                } else {
                    "'minValue' cannot be greater than maxValue.".into()
                });
            }
            let span = u64::try_from(i128::from(high) - i128::from(low)).unwrap_or(0);
            if span == 0 {
                return Ok(Value::Int(low));
            }
            Ok(Value::Int(
                low + i64::try_from(random_u64(ev)? % span).unwrap_or(0),
            ))
        }
        (Object::Set(items), "Add") => {
            let item = arg(0)?.clone();
            let mut items = items.borrow_mut();
            let new = !items.iter().any(|x| super::ops::equals(x, &item));
            if new {
                items.push(item);
            }
            Ok(Value::Bool(new))
        }
        (Object::Set(items), "Contains") => {
            let item = arg(0)?;
            Ok(Value::Bool(
                items.borrow().iter().any(|x| super::ops::equals(x, item)),
            ))
        }
        (Object::Set(items), "Remove") => {
            let item = arg(0)?;
            let mut items = items.borrow_mut();
            let before = items.len();
            items.retain(|x| !super::ops::equals(x, item));
            Ok(Value::Bool(items.len() != before))
        }
        (Object::Set(items), "Clear") => {
            items.borrow_mut().clear();
            Ok(Value::Null)
        }
        (_, "ToString") => Ok(Value::Str(object.to_text())),
        (_, "Equals") => Ok(Value::Bool(
            matches!(arg(0)?, Value::Object(other) if Rc::ptr_eq(other, object)),
        )),
        _ => Err(format!(
            "'{}' does not contain a definition for '{name}'",
            object.type_name()
        )),
    }
}

fn random_u64(ev: &mut Eval<'_, '_, '_>) -> Result<u64, Fail> {
    let mut bytes = [0u8; 8];
    ev.host.random.fill(&mut bytes).map_err(|e| e.0)?;
    Ok(u64::from_le_bytes(bytes))
}
