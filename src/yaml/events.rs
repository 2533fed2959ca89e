//! The spanned loader: saphyr-parser's events become JSON values, with the span of every node
//! by JSON pointer, duplicate keys refused, and nesting and alias expansion bounded. Written by
//! hand because no crate gives spans by pointer, key spans, duplicate-key errors with the first
//! place and these limits together.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde_json::{Map, Value};

use super::scalar::resolve_number;
use super::{Document, Located, Numbers, YamlError, MAX_DEPTH, MAX_NODES};
use crate::source::{SourceFile, Span};

enum Frame {
    Seq {
        items: Vec<Value>,
        start: Span,
        anchor: usize,
        pointer: String,
    },
    Map {
        map: Map<String, Value>,
        start: Span,
        anchor: usize,
        pointer: String,
        /// The key read, waiting for its value.
        pending: Option<(String, Span)>,
        keys: HashMap<String, Span>,
    },
}

struct Loader {
    anchors: HashMap<usize, Value>,
    spans: HashMap<String, Located>,
    nodes: usize,
    numbers: Numbers,
}

/// Character index → byte offset, in amortized O(1) for positions that mostly move forward (the
/// parser's events do). A naive per-event scan from the line start is quadratic on one long line.
struct Cursor<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, m: saphyr_parser::Marker, src: &SourceFile) -> usize {
        let index = m.index();
        if self.ascii {
            return index.min(self.text.len());
        }
        if index < self.chars {
            // Going back: restart from the start of the marker's line.
            let line_start = src.offset(m.line(), 0);
            self.bytes = line_start;
            self.chars = index - m.col().min(index);
        }
        for c in self.text[self.bytes..].chars() {
            if self.chars >= index {
                break;
            }
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        self.bytes
    }
}

fn span_of(
    src: &SourceFile,
    s: saphyr_parser::Span,
    starts: &mut Cursor<'_>,
    ends: &mut Cursor<'_>,
) -> Span {
    let start = starts.byte(s.start, src);
    let end = ends.byte(s.end, src).max(start);
    Span {
        start,
        end,
        line: s.start.line(),
        col: s.start.col() + 1,
    }
}

fn scan_error(src: &SourceFile, e: &ScanError) -> YamlError {
    let m = e.marker();
    let start = src.offset(m.line(), m.col());
    YamlError {
        message: format!("invalid YAML: {}", e.info()),
        span: Span {
            start,
            end: start,
            line: m.line(),
            col: m.col() + 1,
        },
        related: None,
    }
}

/// The core schema's null and boolean spellings (the only plain scalars starting with a letter
/// that are not strings).
fn count_nodes(v: &Value) -> usize {
    let mut n = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n += 1;
        match v {
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    n
}

impl Loader {
    fn err(&self, message: impl Into<String>, span: Span) -> YamlError {
        YamlError {
            message: message.into(),
            span,
            related: None,
        }
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&saphyr_parser::Tag>,
        span: Span,
    ) -> Result<Value, YamlError> {
        if let Some(tag) = tag {
            let core = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
            let v = match (core, tag.suffix.as_str()) {
                (true, "str") => Ok(Value::String(text.to_string())),
                (true, "null" | "bool" | "int" | "float") => {
                    let v = resolve_number(text, self.numbers).map_err(|m| self.err(m, span))?;
                    let ok = matches!(
                        (tag.suffix.as_str(), &v),
                        ("null", Value::Null) | ("bool", Value::Bool(_))
                    ) || (tag.suffix == "int" && (v.is_i64() || v.is_u64()))
                        || (tag.suffix == "float" && v.is_number());
                    if ok {
                        Ok(v)
                    } else {
                        Err(self.err(format!("{text:?} is not a valid !!{}", tag.suffix), span))
                    }
                }
                _ => Err(self.err(
                    format!("unsupported YAML tag {}{}", tag.handle, tag.suffix),
                    span,
                )),
            };
            return v;
        }
        if style == ScalarStyle::Plain {
            resolve_number(text, self.numbers).map_err(|m| self.err(m, span))
        } else {
            Ok(Value::String(text.to_string()))
        }
    }

    fn budget(&mut self, n: usize, span: Span) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.err(
                format!("document too large: more than {MAX_NODES} values after expanding aliases"),
                span,
            ));
        }
        Ok(())
    }
}

