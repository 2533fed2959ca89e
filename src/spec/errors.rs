//! Field errors of a spec document, from the spec's own JSON Schema: one validation pass gives
//! every unknown field, missing field, wrong type and unsupported value with its JSON pointer,
//! and each becomes a [`Finding`] at its line in Kubernetes' words. Fields written as
//! Kubernetes writes them are left open here: they are checked after rendering, against the
//! target version's schema.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::ValidationError;
use serde_json::Value;

use super::AppSpec;
use crate::diag::Finding;
use crate::k8s::pointer::display_path;
use crate::source::SourceFile;
use crate::yaml::Document;

/// Most findings collected from one document.
const MAX_DOCUMENT_ERRORS: usize = 100;

/// The spec's JSON Schema (draft-07), Kubernetes-typed fields open.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let settings = schemars::generate::SchemaSettings::draft07();
        let root = settings.into_generator().into_root_schema_for::<AppSpec>();
        let mut v = serde_json::to_value(&root).unwrap_or_default();
        open_kubernetes_refs(&mut v);
        v
    })
}

/// Replace every reference to a Kubernetes definition by the schema that accepts anything.
fn open_kubernetes_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let k8s = m
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| r.contains("/io.k8s."));
            if k8s {
                m.clear();
            } else {
                m.values_mut().for_each(open_kubernetes_refs);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(open_kubernetes_refs),
        _ => {}
    }
}

/// The compiled validator, built once per process on the first invalid document.
fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::draft7::new(schema()).ok())
        .as_ref()
}

/// Every field error of a document, in the order of the document.
pub(super) fn findings(src: &SourceFile, doc: &Document) -> Vec<Finding> {
    let Some(v) = validator() else {
        return Vec::new();
    };
    let mut out = Findings {
        src,
        doc,
        list: Vec::new(),
        suggested: Vec::new(),
        missing: Vec::new(),
    };
    for e in v.iter_errors(&doc.value) {
        out.error(&e);
    }
    // Missing fields last: a misspelt key's suggestion explains its field's absence.
    for (parent, field) in std::mem::take(&mut out.missing) {
        out.missing_field(&parent, &field);
    }
    let mut list = out.list;
    list.sort_by_key(|f| f.span.map(|s| s.start));
    list.truncate(MAX_DOCUMENT_ERRORS);
    list
}

/// Findings as they are collected, with the fields unknown keys were suggested as.
struct Findings<'a> {
    src: &'a SourceFile,
    doc: &'a Document,
    list: Vec<Finding>,
    /// Pointers of the fields a "did you mean" named: their "Required value" is noise.
    suggested: Vec<String>,
    /// (mapping, field) of each missing field, reported once the rest is known.
    missing: Vec<(String, String)>,
}

