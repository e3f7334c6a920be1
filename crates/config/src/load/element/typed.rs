//! Typed attributes: a literal checked now, or a named value / policy expression converted
//! when the policy runs ([`Typed`]).
//!
//! Azure substitutes `{{named values}}` as text in every attribute, so a named value is
//! always accepted; a policy expression only where Azure's reference allows one
//! ([`Exprs::Allowed`]). Elsewhere the error says that Azure does not take one either.

use super::{Element, is_expression};
use crate::expr::PolicyValue;
use crate::load::error::Reported;
use crate::load::template::{has_named_value, parse_template, preview};
use crate::model::{Choice, Dynamic, Typed};

/// Whether Azure's reference allows a policy expression in an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exprs {
    /// "Policy expressions are allowed."
    Allowed,
    /// "Policy expressions aren't allowed." (named values still are).
    NotInAzure,
}

/// An attribute as written: literal text (with any named value the loader already knows
/// substituted), or a value computed per request.
enum Raw {
    Literal(Lit),
    Dynamic(PolicyValue),
}

/// Literal text and where its attribute is.
struct Lit {
    value: String,
    offset: usize,
}

impl<'a> Element<'_, 'a, '_> {
    /// Takes an attribute and sorts it into literal text or a per-request value.
    fn typed_raw(&mut self, name: &str, exprs: Exprs) -> Result<Option<Raw>, Reported> {
        let Some(attr) = self.optional(name)? else {
            return Ok(None);
        };
        if is_expression(attr.value) {
            if exprs == Exprs::NotInAzure {
                let tag = self.tag();
                return Err(self.error_at(
                    attr.offset,
                    format!(
                        "<{tag}> attribute `{name}` does not take policy expressions in Azure; \
                         write a literal value or a named value {{{{name}}}}"
                    ),
                ));
            }
            let raw = self.raw(attr.value_offset);
            let value = self.value(attr.value, attr.value_offset, raw)?;
            return Ok(Some(Raw::Dynamic(value)));
        }
        let mut value = attr.value.to_string();
        if has_named_value(attr.value) {
            let template = parse_template(attr.value)
                .map_err(|message| self.error_at(attr.offset, message))?;
            match template.as_literal() {
                Some(text) => value = text,
                None => return Ok(Some(Raw::Dynamic(PolicyValue::Text(template)))),
            }
        }
        Ok(Some(Raw::Literal(Lit {
            value,
            offset: attr.offset,
        })))
    }

    fn dynamic(&self, name: &str, value: PolicyValue) -> Box<Dynamic> {
        Box::new(Dynamic {
            element: self.tag().to_string(),
            attribute: name.to_string(),
            value,
            min: 0,
            max: 0,
            choices: Vec::new(),
        })
    }

    /// An optional whole-number attribute within `min..=max`; `what` describes the literal
    /// expected in the load error (e.g. `a status code from 100 to 599`).
    pub fn typed_number<T: TryFrom<i64>>(
        &mut self,
        name: &str,
        (min, max): (i64, i64),
        exprs: Exprs,
        what: &str,
    ) -> Result<Option<Typed<T>>, Reported> {
        match self.typed_raw(name, exprs)? {
            None => Ok(None),
            Some(Raw::Dynamic(value)) => {
                let mut dynamic = self.dynamic(name, value);
                dynamic.min = min;
                dynamic.max = max;
                Ok(Some(Typed::Dynamic(dynamic)))
            }
            Some(Raw::Literal(attr)) => {
                let parsed = attr
                    .value
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .and_then(|n| T::try_from(n).ok());
                match parsed {
                    Some(n) => Ok(Some(Typed::Literal(n))),
                    None => {
                        let tag = self.tag();
                        Err(self.error_at(
                            attr.offset,
                            format!(
                                "<{tag}> {name} must be {what}, not `{}`",
                                preview(&attr.value)
                            ),
                        ))
                    }
                }
            }
        }
    }

