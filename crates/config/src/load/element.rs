//! Reading one XML element of a policy document: its attributes (each one used at most
//! once, the rest reported as unknown), its text and its child elements.
//!
//! Every accessor checks what every value needs: policy expressions only where the model
//! holds a [`PolicyValue`] (parsed and checked here), and `{{named values}}` only where it can
//! hold a `Template`.

mod typed;

use roxmltree::{Node, NodeType};

use super::error::{Reported, Sink};
use super::expr::parse_expression;
use super::template::{has_named_value, parse_template, preview};
use crate::expr::{Expr, PolicyValue};
use crate::model::{Section, Template};
pub(crate) use typed::Exprs;

/// An attribute that was read: its value and where it was written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attr<'a> {
    /// The (entity-decoded) value.
    pub value: &'a str,
    /// Byte offset of the attribute in the document.
    pub offset: usize,
    /// Byte offset of the attribute's value (after the quote).
    pub value_offset: usize,
}

/// One element being parsed, with the sink its errors go to.
pub(crate) struct Element<'e, 'a, 't> {
    node: Node<'a, 't>,
    sink: &'e mut Sink<'t>,
    /// Which of the element's attributes a parser has read, by index.
    used: Vec<bool>,
    /// The section the element is in (for nested policy lists such as `<when>`).
    pub section: Section,
}

impl<'e, 'a, 't> Element<'e, 'a, 't> {
    pub fn new(node: Node<'a, 't>, sink: &'e mut Sink<'t>) -> Self {
        Self::in_section(node, sink, Section::Inbound)
    }

    /// An element inside `section`.
    pub fn in_section(node: Node<'a, 't>, sink: &'e mut Sink<'t>, section: Section) -> Self {
        let used = vec![false; node.attributes().len()];
        Element {
            node,
            sink,
            used,
            section,
        }
    }