impl Findings<'_> {
    fn error(&mut self, e: &ValidationError<'_>) {
        let pointer = e.instance_path().as_str().to_string();
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for field in unexpected {
                    self.unknown_field(&pointer, field);
                }
            }
            ValidationErrorKind::Required { property } => {
                let field = property.as_str().unwrap_or_default().to_string();
                self.missing.push((pointer, field));
            }
            ValidationErrorKind::Enum { options } => {
                self.unsupported(&pointer, e.instance(), options)
            }
            ValidationErrorKind::Type { kind } => self.wrong_type(&pointer, e.instance(), kind),
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                self.no_branch(&pointer, e.instance(), context);
            }
            ValidationErrorKind::Maximum { limit } => {
                self.out_of_range(
                    &pointer,
                    e.instance(),
                    &format!("must be no more than {limit}"),
                );
            }
            ValidationErrorKind::Minimum { limit } => self.out_of_range(
                &pointer,
                e.instance(),
                &format!("must be greater than or equal to {limit}"),
            ),
            _ => self.push(
                "invalid-value",
                &pointer,
                format!("{}: {e}", display_path(&pointer)),
            ),
        }
    }

    fn push(&mut self, rule: &'static str, pointer: &str, message: String) {
        let span = self.doc.locate(pointer).value;
        self.list
            .push(Finding::error(rule, self.src, span, message));
    }

    /// `unknown field "sise" in storage[0]`, at the key, with the nearest known field.
    fn unknown_field(&mut self, parent: &str, field: &str) {
        let key = format!("{parent}/{}", crate::k8s::pointer::escape(field));
        let loc = self.doc.locate(&key);
        let known = known_fields(parent);
        let suggestion = did_you_mean(field, &known);
        let message = match display_path(parent) {
            p if p.is_empty() => format!("unknown field \"{field}\""),
            p => format!("unknown field \"{field}\" in {p}"),
        };
        let help = match suggestion {
            Some(s) => {
                self.suggested
                    .push(format!("{parent}/{}", crate::k8s::pointer::escape(s)));
                format!("did you mean \"{s}\"?")
            }
            None => format!("known fields: {}", known.join(", ")),
        };
        let span = loc.key.unwrap_or(loc.value);
        self.list
            .push(Finding::error("unknown-field", self.src, span, message).with_help(help));
    }

    /// `storage[0].name, storage[0].size: Required value`: one finding per mapping.
    fn missing_field(&mut self, parent: &str, field: &str) {
        let pointer = format!("{parent}/{}", crate::k8s::pointer::escape(field));
        if self.suggested.contains(&pointer) {
            return;
        }
        let span = self.doc.locate(parent).value;
        let full = display_path(&pointer);
        let same_place = self
            .list
            .iter_mut()
            .find(|f| f.rule == "missing-field" && f.span == Some(span));
        if let Some(prev) = same_place {
            if let Some(head) = prev.message.strip_suffix(": Required value") {
                prev.message = format!("{head}, {full}: Required value");
            }
            return;
        }
        let message = format!("{full}: Required value");
        self.list
            .push(Finding::error("missing-field", self.src, span, message));
    }

    /// `podManagementPolicy: Unsupported value: "Sometimes": supported values: …`.
    fn unsupported(&mut self, pointer: &str, got: &Value, options: &Value) {
        let supported: Vec<String> = options
            .as_array()
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect();
        let got = match got {
            Value::String(s) => format!("\"{s}\""),
            v => v.to_string(),
        };
        let message = format!(
            "{}: Unsupported value: {got}: supported values: {}",
            display_path(pointer),
            supported.join(", ")
        );
        self.push("invalid-enum", pointer, message);
    }

    /// `replicas: Invalid type: string "two", expected an integer`.
    fn wrong_type(&mut self, pointer: &str, got: &Value, kind: &TypeKind) {
        let wanted = match kind {
            TypeKind::Single(t) => vec![t.to_string()],
            TypeKind::Multiple(ts) => ts.iter().map(|t| t.to_string()).collect(),
        };
        let wanted: Vec<&str> = wanted
            .iter()
            .map(String::as_str)
            .filter(|t| *t != "null")
            .collect();
        let message = format!(
            "{}: Invalid type: {}, expected {}",
            display_path(pointer),
            unexpected(got),
            expected(&wanted, definition_at(pointer).as_deref())
        );
        self.push("invalid-type", pointer, message);
    }

    /// A value no branch of an `anyOf` takes. A nullable field has one branch besides null:
    /// its errors are the field's. In a real union (a port number or a name), the branch of the
    /// value's own type explains it; a value of no branch's type gets one finding.
    fn no_branch(
        &mut self,
        pointer: &str,
        got: &Value,
        branches: &[Vec<ValidationError<'static>>],
    ) {
        let real: Vec<&Vec<ValidationError<'static>>> = branches
            .iter()
            .filter(|errors| !errors.iter().all(is_null_mismatch))
            .collect();
        if let Some(options) = constants(&real, pointer) {
            return self.unsupported(pointer, got, &Value::Array(options));
        }
        let of_own_type = real
            .iter()
            .find(|errors| branch_type(errors, pointer).is_none());
        match (of_own_type, real.as_slice()) {
            (Some(errors), _) | (None, [errors]) => {
                for e in errors.iter() {
                    self.error(e);
                }
            }
            _ => {
                let wanted: Vec<String> = real
                    .iter()
                    .filter_map(|errors| branch_type(errors, pointer))
                    .collect();
                let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
                let message = format!(
                    "{}: Invalid type: {}, expected {}",
                    display_path(pointer),
                    unexpected(got),
                    expected(&wanted, None)
                );
                self.push("invalid-type", pointer, message);
            }
        }
    }

    /// `replicas: Invalid value: 9000000000: must be no more than 2147483647`.
    fn out_of_range(&mut self, pointer: &str, got: &Value, bound: &str) {
        let message = format!("{}: Invalid value: {got}: {bound}", display_path(pointer));
        self.push("out-of-range", pointer, message);
    }
}

