//! `kubectl apply` of one object: the merge of the new object into the stored one, and the
//! update rules of each kind (immutable fields, allocated addresses kept).

use serde_json::{json, Value};

use super::{key_of, ApiError, ApiServer, Applied};
use crate::k8s::object::{metadata_mut, obj_mut};
use crate::k8s::resources::{self, Resource};
use crate::k8s::service::Service;
use crate::k8s::{defaults, update};

impl ApiServer {
    /// `kubectl apply` of one object: create it, or update what differs (labels, annotations,
    /// spec and the other user fields), keeping server-set fields and status.
    ///
    /// # Errors
    /// What the API server refuses: an update of immutable fields, an unknown kind.
    pub fn apply(&mut self, o: Value) -> Result<(Applied, Value), ApiError> {
        let (_, key) = key_of(&o)?;
        let Some(old) = self.objects.get(&key).cloned() else {
            return Ok((Applied::Created, self.create(o)?.clone()));
        };
        self.write(old, o, Metadata::LabelsAndAnnotations)
    }

    /// An update (`PUT`, or a patch's result) of a stored object: the whole object as given,
    /// its status and server-set metadata kept. A `metadata.resourceVersion` in `o` must be the
    /// stored one (optimistic concurrency).
    ///
    /// # Errors
    /// `NotFound`, `Conflict` on a stale resourceVersion, and what [`Self::apply`] refuses.
    pub fn update(&mut self, o: Value) -> Result<(Applied, Value), ApiError> {
        let (r, key) = key_of(&o)?;
        let Some(old) = self.objects.get(&key).cloned() else {
            return Err(ApiError::not_found(r, &key.name));
        };
        let given = o["metadata"]["resourceVersion"].as_str().unwrap_or("");
        if !given.is_empty() && given != old["metadata"]["resourceVersion"].as_str().unwrap_or("") {
            return Err(ApiError::conflict(r, &key.name));
        }
        self.write(old, o, Metadata::User)
    }

    /// Write `new` over `old` by the kind's update rules.
    fn write(
        &mut self,
        old: Value,
        mut new: Value,
        metadata: Metadata,
    ) -> Result<(Applied, Value), ApiError> {
        let (r, key) = key_of(&new)?;
        defaults::apply(&mut new, self.version);
        let mut merged = merged(&old, &new, metadata);
        match *r {
            resources::STATEFUL_SET => self.statefulset_update(r, &key.name, &old, &merged)?,
            resources::SERVICE => service_update(r, &key.name, &old, &new, &mut merged)?,
            resources::PERSISTENT_VOLUME_CLAIM => claim_update(r, &key.name, &old, &mut merged)?,
            _ => {}
        }
        if without_server_fields(&old) == without_server_fields(&merged) {
            return Ok((Applied::Unchanged, old));
        }
        if *r == resources::STATEFUL_SET && old["spec"] != merged["spec"] {
            let g = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            metadata_mut(&mut merged).insert("generation".into(), json!(g));
        }
        let key = key_of(&merged)?.1;
        self.put(merged);
        Ok((Applied::Configured, self.objects[&key].clone()))
    }

    /// A set's update may change only what the version allows.
    fn statefulset_update(
        &self,
        r: &Resource,
        name: &str,
        old: &Value,
        merged: &Value,
    ) -> Result<(), ApiError> {
        let changes = update::statefulset_forbidden_changes(old, merged, self.version);
        if changes.is_empty() {
            return Ok(());
        }
        let detail = update::statefulset_forbidden_detail(self.version);
        Err(ApiError::invalid(
            r,
            name,
            &[format!("spec: Forbidden: {detail}")],
        ))
    }
}

/// Which metadata a write takes from the new object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metadata {
    /// Labels and annotations (`stsc apply` of a manifest, which names no finalizers or
    /// owners: those the cluster set stay).
    LabelsAndAnnotations,
    /// Every field a client may set: also owner references and finalizers (an update).
    User,
}

