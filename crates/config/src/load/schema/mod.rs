//! The JSON Schema compiler: a schema (inside an OpenAPI document, or a standalone schema)
//! → [`Schemas`], the validator program the gateway walks per request.
//!
//! Dialects: draft 4 (OpenAPI 3.0 adds `nullable` and direction-scoped `readOnly` /
//! `writeOnly`) and 2020-12 (OpenAPI 3.1). Every keyword is compiled once; `$ref`s become
//! node indices (recursion is a cycle of indices). Refused, with the JSON pointer:
//! references outside the document, `$dynamicRef`, `unevaluatedProperties`,
//! `unevaluatedItems`, and patterns the linear-time engine cannot run.

mod keywords;
mod simple_pattern;
mod uri;

use std::collections::HashMap;

use serde_json::Value;

use crate::schema::{Check, SchemaNode, Schemas};
use uri::{DOCUMENT_BASE, Ids, Place};

/// The JSON Schema dialect a document's schemas are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// JSON Schema draft 4.
    Draft4,
    /// OpenAPI 3.0's schema object: draft 4 plus `nullable`.
    OpenApi30,
    /// JSON Schema 2020-12 (OpenAPI 3.1).
    Draft2020,
}

impl Dialect {
    fn is_draft4(self) -> bool {
        matches!(self, Dialect::Draft4 | Dialect::OpenApi30)
    }
}

/// Compiles the schemas of one document into one program.
pub struct Compiler<'d> {
    doc: &'d Value,
    dialect: Dialect,
    /// OpenAPI: `required` skips `readOnly` properties in requests, `writeOnly` in responses.
    openapi: bool,
    root_place: Place,
    ids: Ids,
    memo: HashMap<String, u32>,
    patterns: HashMap<String, u32>,
    out: Schemas,
}

impl<'d> Compiler<'d> {
    /// A compiler over a standalone schema document (the document is the root schema).
    pub fn for_schema(doc: &'d Value, dialect: Dialect) -> Self {
        Self::new(doc, dialect, false, Place::Schema)
    }

    /// A compiler over an OpenAPI document (schemas under `schema` and `components.schemas`).
    pub fn for_openapi(doc: &'d Value, dialect: Dialect) -> Self {
        Self::new(doc, dialect, true, Place::Other)
    }

    fn new(doc: &'d Value, dialect: Dialect, openapi: bool, root_place: Place) -> Self {
        let mut ids = Ids::default();
        ids.resources
            .insert(DOCUMENT_BASE.to_string(), String::new());
        uri::scan(doc, "", DOCUMENT_BASE, root_place, dialect, &mut ids);
        Compiler {
            doc,
            dialect,
            openapi,
            root_place,
            ids,
            memo: HashMap::new(),
            patterns: HashMap::new(),
            out: Schemas::default(),
        }
    }

    /// The node of the schema at `pointer` (a JSON pointer into the document, `""` for the
    /// root), compiling it and everything it reaches. Errors name the JSON pointer.
    pub fn compile(&mut self, pointer: &str) -> Result<u32, String> {
        if let Some(&node) = self.memo.get(pointer) {
            return Ok(node);
        }
        let (value, base) = uri::walk(self.doc, pointer, self.dialect, self.root_place)
            .ok_or_else(|| format!("#{pointer}: no such location in the document"))?;
        let node = u32::try_from(self.out.nodes.len()).map_err(|_| "too many schemas")?;
        self.out.nodes.push(SchemaNode::default());
        self.memo.insert(pointer.to_string(), node);
        let checks = self.checks(value, pointer, &base)?;
        self.out.nodes[node as usize].checks = checks;
        Ok(node)
    }

    /// The compiled program.
    pub fn finish(self) -> Schemas {
        self.out
    }

    /// The node a `$ref` (written at `pointer`, with base URI `base`) points to.
    fn reference(&mut self, reference: &str, pointer: &str, base: &str) -> Result<u32, String> {
        let target = uri::resolve(base, reference);
        let (resource, fragment) = target.split_once('#').unwrap_or((&target, ""));
        let fragment = uri::percent_decode(fragment);
        let located = if fragment.is_empty() || fragment.starts_with('/') {
            self.ids
                .resources
                .get(resource)
                .map(|root| format!("{root}{fragment}"))
        } else {
            self.ids.anchors.get(&target).cloned()
        };
        let Some(located) = located else {
            return Err(format!(
                "#{pointer}/$ref: `{reference}` does not resolve inside the document; only \
                 references within the same document (JSON pointers, `$id`, `$anchor`) are \
                 supported: copy the referenced schema into `components/schemas` (or `$defs`)"
            ));
        };
        self.compile(&located)
    }

    fn checks(&mut self, value: &Value, pointer: &str, base: &str) -> Result<Vec<Check>, String> {
        match value {
            Value::Bool(true) => Ok(Vec::new()),
            Value::Bool(false) => Ok(vec![Check::Never]),
            Value::Object(object) => keywords::compile_object(self, object, pointer, base),
            _ => Err(format!(
                "#{pointer}: a schema must be an object or a boolean"
            )),
        }
    }

    /// The index of a translated `pattern`, checked to compile in the engine.
    fn pattern(&mut self, pattern: &str, pointer: &str) -> Result<u32, String> {
        if let Some(&index) = self.patterns.get(pattern) {
            return Ok(index);
        }
        let translated =
            crate::regex::translate(pattern, crate::regex::ECMA_SCRIPT).map_err(|error| {
                format!(
                    "#{pointer}: pattern `{pattern}` cannot run on the linear-time engine \
                     (at character {}): {}",
                    error.offset, error.message
                )
            })?;
        regex_lite::Regex::new(&translated).map_err(|error| {
            format!(
                "#{pointer}: pattern `{pattern}` is not supported by the linear-time engine: \
                 {error}"
            )
        })?;
        let index = u32::try_from(self.out.patterns.len()).map_err(|_| "too many patterns")?;
        self.out.patterns.push(translated);
        self.out.simple.push(simple_pattern::compile(pattern));
        self.patterns.insert(pattern.to_string(), index);
        Ok(index)
    }
}
