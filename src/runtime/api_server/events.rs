//! Events, recorded as the API server's event recorder does: one object per (involved object,
//! reason, message), counted when it repeats.

use serde_json::{json, Value};

use super::{key_of, ApiServer};
use crate::k8s::object::{meta_str, obj_mut};
use crate::k8s::resources::{self};

impl ApiServer {
    /// Record an Event about an object (and the line the command prints), aggregating repeats.
    pub fn event(&mut self, involved: &Value, type_: &str, reason: &str, message: &str) {
        self.log.push(message.to_string());
        let ns = match meta_str(involved, "namespace") {
            "" => "default".to_string(),
            ns => ns.to_string(),
        };
        let er = &resources::EVENT;
        let iname = meta_str(involved, "name").to_string();
        let now = self.timestamp();
        // Same object, reason and message: count it (kubectl's "x3 over 2m").
        if self.event_index.is_none() {
            let idx = self
                .list(er)
                .map(|(k, e)| {
                    let id = (
                        e["involvedObject"]["uid"]
                            .as_str()
                            .unwrap_or("")
                            .to_string(),
                        e["reason"].as_str().unwrap_or("").to_string(),
                        e["message"].as_str().unwrap_or("").to_string(),
                    );
                    (id, k.clone())
                })
                .collect();
            self.event_index = Some(idx);
        }
        let id = (
            meta_str(involved, "uid").to_string(),
            reason.to_string(),
            message.to_string(),
        );
        let existing = self
            .event_index
            .as_ref()
            .and_then(|i| i.get(&id))
            .and_then(|k| self.objects.get(k))
            .cloned();
        if let Some(mut e) = existing {
            let count = e["count"].as_i64().unwrap_or(1) + 1;
            let m = obj_mut(&mut e);
            m.insert("count".into(), json!(count));
            m.insert("lastTimestamp".into(), json!(now));
            self.put(e);
            return;
        }
        self.meta.resource_version += 1;
        let name = format!(
            "{iname}.{:016x}",
            self.meta
                .resource_version
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ self.meta.uid_seed
        );
        let (group_kind, api) = (involved["kind"].clone(), involved["apiVersion"].clone());
        let e = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {
                "apiVersion": api,
                "kind": group_kind,
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
        });
        if let Ok(k) = self.create(e).and_then(|made| Ok(key_of(made)?.1)) {
            if let Some(idx) = self.event_index.as_mut() {
                idx.insert(id, k);
            }
        }
    }
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
