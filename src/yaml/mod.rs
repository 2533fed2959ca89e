//! YAML loading with positions: text → JSON values plus a map from JSON pointer to source span.
//!
//! Built on saphyr-parser's event stream so that every value keeps its line and column, duplicate
//! keys are caught, and hostile input stays bounded (nesting depth, alias expansion). Scalars are
//! resolved with the YAML 1.2 core schema. This module knows nothing about specs or Kubernetes.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde_json::{Map, Number, Value};

use crate::source::{SourceFile, Span};

mod fast;
pub mod write;
pub use fast::load_one as load_rendered;

/// Deepest nesting of collections accepted; real specs and manifests stay far below it.
pub const MAX_DEPTH: usize = 128;
/// Most nodes one document may hold after alias expansion (stops "billion laughs").
pub const MAX_NODES: usize = 1_000_000;

/// A YAML syntax or structure error at one place in the text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What is wrong, in words.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A second place that explains the first (the earlier key of a duplicate).
    pub related: Option<Span>,
}

/// Where a value sits in the source: its key (for mapping entries) and the value itself.
#[derive(Debug, Clone, Copy)]
pub struct Located {
    /// The key of the mapping entry holding the value, if any.
    pub key: Option<Span>,
    /// The value.
    pub value: Span,
}

/// One YAML document as a JSON value, with the location of every node.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document's content (`Null` for an empty document).
    pub value: Value,
    /// Span of every node by JSON pointer (`""` is the root).
    pub spans: HashMap<String, Located>,
    /// Where the document starts.
    pub span: Span,
}

impl Document {
    /// The location of the node at `pointer`, or of its nearest ancestor that has one.
    pub fn locate(&self, pointer: &str) -> Located {
        let mut p = pointer;
        loop {
            if let Some(l) = self.spans.get(p) {
                return *l;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => {
                    return Located {
                        key: None,
                        value: self.span,
                    }
                }
            }
        }
    }
}

/// Escape one JSON pointer token (RFC 6901).
pub fn escape_token(t: &str) -> String {
    if t.contains(['~', '/']) {
        t.replace('~', "~0").replace('/', "~1")
    } else {
        t.to_string()
    }
}

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

/// How a plain scalar with a leading zero (`0755`) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// An error: YAML 1.1 and 1.2 readers disagree on it (specs, which stsc owns).
    Unambiguous,
    /// Octal, as kubectl and Helm read it (YAML 1.1): for manifests stsc reads but did not write.
    Yaml11,
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
fn null_or_bool(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Some(Value::Null),
        "true" | "True" | "TRUE" => Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => Some(Value::Bool(false)),
        _ => None,
    }
}

/// Resolve a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(s: &str) -> Result<Value, String> {
    resolve_number(s, Numbers::Unambiguous)
}

/// [`resolve_plain`] with the reading of leading zeros chosen by the caller.
fn resolve_number(s: &str, numbers: Numbers) -> Result<Value, String> {
    if let Some(v) = null_or_bool(s) {
        return Ok(v);
    }
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return Err(format!("the number {s} cannot be represented in JSON"))
        }
        _ => {}
    }
    let b = s.as_bytes();
    let digits =
        |t: &[u8], radix: u32| !t.is_empty() && t.iter().all(|c| (*c as char).is_digit(radix));
    if let Some(h) = s.strip_prefix("0x") {
        if digits(h.as_bytes(), 16) {
            return Ok(
                u64::from_str_radix(h, 16).map_or_else(|_| Value::String(s.into()), Value::from)
            );
        }
    }
    if let Some(o) = s.strip_prefix("0o") {
        if digits(o.as_bytes(), 8) {
            return Ok(
                u64::from_str_radix(o, 8).map_or_else(|_| Value::String(s.into()), Value::from)
            );
        }
    }
    let unsigned = if matches!(b.first(), Some(b'-' | b'+')) {
        &b[1..]
    } else {
        b
    };
    if digits(unsigned, 10) {
        if unsigned.len() > 1 && unsigned[0] == b'0' {
            // YAML 1.1 (kubectl, Helm, PyYAML) reads 0755 as octal 493, YAML 1.2 as 755.
            let octal = std::str::from_utf8(&unsigned[1..]).unwrap_or_default();
            if numbers == Numbers::Yaml11 && digits(&unsigned[1..], 8) {
                let n = i64::from_str_radix(octal, 8).map_err(|e| format!("{s}: {e}"))?;
                return Ok(Value::from(if b[0] == b'-' { -n } else { n }));
            }
            return Err(format!(
                "{s} is a number with a leading zero: YAML 1.1 readers (kubectl, Helm) take it as octal, YAML 1.2 readers as decimal; write 0o{octal} for octal, {} for decimal, or quote it for a string",
                s.trim_start_matches(['-', '+']).trim_start_matches('0')
            ));
        }
        if let Ok(i) = s.parse::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = s.parse::<u64>() {
            return Ok(Value::from(u));
        }
        // Too large for 64 bits: keep it a float, range checks downstream name it.
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Ok(Value::Number(n));
        }
    }
    if is_float(unsigned) {
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Ok(Value::Number(n));
        }
    }
    Ok(Value::String(s.to_string()))
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_float(b: &[u8]) -> bool {
    let mut i = 0;
    let int = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int == 0 && frac == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let e = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if e == 0 {
            return false;
        }
        i += e;
    }
    i == b.len()
}

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

