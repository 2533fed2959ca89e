//! A fast reader for the YAML stsc's templates render.
//!
//! Rendered objects are block mappings and sequences whose leaves are plain scalars written in
//! the template, or one line of JSON written by the template formatter for a value. This reader
//! takes exactly that subset, line by line, and hands the JSON leaves to `serde_json`. Anything
//! outside it (anchors, tags, quotes other than JSON's, block scalars, comments after a value,
//! several documents, a line it cannot place) makes it decline with `None`: the full loader then
//! reads the text and reports any error. When it answers, it gives the value the full loader
//! gives; a differential test holds it to that.

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{null_or_bool, resolve_plain, MAX_DEPTH, MAX_NODES};

/// Texts longer than this are left to the full loader, which counts values against
/// [`MAX_NODES`]: every value takes at least two bytes, so a shorter text cannot reach the limit.
const MAX_TEXT: usize = MAX_NODES;

/// The value of `text` when it is one document in the subset, else `None`.
pub fn load_one(text: &str) -> Option<Value> {
    if text.len() > MAX_TEXT || !clean(text) {
        return None;
    }
    let mut lines = Vec::with_capacity(64);
    for raw in text.split('\n') {
        let content = raw.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = raw.len() - content.len();
        if indent == 0 && (content.starts_with("---") || content.starts_with("...")) {
            return None;
        }
        lines.push(Line {
            indent,
            content: content.trim_end_matches(' '),
        });
    }
    let first = lines.first()?.indent;
    let mut r = Reader { lines, at: 0 };
    let v = r.node(first, 0)?;
    (r.at == r.lines.len()).then_some(v)
}

/// No character the subset leaves to the full loader: tabs, carriage returns and other control
/// characters, and the non-ASCII characters YAML treats specially (C1 controls, NEL, the line
/// and paragraph separators, the byte-order mark, non-characters).
fn clean(text: &str) -> bool {
    let ascii_ok = |b: u8| b == b'\n' || (0x20..0x7f).contains(&b);
    if text.is_ascii() {
        return text.bytes().all(ascii_ok);
    }
    text.chars().all(|c| {
        if c.is_ascii() {
            ascii_ok(c as u8)
        } else {
            !matches!(
                c,
                '\u{80}'
                    ..='\u{a0}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        }
    })
}

struct Line<'a> {
    indent: usize,
    content: &'a str,
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
}

impl<'a> Reader<'a> {
    /// The block node whose first line is the current one, at `indent`.
    fn node(&mut self, indent: usize, depth: usize) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let line = self.lines.get(self.at)?;
        if line.indent != indent {
            return None;
        }
        if is_item(line.content) {
            self.seq(indent, depth)
        } else {
            self.map(indent, depth)
        }
    }

    fn seq(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent != indent || !is_item(line.content) {
                break;
            }
            let after = &line.content[1..];
            let rest = after.trim_start_matches(' ');
            if rest.is_empty() || is_item(rest) {
                return None;
            }
            if entry_key(rest).is_some() {
                // `- key: value`: a mapping whose entries align with `key`.
                let col = indent + 1 + (after.len() - rest.len());
                self.lines[self.at] = Line {
                    indent: col,
                    content: rest,
                };
                items.push(self.map(col, depth + 1)?);
            } else {
                // A deeper line after a leaf (a continuation, or an error) is left unread, and
                // an unread line makes the whole text decline.
                self.at += 1;
                items.push(leaf(rest, depth + 1)?);
            }
        }
        Some(Value::Array(items))
    }

    fn map(&mut self, indent: usize, depth: usize) -> Option<Value> {
        let mut map = Map::new();
        while let Some(line) = self.lines.get(self.at) {
            if line.indent != indent {
                break;
            }
            let (key, rest) = entry_key(line.content)?;
            if map.contains_key(key) {
                return None;
            }
            self.at += 1;
            let value = if rest.is_empty() {
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => self.node(next.indent, depth + 1)?,
                    // A sequence may sit at its key's own indentation.
                    Some(next) if next.indent == indent && is_item(next.content) => {
                        self.seq(indent, depth + 1)?
                    }
                    _ => Value::Null,
                }
            } else {
                leaf(rest, depth + 1)?
            };
            map.insert(key.to_string(), value);
        }
        Some(Value::Object(map))
    }
}

