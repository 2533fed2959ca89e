//! Resources served as another form of stored objects, as the API server serves one storage in
//! several versions: `events.k8s.io/v1` Events are core Events converted both ways
//! (`pkg/apis/events/v1/conversion.go`: `regarding` is `involvedObject`, `note` is `message`,
//! `reportingController` is `reportingComponent`, the `deprecated*` fields are the old
//! timestamps, source and count); `discovery.k8s.io/v1` EndpointSlices are read from each
//! Service's Endpoints (one slice a Service, as the EndpointSlice controller writes them for
//! the runtime's single-stack, few-pod Services), and cannot be written.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::k8s::resources::{self, Resource};

/// A resource served from another's objects.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// The resource whose objects are stored.
    pub stored: &'static Resource,
    /// A stored object in this resource's form.
    pub read: fn(&Value) -> Value,
    /// An object of this resource in the stored form (`None`: read-only).
    pub write: Option<fn(&Value) -> Value>,
}

/// The view `r` is, if it is one.
pub fn view_of(r: &Resource) -> Option<View> {
    match *r {
        resources::EVENT_V1 => Some(View {
            stored: &resources::EVENT,
            read: event_v1,
            write: Some(core_event),
        }),
        resources::ENDPOINT_SLICE => Some(View {
            stored: &resources::ENDPOINTS,
            read: endpoint_slice,
            write: None,
        }),
        _ => None,
    }
}

/// Copy the fields named `(from, to)` that are present.
fn carry(from: &Value, to: &mut Map<String, Value>, fields: &[(&str, &str)]) {
    for (f, t) in fields {
        if let Some(v) = from.get(*f).filter(|v| !v.is_null()) {
            to.insert((*t).to_string(), v.clone());
        }
    }
}

/// A core Event as an `events.k8s.io/v1` Event.
pub fn event_v1(core: &Value) -> Value {
    let mut e = Map::new();
    e.insert("apiVersion".into(), json!(resources::EVENT_V1.api_version));
    e.insert("kind".into(), json!("Event"));
    carry(
        core,
        &mut e,
        &[
            ("metadata", "metadata"),
            ("eventTime", "eventTime"),
            ("action", "action"),
            ("reason", "reason"),
            ("involvedObject", "regarding"),
            ("related", "related"),
            ("message", "note"),
            ("type", "type"),
            ("reportingInstance", "reportingInstance"),
            ("source", "deprecatedSource"),
            ("firstTimestamp", "deprecatedFirstTimestamp"),
            ("lastTimestamp", "deprecatedLastTimestamp"),
            ("count", "deprecatedCount"),
        ],
    );
    let controller = core["reportingComponent"]
        .as_str()
        .filter(|c| !c.is_empty())
        .or_else(|| core["source"]["component"].as_str());
    if let Some(c) = controller {
        e.insert("reportingController".into(), json!(c));
    }
    if core["count"].as_i64().is_some_and(|n| n > 1) {
        e.insert(
            "series".into(),
            json!({"count": core["count"], "lastObservedTime": core["lastTimestamp"]}),
        );
    }
    Value::Object(e)
}

/// An `events.k8s.io/v1` Event as a core Event.
pub fn core_event(v1: &Value) -> Value {
    let mut e = Map::new();
    e.insert("apiVersion".into(), json!("v1"));
    e.insert("kind".into(), json!("Event"));
    carry(
        v1,
        &mut e,
        &[
            ("metadata", "metadata"),
            ("eventTime", "eventTime"),
            ("action", "action"),
            ("reason", "reason"),
            ("regarding", "involvedObject"),
            ("related", "related"),
            ("note", "message"),
            ("type", "type"),
            ("reportingController", "reportingComponent"),
            ("reportingInstance", "reportingInstance"),
            ("deprecatedSource", "source"),
            ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"),
            ("deprecatedCount", "count"),
        ],
    );
    if !e.contains_key("source") {
        if let Some(c) = v1["reportingController"].as_str() {
            e.insert("source".into(), json!({"component": c}));
        }
    }
    if let Some(series) = v1["series"].as_object() {
        if let Some(n) = series.get("count") {
            e.insert("count".into(), n.clone());
        }
        if let Some(t) = series.get("lastObservedTime") {
            e.insert("lastTimestamp".into(), t.clone());
        }
    }
    Value::Object(e)
}

