//! OpenAPI v3 documents as far as `kubectl apply`, `kubectl create` and `kubectl explain` need them
//! (`docs/research/kubectl-and-api.md` §2.6): kubectl looks in a group-version's document for a
//! PATCH operation of the object's kind that takes `fieldValidation`; finding it, it leaves
//! validation to the server (`fieldValidation=Strict`), which checks against the bundled
//! schemas. The request bodies leave out strategic merge patch on purpose: kubectl then computes
//! its patches from its compiled-in types, as it does for every built-in kind. The kinds stsc
//! has schemas for (the bundled strict schemas of the version, without descriptions) are in
//! `components.schemas` with their `x-kubernetes-group-version-kind`, which is what
//! `kubectl explain` looks them up by.
//! (`staging/src/k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go`.)
//!
//! kubectl 1.27 and 1.28 ask the same question of OpenAPI v2, and read v2 only as protobuf
//! (gnostic's `openapi.v2.Document`, `google/gnostic/openapiv2/OpenAPIv2.proto`). The few
//! messages of that answer are encoded here by hand: six nested length-delimited fields do not
//! warrant a protobuf code generator and its build step.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::k8s::resources::{self, Resource};
use crate::k8s::version::KubeVersion;

/// The path prefix of a group-version (`api/v1`, `apis/apps/v1`).
fn prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The group-versions served, each once.
fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in resources::RESOURCES {
        let gv = (r.group, r.api_version.rsplit('/').next().unwrap_or("v1"));
        if !out.contains(&gv) {
            out.push(gv);
        }
    }
    out
}

/// `GET /openapi/v3`: where each group-version's document is, with a hash of its content (so
/// kubectl may cache it).
pub fn root(kube: KubeVersion) -> Value {
    let paths: Map<String, Value> = group_versions()
        .into_iter()
        .map(|(g, v)| {
            let p = prefix(g, v);
            let hash = hash(&document(g, v, kube));
            let url = format!("/openapi/v3/{p}?hash={hash}");
            (p, json!({ "serverRelativeURL": url }))
        })
        .collect();
    json!({ "paths": paths })
}

/// The first 16 bytes of the document's SHA-256, in hex.
fn hash(doc: &Value) -> String {
    let digest = Sha256::digest(doc.to_string().as_bytes());
    digest[..16].iter().map(|b| format!("{b:02X}")).collect()
}

/// A query parameter of the PATCH operations.
fn parameter(name: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}})
}

/// The PATCH operation of one kind's object path.
fn patch_operation(r: &Resource) -> Value {
    let body = json!({"schema": {"type": "object"}});
    let (group, version) = (r.group, r.api_version.rsplit('/').next().unwrap_or("v1"));
    let parameters = ["dryRun", "fieldManager", "fieldValidation", "force"].map(parameter);
    json!({
        "operationId": format!("patch{}", r.kind),
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": r.kind},
        "parameters": parameters,
        "requestBody": {"content": {
            "application/apply-patch+yaml": body,
            "application/json-patch+json": body,
            "application/merge-patch+json": body,
        }},
        "responses": {"200": {"description": "OK"}},
    })
}

/// A JSON Schema node of the bundle in OpenAPI 3.0's dialect: `$ref`s into
/// `#/components/schemas`, and `type: [T, "null"]` as `type: T`.
fn openapi_node(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let x = match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => {
                        json!(r.replace("#/$defs/", "#/components/schemas/"))
                    }
                    ("type", Value::Array(types)) => types
                        .iter()
                        .find(|t| *t != "null")
                        .cloned()
                        .unwrap_or(json!("string")),
                    _ => openapi_node(x),
                };
                out.insert(k.clone(), x);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(openapi_node).collect()),
        other => other.clone(),
    }
}

/// The definition name of a kind (`io.k8s.api.apps.v1.StatefulSet`).
fn definition_name(r: &Resource) -> String {
    let group = r
        .group
        .split('.')
        .next()
        .filter(|g| !g.is_empty())
        .unwrap_or("core");
    let version = r.api_version.rsplit('/').next().unwrap_or("v1");
    format!("io.k8s.api.{group}.{version}.{}", r.kind)
}

/// The schemas of a group-version's kinds, and every definition of the bundle they refer to.
fn schemas(group: &str, version: &str, kube: KubeVersion) -> Map<String, Value> {
    let Ok(bundle) = crate::validate::bundle(kube) else {
        return Map::new();
    };
    let mut out = Map::new();
    let kinds = resources::RESOURCES
        .iter()
        .filter(|r| r.group == group && r.api_version.rsplit('/').next() == Some(version));
    for r in kinds {
        let Some(root) = bundle["kinds"].get(format!("{}/{}", r.api_version, r.kind)) else {
            continue;
        };
        let mut s = openapi_node(root);
        s["x-kubernetes-group-version-kind"] =
            json!([{"group": r.group, "version": version, "kind": r.kind}]);
        out.insert(definition_name(r), s);
    }
    if !out.is_empty() {
        for (name, def) in bundle["$defs"].as_object().into_iter().flatten() {
            out.insert(name.clone(), openapi_node(def));
        }
    }
    out
}