/// Parse every document of a YAML text.
///
/// # Errors
/// The first syntax error, duplicate key, unsupported construct or exceeded limit.
pub fn load(src: &SourceFile) -> Result<Vec<Document>, YamlError> {
    if src.text().len() >= SPLIT_FROM {
        if let Some(at) = split_point(src.text()) {
            return load_halves(src, at);
        }
    }
    load_with(src, true, Numbers::Unambiguous)
}

/// Parse every document of Kubernetes manifests stsc did not write (`helm template` output,
/// `kubectl get -o yaml`), reading `0755` as octal as kubectl does.
///
/// # Errors
/// As [`load`].
pub fn load_manifests(src: &SourceFile) -> Result<Vec<Document>, YamlError> {
    load_with(src, true, Numbers::Yaml11)
}

/// Text size from which [`load`] reads the two halves of a multi-document file on two threads.
const SPLIT_FROM: usize = 256 << 10;

/// The start of the first `---` document marker line at or after the middle of `text`. A `---`
/// at the start of a line, followed by a space or the line's end, always ends the document
/// before it (YAML forbids it inside content), so the halves read as they would together.
fn split_point(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut from = text.len() / 2;
    while let Some(i) = text[from..].find("\n---") {
        let at = from + i + 1;
        if matches!(b.get(at + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n')) {
            return Some(at);
        }
        from = at;
    }
    None
}

/// [`load_with`] over `text[..at]` and `text[at..]` at once, the second half's positions moved
/// to where they are in the whole text. The first error in the text wins, as it would alone.
fn load_halves(src: &SourceFile, at: usize) -> Result<Vec<Document>, YamlError> {
    let (a, b) = src.text().split_at(at);
    let lines_before = a.bytes().filter(|&c| c == b'\n').count();
    let shift = |s: &mut Span| {
        s.start += at;
        s.end += at;
        s.line += lines_before;
    };
    let (first, second) = std::thread::scope(|scope| {
        let second =
            scope.spawn(|| load_with(&SourceFile::new(src.name(), b), true, Numbers::Unambiguous));
        let first = load_with(&SourceFile::new(src.name(), a), true, Numbers::Unambiguous);
        (first, second.join())
    });
    let mut docs = first?;
    let mut rest = match second {
        Ok(r) => r,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    .map_err(|mut e| {
        shift(&mut e.span);
        if let Some(r) = &mut e.related {
            shift(r);
        }
        e
    })?;
    for d in &mut rest {
        shift(&mut d.span);
        for l in d.spans.values_mut() {
            shift(&mut l.value);
            if let Some(k) = &mut l.key {
                shift(k);
            }
        }
    }
    docs.append(&mut rest);
    Ok(docs)
}

/// [`load`] without the per-value spans (each document's `spans` stays empty): for text stsc
/// generated itself, where only an error's line is ever reported. About a third cheaper.
///
/// # Errors
/// As [`load`].
pub fn load_values(src: &SourceFile) -> Result<Vec<Document>, YamlError> {
    load_with(src, false, Numbers::Unambiguous)
}

fn load_with(src: &SourceFile, track: bool, numbers: Numbers) -> Result<Vec<Document>, YamlError> {
    let mut parser = Parser::new_from_str(src.text()).keep_tags(true);
    let mut docs = Vec::new();
    let mut loader = Loader {
        anchors: HashMap::new(),
        spans: HashMap::new(),
        nodes: 0,
        numbers,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Value> = None;
    let mut doc_span = Span::default();
    let (mut starts, mut ends) = (Cursor::new(src.text()), Cursor::new(src.text()));

    while let Some(ev) = parser.next_event() {
        let (event, raw_span) = ev.map_err(|e| scan_error(src, &e))?;
        let span = span_of(src, raw_span, &mut starts, &mut ends);
        // A finished node: (value, span, anchor)
        let mut done: Option<(Value, Span, usize)> = None;
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                doc_span = span;
                loader.spans.clear();
                loader.anchors.clear();
                loader.nodes = 0;
                root = None;
            }
            Event::DocumentEnd => {
                let value = root.take().unwrap_or(Value::Null);
                docs.push(Document {
                    value,
                    spans: std::mem::take(&mut loader.spans),
                    span: doc_span,
                });
            }
            Event::Alias(id) => {
                let Some(v) = loader.anchors.get(&id).cloned() else {
                    return Err(loader.err("alias refers to an unknown anchor", span));
                };
                loader.budget(count_nodes(&v), span)?;
                done = Some((v, span, 0));
            }
            Event::Scalar(text, style, anchor, tag) => {
                loader.budget(1, span)?;
                // A plain `<<` key is YAML 1.1's merge key; YAML 1.2 readers take it as a string.
                let merge = text == "<<" && style == ScalarStyle::Plain && tag.is_none();
                if merge
                    && pending_key(&stack).is_none()
                    && matches!(stack.last(), Some(Frame::Map { .. }))
                {
                    return Err(loader.err(
                        "merge keys (`<<`) are not supported: stsc reads YAML 1.2, which has no merge keys; write the fields out (anchors and aliases of whole values work)",
                        span,
                    ));
                }
                let v = loader.scalar(&text, style, tag.as_deref(), span)?;
                done = Some((v, span, anchor));
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if let Some(tag) = tag {
                    let ok = tag.handle == "!!" && matches!(tag.suffix.as_str(), "seq" | "map");
                    if !ok {
                        return Err(loader.err(
                            format!("unsupported YAML tag {}{}", tag.handle, tag.suffix),
                            span,
                        ));
                    }
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(loader.err(
                        format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
                        span,
                    ));
                }
                loader.budget(1, span)?;
                let pointer = if track { child_pointer(&stack) } else { None };
                if let Some(pointer) = &pointer {
                    let key = pending_key(&stack);
                    loader
                        .spans
                        .insert(pointer.clone(), Located { key, value: span });
                }
                let pointer = pointer.unwrap_or_default();
                let is_seq = matches!(event, Event::SequenceStart(..));
                stack.push(if is_seq {
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
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    ..
                }) = stack.pop()
                {
                    done = Some((Value::Array(items), start, anchor));
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    map, start, anchor, ..
                }) = stack.pop()
                {
                    done = Some((Value::Object(map), start, anchor));
                }
            }
        }
        let Some((value, span, anchor)) = done else {
            continue;
        };
        if anchor != 0 {
            loader.anchors.insert(anchor, value.clone());
        }
        let is_collection = value.is_array() || value.is_object();
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq { items, pointer, .. }) => {
                if track && !is_collection {
                    loader.spans.insert(
                        format!("{pointer}/{}", items.len()),
                        Located {
                            key: None,
                            value: span,
                        },
                    );
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
                None => {
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
                    *pending = Some((key, span));
                }
                Some((key, key_span)) => {
                    if track && !is_collection {
                        loader.spans.insert(
                            format!("{pointer}/{}", escape_token(&key)),
                            Located {
                                key: Some(key_span),
                                value: span,
                            },
                        );
                    }
                    map.insert(key, value);
                }
            },
        }
        if track && root.is_some() && stack.is_empty() {
            loader.spans.entry(String::new()).or_insert(Located {
                key: None,
                value: span,
            });
        }
    }
    Ok(docs)
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
            .map(|(k, _)| format!("{pointer}/{}", escape_token(k))),
    }
}

