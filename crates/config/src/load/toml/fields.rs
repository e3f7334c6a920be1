//! Typed, located reads from a TOML table, so every key is checked once and every mistake
//! points at its line. Keys nobody asked for are reported as unknown, which catches typos.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::load::error::{Reported, Sink};

/// A value read from `tollgate.toml`, with the byte offset it was written at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Located<T> {
    /// The value.
    pub value: T,
    /// Byte offset in `tollgate.toml`.
    pub offset: usize,
}

/// A `(name, value)` pair of a [`Table::string_map`].
pub(crate) type NameValue<'d> = (Located<&'d str>, Located<&'d str>);

/// One TOML table being read.
pub(crate) struct Table<'d, 'i> {
    entries: &'d DeTable<'i>,
    /// How messages name the table, e.g. `[apis.weather]`.
    pub name: String,
    /// Where the table starts (its header), for "missing key" errors.
    pub offset: usize,
    known: &'static [&'static str],
    used: Vec<&'static str>,
}

impl<'d, 'i> Table<'d, 'i> {
    /// A table whose allowed keys are `known`.
    pub fn new(
        entries: &'d DeTable<'i>,
        name: String,
        offset: usize,
        known: &'static [&'static str],
    ) -> Self {
        Table {
            entries,
            name,
            offset,
            known,
            used: Vec::new(),
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'d Spanned<DeValue<'i>>> {
        debug_assert!(self.known.contains(&key), "`{key}` is not a known key");
        self.used.push(key);
        self.entries
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    fn wrong_type(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        expected: &str,
    ) -> Reported {
        sink.error_at(
            value.span().start,
            format!(
                "`{key}` in {} must be {expected}, not {}",
                self.name,
                describe(value.get_ref())
            ),
        )
    }

    /// Whether `key` is present (it then counts as read), with where its value starts.
    pub fn present(&mut self, key: &'static str) -> Option<usize> {
        self.get(key).map(|value| value.span().start)
    }

    /// Whether the table holds `key` (it is not marked as read).
    pub fn has(&self, key: &str) -> bool {
        self.entries
            .iter()
            .any(|(k, _)| k.get_ref().as_ref() == key)
    }

    /// Records that a required key is missing.
    pub fn missing(&self, sink: &mut Sink<'_>, key: &str) -> Reported {
        sink.error_at(
            self.offset,
            format!("{} is missing the required key `{key}`", self.name),
        )
    }

    /// An optional string.
    pub fn string(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
    ) -> Result<Option<Located<&'d str>>, Reported> {
        self.string_or(sink, key, "a string")
    }

    /// An optional string; `expected` says what it should be when it is not a string
    /// (e.g. "a decimal string such as \"0.0005\"").
    pub fn string_or(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
        expected: &str,
    ) -> Result<Option<Located<&'d str>>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::String(text) => Ok(Some(Located {
                value: text.as_ref(),
                offset: value.span().start,
            })),
            _ => Err(self.wrong_type(sink, key, value, expected)),
        }
    }

    /// A string that must be present.
    pub fn required_string(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
    ) -> Result<Located<&'d str>, Reported> {
        match self.string(sink, key)? {
            Some(located) => Ok(located),
            None => Err(self.missing(sink, key)),
        }
    }

    /// An optional boolean, `default` when absent.
    pub fn bool(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
        default: bool,
    ) -> Result<Located<bool>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(Located {
                value: default,
                offset: self.offset,
            });
        };
        match value.get_ref() {
            DeValue::Boolean(flag) => Ok(Located {
                value: *flag,
                offset: value.span().start,
            }),
            _ => Err(self.wrong_type(sink, key, value, "true or false")),
        }
    }

    /// An optional non-negative integer.
    pub fn unsigned(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
    ) -> Result<Option<Located<u64>>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let DeValue::Integer(integer) = value.get_ref() else {
            return Err(self.wrong_type(sink, key, value, "a non-negative integer"));
        };
        match u64::from_str_radix(integer.as_str(), integer.radix()) {
            Ok(n) => Ok(Some(Located {
                value: n,
                offset: value.span().start,
            })),
            Err(_) => Err(sink.error_at(
                value.span().start,
                format!(
                    "`{key}` in {} must be a non-negative integer, not {integer}",
                    self.name
                ),
            )),
        }
    }

    /// An optional array of strings.
    pub fn strings(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
    ) -> Result<Option<Vec<Located<&'d str>>>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(sink, key, value, "an array of strings"));
        };
        let mut strings = Vec::with_capacity(items.len());
        let mut result = Ok(());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(text) => strings.push(Located {
                    value: text.as_ref(),
                    offset: item.span().start,
                }),
                _ => result = Err(self.wrong_type(sink, key, item, "an array of strings")),
            }
        }
        result.map(|()| Some(strings))
    }

    /// An optional table of names to a string or an array of strings (`header = { "x-key" =
    /// "…" }`): every `(name, value)` pair, a name repeated for each value of an array.
    pub fn string_map(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
    ) -> Result<Vec<NameValue<'d>>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Table(entries) = value.get_ref() else {
            return Err(self.wrong_type(sink, key, value, "a table of names to strings"));
        };
        let mut pairs = Vec::with_capacity(entries.len());
        let mut result = Ok(());
        for (name, item) in entries.iter() {
            let name = Located {
                value: name.get_ref().as_ref(),
                offset: name.span().start,
            };
            let values: Vec<&Spanned<DeValue<'i>>> = match item.get_ref() {
                DeValue::Array(items) => items.iter().collect(),
                _ => vec![item],
            };
            for item in values {
                match item.get_ref() {
                    DeValue::String(text) => pairs.push((
                        name,
                        Located {
                            value: text.as_ref(),
                            offset: item.span().start,
                        },
                    )),
                    _ => {
                        result = Err(self.wrong_type(
                            sink,
                            key,
                            item,
                            "a table of names to a string or an array of strings",
                        ))
                    }
                }
            }
        }
        pairs.sort_by_key(|(name, _)| name.offset);
        result.map(|()| pairs)
    }

    /// An optional sub-table (`[apis.weather.billing]`, `[gateway]`), named `name` in messages.
    pub fn table(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
        name: String,
        known: &'static [&'static str],
    ) -> Result<Option<Table<'d, 'i>>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::Table(entries) => {
                Ok(Some(Table::new(entries, name, value.span().start, known)))
            }
            _ => Err(self.wrong_type(sink, key, value, "a table")),
        }
    }

    /// An optional table of tables keyed by id (`[apis.<id>]`), in the order written.
    /// Each entry comes with its located id; `name` makes its message name from the id.
    pub fn tables_by_id(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
        name: impl Fn(&str) -> String,
        known: &'static [&'static str],
    ) -> Result<Vec<(Located<&'d str>, Table<'d, 'i>)>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Table(entries) = value.get_ref() else {
            return Err(self.wrong_type(sink, key, value, "a table"));
        };
        let mut tables = Vec::with_capacity(entries.len());
        let mut result = Ok(());
        for (id, value) in entries.iter() {
            let located = Located {
                value: id.get_ref().as_ref(),
                offset: id.span().start,
            };
            match value.get_ref() {
                DeValue::Table(table) => tables.push((
                    located,
                    Table::new(table, name(located.value), value.span().start, known),
                )),
                _ => {
                    result = Err(sink.error_at(
                        value.span().start,
                        format!(
                            "`{key}.{}` must be a table, not {}",
                            located.value,
                            describe(value.get_ref())
                        ),
                    ))
                }
            }
        }
        tables.sort_by_key(|(id, _)| id.offset);
        result.map(|()| tables)
    }

    /// An optional array of tables (`[[apis.weather.operations]]`), named `name` in messages.
    pub fn array_of_tables(
        &mut self,
        sink: &mut Sink<'_>,
        key: &'static str,
        name: &str,
        known: &'static [&'static str],
    ) -> Result<Vec<Table<'d, 'i>>, Reported> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(sink, key, value, "an array of tables"));
        };
        let mut tables = Vec::with_capacity(items.len());
        let mut result = Ok(());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => tables.push(Table::new(
                    table,
                    name.to_string(),
                    item.span().start,
                    known,
                )),
                _ => result = Err(self.wrong_type(sink, key, item, "an array of tables")),
            }
        }
        result.map(|()| tables)
    }

    /// Reports every key nobody asked for. Call once the table is read.
    pub fn finish(self, sink: &mut Sink<'_>) -> Result<(), Reported> {
        let mut unknown: Vec<&Spanned<std::borrow::Cow<'_, str>>> = self
            .entries
            .iter()
            .map(|(key, _)| key)
            .filter(|key| !self.used.contains(&key.get_ref().as_ref()))
            .collect();
        unknown.sort_by_key(|key| key.span().start);
        let mut result = Ok(());
        for key in unknown {
            result = Err(sink.error_at(
                key.span().start,
                format!(
                    "unknown key `{}` in {} (known keys: {})",
                    key.get_ref(),
                    self.name,
                    self.known.join(", ")
                ),
            ));
        }
        result
    }
}

/// "a string", "an integer", … for messages about a value of the wrong type.
fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
