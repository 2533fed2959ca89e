//! Specs: loading a spec file into typed apps that remember where every value came from.
//!
//! `load` parses YAML with positions and deserializes each document into an [`AppSpec`]; a
//! document that does not deserialize is validated against the spec's own JSON Schema, whose
//! errors become [`Finding`]s that point at the offending key or value. `resolve` fills
//! the defaults that depend on other fields and produces the view templates render from.

/// Declares a spec struct with the container fields that the app's own container and every
/// other container (init, sidecar, extra) share, declared once so that the two cannot drift:
/// the struct's fields, then the shared ones, then the fields after `then`. (A flattened struct
/// would say it more plainly, but serde refuses `flatten` beside `deny_unknown_fields`.)
macro_rules! container_fields {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$fm:meta])* pub $f:ident : $t:ty,)*
        }
        then {
            $($(#[$am:meta])* pub $a:ident : $at:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
            /// Entrypoint (replaces the image's ENTRYPOINT).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub command: Vec<String>,
            /// Arguments (replace the image's CMD).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub args: Vec<String>,
            /// Working directory.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub working_dir: Option<String>,
            /// Environment variables, in order.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub env: Vec<crate::spec::EnvVar>,
            /// Environment from ConfigMaps and Secrets.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub env_from: Vec<crate::spec::EnvFrom>,
            /// Resource requests and limits.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub resources: Option<crate::spec::Resources>,
            /// Readiness probe: `{http: /healthz, port: web}`, `{tcp: 5432}`, `{exec: [...]}`, `{grpc: N}`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub readiness_probe: Option<crate::spec::Probe>,
            /// Liveness probe (same forms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub liveness_probe: Option<crate::spec::Probe>,
            /// Startup probe (same forms).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub startup_probe: Option<crate::spec::Probe>,
            /// postStart / preStop hooks.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schemars(schema_with = "crate::spec::pod::lifecycle")]
            pub lifecycle: Option<serde_json::Value>,
            /// The container's security context.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schemars(schema_with = "crate::spec::pod::container_security")]
            pub security_context: Option<serde_json::Value>,
            $($(#[$am])* pub $a: $at,)*
        }
    };
}

pub mod checks;
mod errors;
pub mod kube;
mod model;
mod objects;
mod pod;
mod resolve;
mod resolved;

use std::sync::Arc;

pub use model::*;
pub use resolve::*;
pub use resolved::*;

use crate::diag::Finding;
use crate::k8s::pointer::display_path;
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

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => p.push_str(&format!("/{}", crate::k8s::pointer::escape(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    p
}

/// Deserialize one document; when it does not deserialize, the spec's JSON Schema names every
/// field error at once (see [`errors`]). A document the schema accepts but serde refuses (a
/// constraint the schema does not carry) gets serde's one error.
fn deserialize_all(src: &SourceFile, doc: &Document) -> Result<AppSpec, Vec<Finding>> {
    let err = match serde_path_to_error::deserialize::<_, AppSpec>(&doc.value) {
        Ok(spec) => return Ok(spec),
        Err(e) => e,
    };
    let found = errors::findings(src, doc);
    if !found.is_empty() {
        return Err(found);
    }
    let pointer = pointer_of(err.path());
    let message = format!("{}: {}", display_path(&pointer), err.inner());
    Err(vec![Finding::error(
        "invalid-value",
        src,
        doc.locate(&pointer).value,
        message,
    )])
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
