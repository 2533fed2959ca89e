//! Validation of generated objects: the strict Kubernetes JSON Schema of the target version, then
//! the API server's rules that a schema cannot express.
//!
//! Results are data ([`Violation`]s per object); nothing here stops at the first problem, prints,
//! or knows about spec files.

pub mod names;
mod rules;

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde_json::Value;

pub use rules::api_rules;

/// Oldest and newest supported Kubernetes minor versions (1.x).
pub const SUPPORTED_MINORS: (u32, u32) = (25, 37);

/// A Kubernetes version `1.MINOR` that stsc targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    /// The minor version.
    pub minor: u32,
}

impl KubeVersion {
    /// The newest supported version (the default).
    pub const NEWEST: KubeVersion = KubeVersion {
        minor: SUPPORTED_MINORS.1,
    };

    /// Every supported version, oldest first.
    pub fn all() -> impl Iterator<Item = KubeVersion> {
        (SUPPORTED_MINORS.0..=SUPPORTED_MINORS.1).map(|minor| KubeVersion { minor })
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

impl FromStr for KubeVersion {
    type Err = String;

    /// Accepts `1.30`, `v1.30` and `1.30.2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.strip_prefix('v').unwrap_or(s);
        let mut parts = t.split('.');
        let (major, minor) = (parts.next(), parts.next());
        let patch_ok =
            parts.next().is_none_or(|p| p.parse::<u32>().is_ok()) && parts.next().is_none();
        let range = format!(
            "supported versions are 1.{} to 1.{}",
            SUPPORTED_MINORS.0, SUPPORTED_MINORS.1
        );
        match (major.map(str::parse::<u32>), minor.map(str::parse::<u32>)) {
            (Some(Ok(1)), Some(Ok(minor))) if patch_ok => {
                if (SUPPORTED_MINORS.0..=SUPPORTED_MINORS.1).contains(&minor) {
                    Ok(KubeVersion { minor })
                } else {
                    Err(format!("unsupported Kubernetes version {s:?}: {range}"))
                }
            }
            _ => Err(format!(
                "invalid Kubernetes version {s:?}: expected MAJOR.MINOR such as 1.30 ({range})"
            )),
        }
    }
}

/// One problem with one generated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Stable rule id.
    pub rule: &'static str,
    /// Warnings do not fail a build unless `--strict`.
    pub warning: bool,
    /// JSON pointer of the offending value in the object.
    pub pointer: String,
    /// The offending value, when there is one (used to find the spec line that produced it).
    pub value: Option<Value>,
    /// The message, API-server style: `field.path: Invalid value: ...`.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Violation {
    pub(crate) fn error(
        rule: &'static str,
        pointer: String,
        value: Option<Value>,
        message: String,
    ) -> Self {
        Violation {
            rule,
            warning: false,
            pointer,
            value,
            message,
            help: None,
        }
    }

    pub(crate) fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
}

/// `apiVersion/kind` keys of the kinds stsc has schemas for, in the bundle's order.
const KINDS: &[&str] = &[
    "v1/ServiceAccount",
    "rbac.authorization.k8s.io/v1/ClusterRole",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "storage.k8s.io/v1/StorageClass",
    "v1/Service",
    "apps/v1/StatefulSet",
];

fn bundle_text(v: KubeVersion) -> &'static str {
    match v.minor {
        25 => include_str!("../../schemas/k8s/v1.25.json"),
        26 => include_str!("../../schemas/k8s/v1.26.json"),
        27 => include_str!("../../schemas/k8s/v1.27.json"),
        28 => include_str!("../../schemas/k8s/v1.28.json"),
        29 => include_str!("../../schemas/k8s/v1.29.json"),
        30 => include_str!("../../schemas/k8s/v1.30.json"),
        31 => include_str!("../../schemas/k8s/v1.31.json"),
        32 => include_str!("../../schemas/k8s/v1.32.json"),
        33 => include_str!("../../schemas/k8s/v1.33.json"),
        34 => include_str!("../../schemas/k8s/v1.34.json"),
        35 => include_str!("../../schemas/k8s/v1.35.json"),
        36 => include_str!("../../schemas/k8s/v1.36.json"),
        _ => include_str!("../../schemas/k8s/v1.37.json"),
    }
}

