//! Attribute values that are either literal or computed per request.
//!
//! Azure lets a policy expression (`@(…)`, `@{…}`) or a named value (`{{name}}`) stand for
//! almost any attribute. [`Typed`] keeps the common case free: a literal is validated at load
//! time and stored as its final type, so the gateway reads it like a plain field. Only a
//! [`Dynamic`] value is evaluated and converted when the policy runs; a value of the wrong
//! type is then an `ExpressionValueEvaluationFailure` (500, on-error), never a panic.

use serde::{Deserialize, Serialize};

use crate::expr::PolicyValue;

/// An attribute's value: a literal known at load time, or a named value or policy expression
/// converted to `T` when the policy runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Typed<T> {
    /// Written literally; validated at load time.
    Literal(T),
    /// A named value or a policy expression, converted per request.
    Dynamic(Box<Dynamic>),
}

/// An attribute computed per request, with what its value must be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dynamic {
    /// The element, e.g. `rate-limit-by-key` (for the error and the log).
    pub element: String,
    /// The attribute, e.g. `calls`.
    pub attribute: String,
    /// The named value(s) or the expression.
    pub value: PolicyValue,
    /// For a number: the smallest value accepted.
    pub min: i64,
    /// For a number: the largest value accepted.
    pub max: i64,
    /// For an enumeration: the accepted names (compared ignoring ASCII case).
    pub choices: Vec<String>,
}

impl<T> Typed<T> {
    /// The literal value, if the attribute was written literally.
    pub fn literal(&self) -> Option<&T> {
        match self {
            Typed::Literal(value) => Some(value),
            Typed::Dynamic(_) => None,
        }
    }
}

impl<T> From<T> for Typed<T> {
    fn from(value: T) -> Self {
        Typed::Literal(value)
    }
}

/// An enumeration attribute: maps its accepted names (as written in Azure's reference) to
/// the model's variants, for the loader and for values computed per request.
pub trait Choice: Sized {
    /// The variant for `name` (already matched against the element's accepted names,
    /// ignoring ASCII case).
    fn from_name(name: &str) -> Option<Self>;
}
