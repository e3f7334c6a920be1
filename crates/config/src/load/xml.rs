//! Policy documents: `<policies>` with its four sections, each a list of policy elements
//! that the policy registry (`registry.rs`) parses.

use roxmltree::{Document, Node, ParsingOptions};

use super::element::Element;
use super::error::{LoadError, Reported, Sink};
use super::named_values::{self, NamedValueUse};
use super::prescan::{Prescanned, prescan};
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
    read_document(file, xml).map(|(document, _)| document)
}

/// [`parse_document`], with the named values the document uses.
pub(crate) fn read_document(
    file: &str,
    xml: &str,
) -> Result<(PolicyDocument, Vec<NamedValueUse>), Vec<LoadError>> {
    let scanned = prescan_file(file, xml)?;
    let document = parse_xml(file, xml, &scanned)?;
    let mut sink = Sink::rewritten(file, xml, &scanned.map);
    let mut policies = PolicyDocument {
        file: file.to_string(),
        inbound: None,
        backend: None,
        outbound: None,
        on_error: None,
        reads: Default::default(),
    };
    read_root(document.root_element(), &mut sink, &mut policies);
    // Conservative until `include-fragment`s are filled in (`load_dir` marks it again then).
    super::body_reads::mark(&mut policies);
    let named = named_values::check_file(&mut sink, &scanned.named);
    if sink.errors.is_empty() {
        Ok((policies, named))
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
    read_fragment(file, xml, section).map(|(nodes, _)| nodes)
}

/// [`parse_fragment`], with the named values the fragment uses.
pub(crate) fn read_fragment(
    file: &str,
    xml: &str,
    section: Section,
) -> Result<(Vec<PolicyNode>, Vec<NamedValueUse>), Vec<LoadError>> {
    let scanned = prescan_file(file, xml)?;
    let document = parse_xml(file, xml, &scanned)?;
    let mut sink = Sink::rewritten(file, xml, &scanned.map);
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
    let named = named_values::check_file(&mut sink, &scanned.named);
    if sink.errors.is_empty() {
        Ok((nodes, named))
    } else {
        Err(sink.errors)
    }
}

/// A policy file checked on its own (`tollgate-check FILE`).
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyFile {
    /// A `<policies>` document.
    Document(PolicyDocument),
    /// A `<fragment>`, with the sections it can be included in (at least one).
    Fragment(Vec<Section>),
}

/// Reads a policy document or, when its root is `<fragment>`, a fragment: a fragment is valid
/// when its policies are allowed in at least one section; otherwise the errors are those of
/// the section with the fewest.
pub fn parse_policy_file(
    file: &str,
    xml: &str,
) -> Result<(PolicyFile, Vec<NamedValueUse>), Vec<LoadError>> {
    let scanned = prescan_file(file, xml)?;
    let document = parse_xml(file, xml, &scanned)?;
    let root = document.root_element();
    if root.tag_name().name() != "fragment" {
        return read_document(file, xml)
            .map(|(document, named)| (PolicyFile::Document(document), named));
    }
    let mut sections = Vec::new();
    let mut named = Vec::new();
    let mut fewest: Option<Vec<LoadError>> = None;
    for section in SECTIONS {
        match read_fragment(file, xml, section) {
            Ok((_, uses)) => {
                sections.push(section);
                named = uses;
            }
            Err(errors) => {
                if fewest.as_ref().is_none_or(|f| errors.len() < f.len()) {
                    fewest = Some(errors);
                }
            }
        }
    }
    if sections.is_empty() {
        Err(fewest.unwrap_or_default())
    } else {
        Ok((PolicyFile::Fragment(sections), named))
    }
}

/// Runs the pre-scanner; its error is located in the text as written.
fn prescan_file(file: &str, xml: &str) -> Result<Prescanned, Vec<LoadError>> {
    prescan(xml).map_err(|error| {
        let sink = Sink::new(file, xml);
        // `file:line: message` is the one-line format; expressions also name the column.
        let column = sink.source.original_position(error.offset).1;
        let message = format!("{} (column {column})", error.message);
        vec![sink.source.error_at(error.offset, message)]
    })
}

/// The XML tree of the pre-scanned text; a syntax error is located in the text as written.
fn parse_xml<'s>(
    file: &str,
    xml: &str,
    scanned: &'s Prescanned,
) -> Result<Document<'s>, Vec<LoadError>> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(&scanned.text, options)
        .map_err(|error| vec![syntax_error(file, xml, scanned, &error)])
}

fn syntax_error(
    file: &str,
    xml: &str,
    scanned: &Prescanned,
    error: &roxmltree::Error,
) -> LoadError {
    let pos = error.pos();
    let text = error.to_string();
    // roxmltree appends " at row:col"; the line is reported separately.
    let suffix = format!(" at {pos}");
    let message = text.strip_suffix(&suffix).unwrap_or(&text);
    let offset = offset_of(&scanned.text, pos.row, pos.col);
    let source = Sink::rewritten(file, xml, &scanned.map).source;
    source.error_at(offset, format!("XML syntax error: {message}"))
}

/// The byte offset of 1-based `row` and `col` (in characters) in `text`.
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let line_start = if row <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(row as usize - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let line = text.get(line_start..).unwrap_or("");
    line_start
        + line
            .char_indices()
            .nth(col.saturating_sub(1) as usize)
            .map_or(line.len(), |(i, _)| i)
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
    let mut once: Vec<(&str, u32)> = Vec::new();
    for child in children {
        let offset = child.range().start;
        let line = sink.line(offset);
        let element_name = child.tag_name().name();
        let Some(entry) = registry::lookup(element_name).filter(|_| {
            // A prefixed element is never one of Azure's.
            child.tag_name().namespace().is_none()
        }) else {
            let message = match registry::at_the_edge(element_name) {
                Some((azure, why)) if azure == element_name => {
                    format!("<{element_name}> cannot run at the edge: {why}")
                }
                Some((azure, why)) => format!(
                    "unsupported policy element <{element_name}> in <{name}> (Azure's is \
                     <{azure}>, which cannot run at the edge: {why})"
                ),
                None => format!("unsupported policy element <{element_name}> in <{name}>"),
            };
            result = Err(sink.error_at(offset, message));
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
        if registry::ONCE_PER_SECTION.contains(&element_name) {
            if let Some((_, first)) = once.iter().find(|(n, _)| *n == element_name) {
                result = Err(sink.error_at(
                    offset,
                    format!(
                        "<{element_name}> can be used only once in <{name}> (first on line {first})"
                    ),
                ));
                continue;
            }
            once.push((element_name, line));
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
