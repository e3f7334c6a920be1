//! Compiled JSON Schemas: the validator program the loader builds from an API's OpenAPI
//! document and the gateway walks per request (`src/schema/`).
//!
//! A schema is compiled once, at build time, into a flat list of [`SchemaNode`]s; every
//! subschema and `$ref` target is a node index, so recursive schemas are plain cycles of
//! indices. Nothing here is parsed per request: the only run-time construction is a
//! `pattern`'s regex, built (from the translated text in [`Schemas::patterns`]) the first
//! time a request reaches it.

use serde::{Deserialize, Serialize};

/// One API's compiled schemas: the node arena and the translated `pattern`s.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schemas {
    /// Every compiled (sub)schema; a node's index is its id.
    pub nodes: Vec<SchemaNode>,
    /// Regular expressions in the engine's (`regex-lite`) syntax, translated from ECMA-262.
    pub patterns: Vec<String>,
    /// For each pattern, its compiled form when it is a plain sequence of character classes
    /// with quantifiers (most OpenAPI patterns, e.g. `^[A-Z]{3}-[0-9]{4}$`): matched without
    /// building a regex per call. `None`: the regex engine runs it.
    pub simple: Vec<Option<SimplePattern>>,
}

/// A pattern that is a sequence of quantified character classes, optionally anchored,
/// matched by a bit-parallel NFA over at most 63 states (linear in the input).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SimplePattern {
    /// `^`: the match starts at the beginning.
    pub anchored_start: bool,
    /// `$`: the match ends at the end.
    pub anchored_end: bool,
    /// The NFA states, in order; each consumes one character.
    pub states: Vec<SimpleState>,
}

/// One state of a [`SimplePattern`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleState {
    /// Inclusive character ranges the state accepts.
    pub ranges: Vec<(char, char)>,
    /// The state accepts characters outside `ranges` instead.
    pub negated: bool,
    /// The state may be skipped (`?`, the optional part of `{n,m}`, `*`).
    pub optional: bool,
    /// The state may repeat (`*`, the tail of `+` and `{n,}`).
    pub repeats: bool,
}

/// One (sub)schema: all of its checks must pass.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaNode {
    /// The assertions and applicators, in the order they run.
    pub checks: Vec<Check>,
}

/// Bits of [`Check::Types`].
pub mod types {
    /// `null`.
    pub const NULL: u8 = 1;
    /// `boolean`.
    pub const BOOLEAN: u8 = 2;
    /// `object`.
    pub const OBJECT: u8 = 4;
    /// `array`.
    pub const ARRAY: u8 = 8;
    /// `number` (includes integers).
    pub const NUMBER: u8 = 16;
    /// `string`.
    pub const STRING: u8 = 32;
    /// `integer`: a number with no fractional part.
    pub const INTEGER: u8 = 64;
}

/// Bits of a required property's flags: whether `required` applies in one direction only.
pub mod direction {
    /// The property is `readOnly`: not required in a request.
    pub const READ_ONLY: u8 = 1;
    /// The property is `writeOnly`: not required in a response.
    pub const WRITE_ONLY: u8 = 2;
}

/// One keyword's compiled form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Check {
    /// The `false` schema: nothing is valid.
    Never,
    /// `type` (with OpenAPI 3.0's `nullable` folded in): a set of [`types`] bits.
    Types(u8),
    /// `enum`.
    Enum(Vec<Lit>),
    /// `const`.
    Const(Lit),
    /// `$ref`: the target node.
    Ref(u32),
    /// `allOf`.
    AllOf(Vec<u32>),
    /// `anyOf`.
    AnyOf(Vec<u32>),
    /// `oneOf`.
    OneOf(Vec<u32>),
    /// `not`.
    Not(u32),
    /// `if` / `then` / `else`.
    IfThenElse(u32, Option<u32>, Option<u32>),
    /// `minimum`.
    Minimum(f64),
    /// `exclusiveMinimum` (2020 numeric, or draft 4's boolean with `minimum`).
    ExclusiveMinimum(f64),
    /// `maximum`.
    Maximum(f64),
    /// `exclusiveMaximum`.
    ExclusiveMaximum(f64),
    /// `multipleOf`.
    MultipleOf(f64),
    /// `minLength`, in code points.
    MinLength(u64),
    /// `maxLength`, in code points.
    MaxLength(u64),
    /// `pattern`: an index into [`Schemas::patterns`] (unanchored search).
    Pattern(u32),
    /// `format`, as an assertion.
    Format(Format),
    /// `prefixItems` (or draft 4's array `items`) and what checks the items after them
    /// (`items` / `additionalItems`).
    Items {
        /// Positional schemas.
        prefix: Vec<u32>,
        /// The schema of every later item, if any.
        rest: Option<u32>,
    },
    /// `minItems`.
    MinItems(u64),
    /// `maxItems`.
    MaxItems(u64),
    /// `uniqueItems: true`.
    UniqueItems,
    /// `contains` with `minContains` (default 1) and `maxContains`.
    Contains {
        /// What an item must match to count.
        schema: u32,
        /// At least this many items.
        min: u64,
        /// At most this many items.
        max: Option<u64>,
    },
    /// `properties`, `patternProperties` and `additionalProperties` (evaluated together).
    Properties(Box<Properties>),
    /// `required`: names with their [`direction`] flags.
    Required(Vec<(String, u8)>),
    /// `minProperties`.
    MinProperties(u64),
    /// `maxProperties`.
    MaxProperties(u64),
    /// `propertyNames`.
    PropertyNames(u32),
    /// `dependentRequired` (and draft 4's array `dependencies`).
    DependentRequired(Vec<(String, Vec<String>)>),
    /// `dependentSchemas` (and draft 4's schema `dependencies`).
    DependentSchemas(Vec<(String, u32)>),
}

/// The object applicators of one schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Properties {
    /// `properties`.
    pub named: Vec<(String, u32)>,
    /// `patternProperties`: a pattern index and the schema.
    pub patterns: Vec<(u32, u32)>,
    /// `additionalProperties`, when present.
    pub additional: Option<u32>,
}

/// A `format` checked as an assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// RFC 3339 `date-time`.
    DateTime,
    /// RFC 3339 `full-date`.
    Date,
    /// RFC 3339 `full-time`.
    Time,
    /// RFC 5321 mailbox (ASCII).
    Email,
    /// RFC 4122 UUID.
    Uuid,
    /// RFC 3986 absolute URI.
    Uri,
    /// Dotted-quad IPv4.
    Ipv4,
    /// RFC 4291 IPv6.
    Ipv6,
}

impl Format {
    /// The format named `name`; other names are annotations (not checked).
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "date-time" => Format::DateTime,
            "date" => Format::Date,
            "time" => Format::Time,
            "email" => Format::Email,
            "uuid" => Format::Uuid,
            "uri" => Format::Uri,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            _ => return None,
        })
    }

    /// The format's name, as written in a schema.
    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Email => "email",
            Format::Uuid => "uuid",
            Format::Uri => "uri",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
        }
    }
}

/// A JSON value inside a schema (`enum`, `const`), in a form postcard can carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Lit {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number (JSON Schema compares numbers by value: `1` equals `1.0`).
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Lit>),
    /// An object (member order is irrelevant to equality; compared as a set).
    Obj(Vec<(String, Lit)>),
}