/// A block sequence entry: `-` then a space or the line's end.
fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// `key: rest` (or `key:`) with a plain key of letters, digits and `-_./` that YAML reads as a
/// string; `rest` has its leading spaces removed.
fn entry_key(content: &str) -> Option<(&str, &str)> {
    let b = content.as_bytes();
    let n = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
        .count();
    // YAML limits an implicit key to 1024 characters.
    if n == 0 || n > 1000 || b.get(n) != Some(&b':') || !matches!(b.get(n + 1), None | Some(b' ')) {
        return None;
    }
    let key = &content[..n];
    if !b[0].is_ascii_alphabetic() || null_or_bool(key).is_some() {
        return None;
    }
    Some((key, content[n + 1..].trim_start_matches(' ')))
}

/// A value written on its key's line, `depth` collections deep: one JSON text (the formatter's
/// output) or a plain scalar.
fn leaf(s: &str, depth: usize) -> Option<Value> {
    match s.as_bytes()[0] {
        b'"' | b'[' | b'{' => {
            // YAML has no surrogate escapes (the formatter writes such characters raw).
            if s.contains("\\ud") || s.contains("\\uD") {
                return None;
            }
            // The full loader's nesting limit counts flow collections too (brackets inside
            // strings are counted as well: that only declines more).
            let opens = s.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
            if depth + opens >= MAX_DEPTH {
                return None;
            }
            let mut de = serde_json::Deserializer::from_str(s);
            let v = Strict::deserialize(&mut de).ok()?.0;
            de.end().ok()?;
            Some(v)
        }
        c if c.is_ascii_alphanumeric() || matches!(c, b'/' | b'.' | b'_' | b'-' | b'+') => {
            // No comment, no `key: value`, no trailing `:`, no `- ` item.
            let b = s.as_bytes();
            let bad = b.windows(2).any(|w| w == b" #" || w == b": ");
            if bad || b.ends_with(b":") || is_item(s) {
                return None;
            }
            resolve_plain(s).ok()
        }
        _ => None,
    }
}

