//! YAML loading with positions: text → JSON values plus a map from JSON pointer to source span.
//!
//! Built on saphyr-parser's event stream so that every value keeps its line and column, duplicate
//! keys are caught, and hostile input stays bounded (nesting depth, alias expansion). Scalars are
//! resolved with the YAML 1.2 core schema. This module knows nothing about specs or Kubernetes.

use std::collections::HashMap;

use serde_json::Value;

use crate::source::{SourceFile, Span};

mod events;
mod fast;
mod scalar;
pub mod write;

use events::load_with;
pub use fast::load_one as load_rendered;
use scalar::{null_or_bool, resolve_plain};

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

/// How a plain scalar with a leading zero (`0755`) reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// An error: YAML 1.1 and 1.2 readers disagree on it (specs, which stsc owns).
    Unambiguous,
    /// Octal, as kubectl and Helm read it (YAML 1.1): for manifests stsc reads but did not write.
    Yaml11,
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
