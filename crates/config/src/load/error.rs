//! Located load errors, and the sink that collects every one of them.

use super::prescan::{NamedAt, OffsetMap};

/// One mistake in the configuration, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file, as given to the loader (relative to the policies directory when loading a directory).
    pub file: String,
    /// 1-based line (0 when the mistake is about the file as a whole, e.g. it is missing).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// What is wrong, naming the element or attribute.
    pub message: String,
}

impl LoadError {
    /// An error about a file as a whole (unreadable, missing): line and column 0.
    pub fn whole_file(file: impl Into<String>, message: impl Into<String>) -> Self {
        LoadError {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for LoadError {}

/// The text of one file, with what it takes to turn byte offsets into lines and columns.
pub(crate) struct Source<'t> {
    /// The file name errors carry.
    pub file: &'t str,
    /// The whole text, as written.
    pub text: &'t str,
    /// Byte offset where each line starts; the first is always 0.
    line_starts: Vec<usize>,
    /// When offsets are into a rewritten text (the pre-scanner's), the way back to `text`.
    map: Option<&'t OffsetMap>,
}

impl<'t> Source<'t> {
    pub fn new(file: &'t str, text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Source {
            file,
            text,
            line_starts,
            map: None,
        }
    }

    /// 1-based line and column (in characters) of a byte offset (into the rewritten text when
    /// there is a map); offsets past the end land on the last line.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        match self.map {
            Some(map) => self.original_position(map.original(offset)),
            None => self.original_position(offset),
        }
    }

    /// [`position`](Self::position) of an offset into the text as written.
    pub fn original_position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(index).copied().unwrap_or(0);
        let mut column = self
            .text
            .get(start..offset)
            .map_or(0, |prefix| prefix.chars().count());
        // A byte-order mark is no column an editor shows.
        if index == 0 && column > 0 && self.text.starts_with('\u{feff}') {
            column -= 1;
        }
        (to_u32(index + 1), to_u32(column + 1))
    }

    /// An error at a byte offset of this file.
    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> LoadError {
        let (line, column) = self.position(offset);
        self.error_at_position(line, column, message)
    }

    fn error_at_position(&self, line: u32, column: u32, message: impl Into<String>) -> LoadError {
        LoadError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// Marks that an error was already recorded in a [`Sink`]; the caller just stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;

/// Collects the errors found in one file.
pub(crate) struct Sink<'t> {
    /// The file being read.
    pub source: Source<'t>,
    /// Every error so far.
    pub errors: Vec<LoadError>,
    /// Every `{{named value}}` found so far (offsets into the text as written).
    pub named: Vec<NamedAt>,
}

impl<'t> Sink<'t> {
    pub fn new(file: &'t str, text: &'t str) -> Self {
        Sink {
            source: Source::new(file, text),
            errors: Vec::new(),
            named: Vec::new(),
        }
    }

    /// A sink for a document the pre-scanner rewrote: offsets given to it are into the
    /// rewritten text, errors are located in `text` as written.
    pub fn rewritten(file: &'t str, text: &'t str, map: &'t OffsetMap) -> Self {
        let mut source = Source::new(file, text);
        source.map = Some(map);
        Sink {
            source,
            errors: Vec::new(),
            named: Vec::new(),
        }
    }

    /// Records an error at a byte offset of the text as written.
    pub fn error_at_original(&mut self, offset: usize, message: impl Into<String>) -> Reported {
        let (line, column) = self.source.original_position(offset);
        let error = self.source.error_at_position(line, column, message);
        self.errors.push(error);
        Reported
    }

    /// Records an error at a byte offset of the file.
    pub fn error_at(&mut self, offset: usize, message: impl Into<String>) -> Reported {
        let error = self.source.error_at(offset, message);
        self.errors.push(error);
        Reported
    }

    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        self.source.position(offset).0
    }
}

/// Saturating conversion for line/column numbers of absurdly large inputs.
pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let source = Source::new("f", "ab\ncdé\n\nx");
        assert_eq!(source.position(0), (1, 1));
        assert_eq!(source.position(1), (1, 2));
        assert_eq!(source.position(3), (2, 1));
        assert_eq!(source.position(7), (2, 4)); // after the two-byte é
        assert_eq!(source.position(8), (3, 1));
        assert_eq!(source.position(9), (4, 1));
        assert_eq!(source.position(10), (4, 2));
        assert_eq!(source.position(1000), (4, 2));
        let bom = Source::new("f", "\u{feff}<a>\nb");
        assert_eq!(bom.position(3), (1, 1));
        assert_eq!(bom.position(4), (1, 2));
        assert_eq!(bom.position(7), (2, 1));
    }

    #[test]
    fn display_is_file_line_message() {
        let error = LoadError {
            file: "apis/weather.xml".into(),
            line: 7,
            column: 3,
            message: "unsupported policy element <foo> in <inbound>".into(),
        };
        assert_eq!(
            error.to_string(),
            "apis/weather.xml:7: unsupported policy element <foo> in <inbound>"
        );
    }
}