/// The values of a string enum written as a `oneOf` of constants (each branch failing only on
/// its constant), in the schema's order.
fn constants(branches: &[&Vec<ValidationError<'static>>], pointer: &str) -> Option<Vec<Value>> {
    branches
        .iter()
        .map(|errors| match errors.as_slice() {
            [e] if e.instance_path().as_str() == pointer => match e.kind() {
                ValidationErrorKind::Constant { expected_value } => {
                    Some(vec![(**expected_value).clone()])
                }
                ValidationErrorKind::Enum { options } => options.as_array().cloned(),
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<Vec<Vec<Value>>>>()
        .map(|v| v.into_iter().flatten().collect())
}

/// A branch that failed only because the value is not null.
fn is_null_mismatch(e: &ValidationError<'_>) -> bool {
    matches!(e.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(t) } if t.to_string() == "null")
}

/// The type a branch wanted at `pointer`, from its type error there.
fn branch_type(errors: &[ValidationError<'_>], pointer: &str) -> Option<String> {
    errors.iter().find_map(|e| match e.kind() {
        ValidationErrorKind::Type {
            kind: TypeKind::Single(t),
        } if e.instance_path().as_str() == pointer => Some(t.to_string()),
        _ => None,
    })
}

/// A value as serde names what it did not expect: `string "two"`, `integer `5``.
fn unexpected(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".into(),
        Value::Object(_) => "map".into(),
    }
}

/// What a field takes, in words people read; `definition` names the mapping's type.
fn expected(types: &[&str], definition: Option<&str>) -> String {
    let word = |t: &str| match t {
        "integer" => "an integer".to_string(),
        "number" => "a number".to_string(),
        "string" => "a string (quote it)".to_string(),
        "boolean" => "true or false".to_string(),
        "array" => "a list".to_string(),
        "object" => match definition {
            Some(d) => format!("a mapping: {d}"),
            None => "a mapping".to_string(),
        },
        t => t.to_string(),
    };
    match types {
        ["integer", "string"] | ["string", "integer"] => "a port number or a port name".into(),
        _ => types
            .iter()
            .map(|t| word(t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The schema node at an instance pointer, with the name of the last definition on the way.
fn node_at(pointer: &str) -> Option<(&'static Value, Option<&'static str>)> {
    let root = schema();
    let mut node = resolve(root, root, &mut None)?;
    let mut name = None;
    for tok in pointer.split('/').skip(1) {
        let key = crate::k8s::pointer::unescape(tok);
        node = if let Some(p) = node.get("properties").and_then(|p| p.get(key.as_ref())) {
            p
        } else if let Some(items) = node.get("items") {
            items
        } else {
            node.get("additionalProperties").filter(|a| a.is_object())?
        };
        name = None;
        node = resolve(root, node, &mut name)?;
    }
    Some((node, name))
}

/// Follow `$ref`, `allOf` of one, and the non-null branch of a nullable `anyOf`.
fn resolve<'a>(
    root: &'a Value,
    mut node: &'a Value,
    name: &mut Option<&'a str>,
) -> Option<&'a Value> {
    for _ in 0..32 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            *name = r.rsplit('/').next();
            node = root.pointer(r.strip_prefix('#')?)?;
        } else if let Some(Value::Array(alts)) = node.get("anyOf").or_else(|| node.get("allOf")) {
            let real: Vec<&Value> = alts
                .iter()
                .filter(|a| a.get("type") != Some(&Value::from("null")))
                .collect();
            match real.as_slice() {
                [one] => node = one,
                _ => return Some(node),
            }
        } else {
            return Some(node);
        }
    }
    None
}

/// The name of the definition of the mapping at `pointer` (`ServiceAccount`).
fn definition_at(pointer: &str) -> Option<String> {
    node_at(pointer).and_then(|(_, name)| name.map(str::to_string))
}

/// The fields a mapping at `pointer` takes, in the schema's order.
fn known_fields(pointer: &str) -> Vec<&'static str> {
    node_at(pointer)
        .and_then(|(n, _)| n.get("properties").and_then(Value::as_object))
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
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
