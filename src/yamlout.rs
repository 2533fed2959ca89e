//! serde_yaml's text for the common object, written directly.
//!
//! GitOps repositories hold stsc's output, so its bytes must not change: this writer produces
//! exactly what `serde_yaml::to_string` does (block style, sorted keys, indentless sequences
//! under keys, `{}`/`[]` for empty collections), but only for values made of integers,
//! booleans, nulls and strings that are plain in YAML beyond doubt. For anything else it
//! declines and serde_yaml writes the object (a test compares the two on many values).

use serde_json::{Map, Value};

/// The YAML text serde_yaml would give `v`, or `None` when `v` holds a value this does not
/// reproduce (a float, a string that needs quotes or a block, a sequence directly in a sequence).
pub fn to_string(v: &Value) -> Option<String> {
    let mut out = String::with_capacity(1024);
    match v {
        Value::Object(m) if !m.is_empty() => map(&mut out, m, 0)?,
        Value::Array(a) if !a.is_empty() => seq(&mut out, a, 0)?,
        _ => {
            scalar(&mut out, v)?;
            out.push('\n');
        }
    }
    Some(out)
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn map(out: &mut String, m: &Map<String, Value>, at: usize) -> Option<()> {
    for (k, v) in m {
        indent(out, at);
        entry(out, k, v, at)?;
    }
    Some(())
}

/// `key: value` with the key already indented; nested collections below it.
fn entry(out: &mut String, k: &str, v: &Value, at: usize) -> Option<()> {
    plain(out, k)?;
    out.push(':');
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            map(out, m, at + 2)
        }
        // Sequences under a key are not indented.
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            seq(out, a, at)
        }
        _ => {
            out.push(' ');
            scalar(out, v)?;
            out.push('\n');
            Some(())
        }
    }
}

fn seq(out: &mut String, a: &[Value], at: usize) -> Option<()> {
    for v in a {
        indent(out, at);
        out.push_str("- ");
        match v {
            // The first entry shares the dash's line; the others align with it.
            Value::Object(m) if !m.is_empty() => {
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        indent(out, at + 2);
                    }
                    entry(out, k, x, at + 2)?;
                }
            }
            Value::Array(b) if !b.is_empty() => return None,
            _ => {
                scalar(out, v)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

fn scalar(out: &mut String, v: &Value) -> Option<()> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::Number(_) => return None,
        Value::String(s) => plain(out, s)?,
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        _ => return None,
    }
    Some(())
}

/// A string YAML reads back as the same string when written bare: starts with a letter (or `_`
/// or `/`), holds only letters, digits and `_ . / - : @ = +`, does not end with `:`, and is not
/// a word YAML 1.1 or 1.2 would take for a boolean or null.
fn plain(out: &mut String, s: &str) -> Option<()> {
    let b = s.as_bytes();
    let first = *b.first()?;
    let ok = (first.is_ascii_alphabetic() || first == b'_' || first == b'/')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"_./-:@=+".contains(c))
        && !s.ends_with(':')
        && !(s.len() <= 5
            && [
                "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
            ]
            .iter()
            .any(|w| s.eq_ignore_ascii_case(w)));
    if !ok && !quantity(b) {
        return None;
    }
    out.push_str(s);
    Some(())
}