/// Parse every document of `src`; with `track`, record the span of every node.
pub(super) fn load_with(
    src: &SourceFile,
    track: bool,
    numbers: Numbers,
) -> Result<Vec<Document>, YamlError> {
    let mut parser = Parser::new_from_str(src.text()).keep_tags(true);
    let mut b = Builder {
        loader: Loader {
            anchors: HashMap::new(),
            spans: HashMap::new(),
            nodes: 0,
            numbers,
        },
        track,
        stack: Vec::new(),
        root: None,
        doc_span: Span::default(),
        docs: Vec::new(),
    };
    let (mut starts, mut ends) = (Cursor::new(src.text()), Cursor::new(src.text()));
    while let Some(ev) = parser.next_event() {
        let (event, raw_span) = ev.map_err(|e| scan_error(src, &e))?;
        let span = span_of(src, raw_span, &mut starts, &mut ends);
        if let Some(node) = b.event(event, span)? {
            b.add(node)?;
        }
    }
    Ok(b.docs)
}

/// A finished node: its value, span and anchor id (0: none).
type Node = (Value, Span, usize);

/// The documents being built from the event stream.
struct Builder {
    loader: Loader,
    track: bool,
    /// The collections open around the current event.
    stack: Vec<Frame>,
    root: Option<Value>,
    doc_span: Span,
    docs: Vec<Document>,
}

