//! Reading the manifests to import: `helm template` output, a directory of YAML, a
//! `kubectl get -o yaml` export (a `List` or a stream). Server-set fields are dropped here, so
//! that everything after sees only what a person wrote.

use serde_json::Value;

use super::ImportError;
use crate::source::SourceFile;

/// One object read, with where it was.
#[derive(Debug, Clone)]
pub struct Object {
    /// The object, without status or server-set metadata.
    pub value: Value,
    /// The file it came from.
    pub file: String,
    /// The line it starts on.
    pub line: usize,
    /// The line of each of its values, by JSON pointer (empty for objects made in code).
    pub lines: std::sync::Arc<std::collections::HashMap<String, usize>>,
}

impl Object {
    /// The line of the value at `pointer`, or of its nearest ancestor read from a file.
    pub fn line_of(&self, pointer: &str) -> usize {
        let mut p = pointer;
        loop {
            if let Some(l) = self.lines.get(p) {
                return *l;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return self.line,
            }
        }
    }

    /// The object's kind.
    pub fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The object's namespace, if it names one.
    pub fn namespace(&self) -> Option<&str> {
        self.value["metadata"]["namespace"].as_str()
    }

    /// `Kind name` or `Kind namespace/name`, as `stsc build` names objects.
    pub fn key(&self) -> String {
        crate::compile::object_key(&self.value)
    }
}

/// Every object of one file, in order.
///
/// # Errors
/// A YAML error, or a document that is not a Kubernetes object, at its line.
pub fn objects(src: &SourceFile) -> Result<Vec<Object>, ImportError> {
    let docs = crate::yaml::load_manifests(src).map_err(|e| ImportError::At {
        file: src.name().to_string(),
        line: e.span.line,
        message: e.message,
    })?;
    let mut out = Vec::new();
    for doc in docs {
        let line = doc.span.line.max(1);
        let at = |message: String| ImportError::At {
            file: src.name().to_string(),
            line,
            message,
        };
        let listed = doc.value.as_object().is_some_and(is_list);
        let item_lines: Vec<usize> = match &doc.value["items"] {
            Value::Array(a) if listed => (0..a.len())
                .map(|i| doc.locate(&format!("/items/{i}")).value.line)
                .collect(),
            _ => Vec::new(),
        };
        let mut items = match doc.value {
            Value::Null => continue,
            Value::Object(m) if listed => match m.get("items") {
                Some(Value::Array(a)) => a.clone(),
                Some(Value::Null) | None => Vec::new(),
                Some(_) => return Err(at("`items` of a List is not a list".into())),
            },
            v => vec![v],
        };
        for (i, v) in items.iter_mut().enumerate() {
            let line = item_lines.get(i).copied().unwrap_or(line);
            let item = if listed {
                format!("item {i} of the List: ")
            } else {
                String::new()
            };
            check_object(v).map_err(|m| ImportError::At {
                file: src.name().to_string(),
                line,
                message: format!("{item}{m}"),
            })?;
            strip_server_fields(v);
            let prefix = if listed {
                format!("/items/{i}")
            } else {
                String::new()
            };
            out.push(Object {
                value: std::mem::take(v),
                file: src.name().to_string(),
                line,
                lines: std::sync::Arc::new(lines_under(&doc.spans, &prefix)),
            });
        }
    }
    Ok(out)
}

/// The line of every value under `prefix`, by pointer relative to it.
fn lines_under(
    spans: &std::collections::HashMap<String, crate::yaml::Located>,
    prefix: &str,
) -> std::collections::HashMap<String, usize> {
    spans
        .iter()
        .filter_map(|(p, l)| {
            let rest = p.strip_prefix(prefix)?;
            (rest.is_empty() || rest.starts_with('/')).then(|| (rest.to_string(), l.value.line))
        })
        .collect()
}

fn is_list(m: &serde_json::Map<String, Value>) -> bool {
    m.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && m.contains_key("items")
}

