//! JSON as kubectl prints it (`-o json`): four-space indents, and `<`, `>` and `&` escaped in
//! strings as Go's encoder escapes them (`\u003c`), which serde_json's formatters do not do.

use std::io;

use serde::Serialize as _;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::Value;

/// `v` as `kubectl get -o json` prints it, with a final newline.
pub fn to_string(v: &Value) -> String {
    let mut buf = Vec::new();
    let fmt = GoJson(PrettyFormatter::with_indent(b"    "));
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    // Writing a Value to a Vec cannot fail, and serde_json writes UTF-8.
    let _ = v.serialize(&mut ser);
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    s
}

/// serde_json's pretty formatter, with Go's escapes in string fragments.
struct GoJson<'a>(PrettyFormatter<'a>);

impl Formatter for GoJson<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(i) = rest.find(['<', '>', '&']) {
            w.write_all(&rest.as_bytes()[..i])?;
            w.write_all(match rest.as_bytes()[i] {
                b'<' => b"\\u003c",
                b'>' => b"\\u003e",
                _ => b"\\u0026",
            })?;
            rest = &rest[i + 1..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_escapes_html_characters_in_strings_only() {
        let v = json!({"a<b": "x & <y>", "n": [1, {"k": "v"}]});
        assert_eq!(
            to_string(&v),
            "{\n    \"a\\u003cb\": \"x \\u0026 \\u003cy\\u003e\",\n    \"n\": [\n        1,\n        {\n            \"k\": \"v\"\n        }\n    ]\n}\n"
        );
    }
}