impl Builder {
    /// Handle one event; a node it finishes is returned to be added to its parent.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<Option<Node>, YamlError> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(None),
            Event::DocumentStart(_) => {
                self.doc_span = span;
                self.loader.spans.clear();
                self.loader.anchors.clear();
                self.loader.nodes = 0;
                self.root = None;
                Ok(None)
            }
            Event::DocumentEnd => {
                let value = self.root.take().unwrap_or(Value::Null);
                self.docs.push(Document {
                    value,
                    spans: std::mem::take(&mut self.loader.spans),
                    span: self.doc_span,
                });
                Ok(None)
            }
            Event::Alias(id) => {
                let Some(v) = self.loader.anchors.get(&id).cloned() else {
                    return Err(self.loader.err("alias refers to an unknown anchor", span));
                };
                self.loader.budget(count_nodes(&v), span)?;
                Ok(Some((v, span, 0)))
            }
            Event::Scalar(text, style, anchor, tag) => self
                .scalar(&text, style, anchor, tag.as_deref(), span)
                .map(Some),
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                self.open(is_seq, anchor, tag.as_deref(), span)?;
                Ok(None)
            }
            Event::SequenceEnd | Event::MappingEnd => Ok(self.close()),
        }
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
        span: Span,
    ) -> Result<Node, YamlError> {
        self.loader.budget(1, span)?;
        // A plain `<<` key is YAML 1.1's merge key; YAML 1.2 readers take it as a string.
        let merge = text == "<<" && style == ScalarStyle::Plain && tag.is_none();
        if merge
            && pending_key(&self.stack).is_none()
            && matches!(self.stack.last(), Some(Frame::Map { .. }))
        {
            return Err(self.loader.err(
                "merge keys (`<<`) are not supported: stsc reads YAML 1.2, which has no merge keys; write the fields out (anchors and aliases of whole values work)",
                span,
            ));
        }
        let v = self.loader.scalar(text, style, tag, span)?;
        Ok((v, span, anchor))
    }

    /// Open a sequence or mapping (core tags only, nesting bounded).
    fn open(
        &mut self,
        is_seq: bool,
        anchor: usize,
        tag: Option<&saphyr_parser::Tag>,
        span: Span,
    ) -> Result<(), YamlError> {
        if let Some(tag) = tag {
            let ok = tag.handle == "!!" && matches!(tag.suffix.as_str(), "seq" | "map");
            if !ok {
                let message = format!("unsupported YAML tag {}{}", tag.handle, tag.suffix);
                return Err(self.loader.err(message, span));
            }
        }
        if self.stack.len() >= MAX_DEPTH {
            let message = format!("nesting deeper than {MAX_DEPTH} levels is not supported");
            return Err(self.loader.err(message, span));
        }
        self.loader.budget(1, span)?;
        let pointer = if self.track {
            child_pointer(&self.stack)
        } else {
            None
        };
        if let Some(pointer) = &pointer {
            let key = pending_key(&self.stack);
            let located = Located { key, value: span };
            self.loader.spans.insert(pointer.clone(), located);
        }
        let pointer = pointer.unwrap_or_default();
        self.stack.push(if is_seq {
            Frame::Seq {
                items: Vec::new(),
                start: span,
                anchor,
                pointer,
            }
        } else {
            Frame::Map {
                map: Map::new(),
                start: span,
                anchor,
                pointer,
                pending: None,
                keys: HashMap::new(),
            }
        });
        Ok(())
    }

    /// Close the innermost collection, finishing it as a node.
    fn close(&mut self) -> Option<Node> {
        match self.stack.pop()? {
            Frame::Seq {
                items,
                start,
                anchor,
                ..
            } => Some((Value::Array(items), start, anchor)),
            Frame::Map {
                map, start, anchor, ..
            } => Some((Value::Object(map), start, anchor)),
        }
    }

    /// Add a finished node to its parent (or make it the document's root).
    fn add(&mut self, (value, span, anchor): Node) -> Result<(), YamlError> {
        if anchor != 0 {
            self.loader.anchors.insert(anchor, value.clone());
        }
        let track = self.track && !(value.is_array() || value.is_object());
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, pointer, .. }) => {
                if track {
                    let located = Located {
                        key: None,
                        value: span,
                    };
                    let p = format!("{pointer}/{}", items.len());
                    self.loader.spans.insert(p, located);
                }
                items.push(value);
            }
            Some(Frame::Map {
                map,
                pointer,
                pending,
                keys,
                ..
            }) => match pending.take() {
                None => *pending = Some(map_key(&self.loader, keys, value, span)?),
                Some((key, key_span)) => {
                    if track {
                        let located = Located {
                            key: Some(key_span),
                            value: span,
                        };
                        let p = format!("{pointer}/{}", crate::k8s::pointer::escape(&key));
                        self.loader.spans.insert(p, located);
                    }
                    map.insert(key, value);
                }
            },
        }
        if self.track && self.root.is_some() && self.stack.is_empty() {
            self.loader.spans.entry(String::new()).or_insert(Located {
                key: None,
                value: span,
            });
        }
        Ok(())
    }
}

/// A mapping key read: a plain value, not already in the mapping.
fn map_key(
    loader: &Loader,
    keys: &mut HashMap<String, Span>,
    value: Value,
    span: Span,
) -> Result<(String, Span), YamlError> {
    let key = match value {
        Value::String(s) => s,
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(loader.err(
                "a mapping key must be a plain value, not a list or a mapping",
                span,
            ))
        }
    };
    if let Some(first) = keys.get(&key) {
        return Err(YamlError {
            message: format!("duplicate key {key:?}"),
            span,
            related: Some(*first),
        });
    }
    keys.insert(key.clone(), span);
    Ok((key, span))
}

/// The pointer of the node about to be added to the innermost open collection.
fn child_pointer(stack: &[Frame]) -> Option<String> {
    match stack.last() {
        None => Some(String::new()),
        Some(Frame::Seq { items, pointer, .. }) => Some(format!("{pointer}/{}", items.len())),
        Some(Frame::Map {
            pointer, pending, ..
        }) => pending
            .as_ref()
            .map(|(k, _)| format!("{pointer}/{}", crate::k8s::pointer::escape(k))),
    }
}

fn pending_key(stack: &[Frame]) -> Option<Span> {
    match stack.last() {
        Some(Frame::Map { pending, .. }) => pending.as_ref().map(|(_, s)| *s),
        _ => None,
    }
}