/// The strict schemas of one Kubernetes version; validators are compiled on first use, per kind.
pub struct Schemas {
    version: KubeVersion,
    bundle: OnceLock<Result<Value, String>>,
    validators: [OnceLock<Result<jsonschema::Validator, String>>; KINDS.len()],
}

impl fmt::Debug for Schemas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schemas")
            .field("version", &self.version)
            .finish()
    }
}

impl Schemas {
    /// The schemas of `version` (embedded; nothing is read from disk or network).
    pub fn new(version: KubeVersion) -> Self {
        Schemas {
            version,
            bundle: OnceLock::new(),
            validators: std::array::from_fn(|_| OnceLock::new()),
        }
    }

    /// The target version.
    pub fn version(&self) -> KubeVersion {
        self.version
    }

    fn validator(&self, key: &str) -> Option<Result<&jsonschema::Validator, String>> {
        let i = KINDS.iter().position(|k| *k == key)?;
        let v = self.validators[i].get_or_init(|| {
            let bundle = self
                .bundle
                .get_or_init(|| {
                    serde_json::from_str(bundle_text(self.version)).map_err(|e| e.to_string())
                })
                .as_ref()
                .map_err(Clone::clone)?;
            let mut schema = bundle["kinds"][key].clone();
            if let Value::Object(m) = &mut schema {
                m.insert("$defs".into(), bundle["$defs"].clone());
            }
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&schema)
                .map_err(|e| e.to_string())
        });
        Some(v.as_ref().map_err(Clone::clone))
    }

    /// Validate one object against the schema of its kind.
    pub fn validate(&self, obj: &Value) -> Vec<Violation> {
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let kind = obj["kind"].as_str().unwrap_or_default();
        let key = format!("{api}/{kind}");
        let validator = match self.validator(&key) {
            None => {
                return vec![Violation::error(
                    "k8s-schema",
                    "/kind".into(),
                    Some(obj["kind"].clone()),
                    format!(
                        "no schema for apiVersion {api:?} kind {kind:?} in Kubernetes {}",
                        self.version
                    ),
                )]
            }
            Some(Err(e)) => {
                return vec![Violation::error(
                    "k8s-schema",
                    String::new(),
                    None,
                    format!("internal error: schema of {key} does not compile: {e}"),
                )]
            }
            Some(Ok(v)) => v,
        };
        let mut out = Vec::new();
        for err in validator.iter_errors(obj) {
            let pointer = err.instance_path().to_string();
            let field = crate::spec::display_path(&pointer);
            let at = if field.is_empty() {
                String::new()
            } else {
                format!("{field}: ")
            };
            let v = match err.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    let names: Vec<String> = unexpected.iter().map(|u| format!("{u:?}")).collect();
                    let first = unexpected.first().cloned().unwrap_or_default();
                    let p = format!("{pointer}/{}", crate::yaml::escape_token(&first));
                    Violation::error(
                        "k8s-schema",
                        p,
                        None,
                        format!(
                            "{at}unknown field {} (not in the Kubernetes {} schema)",
                            names.join(", "),
                            self.version
                        ),
                    )
                }
                _ => Violation::error(
                    "k8s-schema",
                    pointer.clone(),
                    obj.pointer(&pointer).cloned(),
                    format!("{at}{err}"),
                ),
            };
            out.push(v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!("1.30".parse::<KubeVersion>().unwrap().minor, 30);
        assert_eq!("v1.25.3".parse::<KubeVersion>().unwrap().minor, 25);
        assert_eq!(
            "1.24".parse::<KubeVersion>().unwrap_err(),
            "unsupported Kubernetes version \"1.24\": supported versions are 1.25 to 1.37"
        );
        assert!("banana".parse::<KubeVersion>().is_err());
    }

    #[test]
    fn every_version_compiles_every_kind() {
        for v in KubeVersion::all() {
            let s = Schemas::new(v);
            for k in KINDS {
                assert!(matches!(s.validator(k), Some(Ok(_))), "{v} {k}");
            }
        }
    }

    #[test]
    fn strict_schema_rejects_unknown_fields() {
        let s = Schemas::new(KubeVersion::NEWEST);
        let obj = serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "bogus": 1}});
        let v = s.validate(&obj);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].pointer, "/metadata/bogus");
        assert_eq!(
            v[0].message,
            "metadata: unknown field \"bogus\" (not in the Kubernetes 1.37 schema)"
        );
    }
}
