//! Members and methods of XML values: navigation (`Root`, `Parent`, `Elements`,
//! `Descendants`, `Element`, `Attribute`), `Value`, names, and the extension methods on
//! sequences (`doc.Descendants("a").Elements("b")`).

use super::super::eval::Eval;
use super::super::{Fail, Value};
use super::tree::{Kind, XName};
use super::{XAttrValue, XRef, Xml, name_of, name_value, write};

fn no_member(x: &Xml, name: &str) -> Fail {
    format!(
        "'{}' does not contain a definition for '{name}'",
        x.type_name()
    )
}

/// The concatenated text of a node and its descendants (`XElement.Value`).
pub(crate) fn value_of(r: &XRef) -> String {
    let mut out = String::new();
    let mut stack = vec![r.id];
    while let Some(id) = stack.pop() {
        let Some(node) = r.tree.node(id) else {
            continue;
        };
        if let Kind::Text(t) = &node.kind {
            out.push_str(t);
        }
        stack.extend(node.children.iter().rev());
    }
    out
}

/// `x.Name` and the other members.
pub(crate) fn member(x: Xml, name: &str) -> Result<Value, Fail> {
    let r = match x {
        Xml::Node(r) => r,
        Xml::Attr(a) => {
            return Ok(match name {
                "Name" => name_value(a.0.name.clone()),
                "Value" => Value::Str(a.0.value.clone()),
                "IsNamespaceDeclaration" => Value::Bool(a.0.is_namespace()),
                "Parent" => Value::Null,
                _ => return Err(no_member(&Xml::Attr(a), name)),
            });
        }
        Xml::Name(n) => {
            return Ok(match name {
                "LocalName" => Value::Str(n.0.local.clone()),
                "NamespaceName" => Value::Str(n.0.ns.clone()),
                "Namespace" => Value::Xml(Xml::Namespace(n.0.ns.clone())),
                _ => return Err(no_member(&Xml::Name(n), name)),
            });
        }
        Xml::Namespace(ns) => {
            return match name {
                "NamespaceName" => Ok(Value::Str(ns)),
                _ => Err(no_member(&Xml::Namespace(ns), name)),
            };
        }
    };
    let Some(node) = r.tree.node(r.id) else {
        return Err("bad XML node".into());
    };
    let elements = || {
        node.children
            .iter()
            .copied()
            .filter(|&c| matches!(r.tree.node(c).map(|n| &n.kind), Some(Kind::Element { .. })))
    };
    let sibling = |step: isize| -> Value {
        let Some(parent) = node.parent.and_then(|p| r.tree.node(p)) else {
            return Value::Null;
        };
        let at = parent.children.iter().position(|&c| c == r.id);
        at.and_then(|i| i.checked_add_signed(step))
            .and_then(|i| parent.children.get(i))
            .map_or(Value::Null, |&id| r.at(id))
    };
    Ok(match (&node.kind, name) {
        (Kind::Document, "Root") => elements().next().map_or(Value::Null, |id| r.at(id)),
        (Kind::Text(t), "Value") => Value::Str(t.clone()),
        (_, "Value") => Value::Str(value_of(&r)),
        (Kind::Element { name: n, .. }, "Name") => name_value(n.clone()),
        (_, "Parent") => match node.parent {
            Some(p) if matches!(r.tree.node(p).map(|n| &n.kind), Some(Kind::Element { .. })) => {
                r.at(p)
            }
            _ => Value::Null,
        },
        (_, "Document") => match r.tree.node(0).map(|n| &n.kind) {
            Some(Kind::Document) => r.at(0),
            _ => Value::Null,
        },
        (_, "HasElements") => Value::Bool(elements().next().is_some()),
        (Kind::Element { attrs, .. }, "HasAttributes") => Value::Bool(!attrs.is_empty()),
        (Kind::Element { .. }, "IsEmpty") => Value::Bool(node.children.is_empty()),
        (_, "FirstNode") => node.children.first().map_or(Value::Null, |&id| r.at(id)),
        (_, "LastNode") => node.children.last().map_or(Value::Null, |&id| r.at(id)),
        (_, "NextNode") => sibling(1),
        (_, "PreviousNode") => sibling(-1),
        (_, "NodeType") => Value::Str(
            match node.kind {
                Kind::Document => "Document",
                Kind::Element { .. } => "Element",
                Kind::Text(_) => "Text",
            }
            .into(),
        ),
        _ => return Err(no_member(&Xml::Node(r), name)),
    })
}

/// Whether `name` is a LINQ to XML method (so it applies to sequences too).
pub(crate) fn is_axis(name: &str) -> bool {
    matches!(
        name,
        "Elements"
            | "Descendants"
            | "DescendantsAndSelf"
            | "Ancestors"
            | "AncestorsAndSelf"
            | "Attributes"
            | "Nodes"
            | "DescendantNodes"
    )
}