    /// An optional `true`/`false` attribute (any ASCII case).
    pub fn typed_bool(
        &mut self,
        name: &str,
        exprs: Exprs,
    ) -> Result<Option<Typed<bool>>, Reported> {
        match self.typed_raw(name, exprs)? {
            None => Ok(None),
            Some(Raw::Dynamic(value)) => Ok(Some(Typed::Dynamic(self.dynamic(name, value)))),
            Some(Raw::Literal(attr)) => match attr.value.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(Typed::Literal(true))),
                "false" => Ok(Some(Typed::Literal(false))),
                _ => {
                    let tag = self.tag();
                    let hint = match exprs {
                        Exprs::Allowed => ", a named value or an expression",
                        Exprs::NotInAzure => " or a named value",
                    };
                    Err(self.error_at(
                        attr.offset,
                        format!(
                            "<{tag}> {name} must be true, false{hint}, not `{}`",
                            preview(&attr.value)
                        ),
                    ))
                }
            },
        }
    }

    /// An optional attribute that is one of `choices` (any ASCII case).
    pub fn typed_choice<T: Choice>(
        &mut self,
        name: &str,
        choices: &[&str],
        exprs: Exprs,
    ) -> Result<Option<Typed<T>>, Reported> {
        match self.typed_raw(name, exprs)? {
            None => Ok(None),
            Some(Raw::Dynamic(value)) => {
                let mut dynamic = self.dynamic(name, value);
                dynamic.choices = choices.iter().map(|c| (*c).to_string()).collect();
                Ok(Some(Typed::Dynamic(dynamic)))
            }
            Some(Raw::Literal(attr)) => {
                let value = attr.value.trim();
                let choice = choices
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(value))
                    .and_then(|c| T::from_name(c));
                match choice {
                    Some(choice) => Ok(Some(Typed::Literal(choice))),
                    None => Err(self.not_one_of(attr.offset, name, choices, value)),
                }
            }
        }
    }

    /// An optional text attribute; `check` validates literal text (a message on failure).
    pub fn typed_text(
        &mut self,
        name: &str,
        exprs: Exprs,
        check: impl FnOnce(&str) -> Result<String, String>,
    ) -> Result<Option<Typed<String>>, Reported> {
        match self.typed_raw(name, exprs)? {
            None => Ok(None),
            Some(Raw::Dynamic(value)) => Ok(Some(Typed::Dynamic(self.dynamic(name, value)))),
            Some(Raw::Literal(attr)) => match check(&attr.value) {
                Ok(text) => Ok(Some(Typed::Literal(text))),
                Err(message) => Err(self.error_at(attr.offset, message)),
            },
        }
    }

    /// An optional attribute parsed by `parse` when literal (a message on failure), or a
    /// value computed per request.
    pub fn typed_with<T>(
        &mut self,
        name: &str,
        exprs: Exprs,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<Typed<T>>, Reported> {
        match self.typed_raw(name, exprs)? {
            None => Ok(None),
            Some(Raw::Dynamic(value)) => Ok(Some(Typed::Dynamic(self.dynamic(name, value)))),
            Some(Raw::Literal(attr)) => match parse(&attr.value) {
                Ok(value) => Ok(Some(Typed::Literal(value))),
                Err(message) => Err(self.error_at(attr.offset, message)),
            },
        }
    }

    /// An attribute Azure takes literally and Tollgate needs when the configuration is built
    /// (a variable or metric name): an expression is refused with Azure's rule, a named value
    /// because its value is only known per call.
    pub fn azure_literal(&mut self, name: &str) -> Result<Option<super::Attr<'a>>, Reported> {
        let Some(attr) = self.optional(name)? else {
            return Ok(None);
        };
        let tag = self.tag();
        if is_expression(attr.value) {
            return Err(self.error_at(
                attr.offset,
                format!(
                    "<{tag}> attribute `{name}` does not take policy expressions in Azure; \
                     write a literal value"
                ),
            ));
        }
        if has_named_value(attr.value) {
            return Err(self.error_at(
                attr.offset,
                format!("named values cannot be used in <{tag}> attribute `{name}`"),
            ));
        }
        Ok(Some(attr))
    }

    /// Reports a missing required attribute.
    pub fn missing(&mut self, name: &str) -> Reported {
        let tag = self.tag();
        self.error(format!(
            "<{tag}> is missing the required attribute `{name}`"
        ))
    }
}
