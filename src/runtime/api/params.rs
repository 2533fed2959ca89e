//! Query parameters of API requests (`staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go`
//! `ListOptions`, `CreateOptions`, `PatchOptions`, `DeleteOptions`). Clients send `?`, `?&a=b`
//! and empty pairs (kube-rs); they are ignored. Unknown parameters are ignored, as the API
//! server does.

use crate::k8s::resources::{self, Resource};
use crate::k8s::selector::Selector;
use crate::runtime::api::table::IncludeObject;
use crate::runtime::api_server::ApiError;

/// `fieldSelector`: `metadata.name=web,status.phase!=Running`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector {
    /// `(field, wanted value, equal)`: `metadata.name=web` or `metadata.name!=web`.
    pub terms: Vec<(String, String, bool)>,
}

/// The fields each kind may be selected by besides `metadata.name` and `metadata.namespace`
/// (the API server's field label conversion functions, `pkg/apis/core/v1/conversion.go`).
fn selectable(r: &Resource) -> &'static [&'static str] {
    match *r {
        resources::EVENT => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        resources::POD => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        resources::SECRET => &["type"],
        resources::NAMESPACE => &["status.phase"],
        _ => &[],
    }
}

impl FieldSelector {
    /// Parse `metadata.name=web,metadata.namespace!=kube-system`.
    ///
    /// # Errors
    /// A term without an operator.
    pub fn parse(text: &str) -> Result<FieldSelector, ApiError> {
        let mut terms = Vec::new();
        for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, v, true)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid field selector: {term:?}: expected an operator (=, ==, !=)"
                )));
            };
            terms.push((field.trim().to_string(), value.trim().to_string(), equal));
        }
        Ok(FieldSelector { terms })
    }

    /// Refuse fields `r` cannot be selected by, in the API server's words.
    ///
    /// # Errors
    /// `field label not supported: spec.foo`.
    pub fn check(&self, r: &Resource) -> Result<(), ApiError> {
        for (f, _, _) in &self.terms {
            let known = matches!(f.as_str(), "metadata.name" | "metadata.namespace")
                || selectable(r).contains(&f.as_str());
            if !known {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {f}"
                )));
            }
        }
        Ok(())
    }

    /// Whether an object is selected.
    pub fn matches(&self, o: &serde_json::Value) -> bool {
        self.terms.iter().all(|(f, want, equal)| {
            // `source` stands for the component of an event's source.
            let path = if f == "source" { "source.component" } else { f };
            let v = path.split('.').fold(o, |at, k| &at[k]);
            let have = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (have == *want) == *equal
        })
    }
}

/// `fieldValidation`: what a write does with unknown or duplicate fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and say so in `Warning` headers (the API server's default since 1.27).
    #[default]
    Warn,
    /// Refuse the request (400).
    Strict,
}

/// The parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    /// `watch=true` (or `=1`).
    pub watch: bool,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `labelSelector`.
    pub labels: Option<Selector>,
    /// `fieldSelector`.
    pub fields: FieldSelector,
    /// `timeoutSeconds` of a watch.
    pub timeout_seconds: Option<u64>,
    /// `allowWatchBookmarks=true`.
    pub bookmarks: bool,
    /// `sendInitialEvents=true` (a streaming list).
    pub send_initial_events: bool,
    /// `includeObject` of Table rows.
    pub include_object: IncludeObject,
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `fieldManager`.
    pub field_manager: Option<String>,
    /// `fieldValidation`.
    pub field_validation: FieldValidation,
    /// `force=true` (server-side apply).
    pub force: bool,
    /// `propagationPolicy` given in the query (it may also come in the body).
    pub propagation_policy: Option<String>,
}

fn truthy(v: &str) -> bool {
    matches!(v, "true" | "1" | "True")
}