/// `GET /openapi/v3/api/v1` or `/openapi/v3/apis/{group}/{version}`.
pub fn document(group: &str, version: &str, kube: KubeVersion) -> Value {
    let p = prefix(group, version);
    let paths: Map<String, Value> = resources::RESOURCES
        .iter()
        .filter(|r| r.group == group && r.api_version.rsplit('/').next() == Some(version))
        .map(|r| {
            let path = if r.namespaced {
                format!("/{p}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
            } else {
                format!("/{p}/{}/{{name}}", r.plural)
            };
            (path, json!({ "patch": patch_operation(r) }))
        })
        .collect();
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (stsc serve)", "version": "unversioned"},
        "paths": paths,
        "components": {"schemas": schemas(group, version, kube)},
    })
}

/// The `Content-Type` of [`v2_protobuf`] (the `@` of the media type kubectl asks for is not a
/// valid media type character; Go's parser refuses it).
pub const V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/// A length-delimited protobuf field (wire type 2).
fn field(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    varint(out, u64::from(number) << 3 | 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A message of the given fields.
fn message(fields: &[(u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (n, b) in fields {
        field(&mut out, *n, b);
    }
    out
}

/// The PATCH operation of one kind as an `openapi.v2.Operation`: its query parameters and its
/// `x-kubernetes-group-version-kind` (a `NamedAny` whose value is YAML).
fn v2_patch_operation(r: &Resource) -> Vec<u8> {
    let version = r.api_version.rsplit('/').next().unwrap_or("v1");
    let gvk = format!(
        "group: {:?}\nkind: {}\nversion: {}\n",
        r.group, r.kind, version
    );
    let extension = message(&[
        (1, b"x-kubernetes-group-version-kind"),
        (2, &message(&[(2, gvk.as_bytes())])),
    ]);
    let mut op = message(&[(5, format!("patch{}", r.kind).as_bytes())]);
    for name in ["dryRun", "fieldManager", "fieldValidation", "force"] {
        // ParametersItem.parameter → Parameter.non_body_parameter →
        // NonBodyParameter.query_parameter_sub_schema {in, name, type}.
        let query = message(&[(2, b"query"), (4, name.as_bytes()), (6, b"string")]);
        let non_body = message(&[(3, &query)]);
        let parameter = message(&[(2, &non_body)]);
        field(&mut op, 8, &message(&[(1, &parameter)]));
    }
    field(&mut op, 13, &extension);
    op
}

/// `GET /openapi/v2`: a protobuf `openapi.v2.Document` with one PATCH operation per kind.
pub fn v2_protobuf() -> Vec<u8> {
    let mut paths = Vec::new();
    for r in resources::RESOURCES {
        let (g, v) = (r.group, r.api_version.rsplit('/').next().unwrap_or("v1"));
        let p = prefix(g, v);
        let path = if r.namespaced {
            format!("/{p}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("/{p}/{}/{{name}}", r.plural)
        };
        let item = message(&[(8, &v2_patch_operation(r))]);
        field(&mut paths, 2, &message(&[(1, path.as_bytes()), (2, &item)]));
    }
    let info = message(&[(1, b"Kubernetes (stsc serve)"), (2, b"unversioned")]);
    message(&[(1, b"2.0"), (2, &info), (8, &paths)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_version_is_in_the_root_and_its_kinds_take_field_validation() {
        let kube = KubeVersion::NEWEST;
        let root = root(kube);
        let url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="), "{url}");
        assert!(root["paths"]["api/v1"].is_object());
        let doc = document("apps", "v1", kube);
        let set = &doc["components"]["schemas"]["io.k8s.api.apps.v1.StatefulSet"];
        assert_eq!(
            set["x-kubernetes-group-version-kind"][0]["kind"],
            "StatefulSet"
        );
        assert_eq!(
            set["properties"]["spec"]["$ref"],
            "#/components/schemas/io.k8s.api.apps.v1.StatefulSetSpec"
        );
        let spec = &doc["components"]["schemas"]["io.k8s.api.apps.v1.StatefulSetSpec"];
        assert_eq!(spec["properties"]["replicas"]["type"], "integer");
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}"]["patch"];
        assert_eq!(
            op["x-kubernetes-group-version-kind"],
            json!({"group": "apps", "version": "v1", "kind": "StatefulSet"})
        );
        assert!(op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "fieldValidation"));
        let v2 = v2_protobuf();
        // Document.swagger = "2.0", then Document.info.
        assert_eq!(&v2[..5], b"\x0a\x032.0");
        let gvk = "group: \"apps\"\nkind: StatefulSet\nversion: v1\n";
        assert!(v2.windows(gvk.len()).any(|w| w == gvk.as_bytes()));
        let core = document("", "v1", kube);
        assert!(core["paths"]["/api/v1/persistentvolumes/{name}"].is_object());
    }
}
