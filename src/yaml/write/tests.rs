use serde_json::{json, Value};

use super::{reads_as_non_string, to_string, Dialect};

fn value_of(s: &str, d: Dialect) -> String {
    to_string(&json!({ "k": s }), d)
}

/// Every YAML 1.1 form that is not a string (yaml.org/type: bool, int, float, null,
/// timestamp, merge, value), the 1.2 core schema's, and go-yaml v2's extras.
const TYPED: &[&str] = &[
    // bool (1.1)
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    // null
    "",
    "~",
    "null",
    "Null",
    "NULL",
    // int: decimal, octal, hex, binary, base 60, separators, signs (1.1 and 1.2)
    "0",
    "12",
    "-12",
    "+12",
    "1_000",
    "0o17",
    "017",
    "0x1F",
    "0x_1F",
    "-0x1f",
    "0b1010",
    "0b1_0",
    "1:20",
    "190:20:30",
    "-1:20",
    "1__0",
    "08",
    // float: 1.1, 1.2 and Go's ParseFloat
    "1.5",
    "1.",
    ".5",
    "-.5",
    "+1.5",
    "1.5e3",
    "1.5e+3",
    "1e3",
    "1E-3",
    "6.8523015e+5",
    "685.230_15e+03",
    "685_230.15",
    "190:20:30.15",
    ".inf",
    ".Inf",
    ".INF",
    "-.inf",
    "+.inf",
    ".nan",
    ".NaN",
    ".NAN",
    "+inf",
    "-Infinity",
    "0x1p-2",
    "0x1.8p1",
    // timestamp
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-12-15T02:59:43.1Z",
    "2002-1-2",
    "2001-12-14 21:59:43",
    // merge and value keys
    "<<",
    "=",
];

/// Strings every reader takes as strings; they stay bare.
const STRINGS: &[&str] = &[
    "nginx",
    "web-0",
    "1Gi",
    "500m",
    "2.5G",
    "10.244.0.5",
    "1.2.3",
    "k8s.gcr.io/nginx-slim:0.8",
    "yess",
    "nope",
    "On1",
    "a:b",
    "x=y",
    "-x",
    "?x",
    ":x",
    "a,b",
    "a[b",
    "it's",
    "ü",
    "inf",
    "nan",
    "a b",
    "1-2",
    "2001-12-14abc",
    "_1",
    "v1.27",
];

#[test]
fn every_typed_form_is_quoted_in_both_dialects() {
    for s in TYPED {
        assert!(reads_as_non_string(s), "{s:?} should read as another type");
        assert_eq!(value_of(s, Dialect::Serde), format!("k: '{s}'\n"), "{s:?}");
        assert_eq!(
            value_of(s, Dialect::Kubectl),
            format!("k: \"{s}\"\n"),
            "{s:?}"
        );
        // Keys too: a label key `y` would become "true".
        let key = to_string(&json!({ *s: "v" }), Dialect::Serde);
        assert_eq!(key, format!("'{s}': v\n"), "{s:?}");
    }
}

#[test]
fn plain_strings_stay_bare() {
    for s in STRINGS {
        assert!(!reads_as_non_string(s), "{s:?}");
        assert_eq!(value_of(s, Dialect::Kubectl), format!("k: {s}\n"), "{s:?}");
    }
}

#[test]
fn go_yaml_quoting_for_the_runtime() {
    // `docs/research/kubectl-and-api.md` §1.6, observed with kubectl 1.32.
    for s in [
        "a: b", "#x", " leading", "-", "@x", "*x", "{x}", "x:", "%x", "---", "a #b",
    ] {
        assert_eq!(value_of(s, Dialect::Kubectl), format!("k: '{s}'\n"), "{s}");
    }
    for (s, want) in [
        ("tab\tx", "\"tab\\tx\""),
        ("esc\u{1b}x", "\"esc\\ex\""),
        ("a \nb", "\"a \\nb\""),
        ("\u{85}x", "\"\\Nx\""),
        ("\u{feff}x", "\"\\uFEFFx\""),
        ("a\r\nb", "\"a\\r\\nb\""),
        ("\u{7f}", "\"\\x7F\""),
    ] {
        assert_eq!(
            value_of(s, Dialect::Kubectl),
            format!("k: {want}\n"),
            "{s:?}"
        );
    }
}

#[test]
fn layout() {
    let v = json!({"kind": "Pod", "metadata": {"labels": {"a": "1"}, "name": "p"},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}], "volumes": []},
        "data": {"script": "echo\nhi\n", "one": "line\nend", "keep": "x\n\n", "lead": " a\nb"},
        "nested": [[1, 2], [], [{"a": [1.5, 2.0, 1e20]}]]});
    assert_eq!(
        to_string(&v, Dialect::Kubectl),
        "data:\n  keep: |+\n    x\n\n  lead: |2-\n     a\n    b\n  one: |-\n    line\n    end\n  script: |\n    echo\n    hi\nkind: Pod\nmetadata:\n  labels:\n    a: \"1\"\n  name: p\nnested:\n- - 1\n  - 2\n- []\n- - a:\n    - 1.5\n    - 2.0\n    - 1.0e+20\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n  volumes: []\n"
    );
}

/// Values of every shape, with strings from a pool that mixes plain words and every kind of
/// string that needs care.
struct Gen(crate::testrng::XorShift);

