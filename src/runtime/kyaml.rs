//! YAML as `kubectl get -o yaml` writes it (go-yaml v2 through sigs.k8s.io/yaml): keys sorted,
//! two-space indent, list items level with their key, strings that would read as another type
//! double-quoted, strings with YAML indicators single-quoted, multi-line strings as literal
//! blocks (research: kubectl-and-api §1.6).

use serde_json::Value;

/// Whether a plain scalar would resolve to something other than a string under YAML 1.1.
fn resolves_to_non_string(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL",
        ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN",
    ];
    if s.is_empty() || WORDS.contains(&s) {
        return true;
    }
    let t = s.replace('_', "");
    let body = t.strip_prefix(['-', '+']).unwrap_or(&t);
    let int = !body.is_empty()
        && (body.bytes().all(|b| b.is_ascii_digit())
            || body
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || body
                .strip_prefix("0b")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b == b'0' || b == b'1')));
    let float = {
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let mant_ok = !mant.is_empty()
            && mant.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && mant.bytes().filter(|b| *b == b'.').count() <= 1
            && mant.bytes().any(|b| b.is_ascii_digit());
        let exp_ok = exp.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
        });
        mant_ok && exp_ok && (mant.contains('.') || exp.is_some())
    };
    // Timestamps: 2001-12-14, 2001-12-14t21:59:43.10-05:00, 2001-12-14 21:59:43.10 -5 ...
    let b = s.as_bytes();
    let date = b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && s[5..].split(['T', 't', ' ']).next().is_some_and(|d| {
            let mut it = d.split('-');
            matches!((it.next(), it.next(), it.next()), (Some(m), Some(dd), None)
                if (1..=2).contains(&m.len()) && m.bytes().all(|c| c.is_ascii_digit())
                && (1..=2).contains(&dd.len()) && dd.bytes().all(|c| c.is_ascii_digit()))
        });
    int || float || date
}

/// Whether go-yaml may write the string plain.
fn plain_ok(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    if "#,[]{}&*!|>'\"%@`".contains(first) {
        return false;
    }
    let second = s.chars().nth(1);
    if matches!(first, '-' | '?' | ':') && second.is_none_or(|c| c == ' ') {
        return false;
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains('\t') {
        return false;
    }
    !s.chars().any(|c| c.is_control())
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn scalar(s: &str) -> String {
    if resolves_to_non_string(s) {
        return double_quoted(s);
    }
    if plain_ok(s) {
        return s.to_string();
    }
    if s.chars().any(|c| c.is_control()) {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn key(k: &str) -> String {
    scalar(k)
}

fn write(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                out.push_str(&pad);
                out.push_str(&key(k));
                out.push(':');
                write_value_after_key(val, indent, out);
            }
        }
        Value::Array(a) => {
            for item in a {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        // The first key goes on the dash's line.
                        let mut inner = String::new();
                        write(item, indent + 2, &mut inner);
                        out.push(' ');
                        out.push_str(inner.trim_start_matches(' '));
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push('\n');
                        write(item, indent + 2, out);
                    }
                    _ => write_value_after_key(item, indent, out),
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

fn write_value_after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write(v, indent + 2, out);
        }
        // go-yaml keeps sequences level with their key.
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write(v, indent, out);
        }
        Value::String(s) if s.contains('\n') && !s.chars().any(|c| c.is_control() && c != '\n') => {
            let chomp = if s.ends_with('\n') { "|" } else { "|-" };
            out.push(' ');
            out.push_str(chomp);
            out.push('\n');
            let body = s.strip_suffix('\n').unwrap_or(s);
            for line in body.split('\n') {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

/// An object or `List` as `kubectl get -o yaml` prints it.
pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    write(v, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quoting_follows_go_yaml() {
        // research: kubectl-and-api §1.6, observed with kubectl 1.32.
        for s in [
            "yes",
            "on",
            "1.0",
            "null",
            "~",
            "0755",
            "1e3",
            "true",
            "False",
            "12",
            "2024-01-01",
            "2026-11-23T22:46:38Z",
            "1001",
            "",
        ] {
            assert_eq!(scalar(s), format!("\"{s}\""), "{s}");
        }
        for s in ["a: b", "#x", " leading", "-", "@x", "*x", "{x}", "x:", "%x"] {
            assert_eq!(scalar(s), format!("'{s}'"), "{s}");
        }
        for s in [
            "x'y",
            "<a&b>",
            "héllo ✓",
            "-c",
            "echo hi",
            "web-0",
            "10.244.0.5",
            "k8s.gcr.io/nginx-slim:0.8",
        ] {
            assert_eq!(scalar(s), s, "{s}");
        }
    }

    #[test]
    fn layout() {
        let v = json!({"kind": "Pod", "metadata": {"labels": {"a": "1"}, "name": "p"},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}], "volumes": []},
            "data": {"script": "echo\\nhi\\n", "one": "line\\nend"}});
        let v: Value = serde_json::from_str(&v.to_string().replace("\\\\n", "\\n")).unwrap();
        assert_eq!(
            to_yaml(&v),
            "data:\n  one: |-\n    line\n    end\n  script: |\n    echo\n    hi\nkind: Pod\nmetadata:\n  labels:\n    a: \"1\"\n  name: p\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n  volumes: []\n"
        );
    }
}