impl Params {
    /// Parse a query string (without the `?`).
    ///
    /// # Errors
    /// A malformed selector, or a value the API server refuses (`dryRun=Some`,
    /// `fieldValidation=Loud`, `includeObject=All`), as a BadRequest.
    pub fn parse(query: &str) -> Result<Params, ApiError> {
        let mut p = Params::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "watch" => p.watch = truthy(&v),
                "resourceVersion" if !v.is_empty() => p.resource_version = Some(v.into_owned()),
                "labelSelector" if !v.trim().is_empty() => {
                    let s = Selector::parse(&v).map_err(|e| {
                        ApiError::bad_request(format!("unable to parse requirement: {e}"))
                    })?;
                    p.labels = Some(s);
                }
                "fieldSelector" => p.fields = FieldSelector::parse(&v)?,
                "timeoutSeconds" => p.timeout_seconds = v.parse().ok(),
                "allowWatchBookmarks" => p.bookmarks = truthy(&v),
                "sendInitialEvents" => p.send_initial_events = truthy(&v),
                "includeObject" => {
                    p.include_object = IncludeObject::parse(&v).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "includeObject: Unsupported value: {v:?}: supported values: \"None\", \"Metadata\", \"Object\""
                        ))
                    })?
                }
                "dryRun" => match v.as_ref() {
                    "All" => p.dry_run = true,
                    "" => {}
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "dryRun: Unsupported value: {other:?}: supported values: \"All\""
                        )))
                    }
                },
                "fieldManager" if !v.is_empty() => p.field_manager = Some(v.into_owned()),
                "fieldValidation" => {
                    p.field_validation = match v.as_ref() {
                        "Strict" => FieldValidation::Strict,
                        "Warn" | "" => FieldValidation::Warn,
                        "Ignore" => FieldValidation::Ignore,
                        other => {
                            return Err(ApiError::bad_request(format!(
                                "fieldValidation: Unsupported value: {other:?}: supported values: \"Ignore\", \"Strict\", \"Warn\""
                            )))
                        }
                    }
                }
                "force" => p.force = truthy(&v),
                "propagationPolicy" if !v.is_empty() => {
                    p.propagation_policy = Some(v.into_owned());
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// Whether an object is selected by the label and field selectors.
    pub fn selects(&self, o: &serde_json::Value) -> bool {
        self.fields.matches(o)
            && self
                .labels
                .as_ref()
                .is_none_or(|l| l.matches(&o["metadata"]["labels"]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kube_rs_and_kubectl_query_strings_parse() {
        let p = Params::parse(
            "&watch=true&timeoutSeconds=290&allowWatchBookmarks=true&resourceVersion=41",
        )
        .unwrap();
        assert!(p.watch && p.bookmarks);
        assert_eq!(
            (p.timeout_seconds, p.resource_version.as_deref()),
            (Some(290), Some("41"))
        );
        let p = Params::parse("fieldSelector=metadata.name%3Dweb&resourceVersion=0&watch=true")
            .unwrap();
        assert!(p.selects(&json!({"metadata": {"name": "web", "namespace": "default"}})));
        assert!(!p.selects(&json!({"metadata": {"name": "web2"}})));
        let p = Params::parse("").unwrap();
        assert!(!p.watch && p.resource_version.is_none());
        let p = Params::parse("labelSelector=app%3Dnginx%2Ctier+notin+%28db%29").unwrap();
        assert!(p.selects(&json!({"metadata": {"labels": {"app": "nginx"}}})));
        assert!(!p.selects(&json!({"metadata": {"labels": {"app": "nginx", "tier": "db"}}})));
    }

    #[test]
    fn write_options_parse_and_bad_values_are_refused() {
        let p = Params::parse("fieldManager=kubectl&fieldValidation=Strict&force=false&dryRun=All")
            .unwrap();
        assert_eq!(p.field_manager.as_deref(), Some("kubectl"));
        assert_eq!(p.field_validation, FieldValidation::Strict);
        assert!(p.dry_run && !p.force);
        let p = Params::parse("fieldSelector=spec.nodeName%3Dn").unwrap();
        assert!(p.fields.check(&resources::POD).is_ok());
        let e = p.fields.check(&resources::STATEFUL_SET).unwrap_err();
        assert_eq!(e.message, "field label not supported: spec.nodeName");
        let p = Params::parse("fieldSelector=involvedObject.name%3Dweb%2CinvolvedObject.kind%3DStatefulSet%2Csource%3Dstatefulset-controller").unwrap();
        let event = serde_json::json!({"involvedObject": {"name": "web", "kind": "StatefulSet"},
                                       "source": {"component": "statefulset-controller"}});
        assert!(p.fields.check(&resources::EVENT).is_ok() && p.selects(&event));
        let e = Params::parse("dryRun=Some").unwrap_err();
        assert_eq!(
            e.message,
            "dryRun: Unsupported value: \"Some\": supported values: \"All\""
        );
    }
}
