//! `meta.k8s.io/v1` `Table` responses (`application/json;as=Table`), made from the same server
//! half of the printers that `stsc get` lays out, so `kubectl get` against `stsc serve` and
//! `stsc get` print the same cells. Types: `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/
//! types.go` (`Table`, `TableColumnDefinition`, `TableRow`); what kubectl needs of them:
//! `docs/research/kubectl-and-api.md` §2.3.

use serde_json::{json, Map, Value};

use crate::runtime::print::table::Table;

/// `includeObject`: what each row carries besides its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeObject {
    /// No object (kubectl then shows no namespace or labels column content).
    None,
    /// A `PartialObjectMetadata` (the default).
    #[default]
    Metadata,
    /// The whole object (`kubectl get --sort-by`).
    Object,
}

impl IncludeObject {
    /// The query parameter's value (`None`, `Metadata`, `Object`); unknown values are
    /// `None` here and a 400 to the caller.
    pub fn parse(s: &str) -> Option<IncludeObject> {
        match s {
            "None" => Some(IncludeObject::None),
            "Metadata" => Some(IncludeObject::Metadata),
            "Object" => Some(IncludeObject::Object),
            _ => None,
        }
    }
}

/// The metadata fields a `PartialObjectMetadata` row keeps.
const PARTIAL_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
];

/// A row's `object`.
fn row_object(o: &Value, include: IncludeObject) -> Option<Value> {
    match include {
        IncludeObject::None => None,
        IncludeObject::Object => Some(o.clone()),
        IncludeObject::Metadata => {
            let meta = o["metadata"].as_object();
            let kept: Map<String, Value> = meta
                .into_iter()
                .flatten()
                .filter(|(k, _)| PARTIAL_METADATA.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            // kubectl cannot decode a row object without kind and apiVersion.
            Some(json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": kept,
            }))
        }
    }
}

/// The `Table` object of a printed table; `resource_version` is the list's (what `get -w`
/// watches from). `headers: false` leaves out the column definitions, as a watch does after its
/// first event.
pub fn table_object(
    t: &Table<'_>,
    resource_version: &str,
    include: IncludeObject,
    headers: bool,
) -> Value {
    let columns: Vec<Value> = t
        .columns
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": "string",
                "format": c.format,
                "description": "",
                "priority": c.priority,
            })
        })
        .collect();
    let rows: Vec<Value> = t
        .rows
        .iter()
        .map(|r| {
            let mut row = json!({ "cells": r.cells });
            if let Some(o) = row_object(r.object, include) {
                row["object"] = o;
            }
            row
        })
        .collect();
    let mut table = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "rows": rows,
    });
    if headers {
        table["columnDefinitions"] = Value::Array(columns);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::resources;
    use crate::k8s::version::KubeVersion;
    use crate::runtime::print::table::table;

    #[test]
    fn a_pod_table_has_kubectls_columns_and_partial_metadata_rows() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-0", "namespace": "default", "uid": "u",
                         "creationTimestamp": "2026-12-02T00:00:00Z", "labels": {"app": "nginx"},
                         "managedFields": [{"manager": "x"}]},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}], "nodeName": "n"},
            "status": {"phase": "Running", "podIPs": [{"ip": "10.244.0.2"}],
                       "containerStatuses": [{"ready": true, "restartCount": 0,
                                              "state": {"running": {}}}]},
        });
        let version: KubeVersion = "1.32".parse().unwrap();
        let t = table(&resources::POD, &[&pod], 1_764_633_600 + 60, version);
        let v = table_object(&t, "42", IncludeObject::Metadata, true);
        let names: Vec<&str> = v["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(&names[..5], ["Name", "Ready", "Status", "Restarts", "Age"]);
        assert_eq!(v["columnDefinitions"][0]["format"], "name");
        assert_eq!(v["metadata"]["resourceVersion"], "42");
        let row = &v["rows"][0];
        let cells = row["cells"].as_array().unwrap();
        assert_eq!(
            cells[..4],
            json!(["web-0", "1/1", "Running", "0"]).as_array().unwrap()[..]
        );
        assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(row["object"]["metadata"]["labels"], json!({"app": "nginx"}));
        assert!(row["object"]["metadata"].get("managedFields").is_none());
        let bare = table_object(&t, "42", IncludeObject::None, false);
        assert!(bare.get("columnDefinitions").is_none() && bare["rows"][0].get("object").is_none());
    }
}
