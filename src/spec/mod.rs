//! Specs: loading a spec file into typed apps that remember where every value came from.
//!
//! `load` parses YAML with positions, deserializes each document into an [`AppSpec`] and turns
//! serde's complaints into [`Finding`]s that point at the offending key or value. `resolve` fills
//! the defaults that depend on other fields and produces the view templates render from.

pub mod checks;
pub mod kube;
mod model;
mod objects;
mod pod;
mod resolve;
mod resolved;

use std::sync::Arc;

use serde_json::Value;

pub use model::*;
pub use resolve::*;
pub use resolved::*;

use crate::diag::Finding;
use crate::source::SourceFile;
use crate::yaml::{self, Document};

/// One app read from a spec file, with its source positions.
#[derive(Debug, Clone)]
pub struct LoadedApp {
    /// The typed spec.
    pub spec: AppSpec,
    /// The YAML document it came from (value and spans).
    pub doc: Arc<Document>,
    /// The file.
    pub file: Arc<SourceFile>,
}

impl LoadedApp {
    /// The span of the value at a JSON pointer of the spec (or its nearest ancestor).
    pub fn span(&self, pointer: &str) -> crate::source::Span {
        self.doc.locate(pointer).value
    }
}

/// Turn a JSON pointer into the dotted path people read (`storage[0].size`).
///
/// ```
/// assert_eq!(stsc::spec::display_path("/storage/0/size"), "storage[0].size");
/// assert_eq!(stsc::spec::display_path("/metadata/labels/app.kubernetes.io~1name"), "metadata.labels.app.kubernetes.io/name");
/// ```
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for tok in pointer.split('/').skip(1) {
        let tok = tok.replace("~1", "/").replace("~0", "~");
        if !tok.is_empty() && tok.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{tok}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&tok);
        }
    }
    out
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => p.push_str(&format!("/{}", yaml::escape_token(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    p
}

/// The names between backticks in a serde message (`expected one of `a`, `b``).
fn backticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                *c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// How to get past one deserialization error so the next one can be found.
#[derive(Debug, Clone, PartialEq)]
enum Fix {
    /// Drop the value at the pointer (an unknown field), which may be a misspelling of a field.
    Remove(String, Option<String>),
    /// Put a well-typed stand-in at the pointer (wrong type, missing field).
    Replace(String),
}

fn deserialize_error(
    src: &SourceFile,
    doc: &Document,
    err: serde_path_to_error::Error<serde_json::Error>,
) -> (Finding, Fix) {
    let pointer = pointer_of(err.path());
    let msg = err.inner().to_string();
    if msg.starts_with("unknown field `") {
        let names = backticked(&msg);
        let field = names.first().copied().unwrap_or_default();
        let expected: Vec<&str> = names.iter().skip(1).copied().collect();
        // serde_path_to_error stops at the map holding the unknown key.
        let tail = format!("/{}", yaml::escape_token(field));
        let parent_ptr = pointer.strip_suffix(&tail).unwrap_or(&pointer).to_string();
        let key_ptr = format!("{parent_ptr}{tail}");
        let loc = doc.locate(&key_ptr);
        let parent = display_path(&parent_ptr);
        let message = if parent.is_empty() {
            format!("unknown field \"{field}\"")
        } else {
            format!("unknown field \"{field}\" in {parent}")
        };
        let suggestion = did_you_mean(field, &expected);
        let help = match suggestion {
            Some(s) => format!("did you mean \"{s}\"?"),
            None => format!("known fields: {}", expected.join(", ")),
        };
        return (
            Finding::error("unknown-field", src, loc.key.unwrap_or(loc.value), message)
                .with_help(help),
            Fix::Remove(
                key_ptr,
                suggestion.map(|s| format!("{parent_ptr}/{}", yaml::escape_token(s))),
            ),
        );
    }
    if msg.starts_with("missing field `") {
        let field = backticked(&msg)
            .first()
            .copied()
            .unwrap_or_default()
            .to_string();
        let loc = doc.locate(&pointer);
        let mut full = display_path(&pointer);
        if !full.is_empty() {
            full.push('.');
        }
        full.push_str(&field);
        return (
            Finding::error(
                "missing-field",
                src,
                loc.value,
                format!("{full}: Required value"),
            ),
            Fix::Replace(format!("{pointer}/{}", yaml::escape_token(&field))),
        );
    }
    let loc = doc.locate(&pointer);
    let field = display_path(&pointer);
    let (rule, detail) = if msg.starts_with("unknown variant") {
        let names = backticked(&msg);
        let got = names.first().copied().unwrap_or_default();
        let supported: Vec<String> = names.iter().skip(1).map(|n| format!("\"{n}\"")).collect();
        (
            "invalid-enum",
            format!(
                "Unsupported value: \"{got}\": supported values: {}",
                supported.join(", ")
            ),
        )
    } else if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        ("invalid-type", humanize_type_error(&msg))
    } else {
        ("invalid-value", msg.clone())
    };
    (
        Finding::error(rule, src, loc.value, format!("{field}: {detail}")),
        Fix::Replace(pointer),
    )
}

/// Most findings collected from one document before giving up on it.
const MAX_DOCUMENT_ERRORS: usize = 100;

/// Deserialize one document, reporting every field error: after each error the offending value
/// is removed or replaced by a well-typed stand-in and deserialization runs again.
fn deserialize_all(src: &SourceFile, doc: &Document) -> Result<AppSpec, Vec<Finding>> {
    let mut value = doc.value.clone();
    let mut findings: Vec<Finding> = Vec::new();
    let mut fixed = std::collections::HashSet::new();
    let mut misspelt: Vec<String> = Vec::new();
    while findings.len() < MAX_DOCUMENT_ERRORS {
        let err = match serde_path_to_error::deserialize::<_, AppSpec>(&value) {
            Ok(spec) if findings.is_empty() => return Ok(spec),
            Ok(_) => break,
            Err(e) => e,
        };
        let (finding, fix) = deserialize_error(src, doc, err);
        // A misspelt key already said "did you mean size?": its "size: Required value" is noise.
        let explained = matches!(&fix, Fix::Replace(p) if finding.rule == "missing-field" && misspelt.contains(p));
        // Several fields missing from one mapping: one finding at that mapping, naming them all.
        let same_place = findings.iter_mut().find(|f| {
            f.rule == "missing-field" && finding.rule == "missing-field" && f.span == finding.span
        });
        match same_place {
            _ if explained => {}
            Some(prev) => {
                if let Some(field) = finding.message.strip_suffix(": Required value") {
                    if let Some(head) = prev.message.strip_suffix(": Required value") {
                        prev.message = format!("{head}, {field}: Required value");
                    }
                }
            }
            None => findings.push(finding),
        }
        let applied = match &fix {
            Fix::Remove(p, suggests) => {
                misspelt.extend(suggests.iter().cloned());
                fixed.insert(p.clone()) && remove_at(&mut value, p)
            }
            Fix::Replace(p) => {
                fixed.insert(p.clone())
                    && match placeholder_at(p) {
                        Some(v) => set_at(&mut value, p, v),
                        None => false,
                    }
            }
        };
        if !applied {
            break;
        }
    }
    Err(findings)
}

fn split_last(pointer: &str) -> Option<(&str, String)> {
    let i = pointer.rfind('/')?;
    let key = pointer[i + 1..].replace("~1", "/").replace("~0", "~");
    Some((&pointer[..i], key))
}

fn remove_at(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, key)) = split_last(pointer) else {
        return false;
    };
    match value.pointer_mut(parent) {
        Some(Value::Object(m)) => m.remove(&key).is_some(),
        _ => false,
    }
}

