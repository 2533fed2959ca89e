//! Events, recorded as the API server's event recorder does: one object per (involved object,
//! reason, message), counted when it repeats.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::{key_of, ApiServer};
use crate::k8s::object::{meta_str, obj_mut};
use crate::k8s::resources;
use crate::runtime::store::Key;

impl ApiServer {
    /// Record an Event about an object (and the line the command prints), aggregating repeats.
    pub fn event(&mut self, involved: &Value, type_: &str, reason: &str, message: &str) {
        self.log.push(message.to_string());
        let now = self.timestamp();
        // Same object, reason and message: count it (kubectl's "x3 over 2m").
        let id = (
            meta_str(involved, "uid").to_string(),
            reason.to_string(),
            message.to_string(),
        );
        let known = self.event_index().get(&id).cloned();
        let existing = known.and_then(|k| self.objects.get(&k)).cloned();
        if let Some(mut e) = existing {
            let count = e["count"].as_i64().unwrap_or(1) + 1;
            let m = obj_mut(&mut e);
            m.insert("count".into(), json!(count));
            m.insert("lastTimestamp".into(), json!(now));
            self.put(e);
            return;
        }
        self.meta.resource_version += 1;
        let suffix = self
            .meta
            .resource_version
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ self.meta.uid_seed;
        let e = new_event(involved, type_, reason, message, &now, suffix);
        if let Ok(k) = self.create(e).and_then(|made| Ok(key_of(made)?.1)) {
            self.event_index().insert(id, k);
        }
    }

    /// Events by (involved uid, reason, message), built on first use.
    fn event_index(&mut self) -> &mut HashMap<(String, String, String), Key> {
        if self.event_index.is_none() {
            let idx = self
                .list(&resources::EVENT)
                .map(|(k, e)| {
                    let field = |v: &Value| v.as_str().unwrap_or("").to_string();
                    let id = (
                        field(&e["involvedObject"]["uid"]),
                        field(&e["reason"]),
                        field(&e["message"]),
                    );
                    (id, k.clone())
                })
                .collect();
            self.event_index = Some(idx);
        }
        self.event_index.get_or_insert_with(HashMap::new)
    }
}

/// A new Event (count 1) about `involved`, named after it with a unique suffix.
fn new_event(
    involved: &Value,
    type_: &str,
    reason: &str,
    message: &str,
    now: &str,
    suffix: u64,
) -> Value {
    let ns = match meta_str(involved, "namespace") {
        "" => "default",
        ns => ns,
    };
    let iname = meta_str(involved, "name");
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": format!("{iname}.{suffix:016x}"), "namespace": ns},
        "involvedObject": {
            "apiVersion": involved["apiVersion"],
            "kind": involved["kind"],
            "name": iname,
            "namespace": ns,
            "uid": involved["metadata"]["uid"],
            "resourceVersion": involved["metadata"]["resourceVersion"],
        },
        "reason": reason,
        "message": message,
        "type": type_,
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": {"component": source_of(reason)},
        "reportingComponent": source_of(reason),
        "reportingInstance": "",
    })
}

fn source_of(reason: &str) -> &'static str {
    match reason {
        "ProvisioningSucceeded" | "Provisioning" | "ExternalProvisioning" | "FailedBinding" => {
            "persistentvolume-controller"
        }
        "Scheduled" => "default-scheduler",
        "Pulled" | "Created" | "Started" | "Killing" | "Unhealthy" | "Failed" => "kubelet",
        "EnsuringLoadBalancer" | "EnsuredLoadBalancer" => "service-controller",
        _ => "statefulset-controller",
    }
}