/// A document that is not an object kubectl could apply.
fn check_object(v: &Value) -> Result<(), String> {
    if !v.is_object() {
        return Err(
            "not a Kubernetes object (a mapping with apiVersion, kind and metadata.name)".into(),
        );
    }
    for (field, value) in [
        ("apiVersion", &v["apiVersion"]),
        ("kind", &v["kind"]),
        ("metadata.name", &v["metadata"]["name"]),
    ] {
        if !value.is_string() {
            return Err(format!(
                "not a Kubernetes object: `{field}` is missing or not a string"
            ));
        }
    }
    Ok(())
}

/// Metadata the API server sets; none of it is part of what an app declares.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// Annotations tools write about an object rather than for it.
const TOOL_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// Drop status, server-set metadata, and the Service addresses the API server allocates.
pub fn strip_server_fields(v: &mut Value) {
    let Some(m) = v.as_object_mut() else { return };
    m.remove("status");
    strip_metadata(m.get_mut("metadata"));
    let kind = m
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(spec) = m.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    match kind.as_str() {
        "Service" => {
            if spec.get("clusterIP").and_then(Value::as_str) != Some("None") {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            } else if spec.get("clusterIPs") == Some(&serde_json::json!(["None"])) {
                spec.remove("clusterIPs");
            }
            // Set by the server on a single-stack cluster; a dual-stack choice is kept.
            if spec.get("ipFamilyPolicy").and_then(Value::as_str) == Some("SingleStack") {
                spec.remove("ipFamilyPolicy");
                spec.remove("ipFamilies");
            }
        }
        "StatefulSet" => {
            if let Some(t) = spec.get_mut("template").and_then(Value::as_object_mut) {
                strip_metadata(t.get_mut("metadata"));
            }
            if let Some(Value::Array(claims)) = spec.get_mut("volumeClaimTemplates") {
                for c in claims {
                    if let Some(c) = c.as_object_mut() {
                        c.remove("status");
                        strip_metadata(c.get_mut("metadata"));
                    }
                }
            }
        }
        _ => {}
    }
}

fn strip_metadata(meta: Option<&mut Value>) {
    let Some(meta) = meta.and_then(Value::as_object_mut) else {
        return;
    };
    for k in SERVER_METADATA {
        meta.remove(*k);
    }
    if let Some(Value::Object(a)) = meta.get_mut("annotations") {
        for k in TOOL_ANNOTATIONS {
            a.remove(*k);
        }
        if a.is_empty() {
            meta.remove("annotations");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(text: &str) -> Result<Vec<Value>, ImportError> {
        let src = SourceFile::new("in.yaml", text);
        Ok(objects(&src)?.into_iter().map(|o| o.value).collect())
    }

    #[test]
    fn a_kubectl_export_loses_what_the_server_set() {
        let got = read(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    uid: abc\n    resourceVersion: \"7\"\n    creationTimestamp: \"2026-01-01T00:00:00Z\"\n    annotations:\n      kubectl.kubernetes.io/last-applied-configuration: '{}'\n  spec:\n    clusterIP: 10.0.0.7\n    clusterIPs: [10.0.0.7]\n    ports: [{port: 80}]\n  status: {loadBalancer: {}}\n",
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}})
            ]
        );
    }

    #[test]
    fn a_headless_service_keeps_its_cluster_ip_and_octal_modes_read_as_kubectl_reads_them() {
        let got = read("---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: h}\nspec:\n  clusterIP: None\n  x: 0755\n").unwrap();
        assert_eq!(got[0]["spec"], json!({"clusterIP": "None", "x": 493}));
    }

    #[test]
    fn a_document_that_is_not_an_object_is_an_error_at_its_line() {
        let e = read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: bar\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "in.yaml:4: not a Kubernetes object: `apiVersion` is missing or not a string"
        );
    }
}