fn set_at(value: &mut Value, pointer: &str, v: Value) -> bool {
    let Some((parent, key)) = split_last(pointer) else {
        return false;
    };
    match value.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(key, v);
            true
        }
        Some(Value::Array(a)) => match key.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a[i] = v;
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// The spec format's JSON Schema as a value, for finding what type a field has.
fn schema_value() -> &'static Value {
    static SCHEMA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::to_value(schemars::schema_for!(AppSpec)).unwrap_or_default())
}

/// A value that deserializes at `pointer` (the schema's idea of a minimal valid value).
fn placeholder_at(pointer: &str) -> Option<Value> {
    let root = schema_value();
    let mut node = root;
    for tok in pointer.split('/').skip(1) {
        let key = tok.replace("~1", "/").replace("~0", "~");
        node = resolve_schema(root, node)?;
        node = if let Some(p) = node.get("properties").and_then(|p| p.get(&key)) {
            p
        } else if let Some(items) = node.get("items") {
            items
        } else {
            node.get("additionalProperties").filter(|a| a.is_object())?
        };
    }
    Some(minimal(root, node, 0))
}

/// Follow `$ref` and pick the first non-null branch of `anyOf`/`oneOf`.
fn resolve_schema<'a>(root: &'a Value, mut node: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let path = r.strip_prefix('#')?;
            node = root.pointer(path)?;
        } else if let Some(Value::Array(alts)) = node.get("anyOf").or_else(|| node.get("oneOf")) {
            node = alts
                .iter()
                .find(|a| a.get("type") != Some(&Value::from("null")))?;
        } else {
            return Some(node);
        }
    }
    None
}

fn minimal(root: &Value, node: &Value, depth: usize) -> Value {
    let Some(node) = resolve_schema(root, node) else {
        return Value::Null;
    };
    if let Some(Value::Array(e)) = node.get("enum") {
        return e.first().cloned().unwrap_or(Value::Null);
    }
    if let Some(c) = node.get("const") {
        return c.clone();
    }
    let ty = match node.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "object",
    };
    match ty {
        "string" => Value::from("x"),
        "integer" | "number" => Value::from(
            node.get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0),
        ),
        "boolean" => Value::Bool(false),
        "array" => Value::Array(Vec::new()),
        "null" => Value::Null,
        _ => {
            let mut m = serde_json::Map::new();
            if depth < 8 {
                for req in node
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(name) = req.as_str() else { continue };
                    if let Some(p) = node.get("properties").and_then(|p| p.get(name)) {
                        m.insert(name.to_string(), minimal(root, p, depth + 1));
                    }
                }
            }
            Value::Object(m)
        }
    }
}

