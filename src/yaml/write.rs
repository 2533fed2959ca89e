//! The one YAML writer: `build`, `-o DIR` and `get -o yaml` all write through [`to_string`].
//!
//! Kubernetes tools read YAML by YAML 1.1 rules (kubectl, Argo CD and Flux through
//! sigs.k8s.io/yaml over go-yaml v2; Python tools through PyYAML), newer tools by YAML 1.2. A
//! string is written bare only when none of those readers takes it for anything but that string
//! ([`reads_as_non_string`]); `namespace: no`, `y: on` or `a: 1_000` would reach the API server
//! as a bool, a bool key or an int.
//!
//! Layout is serde_yaml's, which is also go-yaml v2's: block style, keys in order, sequences
//! under a key level with it, `{}`/`[]` for empty collections, literal blocks (`|-`) for
//! multi-line strings, double quotes with escapes for what else cannot be written. The two
//! [`Dialect`]s differ only in how a string that reads as another type is quoted.
//!
//! Written by hand because serde_yaml (libyaml underneath) quotes by YAML 1.2 rules alone and has
//! no way to ask for more.

use serde_json::{Map, Value};

/// How a string that a YAML reader would take for another type is quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `'true'`, as serde_yaml writes it: the bytes of `build` output stay what they were.
    Serde,
    /// `"true"`, as go-yaml v2 (so `kubectl get -o yaml`) writes it.
    Kubectl,
}

/// `v` as a YAML document (no `---`), ending with a newline.
pub fn to_string(v: &Value, dialect: Dialect) -> String {
    to_string_ordered(v, dialect, &[])
}

/// [`to_string`] with the keys of every mapping that appear in `first` written first, in that
/// order (the rest follow in their own order): for documents people read, such as the specs
/// `import` writes (`name` before `image`, not after it).
pub fn to_string_ordered(v: &Value, dialect: Dialect, first: &[&str]) -> String {
    let mut w = Writer {
        out: String::with_capacity(1024),
        dialect,
        first,
    };
    match v {
        Value::Object(m) if !m.is_empty() => w.map(m, 0),
        Value::Array(a) if !a.is_empty() => w.seq(a, 0),
        _ => w.scalar(v, 0),
    }
    w.out
}

struct Writer<'a> {
    out: String,
    dialect: Dialect,
    first: &'a [&'a str],
}

/// The entries of `m`, those named in `first` first.
fn ordered<'m>(m: &'m Map<String, Value>, first: &[&str]) -> Vec<(&'m String, &'m Value)> {
    if first.is_empty() {
        return m.iter().collect();
    }
    let rank = |k: &str| first.iter().position(|f| *f == k).unwrap_or(first.len());
    let mut entries: Vec<_> = m.iter().collect();
    entries.sort_by_key(|(k, _)| rank(k)); // stable: the rest keep their order
    entries
}

impl Writer<'_> {
    fn indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    fn map(&mut self, m: &Map<String, Value>, at: usize) {
        for (k, v) in ordered(m, self.first) {
            self.indent(at);
            self.entry(k, v, at);
        }
    }

    /// `key: value` with the key already indented; nested collections below it.
    fn entry(&mut self, k: &str, v: &Value, at: usize) {
        self.key(k);
        self.out.push(':');
        match v {
            Value::Object(m) if !m.is_empty() => {
                self.out.push('\n');
                self.map(m, at + 2);
            }
            Value::Array(a) if !a.is_empty() => {
                self.out.push('\n');
                self.seq(a, at);
            }
            _ => {
                self.out.push(' ');
                self.scalar(v, at);
            }
        }
    }

    fn seq(&mut self, a: &[Value], at: usize) {
        for v in a {
            self.indent(at);
            self.item(v, at);
        }
    }

    /// `- value` with the dash already indented: the first entry of a nested collection shares
    /// the dash's line, the others align with it.
    fn item(&mut self, v: &Value, at: usize) {
        self.out.push_str("- ");
        match v {
            Value::Object(m) if !m.is_empty() => {
                for (i, (k, x)) in ordered(m, self.first).into_iter().enumerate() {
                    if i > 0 {
                        self.indent(at + 2);
                    }
                    self.entry(k, x, at + 2);
                }
            }
            Value::Array(b) if !b.is_empty() => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        self.indent(at + 2);
                    }
                    self.item(x, at + 2);
                }
            }
            _ => self.scalar(v, at),
        }
    }

    /// A leaf and its newline; `at` is the indentation of the line it is on.
    fn scalar(&mut self, v: &Value, at: usize) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => number(&mut self.out, n),
            Value::String(s) => self.string(s, at),
            Value::Object(_) => self.out.push_str("{}"),
            Value::Array(_) => self.out.push_str("[]"),
        }
        self.out.push('\n');
    }

    fn key(&mut self, k: &str) {
        match style(k) {
            Style::Literal | Style::Double => double_quoted(&mut self.out, k),
            Style::Typed => self.typed(k),
            Style::Single => single_quoted(&mut self.out, k),
            Style::Plain => self.out.push_str(k),
        }
    }

    fn string(&mut self, s: &str, at: usize) {
        match style(s) {
            Style::Literal => literal(&mut self.out, s, at + 2),
            Style::Double => double_quoted(&mut self.out, s),
            Style::Typed => self.typed(s),
            Style::Single => single_quoted(&mut self.out, s),
            Style::Plain => self.out.push_str(s),
        }
    }

    /// A string that a reader would take for a bool, a number, a null or a date.
    fn typed(&mut self, s: &str) {
        match self.dialect {
            Dialect::Serde => single_quoted(&mut self.out, s),
            Dialect::Kubectl => double_quoted(&mut self.out, s),
        }
    }
}