/// A JSON value read the way YAML reads the same flow text, or an error where the two could
/// differ: duplicate keys (an error in YAML) and non-integer numbers.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom("a float"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let Strict(v) = access.next_value()?;
            if key.len() > 1000 || map.insert(key, v).is_some() {
                return Err(A::Error::custom("duplicate key"));
            }
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::load_one;
    use crate::source::SourceFile;
    use serde_json::json;

    /// What the full loader makes of `text`, when it is one document.
    fn full(text: &str) -> Option<serde_json::Value> {
        let docs = super::super::load_values(&SourceFile::new("t.yaml", text.to_string())).ok()?;
        match docs.as_slice() {
            [d] => Some(d.value.clone()),
            _ => None,
        }
    }

    #[test]
    fn reads_what_templates_render() {
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: \"web\"\n  labels: {\"app\":\"nginx\"}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: \"nginx\"\n          ports:\n            - containerPort: 80\n              name: \"web\"\n  accessModes: [\"ReadWriteOnce\"]\n  list:\n  - a\n  - 1\n  empty:\n";
        let v = load_one(text).unwrap();
        assert_eq!(v, full(text).unwrap());
        assert_eq!(
            v["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
            json!(80)
        );
        assert_eq!(v["spec"]["list"], json!(["a", 1]));
        assert_eq!(v["spec"]["empty"], json!(null));
    }

    #[test]
    fn declines_what_it_does_not_take() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: 'q'\n",
            "a: |\n  x\n",
            "a: b # c\n",
            "a: 1\n---\nb: 2\n",
            "a: {\"k\": 1, \"k\": 2}\n",
            "a: 1\na: 2\n",
            "a: b\n  c\n",
            "a:\n  b: 1\n c: 2\n",
            "a:\tb\n",
            "a: 1\r\n",
            "- - a\n",
            "a: [1.5]\n",
            "a: .inf\n",
            "\"k\": 1\n",
            "true: 1\n",
            "a: b: c\n",
            "a: \"x\" y\n",
            "",
            "a: \"\u{85}\"\n",
        ] {
            assert_eq!(load_one(text), None, "{text:?}");
        }
    }

    /// Near the full loader's nesting and size limits the fast reader answers only where the
    /// full loader does, with the same value.
    #[test]
    fn limits_are_the_full_loaders() {
        for (blocks, arrays) in [(100, 20), (100, 40), (60, 70), (127, 0), (128, 0), (126, 1)] {
            let mut text = String::new();
            for i in 0..blocks {
                text += &format!("{}k:\n", " ".repeat(2 * i));
            }
            let leaf = format!("{}1{}", "[".repeat(arrays), "]".repeat(arrays));
            text += &format!("{}k: {leaf}\n", " ".repeat(2 * blocks));
            let fast = load_one(&text);
            if let Some(v) = &fast {
                assert_eq!(Some(v), full(&text).as_ref(), "{blocks} {arrays}");
            } else {
                assert!(blocks + arrays >= 125, "{blocks} {arrays} declined");
            }
            if full(&text).is_none() {
                assert_eq!(fast, None, "{blocks} {arrays}");
            }
        }
        let big = format!("k: [{}1]\n", "1,".repeat(600_000));
        assert_eq!(load_one(&big), None);
    }

    const KEYS: &[&str] = &["a", "b", "name", "app.kubernetes.io/name", "x-y", "k"];
    const ODD_KEYS: &[&str] = &["true", "1a", "\"q\"", "a b", "-a", "<<", "?a", "a:b"];
    const LEAVES: &[&str] = &[
        "v",
        "1",
        "-1",
        "null",
        "nginx:1.27",
        "a:b",
        "a#b",
        "\"s\"",
        "\"a\\nb\"",
        "2Gi",
        "\"\\u00e9\"",
        "[\"a\", 1, true, null]",
        "{\"a\": {\"b\": [1]}}",
        "é",
        "+1",
        "\"a\\/b\"",
        "\"\\t\"",
        "{\"a\" : 1}",
        "[ ]",
        "{}",
        "[1,[2,{}]]",
        "{\"é\": \"ü\"}",
        "a b",
        "x- y",
        "~",
        "True",
        "no",
        "0x1F",
        "0o7",
        "1e3",
        "-0",
        "[a, b]",
        "/usr/share",
    ];
    const ODD_LEAVES: &[&str] = &[
        "1.5",
        ".inf",
        "a: b",
        "a #b",
        "[a]",
        "{a: 1}",
        "{\"a\":1,\"a\":2}",
        "[1.5]",
        "\"x\" # c",
        "'q'",
        "&a x",
        "*a",
        "!t x",
        "|",
        ">",
        "-",
        "- x",
        "18446744073709551616",
        "9223372036854775808",
        "\"\u{2028}\"",
        "%x",
        "@x",
        "`x",
        "\"\\ud83d\\ude00\"",
        "\"a\" \"b\"",
        "a  b",
        "a:",
        "? x",
        ": x",
        ",x",
    ];

    /// A few lines of keys, list items and leaves at varying indents, one piece in ten from
    /// just outside the subset.
    fn random_text(next: &mut impl FnMut() -> u64) -> String {
        let mut text = String::new();
        let lines = 1 + next() % 8;
        let mut indent = 0usize;
        for _ in 0..lines {
            let pad = " ".repeat(indent);
            let odd = next().is_multiple_of(10);
            let pool = if odd { ODD_KEYS } else { KEYS };
            let key = pool[(next() % pool.len() as u64) as usize];
            let odd = next().is_multiple_of(10);
            let pool = if odd { ODD_LEAVES } else { LEAVES };
            let leaf = pool[(next() % pool.len() as u64) as usize];
            match next() % 7 {
                0 => {
                    text += &format!("{pad}{key}:\n");
                    indent += if next().is_multiple_of(2) { 2 } else { 4 };
                }
                1 => text += &format!("{pad}- {leaf}\n"),
                2 => {
                    text += &format!("{pad}- {key}: {leaf}\n");
                    indent += 2;
                }
                3 => {
                    text += &format!("{pad}{key}:\n");
                }
                4 => {
                    indent = indent.saturating_sub(2 * (next() % 3) as usize);
                    text += &format!("{}{key}: {leaf}\n", " ".repeat(indent));
                }
                5 if next().is_multiple_of(4) => text += &format!("{pad}# c\n\n"),
                // A leaf, then a line deeper than its key: a continuation or an error.
                5 if next().is_multiple_of(3) => {
                    text += &format!("{pad}{key}: {leaf}\n");
                    indent += 1 + (next() % 2) as usize;
                }
                _ => text += &format!("{pad}{key}: {leaf}\n"),
            }
        }
        text
    }

    /// Texts made from pieces of the subset and pieces just outside it: wherever the fast reader
    /// answers, the full loader reads the same single value.
    #[test]
    fn agrees_with_the_full_loader() {
        let mut rng = crate::testrng::XorShift(0x2545_F491_4F6C_DD1Du64);
        let mut next = move || rng.next();
        let (mut answered, mut declined) = (0, 0);
        for _ in 0..20_000 {
            let text = random_text(&mut next);
            match load_one(&text) {
                Some(v) => {
                    assert_eq!(Some(&v), full(&text).as_ref(), "{text}");
                    answered += 1;
                }
                None => declined += 1,
            }
        }
        assert!(
            answered > 3_000 && declined > 3_000,
            "{answered} {declined}"
        );
    }
}