/// serde says "invalid type: string \"x\", expected i64"; people read "expected an integer".
fn humanize_type_error(msg: &str) -> String {
    let msg = msg
        .replace("expected i64", "expected an integer")
        .replace("expected u32", "expected an integer")
        .replace("expected a string", "expected a string (quote it)")
        .replace("expected a boolean", "expected true or false")
        .replace("expected a map", "expected a mapping")
        .replace("expected struct ", "expected a mapping: ")
        .replace("expected a sequence", "expected a list")
        .replace(
            "expected untagged enum TargetPort",
            "expected a port number or a port name",
        );
    match msg.strip_prefix("invalid type: ") {
        Some(rest) => format!("Invalid type: {rest}"),
        None => msg,
    }
}

/// Load every app of a spec file.
///
/// Empty documents are skipped (as kubectl does); a file with no app at all is an error.
///
/// # Errors
/// Every finding about the file: YAML errors stop at the first; field errors (unknown, missing,
/// wrong type, bad enum) are all reported, up to 100 per document.
pub fn load(src: Arc<SourceFile>) -> Result<Vec<LoadedApp>, Vec<Finding>> {
    let docs = match yaml::load(&src) {
        Ok(d) => d,
        Err(e) => {
            let rule = if e.related.is_some() {
                "duplicate-key"
            } else {
                "yaml-syntax"
            };
            let mut f = Finding::error(rule, &src, e.span, e.message.clone());
            if let Some(first) = e.related {
                f = f.with_help(format!("the first one is at line {}", first.line));
            } else if src.text().contains('\t') && e.message.contains("tab") {
                f = f.with_help("YAML does not allow tabs for indentation; use spaces");
            }
            return Err(vec![f]);
        }
    };
    let mut apps = Vec::new();
    let mut findings = Vec::new();
    for doc in docs {
        if doc.value.is_null() {
            continue;
        }
        if !doc.value.is_object() {
            findings.push(Finding::error(
                "invalid-type",
                &src,
                doc.locate("").value,
                "a spec document must be a mapping (name: ..., image: ...)",
            ));
            continue;
        }
        match deserialize_all(&src, &doc) {
            Ok(spec) => apps.push(LoadedApp {
                spec,
                doc: Arc::new(doc),
                file: src.clone(),
            }),
            Err(f) => findings.extend(f),
        }
    }
    if apps.is_empty() && findings.is_empty() {
        findings.push(
            Finding::file_error("empty-file", src.name(), "no app spec in file").with_help(
                "a spec needs at least `name:` and `image:`; `stsc init NAME` writes a starter",
            ),
        );
    }
    if findings.is_empty() {
        Ok(apps)
    } else {
        Err(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(text: &str) -> Vec<String> {
        load(Arc::new(SourceFile::new("s.yaml", text)))
            .unwrap_err()
            .iter()
            .map(|f| format!("{} {}", f.headline(), f.help.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn defaults_apply() {
        let apps = load(Arc::new(SourceFile::new(
            "s.yaml",
            "name: web\nimage: nginx\n",
        )))
        .unwrap();
        assert_eq!(apps[0].spec.replicas, 1);
        assert_eq!(apps[0].spec.namespace, None);
    }

    #[test]
    fn unknown_field_points_at_key_with_suggestion() {
        assert_eq!(
            errs("name: web\nimage: x\nstorage:\n  - name: www\n    mountPath: /d\n    sise: 1Gi\n"),
            ["s.yaml:6:5: error[unknown-field]: unknown field \"sise\" in storage[0] did you mean \"size\"?"]
        );
    }

    #[test]
    fn wrong_type_points_at_value() {
        assert_eq!(
            errs("name: web\nimage: x\nreplicas: two\n"),
            ["s.yaml:3:11: error[invalid-type]: replicas: Invalid type: string \"two\", expected an integer "]
        );
    }

    #[test]
    fn bad_enum_lists_supported_values() {
        assert_eq!(
            errs("name: web\nimage: x\npodManagementPolicy: Sometimes\n"),
            ["s.yaml:3:22: error[invalid-enum]: podManagementPolicy: Unsupported value: \"Sometimes\": supported values: \"OrderedReady\", \"Parallel\" "]
        );
    }

    #[test]
    fn missing_field() {
        assert_eq!(
            errs("name: web\n"),
            ["s.yaml:1:1: error[missing-field]: image: Required value "]
        );
    }

    #[test]
    fn empty_file() {
        assert_eq!(
            errs("# nothing\n"),
            ["s.yaml: error[empty-file]: no app spec in file a spec needs at least `name:` and `image:`; `stsc init NAME` writes a starter"]
        );
    }
}