fn pending_key(stack: &[Frame]) -> Option<Span> {
    match stack.last() {
        Some(Frame::Map { pending, .. }) => pending.as_ref().map(|(_, s)| *s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file big enough to be read in two halves reads exactly as it does in one piece: the same
    /// values and positions, and the same first error wherever it is.
    #[test]
    fn halves_read_as_the_whole() {
        let doc = |i: usize| {
            format!(
                "name: web-{i}\nlabels: {{app: \"é{i}\"}}\nports:\n  - name: web\n    port: {}\n# ---\nnote: |\n  a\n  --- not a marker\n",
                i % 100
            )
        };
        let mut text = String::new();
        for i in 0..4000 {
            text += &doc(i);
            text += if i % 3 == 0 { "---\n" } else { "--- \n" };
        }
        assert!(text.len() > SPLIT_FROM);
        let src = SourceFile::new("big.yaml", text.clone());
        let at = split_point(&text).unwrap();
        assert!(at > text.len() / 2 && text[at..].starts_with("---"));
        let (split, whole) = (
            load(&src).unwrap(),
            load_with(&src, true, Numbers::Unambiguous).unwrap(),
        );
        assert_eq!(split.len(), whole.len());
        for (a, b) in split.iter().zip(&whole) {
            assert_eq!((&a.value, a.span), (&b.value, b.span));
            let mut sa: Vec<_> = a.spans.iter().map(|(k, l)| (k, l.key, l.value)).collect();
            let mut sb: Vec<_> = b.spans.iter().map(|(k, l)| (k, l.key, l.value)).collect();
            sa.sort_by_key(|x| x.0);
            sb.sort_by_key(|x| x.0);
            assert_eq!(sa, sb);
        }
        for bad in [text.len() / 4, text.len() * 3 / 4] {
            let line = text[bad..].find("\nname:").unwrap() + bad + 1;
            let mut broken = text.clone();
            broken.insert_str(line, "name: [unclosed\n");
            let src = SourceFile::new("big.yaml", broken);
            let (e1, e2) = (
                load(&src).unwrap_err(),
                load_with(&src, true, Numbers::Unambiguous).unwrap_err(),
            );
            assert_eq!(
                (e1.message, e1.span, e1.related),
                (e2.message, e2.span, e2.related)
            );
        }
    }

    fn one(text: &str) -> Document {
        let src = SourceFile::new("t.yaml", text);
        let mut d = load(&src).unwrap();
        assert_eq!(d.len(), 1);
        d.remove(0)
    }

    #[test]
    fn core_schema_scalars() {
        let d = one("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: 0x10\ng: yes\nh: -3\ni: 1e3\nj: .5\n");
        assert_eq!(
            d.value,
            serde_json::json!({"a":1,"b":"1","c":true,"d":null,"e":1.5,"f":16,"g":"yes","h":-3,"i":1000.0,"j":0.5})
        );
    }

    #[test]
    fn spans_point_at_values_and_keys() {
        let d = one("name: web\nstorage:\n  - name: www\n    size: 1Gi\n");
        let l = d.locate("/storage/0/size");
        assert_eq!((l.value.line, l.value.col), (4, 11));
        assert_eq!(l.key.map(|k| (k.line, k.col)), Some((4, 5)));
        // A pointer without its own node falls back to the nearest ancestor.
        assert_eq!(d.locate("/storage/0/missing").value.line, 3);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let src = SourceFile::new("t.yaml", "a: 1\nb: 2\na: 3\n");
        let e = load(&src).unwrap_err();
        assert_eq!(e.message, "duplicate key \"a\"");
        assert_eq!((e.span.line, e.related.unwrap().line), (3, 1));
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = load(&SourceFile::new("t.yaml", text)).unwrap_err();
        assert!(e.message.starts_with("document too large"), "{}", e.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "[".repeat(100_000);
        let e = load(&SourceFile::new("t.yaml", text)).unwrap_err();
        assert_eq!(e.message, "invalid YAML: recursion limit exceeded");
    }

    #[test]
    fn multiple_documents() {
        let src = SourceFile::new("t.yaml", "a: 1\n---\nb: 2\n---\n");
        let d = load(&src).unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d[1].span.line, 2);
        assert!(d[2].value.is_null());
    }
}