impl Metadata {
    fn fields(self) -> &'static [&'static str] {
        match self {
            Metadata::LabelsAndAnnotations => &["labels", "annotations"],
            Metadata::User => &[
                "labels",
                "annotations",
                "ownerReferences",
                "finalizers",
                "managedFields",
            ],
        }
    }
}

/// The stored object with the new one's user fields: every top-level field but metadata and
/// status replaced (or dropped when the new object lacks it, spec aside), and the metadata
/// fields `metadata` names.
fn merged(old: &Value, new: &Value, metadata: Metadata) -> Value {
    let mut merged = old.clone();
    let m = obj_mut(&mut merged);
    for (k, v) in new.as_object().into_iter().flatten() {
        if !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind") {
            m.insert(k.clone(), v.clone());
        }
    }
    m.retain(|k, _| {
        matches!(
            k.as_str(),
            "metadata" | "status" | "apiVersion" | "kind" | "spec"
        ) || new.get(k.as_str()).is_some()
    });
    for &field in metadata.fields() {
        let v = new["metadata"][field].clone();
        let m = metadata_mut(&mut merged);
        if v.is_null() {
            m.remove(field);
        } else {
            m.insert(field.into(), v);
        }
    }
    merged
}

/// A Service keeps its allocated addresses (an empty clusterIP keeps the stored one; another
/// one is refused) and node ports.
fn service_update(
    r: &Resource,
    name: &str,
    old: &Value,
    new: &Value,
    merged: &mut Value,
) -> Result<(), ApiError> {
    let stored = Service::of(old);
    let new_ip = Service::of(new).spec.cluster_ip.unwrap_or("");
    let old_ip = stored.spec.cluster_ip.unwrap_or("");
    if !new_ip.is_empty() && new_ip != old_ip {
        return Err(ApiError::invalid(
            r,
            name,
            &[format!(
                "spec.clusterIPs[0]: Invalid value: [\"{new_ip}\"]: may not change once set"
            )],
        ));
    }
    let spec = obj_mut(obj_mut(merged).entry("spec").or_insert_with(|| json!({})));
    for f in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        if let Some(v) = old["spec"].get(f) {
            spec.insert(f.into(), v.clone());
        }
    }
    // Node ports stay with the port (number and protocol) they were allocated to.
    let allocated = |port: &serde_json::Map<String, Value>| {
        let number = port.get("port").and_then(Value::as_i64);
        let protocol = port
            .get("protocol")
            .and_then(Value::as_str)
            .unwrap_or("TCP");
        stored.spec.ports.iter().find_map(|q| {
            (number == Some(i64::from(q.port)) && q.protocol() == protocol)
                .then_some(q.node_port)
                .flatten()
        })
    };
    if let Some(Value::Array(ports)) = spec.get_mut("ports") {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(np) = allocated(p) {
                p.entry("nodePort").or_insert(json!(np));
            }
        }
    }
    Ok(())
}

/// Claims are immutable except for a storage increase; the bound volume stays.
fn claim_update(r: &Resource, name: &str, old: &Value, merged: &mut Value) -> Result<(), ApiError> {
    let comparable = |spec: &Value| {
        let mut spec = spec.clone();
        if let Some(m) = spec.as_object_mut() {
            m.remove("resources");
            m.remove("volumeName");
        }
        spec
    };
    if comparable(&old["spec"]) != comparable(&merged["spec"]) {
        return Err(ApiError::invalid(
            r,
            name,
            &["spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims".into()],
        ));
    }
    if let Some(v) = old["spec"].get("volumeName") {
        obj_mut(obj_mut(merged).entry("spec").or_insert_with(|| json!({})))
            .insert("volumeName".into(), v.clone());
    }
    Ok(())
}

/// The object without what the server sets (status, resourceVersion, generation): equal
/// before and after means the apply changes nothing.
fn without_server_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("status");
        if let Some(md) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            md.remove("resourceVersion");
            md.remove("generation");
        }
    }
    v
}