/// A method on an XML value; `None` when the value is not XML (the call falls through).
pub(crate) fn method(
    ev: &mut Eval<'_, '_, '_>,
    target: &Value,
    name: &str,
    args: &[Value],
) -> Option<Result<Value, Fail>> {
    let Value::Xml(x) = target else {
        return None;
    };
    Some(match (x, name) {
        (_, "ToString") => Ok(Value::Str(match (x, args.first()) {
            (Xml::Node(r), Some(Value::Str(o))) if o.contains("DisableFormatting") => {
                write::write(&r.tree, r.id, false)
            }
            _ => x.to_text(),
        })),
        (Xml::Node(r), "Element") => {
            let wanted = args.first().and_then(name_of);
            axis(ev, r, "Elements", wanted.as_ref()).map(|mut v| {
                if v.is_empty() {
                    Value::Null
                } else {
                    v.swap_remove(0)
                }
            })
        }
        (Xml::Node(r), "Attribute") => {
            let wanted = args.first().and_then(name_of);
            axis(ev, r, "Attributes", wanted.as_ref()).map(|mut v| {
                if v.is_empty() {
                    Value::Null
                } else {
                    v.swap_remove(0)
                }
            })
        }
        (Xml::Node(r), _) if is_axis(name) => {
            let wanted = args.first().and_then(name_of);
            axis(ev, r, name, wanted.as_ref()).map(Value::List)
        }
        (_, "Equals") => Ok(Value::Bool(
            args.first()
                .is_some_and(|a| super::equals(target, a) == Some(true)),
        )),
        (x, _) => Err(format!(
            "'{}' does not contain a definition for '{name}'",
            x.type_name()
        )),
    })
}

/// `Elements`, `Descendants`, `Attributes`, … on a sequence of nodes (the `Extensions`).
pub(crate) fn sequence_method(
    ev: &mut Eval<'_, '_, '_>,
    target: &Value,
    name: &str,
    args: &[Value],
) -> Option<Result<Value, Fail>> {
    let Value::List(items) = target else {
        return None;
    };
    if !is_axis(name) || !items.iter().all(|i| matches!(i, Value::Xml(Xml::Node(_)))) {
        return None;
    }
    let wanted = args.first().and_then(name_of);
    let mut out = Vec::new();
    for item in items {
        if let Value::Xml(Xml::Node(r)) = item {
            match axis(ev, r, name, wanted.as_ref()) {
                Ok(found) => out.extend(found),
                Err(e) => return Some(Err(e)),
            }
        }
    }
    Some(Ok(Value::List(out)))
}

/// The nodes on an axis, in document order, optionally only those named `wanted`.
fn axis(
    ev: &mut Eval<'_, '_, '_>,
    r: &XRef,
    axis: &str,
    wanted: Option<&XName>,
) -> Result<Vec<Value>, Fail> {
    let tree = &r.tree;
    let matches = |id: usize| match (tree.node(id).map(|n| &n.kind), wanted) {
        (Some(Kind::Element { .. }), None) => true,
        (Some(Kind::Element { name, .. }), Some(w)) => name == w,
        _ => false,
    };
    let mut ids = Vec::new();
    match axis {
        "Elements" => ids.extend(
            tree.node(r.id)
                .map(|n| n.children.clone())
                .unwrap_or_default()
                .into_iter()
                .filter(|&c| matches(c)),
        ),
        "Nodes" => ids.extend(
            tree.node(r.id)
                .map(|n| n.children.clone())
                .unwrap_or_default(),
        ),
        "Descendants" | "DescendantsAndSelf" | "DescendantNodes" => {
            let mut stack: Vec<usize> = tree
                .node(r.id)
                .map(|n| n.children.iter().rev().copied().collect())
                .unwrap_or_default();
            if axis == "DescendantsAndSelf" && matches(r.id) {
                ids.push(r.id);
            }
            while let Some(id) = stack.pop() {
                ev.step(1)?;
                if axis == "DescendantNodes" || matches(id) {
                    ids.push(id);
                }
                if let Some(n) = tree.node(id) {
                    stack.extend(n.children.iter().rev());
                }
            }
        }
        "Ancestors" | "AncestorsAndSelf" => {
            let mut at = if axis == "AncestorsAndSelf" {
                Some(r.id)
            } else {
                tree.node(r.id).and_then(|n| n.parent)
            };
            while let Some(id) = at {
                ev.step(1)?;
                if matches(id) {
                    ids.push(id);
                }
                at = tree.node(id).and_then(|n| n.parent);
            }
        }
        _ => {
            // Attributes (namespace declarations included, as .NET does).
            let Some(Kind::Element { attrs, .. }) = tree.node(r.id).map(|n| &n.kind) else {
                return Ok(Vec::new());
            };
            return Ok(attrs
                .iter()
                .filter(|a| wanted.is_none_or(|w| a.name == *w))
                .map(|a| Value::Xml(Xml::Attr(Box::new(XAttrValue(a.clone())))))
                .collect());
        }
    }
    ev.step(u32::try_from(ids.len()).unwrap_or(u32::MAX))?;
    Ok(ids.into_iter().map(|id| r.at(id)).collect())
}