/// Hex digits of a SHA-256 of `text`.
fn digest(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The EndpointSlice of a Service's Endpoints.
pub fn endpoint_slice(ep: &Value) -> Value {
    let m = &ep["metadata"];
    let service = m["name"].as_str().unwrap_or("");
    let h = digest(m["uid"].as_str().unwrap_or(service));
    // generateName's five characters, from the uid so the name stays put.
    let suffix = crate::k8s::names::safe_encode(&h[..5]);
    let mut labels = m["labels"].as_object().cloned().unwrap_or_default();
    labels.insert("kubernetes.io/service-name".into(), json!(service));
    labels.insert(
        "endpointslice.kubernetes.io/managed-by".into(),
        json!("endpointslice-controller.k8s.io"),
    );
    let uid = format!(
        "{}-{}-4{}-8{}-{}",
        &h[5..13],
        &h[13..17],
        &h[17..20],
        &h[20..23],
        &h[23..35]
    );
    let mut endpoints = Vec::new();
    let mut ports = Vec::new();
    for subset in ep["subsets"].as_array().into_iter().flatten() {
        for (list, ready) in [("addresses", true), ("notReadyAddresses", false)] {
            for a in subset[list].as_array().into_iter().flatten() {
                let mut e = json!({
                    "addresses": [a["ip"]],
                    "conditions": {"ready": ready, "serving": ready, "terminating": false},
                });
                for (f, t) in [
                    ("hostname", "hostname"),
                    ("nodeName", "nodeName"),
                    ("targetRef", "targetRef"),
                ] {
                    if !a[f].is_null() {
                        e[t] = a[f].clone();
                    }
                }
                endpoints.push(e);
            }
        }
        for p in subset["ports"].as_array().into_iter().flatten() {
            let mut port = json!({"port": p["port"], "protocol": p["protocol"]});
            port["name"] = p.get("name").cloned().unwrap_or(json!(""));
            ports.push(port);
        }
    }
    let mut slice = json!({
        "apiVersion": resources::ENDPOINT_SLICE.api_version,
        "kind": "EndpointSlice",
        "metadata": {
            "name": format!("{service}-{suffix}"),
            "generateName": format!("{service}-"),
            "namespace": m["namespace"],
            "uid": uid,
            "resourceVersion": m["resourceVersion"],
            "creationTimestamp": m["creationTimestamp"],
            "labels": labels,
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
    });
    if !ports.is_empty() {
        slice["ports"] = Value::Array(ports);
    }
    slice
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_convert_both_ways() {
        let core = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web.1", "namespace": "default"},
            "involvedObject": {"kind": "StatefulSet", "name": "web"},
            "reason": "SuccessfulCreate", "message": "create Pod web-0 in StatefulSet web successful",
            "type": "Normal", "source": {"component": "statefulset-controller"}, "count": 2,
            "firstTimestamp": "2026-12-02T00:00:00Z", "lastTimestamp": "2026-12-02T00:01:00Z"});
        let v1 = event_v1(&core);
        assert_eq!(v1["note"], core["message"]);
        assert_eq!(v1["regarding"]["name"], "web");
        assert_eq!(v1["reportingController"], "statefulset-controller");
        assert_eq!(v1["series"]["count"], 2);
        let back = core_event(&v1);
        for f in [
            "involvedObject",
            "message",
            "reason",
            "type",
            "source",
            "count",
            "lastTimestamp",
        ] {
            assert_eq!(back[f], core[f], "{f}");
        }
    }

    #[test]
    fn a_services_endpoints_read_as_one_slice() {
        let ep = json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "nginx", "namespace": "default", "uid": "u-1", "resourceVersion": "9"},
            "subsets": [{"addresses": [{"ip": "10.244.0.2", "targetRef": {"kind": "Pod", "name": "web-0"}}],
                         "notReadyAddresses": [{"ip": "10.244.0.3"}],
                         "ports": [{"name": "web", "port": 80, "protocol": "TCP"}]}]});
        let s = endpoint_slice(&ep);
        let name = s["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("nginx-") && name.len() == 11, "{name}");
        assert_eq!(
            s["metadata"]["labels"]["kubernetes.io/service-name"],
            "nginx"
        );
        assert_eq!(s["endpoints"][0]["conditions"]["ready"], true);
        assert_eq!(s["endpoints"][1]["conditions"]["ready"], false);
        assert_eq!(
            s["ports"],
            json!([{"name": "web", "port": 80, "protocol": "TCP"}])
        );
        assert_eq!(s, endpoint_slice(&ep), "the same slice every time");
    }
}