/// Integers as they are; floats always with a `.` and a signed exponent, the form YAML 1.1
/// readers require (PyYAML reads `1e20` as a string).
fn number(out: &mut String, n: &serde_json::Number) {
    let text = n.to_string();
    if n.is_f64() {
        let (mant, exp) = match text.split_once('e') {
            Some((m, e)) => (m, Some(e)),
            None => (text.as_str(), None),
        };
        out.push_str(mant);
        if !mant.contains('.') {
            out.push_str(".0");
        }
        if let Some(e) = exp {
            out.push('e');
            if !e.starts_with(['-', '+']) {
                out.push('+');
            }
            out.push_str(e);
        }
    } else {
        out.push_str(&text);
    }
}

#[derive(Debug, PartialEq)]
enum Style {
    Plain,
    /// Quoted because a reader would resolve it to another type.
    Typed,
    Single,
    Double,
    Literal,
}

/// How a string is written, as libyaml chooses in serde_yaml and go-yaml v2.
fn style(s: &str) -> Style {
    let special = s
        .chars()
        .any(|c| !printable(c) || c == '\u{feff}' || other_break(c));
    if special {
        return Style::Double;
    }
    if s.contains('\n') {
        // A block cannot hold a trailing space or a space before a line break.
        return if s.ends_with(' ') || s.contains(" \n") {
            Style::Double
        } else {
            Style::Literal
        };
    }
    if reads_as_non_string(s) {
        return Style::Typed;
    }
    if plain_syntax(s) {
        Style::Plain
    } else {
        Style::Single
    }
}

/// YAML's printable set (a tab is not in it, so it is escaped), as libyaml defines it.
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// The line breaks of YAML 1.1 other than `\n`: a reader would fold them.
fn other_break(c: char) -> bool {
    matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether a one-line printable string may stand bare in block context: no indicator where
/// YAML would see one, no leading or trailing space, not a document marker.
fn plain_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if b[0] == b' ' || b[b.len() - 1] == b' ' {
        return false;
    }
    let blank_after = |i: usize| b.get(i + 1).is_none_or(|c| *c == b' ');
    if b"#,[]{}&*!|>'\"%@`".contains(&b[0]) || (b"-?:".contains(&b[0]) && blank_after(0)) {
        return false;
    }
    (1..b.len()).all(|i| match b[i] {
        b':' => !blank_after(i),
        b'#' => b[i - 1] != b' ',
        _ => true,
    })
}

/// Whether a YAML 1.1 or 1.2 reader (PyYAML, go-yaml v2 as kubectl uses it, or a 1.2 core
/// schema reader) would resolve `s`, written bare, to anything but this string: a null, a bool,
/// an int (with `_` separators, radix prefixes, sexagesimal `1:20`), a float (`.5`, `1e3`,
/// `.inf`, hex floats), a timestamp, or the merge and value keys (`<<`, `=`). Errs on the side
/// of quoting.
pub fn reads_as_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        "<<", "=",
    ];
    WORDS.contains(&s) || number_like(s) || timestamp_like(s)
}

/// Numbers as YAML 1.1 and go-yaml read them: `_` is ignored, a sign may lead. Only strings that
/// start with a digit, a sign or `.` are numbers to any of the readers.
fn number_like(s: &str) -> bool {
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let t: String = s.chars().filter(|c| *c != '_').collect();
    let body = t.strip_prefix(['+', '-']).unwrap_or(&t);
    let lower = body.to_ascii_lowercase();
    let word = lower.strip_prefix('.').unwrap_or(&lower);
    if matches!(word, "inf" | "infinity" | "nan") {
        return true;
    }
    let all = |x: &str, f: fn(&u8) -> bool| x.bytes().all(|c| f(&c));
    let radix = |p: &str, f: fn(&u8) -> bool| lower.strip_prefix(p).is_some_and(|r| all(r, f));
    (!body.is_empty() && all(body, u8::is_ascii_digit))
        || radix("0x", u8::is_ascii_hexdigit)
        || radix("0o", |c| (b'0'..=b'7').contains(c))
        || radix("0b", |c| matches!(c, b'0' | b'1'))
        || decimal_float(body)
        || hex_float(&lower)
        || sexagesimal(body)
}

