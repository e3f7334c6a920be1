//! LINQ to XML (`System.Xml.Linq`) for expressions: `XDocument`, `XElement`, `XAttribute`,
//! `XName`, `XNamespace`, `XText`.
//!
//! - `tree.rs`: the node arena (parsed with the `xml-to-json` reader: no DTDs, bounded depth);
//! - `write.rs`: `ToString()`;
//! - `members.rs`: members and methods (`Root`, `Descendants`, `Element`, `Value`, …).
//!
//! A node value is a shared tree and an index, so navigation (`Parent`, `Descendants`) never
//! copies; trees are immutable once built (`new XElement(…)` copies its content).

mod members;
pub(crate) mod tree;
mod write;

use std::sync::Arc;

use tollgate_config::expr::BinOp;

use super::{Fail, Value};
pub(crate) use members::{member, method, sequence_method};
use tree::{Kind, Tree, XAttr, XName};

/// An XML value.
#[derive(Debug, Clone)]
pub enum Xml {
    /// A node (`XDocument`, `XElement`, `XText`) of a shared tree.
    Node(XRef),
    /// An `XAttribute` (a copy: it keeps no parent).
    Attr(Box<XAttrValue>),
    /// An `XName`.
    Name(Box<XNameValue>),
    /// An `XNamespace`: its URI.
    Namespace(String),
}

/// A node of a tree.
#[derive(Debug, Clone)]
pub struct XRef {
    tree: Arc<Tree>,
    id: usize,
}

/// An attribute's name and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XAttrValue(XAttr);

/// An expanded name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XNameValue(XName);

impl PartialEq for Xml {
    /// Nodes compare by reference, as .NET objects do; names and namespaces by value.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Xml::Node(a), Xml::Node(b)) => Arc::ptr_eq(&a.tree, &b.tree) && a.id == b.id,
            (Xml::Attr(a), Xml::Attr(b)) => a == b,
            (Xml::Name(a), Xml::Name(b)) => a == b,
            (Xml::Namespace(a), Xml::Namespace(b)) => a == b,
            _ => false,
        }
    }
}

impl XRef {
    fn new(tree: Arc<Tree>, id: usize) -> Self {
        XRef { tree, id }
    }

    fn kind(&self) -> Option<&Kind> {
        self.tree.node(self.id).map(|n| &n.kind)
    }

    fn at(&self, id: usize) -> Value {
        Value::Xml(Xml::Node(XRef::new(self.tree.clone(), id)))
    }
}

fn name_value(name: XName) -> Value {
    Value::Xml(Xml::Name(Box::new(XNameValue(name))))
}

impl Xml {
    /// `ToString()`: markup for nodes, `name="value"` for attributes, `{ns}local` for names.
    pub fn to_text(&self) -> String {
        match self {
            Xml::Node(r) => write::write(&r.tree, r.id, true),
            Xml::Attr(a) => {
                let mut out = format!("{}=\"", a.0.qname);
                write::escape(&a.0.value, true, &mut out);
                out.push('"');
                out
            }
            Xml::Name(n) => n.0.text(),
            Xml::Namespace(ns) => ns.clone(),
        }
    }

    /// The .NET type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Xml::Node(r) => match r.kind() {
                Some(Kind::Document) => "XDocument",
                Some(Kind::Text(_)) => "XText",
                _ => "XElement",
            },
            Xml::Attr(_) => "XAttribute",
            Xml::Name(_) => "XName",
            Xml::Namespace(_) => "XNamespace",
        }
    }
}

/// `XDocument.Parse`, `XElement.Parse`, and `Body.As<XDocument|XElement|XNode>()`.
pub(crate) fn parse(text: &str, ty: &str) -> Result<Value, Fail> {
    let tree = tree::parse(text, ty == "XDocument")?;
    Ok(Value::Xml(Xml::Node(XRef::new(tree, 0))))
}

/// A name argument: `"local"`, `"{ns}local"` or an `XName`.
pub(crate) fn name_of(value: &Value) -> Option<XName> {
    match value {
        Value::Xml(Xml::Name(n)) => Some(n.0.clone()),
        Value::Str(s) => Some(XName::parse(s)),
        _ => None,
    }
}

/// `is`/`as` for the XML types.
pub(crate) fn is_type(value: &Value, ty: &str) -> bool {
    let Value::Xml(x) = value else {
        return false;
    };
    let actual = x.type_name();
    actual == ty
        || (ty == "XNode" && matches!(actual, "XDocument" | "XElement" | "XText"))
        || (ty == "XContainer" && matches!(actual, "XDocument" | "XElement"))
}

/// Casts from and to the XML types; `None` when neither side is one.
pub(crate) fn cast(ty: &str, value: &Value) -> Option<Result<Value, Fail>> {
    match (ty, value) {
        ("XNamespace", Value::Str(s)) => Some(Ok(Value::Xml(Xml::Namespace(s.clone())))),
        ("XName", Value::Str(s)) => Some(Ok(name_value(XName::parse(s)))),
        (_, Value::Xml(x)) if is_type(value, ty) || ty == "object" => {
            Some(Ok(Value::Xml(x.clone())))
        }
        (_, Value::Xml(x @ (Xml::Node(_) | Xml::Attr(_)))) => {
            // `(string)element` is its value; numbers and booleans parse that value.
            let text = match x {
                Xml::Attr(a) => a.0.value.clone(),
                Xml::Node(r) => members::value_of(r),
                _ => String::new(),
            };
            Some(match ty {
                "string" | "String" => Ok(Value::Str(text)),
                "int" | "Int32" | "long" | "Int64" => super::text::parse_int(&text).map(Value::Int),
                "double" | "Double" | "float" | "decimal" => {
                    text.trim().parse().map(Value::Float).map_err(|_| {
                        format!("The input string '{text}' was not in a correct format.")
                    })
                }
                "bool" | "Boolean" => super::text::parse_bool(&text).map(Value::Bool),
                "DateTime" => super::time::parse_date(&text).map(Value::Date),
                _ => Err(format!(
                    "Unable to cast object of type '{}' to type '{ty}'.",
                    x.type_name()
                )),
            })
        }
        _ => None,
    }
}