const WORDS: &[&str] = &[
    "nginx",
    "web",
    "app.kubernetes.io/name",
    "nginx:1.27",
    "a-b_c.d",
    "/usr/share/nginx/html",
    "x=y",
    "a+b",
    "user@host",
    "None",
    "null",
    "~",
    "true",
    "False",
    "on",
    "OFF",
    "1",
    "1.27",
    "-1",
    "+1",
    "0x1F",
    "0o17",
    "1e3",
    ".inf",
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
    "-",
    "?",
    "[x]",
    "{x}",
    "a,b",
    "it's",
    "say \"hi\"",
    "multi\nline",
    "end\n",
    "two\n\n",
    "\nlead",
    " sp\nx",
    "a \nb",
    "a\n b",
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
    "500m",
    "2.5G",
    "01Gi",
    "---",
    "...",
    "--x",
    "\u{85}",
    "\u{2028}",
    "\r",
    "\u{7}",
    "\u{feff}",
    "\u{a0}",
    "'",
    "''",
    "x'",
    "\"",
    "1_000",
    "2001-12-14",
    "<<",
    "=",
    "y",
    "no",
];

impl Gen {
    fn value(&mut self, depth: usize) -> Value {
        let shape = self.0.next() % if depth > 3 { 5 } else { 8 };
        match shape {
            0 => json!(self.0.pick(WORDS)),
            1 => json!((self.0.next() % 2000) as i64 - 1000),
            2 => json!(self.0.next().is_multiple_of(2)),
            3 => Value::Null,
            4 => json!([1.5, 2.0, -0.25][(self.0.next() % 3) as usize]),
            5 | 6 => {
                let n = self.0.next() % 4;
                let mut m = serde_json::Map::new();
                for _ in 0..n {
                    let k = self.0.pick(WORDS).to_string();
                    let v = self.value(depth + 1);
                    m.insert(k, v);
                }
                Value::Object(m)
            }
            _ => Value::Array(
                (0..self.0.next() % 4)
                    .map(|_| self.value(depth + 1))
                    .collect(),
            ),
        }
    }

    /// A random string over the characters that matter to YAML.
    fn string(&mut self) -> String {
        const ALPHABET: &[&str] = &[
            "a", "Z", "0", "1", "9", "_", ".", "-", "+", ":", "#", " ", "'", "\"", "\\", "\n",
            "\t", "[", "{", ",", "?", "*", "&", "!", "|", ">", "%", "@", "`", "=", "<", "e", "x",
            "y", "n", "o", "ü", "\u{85}", "\u{2028}", "\r", "\u{0}", "\u{feff}", "T", "~",
        ];
        let n = self.0.next() % 8;
        (0..n).map(|_| self.0.pick(ALPHABET)).collect()
    }
}

/// Whether the output differs from serde_yaml's on purpose: serde_yaml writes a string bare
/// that YAML 1.1 reads as something else, or writes a key with a line break or an escape as a
/// complex key (`? |-`), where this writes a double-quoted key.
fn differs_on_purpose(v: &Value) -> bool {
    // serde_yaml also single-quotes and folds a U+2028 or U+2029; this escapes it.
    let bare = |s: &str| {
        (reads_as_non_string(s) && !serde_yaml::to_string(s).unwrap().starts_with('\''))
            || s.contains(['\u{2028}', '\u{2029}'])
    };
    match v {
        Value::String(s) => bare(s),
        Value::Array(a) => a.iter().any(differs_on_purpose),
        Value::Object(m) => m.iter().any(|(k, x)| {
            bare(k)
                || matches!(
                    super::style(k),
                    super::Style::Literal | super::Style::Double
                )
                || differs_on_purpose(x)
        }),
        _ => false,
    }
}

#[test]
fn writes_what_serde_yaml_writes_except_where_yaml_1_1_reads_another_type() {
    let mut g = Gen(crate::testrng::XorShift(0x9E37_79B9_7F4A_7C15));
    let (mut same, mut differ) = (0, 0);
    for _ in 0..20_000 {
        let v = g.value(0);
        let ours = to_string(&v, Dialect::Serde);
        if differs_on_purpose(&v) {
            differ += 1;
            continue;
        }
        assert_eq!(ours, serde_yaml::to_string(&v).unwrap(), "{v}");
        same += 1;
    }
    assert!(same > 10_000 && differ > 1_000, "{same} {differ}");
}

/// Reads `text` with the YAML 1.2 core schema (stsc's own loader) and with libyaml (serde_yaml).
fn read_back(text: &str) -> (Value, Value) {
    let src = crate::source::SourceFile::new("t.yaml", text);
    let docs = crate::yaml::load_values(&src).unwrap_or_else(|e| panic!("{e}: {text:?}"));
    let libyaml: Value = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}: {text:?}"));
    (docs[0].value.clone(), libyaml)
}

#[test]
fn random_strings_read_back_as_themselves_in_every_position() {
    let mut g = Gen(crate::testrng::XorShift(0x2545_F491_4F6C_DD1D));
    for _ in 0..20_000 {
        let (a, b) = (g.string(), g.string());
        let v = json!({ a.clone(): b.clone(), "list": [b.clone(), {a.clone(): [b.clone()]}] });
        for d in [Dialect::Serde, Dialect::Kubectl] {
            let text = to_string(&v, d);
            let (core, libyaml) = read_back(&text);
            assert_eq!(core, v, "{d:?} {text:?}");
            assert_eq!(libyaml, v, "{d:?} {text:?}");
        }
    }
}