    /// The element name, e.g. `set-header`.
    pub fn tag(&self) -> &'a str {
        self.node.tag_name().name()
    }

    /// The byte offset of the element.
    pub fn offset(&self) -> usize {
        self.node.range().start
    }

    /// Records an error at the element.
    pub fn error(&mut self, message: impl Into<String>) -> Reported {
        self.sink.error_at(self.offset(), message)
    }

    /// Records an error at a byte offset (an attribute, a child).
    pub fn error_at(&mut self, offset: usize, message: impl Into<String>) -> Reported {
        self.sink.error_at(offset, message)
    }

    /// Takes an attribute, marking it as known (expressions are the caller's to check).
    pub fn optional(&mut self, name: &str) -> Result<Option<Attr<'a>>, Reported> {
        let found = self
            .node
            .attributes()
            .enumerate()
            .find(|(_, a)| a.name() == name && a.namespace().is_none());
        let Some((index, attribute)) = found else {
            return Ok(None);
        };
        if let Some(used) = self.used.get_mut(index) {
            *used = true;
        }
        let attr = Attr {
            value: attribute.value(),
            offset: attribute.range().start,
            value_offset: attribute.range_value().start,
        };
        Ok(Some(attr))
    }

    /// An optional attribute that may be an expression or text with named values.
    pub fn optional_value(&mut self, name: &str) -> Result<Option<PolicyValue>, Reported> {
        let Some(attr) = self.optional(name)? else {
            return Ok(None);
        };
        let raw = self.raw(attr.value_offset);
        self.value(attr.value, attr.value_offset, raw).map(Some)
    }

    /// A required attribute that may be an expression or text with named values.
    pub fn required_value(&mut self, name: &str) -> Result<PolicyValue, Reported> {
        let attr = self.required(name)?;
        let raw = self.raw(attr.value_offset);
        self.value(attr.value, attr.value_offset, raw)
    }

    /// A required attribute that must be an expression (`condition`).
    pub fn required_expression(&mut self, name: &str) -> Result<Expr, Reported> {
        let attr = self.required(name)?;
        if !is_expression(attr.value) {
            let tag = self.tag();
            return Err(self.error_at(
                attr.offset,
                format!("<{tag}> attribute `{name}` must be a policy expression, e.g. @(true)"),
            ));
        }
        let raw = self.raw(attr.value_offset);
        match self.value(attr.value, attr.value_offset, raw)? {
            PolicyValue::Expr(expr) => Ok(expr),
            PolicyValue::Text(_) => Err(self.error_at(attr.offset, "expected an expression")),
        }
    }

    /// The document text from `offset` on.
    fn raw(&self, offset: usize) -> &'t str {
        self.node
            .document()
            .input_text()
            .get(offset..)
            .unwrap_or("")
    }

    /// Parses `text` (found at `offset`, written as `raw`) as an expression or a template.
    fn value(&mut self, text: &str, offset: usize, raw: &str) -> Result<PolicyValue, Reported> {
        if is_expression(text) {
            return parse_expression(text)
                .map(PolicyValue::Expr)
                .map_err(|error| {
                    // `file:line: message` is the one-line format; expressions also name the column.
                    let at = offset + raw_offset(raw, error.offset);
                    let column = self.sink.source.position(at).1;
                    self.error_at(at, format!("{} (column {column})", error.message))
                });
        }
        parse_template(text)
            .map(PolicyValue::Text)
            .map_err(|message| self.error_at(offset, message))
    }

    /// Rejects an expression in an attribute Tollgate only takes literally.
    fn no_expression(&mut self, attr: Attr<'a>, name: &str) -> Result<(), Reported> {
        if is_expression(attr.value) {
            let tag = self.tag();
            return Err(self.error_at(
                attr.offset,
                format!("unsupported: a policy expression in <{tag}> attribute `{name}` (write a literal value)"),
            ));
        }
        Ok(())
    }

    /// The attribute's value, without taking it.
    pub fn peek(&self, name: &str) -> Option<&'a str> {
        self.node
            .attributes()
            .find(|a| a.name() == name && a.namespace().is_none())
            .map(|a| a.value())
    }

    /// Whether the element has the attribute (without taking it).
    pub fn has(&self, name: &str) -> bool {
        self.node
            .attributes()
            .any(|a| a.name() == name && a.namespace().is_none())
    }

    /// Takes an attribute that must be present.
    pub fn required(&mut self, name: &str) -> Result<Attr<'a>, Reported> {
        match self.optional(name)? {
            Some(attr) => Ok(attr),
            None => {
                let tag = self.tag();
                Err(self.error(format!(
                    "<{tag}> is missing the required attribute `{name}`"
                )))
            }
        }
    }

    /// An optional attribute that cannot hold named values.
    pub fn optional_plain(&mut self, name: &str) -> Result<Option<Attr<'a>>, Reported> {
        let attr = self.optional(name)?;
        if let Some(attr) = attr {
            self.no_expression(attr, name)?;
        }
        if let Some(attr) = attr
            && has_named_value(attr.value)
        {
            let tag = self.tag();
            return Err(self.error_at(
                attr.offset,
                format!("named values cannot be used in <{tag}> attribute `{name}`"),
            ));
        }
        Ok(attr)
    }

    /// A required attribute that cannot hold named values.
    pub fn required_plain(&mut self, name: &str) -> Result<Attr<'a>, Reported> {
        let attr = self.required(name)?;
        self.no_expression(attr, name)?;
        if has_named_value(attr.value) {
            let tag = self.tag();
            return Err(self.error_at(
                attr.offset,
                format!("named values cannot be used in <{tag}> attribute `{name}`"),
            ));
        }
        Ok(attr)
    }

    /// An optional `true`/`false` attribute (any ASCII case).
    pub fn optional_bool(&mut self, name: &str) -> Result<Option<(Attr<'a>, bool)>, Reported> {
        let Some(attr) = self.optional_plain(name)? else {
            return Ok(None);
        };
        match attr.value.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some((attr, true))),
            "false" => Ok(Some((attr, false))),
            _ => {
                let tag = self.tag();
                Err(self.error_at(
                    attr.offset,
                    format!(
                        "<{tag}> attribute `{name}` must be true or false, not `{}`",
                        preview(attr.value)
                    ),
                ))
            }
        }
    }

    /// An optional attribute that is `true`/`false` (any ASCII case) or a policy expression.
    pub fn optional_bool_value(&mut self, name: &str) -> Result<Option<PolicyValue>, Reported> {
        match self.optional_value(name)? {
            Some(PolicyValue::Text(text)) => {
                let literal = text.as_literal().unwrap_or_default();
                match literal.trim().to_ascii_lowercase().as_str() {
                    "true" | "false" => Ok(Some(PolicyValue::Text(text))),
                    _ => {
                        let tag = self.tag();
                        Err(self.error(format!(
                            "<{tag}> {name} must be true, false or an expression, not `{}`",
                            preview(&literal)
                        )))
                    }
                }
            }
            other => Ok(other),
        }
    }

    /// A literal attribute that must be one of `choices` (compared ignoring case).
    pub fn optional_choice(
        &mut self,
        name: &str,
        choices: &[&'static str],
    ) -> Result<Option<&'static str>, Reported> {
        let Some(attr) = self.optional_plain(name)? else {
            return Ok(None);
        };
        let value = attr.value.trim();
        match choices.iter().find(|c| c.eq_ignore_ascii_case(value)) {
            Some(choice) => Ok(Some(choice)),
            None => Err(self.not_one_of(attr.offset, name, choices, value)),
        }
    }

    /// The error for an attribute whose literal `value` is none of `choices`.
    pub fn not_one_of(
        &mut self,
        offset: usize,
        name: &str,
        choices: &[&str],
        value: &str,
    ) -> Reported {
        let tag = self.tag();
        self.error_at(
            offset,
            format!(
                "<{tag}> attribute `{name}` must be one of {}, not `{}`",
                choices.join(", "),
                preview(value)
            ),
        )
    }

    /// Reports the attribute as unsupported (with `message`) when it is present.
    pub fn reject(&mut self, name: &str, message: &str) -> Result<(), Reported> {
        match self.optional(name) {
            Ok(None) => Ok(()),
            Ok(Some(attr)) => Err(self.error_at(attr.offset, message)),
            // An expression in an unsupported attribute: one error is enough.
            Err(reported) => Err(reported),
        }
    }

    /// The element children, in order. Comments and processing instructions are skipped;
    /// text other than whitespace is an error.
    pub fn child_elements(&mut self) -> Result<Vec<Node<'a, 't>>, Reported> {
        let mut children = Vec::new();
        let mut result = Ok(());
        for child in self.node.children() {
            match child.node_type() {
                NodeType::Element => children.push(child),
                NodeType::Text if !child.text().unwrap_or("").trim().is_empty() => {
                    let tag = self.tag();
                    result = Err(self.error_at(
                        child.range().start,
                        format!("<{tag}> takes no text, only child elements"),
                    ));
                }
                _ => {}
            }
        }
        result.map(|()| children)
    }

    /// Checks that the element is empty (whitespace and comments aside).
    pub fn no_content(&mut self) -> Result<(), Reported> {
        let tag = self.tag();
        for child in self.node.children() {
            let offset = child.range().start;
            match child.node_type() {
                NodeType::Element => {
                    let name = child.tag_name().name();
                    return Err(self.error_at(
                        offset,
                        format!("<{tag}> takes no child elements, found <{name}>"),
                    ));
                }
                NodeType::Text if !child.text().unwrap_or("").trim().is_empty() => {
                    return Err(self.error_at(offset, format!("<{tag}> takes no text")));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The element's text (comments skipped) and where it starts; child elements are errors.
    fn text(&mut self) -> Result<(String, usize), Reported> {
        let tag = self.tag();
        let mut text = String::new();
        let mut text_offset = self.offset();
        for child in self.node.children() {
            match child.node_type() {
                NodeType::Element => {
                    let name = child.tag_name().name();
                    return Err(self.error_at(
                        child.range().start,
                        format!("<{tag}> takes only text, found <{name}>"),
                    ));
                }
                NodeType::Text => {
                    if text.is_empty() {
                        text_offset = child.range().start;
                    }
                    text.push_str(child.text().unwrap_or(""));
                }
                _ => {}
            }
        }
        Ok((text, text_offset))
    }

    /// The element's content as written between its tags (markup included), its byte
    /// offset in the document, and the document text (for line and column).
    pub fn raw_content(&self) -> (&'t str, usize, &'t str) {
        let input = self.node.document().input_text();
        let mut children = self.node.children();
        let (Some(first), last) = (children.next(), self.node.last_child()) else {
            return ("", self.node.range().end, input);
        };
        let start = first.range().start;
        let end = last.map_or(first.range().end, |l| l.range().end);
        (input.get(start..end).unwrap_or(""), start, input)
    }

    /// The element's text: an expression or a template.
    pub fn text_value(&mut self) -> Result<PolicyValue, Reported> {
        let (text, offset) = self.text()?;
        let raw = self.raw(offset);
        self.value(&text, offset, raw)
    }

    /// The element's text (comments skipped) as a literal template with `{{named values}}`,
    /// for values that cannot be expressions (key material, addresses); child elements are
    /// errors.
    pub fn text_template(&mut self) -> Result<Template, Reported> {
        let (text, offset) = self.text()?;
        if is_expression(&text) {
            let tag = self.tag();
            return Err(self.error_at(offset, format!("unsupported: a policy expression in <{tag}>; write a literal value (named values {{{{name}}}} are allowed)")));
        }
        parse_template(&text).map_err(|message| self.error_at(offset, message))
    }

    /// A required attribute that may hold `{{named values}}` but not an expression.
    pub fn required_template(&mut self, name: &str) -> Result<(Attr<'a>, Template), Reported> {
        let attr = self.required(name)?;
        if is_expression(attr.value) {
            let tag = self.tag();
            return Err(self.error_at(attr.offset, format!("unsupported: a policy expression in <{tag} {name}>; write a literal value (named values {{{{name}}}} are allowed)")));
        }
        match parse_template(attr.value) {
            Ok(template) => Ok((attr, template)),
            Err(message) => Err(self.error_at(attr.offset, message)),
        }
    }

    /// The policies inside a nesting element (`<when>`, `<retry>`, ...), for this section.
    pub fn policies(&mut self) -> Result<Vec<crate::model::PolicyNode>, Reported> {
        let children = self.child_elements()?;
        super::xml::read_list(children, self.section, self.sink, false)
    }

    /// Parses a child element with its own attribute bookkeeping.
    pub fn nested<T>(
        &mut self,
        node: Node<'a, 't>,
        parse: impl FnOnce(&mut Element<'_, 'a, 't>) -> Result<T, Reported>,
    ) -> Result<T, Reported> {
        let mut child = Element::in_section(node, self.sink, self.section);
        let parsed = parse(&mut child);
        let finished = child.finish();
        let value = parsed?;
        finished.map(|()| value)
    }

    /// Reports every attribute no parser asked for; call once the element is parsed.
    pub fn finish(self) -> Result<(), Reported> {
        let tag = self.tag();
        let mut result = Ok(());
        for (index, attribute) in self.node.attributes().enumerate() {
            if self.used.get(index).copied().unwrap_or(false) {
                continue;
            }
            // As written, with any prefix.
            let input = self.node.document().input_text();
            let name = input
                .get(attribute.range_qname())
                .unwrap_or(attribute.name());
            result = Err(self.sink.error_at(
                attribute.range().start,
                format!("unknown attribute `{name}` on <{tag}>"),
            ));
        }
        result
    }
}

/// Azure treats a value as an expression when it starts with `@(` or `@{`.
pub(crate) fn is_expression(value: &str) -> bool {
    let value = value.trim_start();
    value.starts_with("@(") || value.starts_with("@{")
}

/// The byte offset in `raw` (XML as written) of byte `decoded` of its decoded text: entities
/// and a leading CDATA marker shift positions.
pub(crate) fn raw_offset(raw: &str, decoded: usize) -> usize {
    let mut raw_at = if raw.starts_with("<![CDATA[") { 9 } else { 0 };
    let mut seen = 0;
    let bytes = raw.as_bytes();
    while seen < decoded && raw_at < bytes.len() {
        if bytes[raw_at] == b'&'
            && let Some(end) = raw[raw_at..].find(';').filter(|&end| end <= 10)
        {
            let entity = &raw[raw_at + 1..raw_at + end];
            let decoded_len = match entity.strip_prefix('#') {
                Some(code) => code
                    .strip_prefix('x')
                    .map_or_else(
                        || code.parse().ok(),
                        |hex| u32::from_str_radix(hex, 16).ok(),
                    )
                    .and_then(char::from_u32)
                    .map_or(1, char::len_utf8),
                None => 1,
            };
            raw_at += end + 1;
            seen += decoded_len;
            continue;
        }
        raw_at += 1;
        seen += 1;
    }
    raw_at
}
