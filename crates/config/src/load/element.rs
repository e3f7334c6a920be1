//! Reading one XML element of a policy document: its attributes (each one used at most
//! once, the rest reported as unknown), its text and its child elements.
//!
//! Every accessor checks what every value needs: no policy expressions yet, and
//! `{{named values}}` only where the model can hold a [`Template`].

use roxmltree::{Node, NodeType};

use super::error::{Reported, Sink};
use super::template::{has_named_value, parse_template, preview};
use crate::model::Template;

/// The message for values that would need the (not yet written) expression evaluator.
pub(crate) const EXPRESSIONS_NOT_SUPPORTED: &str =
    "policy expressions (@(...)) are not supported yet";

/// An attribute that was read: its value and where it was written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attr<'a> {
    /// The (entity-decoded) value.
    pub value: &'a str,
    /// Byte offset of the attribute in the document.
    pub offset: usize,
}

/// One element being parsed, with the sink its errors go to.
pub(crate) struct Element<'e, 'a, 't> {
    node: Node<'a, 't>,
    sink: &'e mut Sink<'t>,
    /// Which of the element's attributes a parser has read, by index.
    used: Vec<bool>,
}

impl<'e, 'a, 't> Element<'e, 'a, 't> {
    pub fn new(node: Node<'a, 't>, sink: &'e mut Sink<'t>) -> Self {
        let used = vec![false; node.attributes().len()];
        Element { node, sink, used }
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

    /// Takes an attribute, marking it as known. Checks for expressions.
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
        };
        if is_expression(attr.value) {
            return Err(self.error_at(attr.offset, EXPRESSIONS_NOT_SUPPORTED));
        }
        Ok(Some(attr))
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
        if has_named_value(attr.value) {
            let tag = self.tag();
            return Err(self.error_at(
                attr.offset,
                format!("named values cannot be used in <{tag}> attribute `{name}`"),
            ));
        }
        Ok(attr)
    }

    /// A required attribute that may hold `{{named values}}`.
    pub fn required_template(&mut self, name: &str) -> Result<(Attr<'a>, Template), Reported> {
        let attr = self.required(name)?;
        match parse_template(attr.value) {
            Ok(template) => Ok((attr, template)),
            Err(message) => Err(self.error_at(attr.offset, message)),
        }
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

    /// The element's text (comments skipped) as a template; child elements are errors.
    pub fn text_template(&mut self) -> Result<Template, Reported> {
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
        if is_expression(&text) {
            return Err(self.error_at(text_offset, EXPRESSIONS_NOT_SUPPORTED));
        }
        parse_template(&text).map_err(|message| self.error_at(text_offset, message))
    }

    /// Parses a child element with its own attribute bookkeeping.
    pub fn nested<T>(
        &mut self,
        node: Node<'a, 't>,
        parse: impl FnOnce(&mut Element<'_, 'a, 't>) -> Result<T, Reported>,
    ) -> Result<T, Reported> {
        let mut child = Element::new(node, self.sink);
        let parsed = parse(&mut child);
        let finished = child.finish();
        let value = parsed?;
        finished.map(|()| value)
    }

    /// Takes an attribute that will accept a policy expression once the expression language
    /// lands; until then an expression is reported with `message` (which names the element
    /// and attribute), not the generic one.
    pub fn optional_awaiting_expression(
        &mut self,
        name: &str,
        message: &str,
    ) -> Result<Option<Attr<'a>>, Reported> {
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
        };
        if is_expression(attr.value) {
            return Err(self.error_at(attr.offset, message));
        }
        Ok(Some(attr))
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