/// A Kubernetes quantity with a unit (`1Gi`, `500m`, `2.5G`): digits, an optional fraction, then
/// letters. YAML reads it as a string, so serde_yaml writes it bare. Exponents (`1e3`) and
/// radix prefixes (`0x1F`) are numbers and are left out, as is anything with a leading zero.
fn quantity(b: &[u8]) -> bool {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || (b[0] == b'0' && digits > 1) {
        return false;
    }
    let mut rest = &b[digits..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    !rest.is_empty()
        && rest.iter().all(u8::is_ascii_alphabetic)
        && !matches!(rest[0], b'e' | b'E' | b'x' | b'o' | b'b')
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    /// A small deterministic generator (no dependency): values of every shape, with strings
    /// from a pool that mixes plain words and every kind of string that needs care.
    struct Gen(crate::testrng::XorShift);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0.next()
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            self.0.pick(xs)
        }
        fn value(&mut self, depth: usize) -> Value {
            const WORDS: &[&str] = &[
                "nginx",
                "web",
                "app.kubernetes.io/name",
                "nginx:1.27",
                "k8s.gcr.io/nginx-slim:0.8",
                "a-b_c.d",
                "ReadWriteOnce",
                "/usr/share/nginx/html",
                "x=y",
                "a+b",
                "user@host",
                "None",
                "Null",
                "null",
                "~",
                "true",
                "False",
                "yes",
                "No",
                "on",
                "OFF",
                "y",
                "1",
                "1.27",
                "-1",
                "+1",
                "0x1F",
                "0o17",
                "1e3",
                ".inf",
                "-.inf",
                ".nan",
                "12:30",
                "",
                " lead",
                "trail ",
                "a: b",
                "a #b",
                "#c",
                "key:",
                ":k",
                "- x",
                "[x]",
                "{x}",
                "a,b",
                "it's",
                "say \"hi\"",
                "multi\nline",
                "tab\there",
                "ü",
                "日本",
                "*ref",
                "&anc",
                "!tag",
                "%p",
                "@at",
                "`bt",
                "|pipe",
                ">fold",
                "?q",
                "a?b",
                "a\\b",
                "1Gi",
                "20Gi",
                "500m",
                "2.5G",
                "0Gi",
                "01Gi",
                "1e3",
                "1E3",
                "1e",
                "0xF",
                "0o7",
                "0b1",
                "1.Gi",
                "1.5",
                "12Ki3",
                "1inf",
                "1nan",
                "3Mi ",
            ];
            let shape = if depth > 3 {
                self.next() % 5
            } else {
                self.next() % 8
            };
            match shape {
                0 => json!(self.pick(WORDS)),
                1 => json!((self.next() % 2000) as i64 - 1000),
                2 => json!(self.next().is_multiple_of(2)),
                3 => Value::Null,
                4 => json!(self.pick(&["1.5", "2.0"]).parse::<f64>().unwrap()),
                5 | 6 => {
                    let n = self.next() % 4;
                    let mut m = serde_json::Map::new();
                    for _ in 0..n {
                        let k = self.pick(WORDS).to_string();
                        let v = self.value(depth + 1);
                        m.insert(k, v);
                    }
                    Value::Object(m)
                }
                _ => {
                    let n = self.next() % 4;
                    Value::Array((0..n).map(|_| self.value(depth + 1)).collect())
                }
            }
        }
    }

    #[test]
    fn writes_exactly_what_serde_yaml_writes_or_declines() {
        let mut g = Gen(crate::testrng::XorShift(0x9E37_79B9_7F4A_7C15));
        let (mut written, mut declined) = (0, 0);
        for _ in 0..20_000 {
            let v = g.value(0);
            match super::to_string(&v) {
                Some(text) => {
                    assert_eq!(text, serde_yaml::to_string(&v).unwrap(), "{v}");
                    written += 1;
                }
                None => declined += 1,
            }
        }
        assert!(written > 5_000 && declined > 5_000, "{written} {declined}");
    }

    #[test]
    fn the_examples_objects_are_written_directly_and_identically() {
        use std::sync::Arc;
        let compiler = crate::Compiler::new(
            crate::render::Renderer::new(None).unwrap(),
            crate::KubeVersion::NEWEST,
        );
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let (mut direct, mut declined) = (0, Vec::new());
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                let built =
                    compiler.compile(&[Arc::new(crate::source::SourceFile::new("e.yaml", text))]);
                for m in &built.manifests {
                    if let Some(t) = super::to_string(&m.object) {
                        assert_eq!(t, serde_yaml::to_string(&m.object).unwrap());
                        direct += 1;
                    } else {
                        declined.push(format!("{}: {}", p.display(), m.key()));
                    }
                }
            }
        }
        assert!(direct >= 10, "{direct}");
        assert_eq!(declined, Vec::<String>::new());
    }
}
