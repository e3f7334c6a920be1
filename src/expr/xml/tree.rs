//! The XML tree behind `XDocument`/`XElement`: an arena of nodes with parent links, built
//! from the no-DTD reader of `xml-to-json` with namespace prefixes resolved.

use std::sync::Arc;

use crate::policies::xml_to_json::reader::{self, Child};

/// Most nodes one parsed or built tree may hold.
const MAX_NODES: usize = 200_000;

/// An expanded name: namespace URI (empty for none) and local name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct XName {
    /// The namespace URI.
    pub ns: String,
    /// The local name.
    pub local: String,
}

impl XName {
    /// `{ns}local` or `local`, as `XName.ToString()` writes it and `(XName)"…"` reads it.
    pub fn parse(s: &str) -> XName {
        match s.strip_prefix('{').and_then(|r| r.split_once('}')) {
            Some((ns, local)) => XName {
                ns: ns.to_string(),
                local: local.to_string(),
            },
            None => XName {
                ns: String::new(),
                local: s.to_string(),
            },
        }
    }

    /// `{ns}local`, or `local` without a namespace.
    pub fn text(&self) -> String {
        if self.ns.is_empty() {
            self.local.clone()
        } else {
            format!("{{{}}}{}", self.ns, self.local)
        }
    }
}

/// An attribute: its expanded name, the name as written (prefix kept) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XAttr {
    /// The expanded name.
    pub name: XName,
    /// The name as written, e.g. `xmlns:soap`.
    pub qname: String,
    /// The value.
    pub value: String,
}

impl XAttr {
    /// Whether it declares a namespace (`xmlns`, `xmlns:p`).
    pub fn is_namespace(&self) -> bool {
        self.qname == "xmlns" || self.qname.starts_with("xmlns:")
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// The document node (`XDocument`).
    Document,
    /// An element: its name, the name as written, its attributes.
    Element {
        /// The expanded name.
        name: XName,
        /// The name as written (with its prefix).
        qname: String,
        /// The attributes, namespace declarations included.
        attrs: Vec<XAttr>,
    },
    /// Text (CDATA included).
    Text(String),
}

/// One node of the arena.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct XNode {
    /// The parent, when there is one.
    pub parent: Option<usize>,
    /// What it is.
    pub kind: Kind,
    /// Its children, in order.
    pub children: Vec<usize>,
}

/// A whole tree; node 0 is its top (a document or an element).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Tree {
    /// The nodes.
    pub nodes: Vec<XNode>,
}

impl Tree {
    /// A node by index (indexes come from this tree, so it exists).
    pub fn node(&self, id: usize) -> Option<&XNode> {
        self.nodes.get(id)
    }

    /// Adds a node under `parent`.
    pub fn push(&mut self, parent: Option<usize>, kind: Kind) -> Result<usize, String> {
        if self.nodes.len() >= MAX_NODES {
            return Err(format!("the XML tree has more than {MAX_NODES} nodes"));
        }
        let id = self.nodes.len();
        self.nodes.push(XNode {
            parent,
            kind,
            children: Vec::new(),
        });
        if let Some(p) = parent.and_then(|p| self.nodes.get_mut(p)) {
            p.children.push(id);
        }
        Ok(id)
    }

    /// Copies the subtree at `id` of `from` under `parent` of this tree.
    pub fn copy(&mut self, parent: Option<usize>, from: &Tree, id: usize) -> Result<usize, String> {
        let Some(node) = from.node(id) else {
            return Err("bad XML node".into());
        };
        let kind = match &node.kind {
            // A document's copy is its content.
            Kind::Document => Kind::Document,
            other => other.clone(),
        };
        let new = self.push(parent, kind)?;
        for &child in &node.children {
            self.copy(Some(new), from, child)?;
        }
        Ok(new)
    }
}

/// Parses text as a document (`XDocument.Parse`) or an element (`XElement.Parse`): the top
/// node is the document node or the root element.
pub(crate) fn parse(text: &str, document: bool) -> Result<Arc<Tree>, String> {
    let doc = reader::parse(text).map_err(|e| format!("Data at the root level is invalid. {e}"))?;
    let mut tree = Tree::default();
    let parent = if document {
        Some(tree.push(None, Kind::Document)?)
    } else {
        None
    };
    let mut scopes: Vec<(String, String)> =
        vec![("xml".into(), "http://www.w3.org/XML/1998/namespace".into())];
    build(&mut tree, parent, &doc.root, &mut scopes)?;
    Ok(Arc::new(tree))
}

fn build(
    tree: &mut Tree,
    parent: Option<usize>,
    node: &reader::Node,
    scopes: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let depth = scopes.len();
    for (name, value) in &node.attributes {
        if name == "xmlns" {
            scopes.push((String::new(), value.clone()));
        } else if let Some(prefix) = name.strip_prefix("xmlns:") {
            scopes.push((prefix.to_string(), value.clone()));
        }
    }
    let resolve = |qname: &str, is_attr: bool| -> Result<XName, String> {
        let (prefix, local) = match qname.split_once(':') {
            Some((p, l)) => (p, l),
            None if is_attr => {
                return Ok(XName {
                    ns: String::new(),
                    local: qname.to_string(),
                });
            }
            None => ("", qname),
        };
        if qname.starts_with("xmlns") && is_attr {
            let ns = "http://www.w3.org/2000/xmlns/".to_string();
            let local = if qname == "xmlns" { "xmlns" } else { local };
            return Ok(XName {
                ns,
                local: local.to_string(),
            });
        }
        let ns = scopes
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, u)| u.clone());
        match ns {
            Some(ns) => Ok(XName {
                ns,
                local: local.to_string(),
            }),
            None if prefix.is_empty() => Ok(XName {
                ns: String::new(),
                local: local.to_string(),
            }),
            None => Err(format!("'{prefix}' is an undeclared prefix.")),
        }
    };
    let name = resolve(&node.name, false)?;
    let mut attrs = Vec::with_capacity(node.attributes.len());
    for (qname, value) in &node.attributes {
        attrs.push(XAttr {
            name: resolve(qname, true)?,
            qname: qname.clone(),
            value: value.clone(),
        });
    }
    let id = tree.push(
        parent,
        Kind::Element {
            name,
            qname: node.name.clone(),
            attrs,
        },
    )?;
    for child in &node.children {
        match child {
            Child::Text(text) => {
                tree.push(Some(id), Kind::Text(text.clone()))?;
            }
            Child::Element(element) => build(tree, Some(id), element, scopes)?,
        }
    }
    scopes.truncate(depth);
    Ok(())
}
