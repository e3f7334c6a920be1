//! Policy documents: `<policies>` with its four sections, each a list of policy elements
//! that the policy registry (`registry.rs`) parses.

use roxmltree::{Document, Node, ParsingOptions};

use super::element::Element;
use super::error::{LoadError, Reported, Sink};
use super::registry;
use crate::model::{PolicyDocument, PolicyNode, Section};

/// Upper bound on XML nodes in one document, so a hostile file cannot exhaust memory.
const NODES_LIMIT: u32 = 1_000_000;

const SECTIONS: [Section; 4] = [
    Section::Inbound,
    Section::Backend,
    Section::Outbound,
    Section::OnError,
];

/// Parses one policy document; `file` names it in errors and in the model.
pub fn parse_document(file: &str, xml: &str) -> Result<PolicyDocument, Vec<LoadError>> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    let document = match Document::parse_with_options(xml, options) {
        Ok(document) => document,
        Err(error) => return Err(vec![syntax_error(file, &error)]),
    };
    let mut sink = Sink::new(file, xml);
    let mut policies = PolicyDocument {
        file: file.to_string(),
        inbound: None,
        backend: None,
        outbound: None,
        on_error: None,
    };
    read_root(document.root_element(), &mut sink, &mut policies);
    if sink.errors.is_empty() {
        Ok(policies)
    } else {
        Err(sink.errors)
    }
}

/// Parses a fragment (`<fragment>` with policies) for use in `section`.
pub fn parse_fragment(
    file: &str,
    xml: &str,
    section: Section,
) -> Result<Vec<PolicyNode>, Vec<LoadError>> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    let document = match Document::parse_with_options(xml, options) {
        Ok(document) => document,
        Err(error) => return Err(vec![syntax_error(file, &error)]),
    };
    let mut sink = Sink::new(file, xml);
    let root = document.root_element();
    let name = root.tag_name().name();
    let nodes = if name != "fragment" || root.tag_name().namespace().is_some() {
        sink.error_at(
            root.range().start,
            format!("the root element of a fragment must be <fragment>, found <{name}>"),
        );
        Vec::new()
    } else {
        let mut element = Element::in_section(root, &mut sink, section);
        let children = element.child_elements();
        let _ = element.finish();
        match children {
            Ok(children) => read_list(children, section, &mut sink, false).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    };
    if sink.errors.is_empty() {
        Ok(nodes)
    } else {
        Err(sink.errors)
    }
}

fn syntax_error(file: &str, error: &roxmltree::Error) -> LoadError {
    let pos = error.pos();
    let text = error.to_string();
    // roxmltree appends " at row:col"; the line is reported separately.
    let suffix = format!(" at {pos}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    LoadError {
        file: file.to_string(),
        line: pos.row,
        column: pos.col,
        message: format!("XML syntax error: {message}"),
    }
}

fn read_root<'a, 't>(root: Node<'a, 't>, sink: &mut Sink<'t>, policies: &mut PolicyDocument) {
    let name = root.tag_name().name();
    if name != "policies" || root.tag_name().namespace().is_some() {
        sink.error_at(
            root.range().start,
            format!("the root element must be <policies>, found <{name}>"),
        );
        return;
    }
    let mut root_element = Element::new(root, sink);
    let children = root_element.child_elements();
    let _ = root_element.finish();
    let Ok(children) = children else { return };

    let mut first_seen: [Option<u32>; 4] = [None; 4];
    for child in children {
        let name = child.tag_name().name();
        let offset = child.range().start;
        let Some(index) = SECTIONS.iter().position(|s| s.element() == name) else {
            sink.error_at(
                offset,
                format!(
                    "unknown element <{name}> in <policies>; \
                     expected <inbound>, <backend>, <outbound> or <on-error>"
                ),
            );
            continue;
        };
        let (Some(section), Some(seen)) = (SECTIONS.get(index), first_seen.get_mut(index)) else {
            continue;
        };
        if let Some(first_line) = *seen {
            sink.error_at(
                offset,
                format!("duplicate <{name}> section (the first is on line {first_line})"),
            );
            continue;
        }
        *seen = Some(sink.line(offset));
        let Ok(nodes) = read_section(child, *section, sink) else {
            continue;
        };
        let slot = match section {
            Section::Inbound => &mut policies.inbound,
            Section::Backend => &mut policies.backend,
            Section::Outbound => &mut policies.outbound,
            Section::OnError => &mut policies.on_error,
        };
        *slot = Some(nodes);
    }
}

fn read_section<'a, 't>(
    node: Node<'a, 't>,
    section: Section,
    sink: &mut Sink<'t>,
) -> Result<Vec<PolicyNode>, Reported> {
    let mut element = Element::new(node, sink);
    let children = element.child_elements();
    let finished = element.finish();
    let children = children?;
    finished?;

    read_list(children, section, sink, true)
}

/// Reads a list of policy elements in `section`: a section's children, or the children of a
/// nesting element such as `<when>` (where `<base/>` is not allowed).
pub(crate) fn read_list<'a, 't>(
    children: Vec<Node<'a, 't>>,
    section: Section,
    sink: &mut Sink<'t>,
    allow_base: bool,
) -> Result<Vec<PolicyNode>, Reported> {
    let name = section.element();
    let mut nodes = Vec::with_capacity(children.len());
    let mut result = Ok(());
    let mut base_line: Option<u32> = None;
    for child in children {
        let offset = child.range().start;
        let line = sink.line(offset);
        let element_name = child.tag_name().name();
        let Some(entry) = registry::lookup(element_name).filter(|_| {
            // A prefixed element is never one of Azure's.
            child.tag_name().namespace().is_none()
        }) else {
            result = Err(sink.error_at(
                offset,
                format!("unsupported policy element <{element_name}> in <{name}>"),
            ));
            continue;
        };
        if !entry.sections.contains(&section) {
            let allowed: Vec<String> = entry
                .sections
                .iter()
                .map(|s| format!("<{}>", s.element()))
                .collect();
            result = Err(sink.error_at(
                offset,
                format!(
                    "<{element_name}> is not allowed in <{name}> (allowed in {})",
                    allowed.join(", ")
                ),
            ));
            continue;
        }
        if element_name == "base" {
            if !allow_base {
                result =
                    Err(sink.error_at(offset, "<base/> is only allowed directly in a section"));
                continue;
            }
            if let Some(first) = base_line {
                result = Err(sink.error_at(
                    offset,
                    format!("<base/> appears more than once in <{name}> (first on line {first})"),
                ));
                continue;
            }
            base_line = Some(line);
        }
        match parse_policy(child, entry, sink, section) {
            Ok(node) => nodes.push(node),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| nodes)
}

/// Runs the entry's parser, then reads the `id` every policy element may carry and reports
/// any attribute nobody asked for.
fn parse_policy<'a, 't>(
    node: Node<'a, 't>,
    entry: &registry::Entry,
    sink: &mut Sink<'t>,
    section: Section,
) -> Result<PolicyNode, Reported> {
    let line = sink.line(node.range().start);
    let mut element = Element::in_section(node, sink, section);
    let policy = (entry.parse)(&mut element);
    let id = element.optional_plain("id");
    let finished = element.finish();
    let (policy, id) = (policy?, id?);
    finished?;
    Ok(PolicyNode {
        line,
        id: id.map(|attr| attr.value.to_string()),
        policy,
    })
}