/// `1.`, `.5`, `1.5e-3`, `1e3`: the union of YAML 1.1's, 1.2's and Go's decimal floats.
fn decimal_float(b: &str) -> bool {
    let (mant, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    let mant_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mant_ok && exp_ok && (mant.contains('.') || exp.is_some())
}

/// Go's hexadecimal floats (`0x1p-2`, `0x1.8p1`), which go-yaml v2 resolves.
fn hex_float(lower: &str) -> bool {
    let body = lower.strip_prefix(['+', '-']).unwrap_or(lower);
    let Some((mant, exp)) = body.strip_prefix("0x").and_then(|r| r.split_once('p')) else {
        return false;
    };
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let hex = |x: &str| x.bytes().all(|c| c.is_ascii_hexdigit());
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    hex(int)
        && hex(frac)
        && !(int.is_empty() && frac.is_empty())
        && !exp.is_empty()
        && exp.bytes().all(|c| c.is_ascii_digit())
}

/// YAML 1.1's base 60: `1:20`, `190:20:30`, `1:20.5`.
fn sexagesimal(b: &str) -> bool {
    let (whole, frac) = b.split_once('.').unwrap_or((b, ""));
    let mut parts = whole.split(':');
    let first = parts.next().unwrap_or_default();
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    let rest: Vec<&str> = parts.collect();
    digits(first)
        && !rest.is_empty()
        && rest
            .iter()
            .all(|p| digits(p) && p.len() <= 2 && (p.len() == 1 || p.as_bytes()[0] <= b'5'))
        && frac.bytes().all(|c| c.is_ascii_digit())
}

/// `2001-12-14`, `2001-12-14T21:59:43Z`, `2001-1-2 3:04:05`: what YAML 1.1 and go-yaml take for
/// a timestamp (go-yaml then hands kubectl `2001-12-14T00:00:00Z`).
fn timestamp_like(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let n = b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (min..=max).contains(&n).then_some(from + n)
    };
    let date_end = digits(0, 4, 4)
        .filter(|&i| b.get(i) == Some(&b'-'))
        .and_then(|i| digits(i + 1, 1, 2))
        .filter(|&i| b.get(i) == Some(&b'-'))
        .and_then(|i| digits(i + 1, 1, 2));
    date_end.is_some_and(|i| {
        b.get(i)
            .is_none_or(|c| matches!(c, b'T' | b't' | b' ' | b'\t'))
    })
}

fn single_quoted(out: &mut String, s: &str) {
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

/// libyaml's double-quoted form: YAML's short escapes where there is one, else `\xXX`,
/// `\uXXXX` or `\UXXXXXXXX`.
fn double_quoted(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        let short = match c {
            '\0' => "\\0",
            '\u{7}' => "\\a",
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{b}' => "\\v",
            '\u{c}' => "\\f",
            '\r' => "\\r",
            '\u{1b}' => "\\e",
            '"' => "\\\"",
            '\\' => "\\\\",
            '\u{85}' => "\\N",
            '\u{2028}' => "\\L",
            '\u{2029}' => "\\P",
            _ => "",
        };
        if !short.is_empty() {
            out.push_str(short);
        } else if printable(c) && c != '\u{feff}' {
            out.push(c);
        } else if (c as u32) <= 0xff {
            let _ = write!(out, "\\x{:02X}", c as u32);
        } else if (c as u32) <= 0xffff {
            let _ = write!(out, "\\u{:04X}", c as u32);
        } else {
            let _ = write!(out, "\\U{:08X}", c as u32);
        }
    }
    out.push('"');
}

/// A literal block: `|` keeps one final newline, `|-` none, `|+` all; an indentation
/// indicator when the first line starts with a space or is empty. `at` is the content's indent.
fn literal(out: &mut String, s: &str, at: usize) {
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 if s.len() > 1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let lines: Vec<&str> = s.split('\n').collect();
    let (last, body) = lines.split_last().unwrap_or((&"", &[]));
    for line in body {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', at));
            out.push_str(line);
        }
        out.push('\n');
    }
    if !last.is_empty() {
        out.extend(std::iter::repeat_n(' ', at));
        out.push_str(last);
    } else {
        // The caller's newline ends the block; the last line break is already written.
        out.pop();
    }
}

#[cfg(test)]
mod tests;
