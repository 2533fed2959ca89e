//! Source files and positions: what every diagnostic points into.
//!
//! Owns the mapping from parser positions (characters) to byte offsets, lines and columns.
//! Knows nothing about YAML or specs.

use std::sync::Arc;

/// The largest spec or manifest file stsc reads (16 MiB). Larger inputs are refused before they
/// are read; for comparison, the API server refuses request bodies over 3 MiB.
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// A file's name (as the user gave it) and its full text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    text: Arc<str>,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wrap a file's text. `name` is shown in messages exactly as given.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The name shown in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A shared handle on the text, for diagnostics that outlive the borrow.
    pub fn shared_text(&self) -> Arc<str> {
        self.text.clone()
    }

    /// Byte offset of a 1-based line and 0-based character column; clamped to the text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(col)
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let col = self.text[start..offset].chars().count() + 1;
        (line, col)
    }
}

/// A range of bytes in a [`SourceFile`], with the 1-based line and column of its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column (characters) of `start`.
    pub col: usize,
}

impl Span {
    /// Length in bytes (at least 1 so an empty value still gets a caret).
    pub fn len(&self) -> usize {
        (self.end.saturating_sub(self.start)).max(1)
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}