/// `ns + "local"` makes an `XName`; `None` for other operands.
pub(crate) fn binary(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    match (op, a, b) {
        (BinOp::Add, Value::Xml(Xml::Namespace(ns)), Value::Str(local)) => {
            Some(name_value(XName {
                ns: ns.clone(),
                local: local.clone(),
            }))
        }
        _ => None,
    }
}

/// Equality with C#'s implicit conversions: an `XName` equals the string of its name.
pub(crate) fn equals(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Xml(Xml::Name(n)), Value::Str(s)) | (Value::Str(s), Value::Xml(Xml::Name(n))) => {
            Some(n.0 == XName::parse(s))
        }
        (Value::Xml(Xml::Namespace(ns)), Value::Str(s))
        | (Value::Str(s), Value::Xml(Xml::Namespace(ns))) => Some(ns == s),
        (Value::Xml(x), Value::Xml(y)) => Some(x == y),
        _ => None,
    }
}

/// Static members: `XNamespace.None`, `SaveOptions.*`, `LoadOptions.*`.
pub(crate) fn static_member(ty: &str, name: &str) -> Option<Value> {
    match (ty, name) {
        ("XNamespace", "None") => Some(Value::Xml(Xml::Namespace(String::new()))),
        ("XNamespace", "Xml") => Some(Value::Xml(Xml::Namespace(
            "http://www.w3.org/XML/1998/namespace".into(),
        ))),
        ("XNamespace", "Xmlns") => Some(Value::Xml(Xml::Namespace(
            "http://www.w3.org/2000/xmlns/".into(),
        ))),
        _ => None,
    }
}

/// Static methods: `XDocument.Parse`, `XElement.Parse`, `XName.Get`, `XNamespace.Get`.
pub(crate) fn static_call(ty: &str, name: &str, args: &[Value]) -> Option<Result<Value, Fail>> {
    let text = |i: usize| args.get(i).map(Value::to_text).unwrap_or_default();
    Some(match (ty, name) {
        ("XDocument" | "XElement", "Parse") => parse(&text(0), ty),
        ("XName", "Get") if args.len() >= 2 => Ok(name_value(XName {
            ns: text(1),
            local: text(0),
        })),
        ("XName", "Get") => Ok(name_value(XName::parse(&text(0)))),
        ("XNamespace", "Get") => Ok(Value::Xml(Xml::Namespace(text(0)))),
        _ => return None,
    })
}

/// `new XElement(name, content…)`, `new XAttribute(name, value)`, `new XDocument(content…)`,
/// `new XText(text)`, `new XCData(text)`.
pub(crate) fn construct(ty: &str, args: Vec<Value>) -> Result<Value, Fail> {
    let mut args = args.into_iter();
    match ty {
        "XAttribute" => {
            let name = args
                .next()
                .as_ref()
                .and_then(name_of)
                .ok_or("XAttribute needs a name")?;
            let value = args.next().map(|v| v.to_text()).unwrap_or_default();
            let qname = name.local.clone();
            Ok(Value::Xml(Xml::Attr(Box::new(XAttrValue(XAttr {
                name,
                qname,
                value,
            })))))
        }
        "XText" | "XCData" => {
            let mut tree = Tree::default();
            tree.push(
                None,
                Kind::Text(args.next().map(|v| v.to_text()).unwrap_or_default()),
            )?;
            Ok(Value::Xml(Xml::Node(XRef::new(Arc::new(tree), 0))))
        }
        _ => {
            let mut tree = Tree::default();
            let top = if ty == "XDocument" {
                tree.push(None, Kind::Document)?
            } else {
                let name = args
                    .next()
                    .as_ref()
                    .and_then(name_of)
                    .ok_or("XElement needs a name")?;
                let mut attrs = Vec::new();
                if !name.ns.is_empty() {
                    attrs.push(XAttr {
                        name: XName {
                            ns: "http://www.w3.org/2000/xmlns/".into(),
                            local: "xmlns".into(),
                        },
                        qname: "xmlns".into(),
                        value: name.ns.clone(),
                    });
                }
                let qname = name.local.clone();
                tree.push(None, Kind::Element { name, qname, attrs })?
            };
            for arg in args {
                add_content(&mut tree, top, arg)?;
            }
            Ok(Value::Xml(Xml::Node(XRef::new(Arc::new(tree), top))))
        }
    }
}

fn add_content(tree: &mut Tree, parent: usize, value: Value) -> Result<(), Fail> {
    match value {
        Value::Null => {}
        Value::List(items) => {
            for item in items {
                add_content(tree, parent, item)?;
            }
        }
        Value::Xml(Xml::Attr(a)) => {
            if let Some(Kind::Element { attrs, .. }) =
                tree.nodes.get_mut(parent).map(|n| &mut n.kind)
            {
                attrs.push(a.0);
            }
        }
        Value::Xml(Xml::Node(r)) => {
            if let Some(Kind::Document) = r.kind() {
                let children = r
                    .tree
                    .node(r.id)
                    .map(|n| n.children.clone())
                    .unwrap_or_default();
                for child in children {
                    tree.copy(Some(parent), &r.tree, child)?;
                }
            } else {
                tree.copy(Some(parent), &r.tree, r.id)?;
            }
        }
        other => {
            tree.push(Some(parent), Kind::Text(other.to_text()))?;
        }
    }
    Ok(())
}
