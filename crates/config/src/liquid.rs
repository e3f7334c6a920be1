//! Liquid templates (`<set-body template="liquid">`) as parsed trees.
//!
//! The loader parses a template at build time (`load/liquid/`); the gateway renders the tree
//! per request (`src/liquid/`). Tags and filters are the subset Azure documents; anything
//! else has already been refused at load time.

use serde::{Deserialize, Serialize};

/// A parsed template: its blocks in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The blocks.
    pub blocks: Vec<Block>,
}

/// `<set-body template="liquid">`: the template and its attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiquidBody {
    /// The parsed template.
    pub template: Template,
    /// `xsi-nil`.
    pub xsi_nil: XsiNil,
    /// `parse-date` (default true): JSON strings that Json.NET reads as dates
    /// (`2012-03-21T05:40Z`, `/Date(1198908717056)/`) read as `MM/dd/yyyy HH:mm:ss`.
    pub parse_date: bool,
}

/// How an XML element marked `xsi:nil="true"` reads in `body` (`xsi-nil`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum XsiNil {
    /// An empty string (Azure's default).
    #[default]
    Blank,
    /// `nil`.
    Null,
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// Literal text.
    Text(String),
    /// `{{ value | filter: args }}`.
    Output(Output),
    /// `{% if %}` / `{% elsif %}` / `{% else %}` (and `{% unless %}`, a negated `if`).
    If(Vec<(Cond, Vec<Block>)>, Vec<Block>),
    /// `{% case subject %}{% when a, b %}…{% else %}…{% endcase %}`.
    Case(Expr, Vec<(Vec<Expr>, Vec<Block>)>, Vec<Block>),
    /// `{% for item in source limit: n offset: n reversed %}…{% else %}…{% endfor %}`, and
    /// Azure's `{% JSONArrayFor item in source %}…{% endJSONArrayFor %}`.
    For(Box<For>),
    /// `{% assign name = value | filters %}`.
    Assign(String, Output),
    /// `{% capture name %}…{% endcapture %}`.
    Capture(String, Vec<Block>),
    /// `{% break %}`.
    Break,
    /// `{% continue %}`.
    Continue,
}

/// A `for` loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct For {
    /// The loop variable.
    pub var: String,
    /// What is iterated: an array, an object's pairs, or a range.
    pub source: Expr,
    /// `limit:`.
    pub limit: Option<Expr>,
    /// `offset:`.
    pub offset: Option<Expr>,
    /// `reversed`.
    pub reversed: bool,
    /// Azure's `{% JSONArrayFor %}`: a comma between the items (none after the last).
    pub commas: bool,
    /// The body.
    pub body: Vec<Block>,
    /// `{% else %}`: rendered when there is nothing to iterate.
    pub otherwise: Vec<Block>,
}

/// A value with its filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The value.
    pub value: Expr,
    /// Filters, applied left to right.
    pub filters: Vec<Filter>,
}

/// `| Name: arg, arg`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// Which filter.
    pub name: FilterName,
    /// Its arguments.
    pub args: Vec<Expr>,
}

/// A value expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// `nil` / `null`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A quoted string.
    Str(String),
    /// `empty` (compares equal to empty strings, arrays and objects).
    Empty,
    /// `blank` (also nil, false and whitespace).
    Blank,
    /// `root.key[index].key`: a variable and the steps into it.
    Path(String, Vec<Seg>),
    /// `(from..to)`.
    Range(Box<Expr>, Box<Expr>),
}

/// A step into a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Seg {
    /// `.key` (also `.size`, `.first`, `.last`).
    Key(String),
    /// `[index]`.
    Index(Expr),
}

/// A condition of `if`, `elsif` and `unless`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Cond {
    /// A value's truth (everything but `nil` and `false` is true).
    Truthy(Expr),
    /// `a op b`.
    Compare(Expr, Op, Expr),
    /// `a and b` (evaluated right to left, as Liquid does).
    And(Box<Cond>, Box<Cond>),
    /// `a or b`.
    Or(Box<Cond>, Box<Cond>),
    /// `unless`.
    Not(Box<Cond>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `==`.
    Eq,
    /// `!=` or `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `contains` (substring, array item or object key).
    Contains,
}

/// The filters Azure documents for `set-body` (DotLiquid's standard filters, PascalCase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum FilterName {
    Abs,
    Append,
    AtLeast,
    AtMost,
    Capitalize,
    Compact,
    Currency,
    Date,
    Default,
    DividedBy,
    Downcase,
    Escape,
    First,
    H,
    Join,
    Last,
    Lstrip,
    Map,
    Minus,
    Modulo,
    NewlineToBr,
    Plus,
    Prepend,
    Remove,
    RemoveFirst,
    Replace,
    ReplaceFirst,
    Round,
    Rstrip,
    Size,
    Slice,
    Sort,
    Split,
    Strip,
    StripHtml,
    StripNewlines,
    Times,
    Truncate,
    TruncateWords,
    Uniq,
    Upcase,
    UrlDecode,
    UrlEncode,
}

/// Every filter by its PascalCase name (Azure's spelling).
pub const FILTERS: &[(&str, FilterName)] = &[
    ("Abs", FilterName::Abs),
    ("Append", FilterName::Append),
    ("AtLeast", FilterName::AtLeast),
    ("AtMost", FilterName::AtMost),
    ("Capitalize", FilterName::Capitalize),
    ("Compact", FilterName::Compact),
    ("Currency", FilterName::Currency),
    ("Date", FilterName::Date),
    ("Default", FilterName::Default),
    ("DividedBy", FilterName::DividedBy),
    ("Downcase", FilterName::Downcase),
    ("Escape", FilterName::Escape),
    ("First", FilterName::First),
    ("H", FilterName::H),
    ("Join", FilterName::Join),
    ("Last", FilterName::Last),
    ("Lstrip", FilterName::Lstrip),
    ("Map", FilterName::Map),
    ("Minus", FilterName::Minus),
    ("Modulo", FilterName::Modulo),
    ("NewlineToBr", FilterName::NewlineToBr),
    ("Plus", FilterName::Plus),
    ("Prepend", FilterName::Prepend),
    ("Remove", FilterName::Remove),
    ("RemoveFirst", FilterName::RemoveFirst),
    ("Replace", FilterName::Replace),
    ("ReplaceFirst", FilterName::ReplaceFirst),
    ("Round", FilterName::Round),
    ("Rstrip", FilterName::Rstrip),
    ("Size", FilterName::Size),
    ("Slice", FilterName::Slice),
    ("Sort", FilterName::Sort),
    ("Split", FilterName::Split),
    ("Strip", FilterName::Strip),
    ("StripHtml", FilterName::StripHtml),
    ("StripNewlines", FilterName::StripNewlines),
    ("Times", FilterName::Times),
    ("Truncate", FilterName::Truncate),
    ("TruncateWords", FilterName::TruncateWords),
    ("Uniq", FilterName::Uniq),
    ("Upcase", FilterName::Upcase),
    ("UrlDecode", FilterName::UrlDecode),
    ("UrlEncode", FilterName::UrlEncode),
];

impl FilterName {
    /// A filter by name: Azure's PascalCase (`AtLeast`) or Liquid's snake_case (`at_least`).
    pub fn lookup(name: &str) -> Option<FilterName> {
        let folded: String = name.chars().filter(|c| *c != '_').collect();
        FILTERS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&folded))
            .map(|(_, f)| *f)
    }
}
