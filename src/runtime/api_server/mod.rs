//! The cluster's objects in memory and the API server's rules for writing them: metadata (uid,
//! resourceVersion, generation, creationTimestamp), defaults, validation of updates, deletion
//! with finalizers and cascades. Controllers read snapshots of it and write through it.

mod apply;
mod error;
mod events;
pub mod managed;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::store::{Key, Meta};
use crate::k8s::defaults;
use crate::k8s::object::{add_finalizer, meta_str, metadata_mut, obj_mut, owner_refs};
use crate::k8s::resources::{self, Resource};
use crate::k8s::version::KubeVersion;
use crate::runtime::print::time::format_rfc3339;
pub use error::ApiError;

/// What `apply` did to one object (kubectl prints `service/nginx created`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// New object.
    Created,
    /// Changed.
    Configured,
    /// Already as given.
    Unchanged,
}

impl Applied {
    /// The word kubectl prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Created => "created",
            Applied::Configured => "configured",
            Applied::Unchanged => "unchanged",
        }
    }
}

/// How dependents go when their owner is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cascade {
    /// The garbage collector deletes dependents after the owner is gone (kubectl's default).
    Background,
    /// Dependents stay; their owner references to the deleted object are removed.
    Orphan,
}

/// The objects of one state folder, with the counters, the pending changes and the clock.
#[derive(Debug)]
pub struct ApiServer {
    objects: BTreeMap<Key, Value>,
    /// Counters (resourceVersion, addresses, uid seed).
    pub meta: Meta,
    /// Keys written or removed since the last commit (read back from `objects` to commit, so
    /// an object changed many times between commits is serialized once).
    pending: std::collections::BTreeSet<Key>,
    /// Current time, seconds since the epoch.
    pub now: i64,
    /// The Kubernetes version whose behaviour is simulated.
    pub version: KubeVersion,
    /// Event lines written during this command (`create Pod web-2 in StatefulSet web successful`).
    pub log: Vec<String>,
    /// Every write and removal, in order: controllers keep a cursor into it, as informers
    /// would, and `stsc serve` turns it into watch events.
    pub changes: Vec<Change>,
    /// Events by (involved uid, reason, message), built on first use.
    event_index: Option<std::collections::HashMap<(String, String, String), Key>>,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The object written or removed.
    pub key: Key,
    /// What happened to it.
    pub kind: ChangeKind,
}

/// What a change did.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    /// The object was created.
    Added,
    /// The object was written over.
    Modified,
    /// The object was removed; this is how it was (a watch's DELETED event carries it).
    Deleted(Box<Value>),
}

impl Change {
    /// The uid of a removed object.
    pub fn removed_uid(&self) -> Option<&str> {
        match &self.kind {
            ChangeKind::Deleted(o) => Some(meta_str(o, "uid")),
            _ => None,
        }
    }
}

/// The object's key, resolving its kind.
pub fn key_of(o: &Value) -> Result<(&'static Resource, Key), ApiError> {
    let kind = o["kind"].as_str().unwrap_or("");
    let r = resources::by_kind(kind).ok_or_else(|| {
        ApiError::bad_request(format!(
            "the server doesn't have a resource type for kind {kind:?} (stsc runs {})",
            resources::RESOURCES
                .iter()
                .filter(|r| !matches!(r.kind, "Event" | "ControllerRevision" | "EndpointSlice"))
                .map(|r| r.kind)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let name = meta_str(o, "name");
    if name.is_empty() {
        return Err(ApiError::invalid(
            r,
            "",
            &["metadata.name: Required value: name or generateName is required".into()],
        ));
    }
    let ns = if r.namespaced {
        match meta_str(o, "namespace") {
            "" => "default",
            ns => ns,
        }
    } else {
        ""
    };
    Ok((r, Key::new(r.plural, ns, name)))
}

impl ApiServer {
    /// A cluster from stored objects.
    pub fn new(objects: BTreeMap<Key, Value>, meta: Meta, now: i64, version: KubeVersion) -> Self {
        ApiServer {
            objects,
            meta,
            pending: std::collections::BTreeSet::new(),
            now,
            version,
            log: Vec::new(),
            changes: Vec::new(),
            event_index: None,
        }
    }

    /// Changes since the last [`Self::clear_pending`], to be committed: each key with its
    /// current object, or `None` when it was removed.
    pub fn pending(&self) -> impl Iterator<Item = (&Key, Option<&Value>)> {
        self.pending.iter().map(|k| (k, self.objects.get(k)))
    }

    /// Drop the first `n` entries of the change log (every reader has seen them).
    pub fn forget_changes(&mut self, n: usize) {
        self.changes.drain(..n.min(self.changes.len()));
    }

    /// Forget the pending changes (after they were committed).
    pub fn clear_pending(&mut self) {
        self.pending.clear();
    }

    /// How many keys changed since the last [`Self::clear_pending`].
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// One object.
    pub fn get(&self, r: &Resource, namespace: &str, name: &str) -> Option<&Value> {
        let ns = if r.namespaced { namespace } else { "" };
        self.objects.get(&Key::new(r.plural, ns, name))
    }

    /// One object by key.
    pub fn get_key(&self, k: &Key) -> Option<&Value> {
        self.objects.get(k)
    }

    /// Every object of a resource (all namespaces), in the API server's order.
    pub fn list(&self, r: &Resource) -> impl Iterator<Item = (&Key, &Value)> {
        let from = Key::new(r.plural, "", "");
        let plural = r.plural;
        self.objects
            .range(from..)
            .take_while(move |(k, _)| k.resource == plural)
    }

    /// Every object of a resource in one namespace.
    pub fn list_ns<'a>(
        &'a self,
        r: &Resource,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a Key, &'a Value)> {
        let from = Key::new(r.plural, namespace, "");
        let plural = r.plural;
        self.objects
            .range(from..)
            .take_while(move |(k, _)| k.resource == plural && k.namespace == namespace)
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are no objects.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    fn next_rv(&mut self) -> String {
        self.meta.resource_version += 1;
        self.meta.resource_version.to_string()
    }

    /// A fresh uid, shaped like the API server's (random v4).
    pub fn new_uid(&mut self) -> String {
        self.meta.resource_version += 1;
        let mut x = self.meta.uid_seed
            ^ self
                .meta
                .resource_version
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut next = || {
            // splitmix64
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let (a, b) = (next(), next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }

    /// Now as an RFC 3339 timestamp.
    pub fn timestamp(&self) -> String {
        format_rfc3339(self.now)
    }

    /// Store an object as is, bumping its resourceVersion (controllers' writes).
    pub fn put(&mut self, mut o: Value) {
        let Ok((_, key)) = key_of(&o) else { return };
        let rv = self.next_rv();
        metadata_mut(&mut o).insert("resourceVersion".into(), json!(rv));
        self.pending.insert(key.clone());
        let kind = if self.objects.contains_key(&key) {
            ChangeKind::Modified
        } else {
            ChangeKind::Added
        };
        self.changes.push(Change {
            key: key.clone(),
            kind,
        });
        self.objects.insert(key, o);
    }

    /// Replace an object's status in place (the status subresource), bumping its
    /// resourceVersion; nothing happens when the object is gone.
    pub fn put_status(&mut self, key: &Key, status: Value) {
        if !self.objects.contains_key(key) {
            return;
        }
        let rv = self.next_rv();
        if let Some(o) = self.objects.get_mut(key) {
            obj_mut(o).insert("status".into(), status);
            metadata_mut(o).insert("resourceVersion".into(), json!(rv));
        }
        self.pending.insert(key.clone());
        self.changes.push(Change {
            key: key.clone(),
            kind: ChangeKind::Modified,
        });
    }

    /// Remove an object now (after finalizers and grace periods).
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        let old = self.objects.remove(key)?;
        // A watch's DELETED event carries the object at the removal's resourceVersion.
        let mut gone = old.clone();
        let rv = self.next_rv();
        metadata_mut(&mut gone).insert("resourceVersion".into(), json!(rv));
        self.pending.insert(key.clone());
        self.changes.push(Change {
            key: key.clone(),
            kind: ChangeKind::Deleted(Box::new(gone)),
        });
        Some(old)
    }

    /// Whether objects may be created in `ns`: a built-in namespace (older states have no
    /// Namespace objects for them) or one that was created.
    pub fn namespace_exists(&self, ns: &str) -> bool {
        resources::BUILT_IN_NAMESPACES.contains(&ns)
            || self.get(&resources::NAMESPACE, "", ns).is_some()
    }

    /// Create an object as the API server does: namespace, uid, resourceVersion, generation,
    /// creationTimestamp, defaults, allocated addresses.
    ///
    /// # Errors
    /// `AlreadyExists`, or an unknown kind.
    pub fn create(&mut self, mut o: Value) -> Result<&Value, ApiError> {
        let (r, key) = key_of(&o)?;
        if self.objects.contains_key(&key) {
            return Err(ApiError::already_exists(r, &key.name));
        }
        if r.namespaced && !self.namespace_exists(&key.namespace) {
            let ns = &resources::NAMESPACE;
            return Err(ApiError::not_found(ns, &key.namespace));
        }
        defaults::apply(&mut o, self.version);
        let uid = self.new_uid();
        let now = self.timestamp();
        {
            let m = metadata_mut(&mut o);
            if r.namespaced {
                m.insert("namespace".into(), json!(key.namespace));
            } else {
                m.remove("namespace");
            }
            m.insert("uid".into(), json!(uid));
            m.insert("creationTimestamp".into(), json!(now));
            m.remove("deletionTimestamp");
            if *r == resources::STATEFUL_SET {
                m.insert("generation".into(), json!(1));
            }
        }
        obj_mut(&mut o).insert("apiVersion".into(), json!(r.api_version));
        match *r {
            resources::STATEFUL_SET => {
                obj_mut(&mut o).insert(
                    "status".into(),
                    json!({"replicas": 0, "availableReplicas": 0}),
                );
            }
            resources::SERVICE => self.allocate_service(&mut o),
            resources::PERSISTENT_VOLUME_CLAIM => {
                add_finalizer(&mut o, "kubernetes.io/pvc-protection");
                obj_mut(&mut o).insert("status".into(), json!({"phase": "Pending"}));
            }
            resources::PERSISTENT_VOLUME => add_finalizer(&mut o, "kubernetes.io/pv-protection"),
            // The API server labels every namespace with its name (1.21+) and finalizes it.
            resources::NAMESPACE => {
                let labels = metadata_mut(&mut o)
                    .entry("labels")
                    .or_insert_with(|| json!({}));
                if let Some(l) = labels.as_object_mut() {
                    l.insert("kubernetes.io/metadata.name".into(), json!(key.name));
                }
                obj_mut(&mut o).insert("spec".into(), json!({"finalizers": ["kubernetes"]}));
                obj_mut(&mut o).insert("status".into(), json!({"phase": "Active"}));
            }
            resources::POD if o["status"]["phase"].is_null() => {
                obj_mut(&mut o).insert("status".into(), json!({"phase": "Pending"}));
            }
            _ => {}
        }
        self.put(o);
        Ok(&self.objects[&key])
    }

    fn allocate_service(&mut self, o: &mut Value) {
        let spec = obj_mut(obj_mut(o).entry("spec").or_insert_with(|| json!({})));
        let ip = match spec.get("clusterIP").and_then(Value::as_str) {
            Some(ip) if !ip.is_empty() => ip.to_string(),
            _ => {
                self.meta.cluster_ips += 1;
                let n = self.meta.cluster_ips;
                format!("10.96.{}.{}", (n / 250) % 256, n % 250 + 1)
            }
        };
        spec.insert("clusterIP".into(), json!(ip));
        spec.insert("clusterIPs".into(), json!([ip]));
        spec.insert("ipFamilies".into(), json!(["IPv4"]));
        spec.entry("ipFamilyPolicy").or_insert(json!("SingleStack"));
        if spec.get("type").and_then(Value::as_str) == Some("LoadBalancer") {
            if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                for (i, p) in ports.iter_mut().enumerate() {
                    if let Some(p) = p.as_object_mut() {
                        let port = 30_000 + ((self.meta.cluster_ips * 7 + i as u64) % 2768);
                        p.entry("nodePort").or_insert(json!(port));
                    }
                }
            }
        }
        obj_mut(o).insert("status".into(), json!({"loadBalancer": {}}));
    }

    /// Set `spec.replicas` (the scale subresource).
    ///
    /// # Errors
    /// `NotFound`, or a negative count.
    pub fn scale(
        &mut self,
        r: &Resource,
        namespace: &str,
        name: &str,
        replicas: i32,
    ) -> Result<(), ApiError> {
        let Some(mut o) = self.get(r, namespace, name).cloned() else {
            return Err(ApiError::not_found(r, name));
        };
        if replicas < 0 {
            return Err(ApiError::invalid(
                r,
                name,
                &[format!(
                    "spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
                )],
            ));
        }
        if o["spec"]["replicas"] != json!(replicas) {
            obj_mut(obj_mut(&mut o).entry("spec").or_insert_with(|| json!({})))
                .insert("replicas".into(), json!(replicas));
            let g = o["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            metadata_mut(&mut o).insert("generation".into(), json!(g));
            self.put(o);
        }
        Ok(())
    }

    /// Delete an object: objects with finalizers (and pods, which terminate) get a
    /// deletionTimestamp; the rest go at once. `Orphan` strips owner references to it from its
    /// dependents; `Background` leaves them to the garbage collector.
    ///
    /// # Errors
    /// `NotFound`.
    pub fn delete(
        &mut self,
        r: &Resource,
        namespace: &str,
        name: &str,
        cascade: Cascade,
    ) -> Result<(), ApiError> {
        let ns = if r.namespaced { namespace } else { "" };
        let key = Key::new(r.plural, ns, name);
        let Some(o) = self.objects.get(&key).cloned() else {
            return Err(ApiError::not_found(r, name));
        };
        // The NamespaceLifecycle admission plugin keeps these.
        if *r == resources::NAMESPACE && matches!(name, "default" | "kube-system" | "kube-public") {
            return Err(ApiError {
                reason: "Forbidden",
                message: format!(
                    "namespaces {name:?} is forbidden: this namespace may not be deleted"
                ),
            });
        }
        let uid = meta_str(&o, "uid").to_string();
        if cascade == Cascade::Orphan {
            let dependents: Vec<Key> = self
                .objects
                .iter()
                .filter(|(_, d)| owner_refs(d).iter().any(|x| x.uid == uid))
                .map(|(k, _)| k.clone())
                .collect();
            for k in dependents {
                if let Some(mut d) = self.objects.get(&k).cloned() {
                    let m = metadata_mut(&mut d);
                    if let Some(Value::Array(refs)) = m.get_mut("ownerReferences") {
                        refs.retain(|x| x["uid"] != json!(uid));
                        if refs.is_empty() {
                            m.remove("ownerReferences");
                        }
                    }
                    self.put(d);
                }
            }
        }
        let has_finalizers = o["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if *r == resources::POD || has_finalizers {
            if o["metadata"]["deletionTimestamp"].is_null() {
                let mut o = o;
                let now = self.timestamp();
                metadata_mut(&mut o).insert("deletionTimestamp".into(), json!(now));
                if *r == resources::POD {
                    let grace = o["spec"]["terminationGracePeriodSeconds"]
                        .as_i64()
                        .unwrap_or(30);
                    metadata_mut(&mut o).insert("deletionGracePeriodSeconds".into(), json!(grace));
                }
                self.put(o);
            }
        } else {
            self.remove(&key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> ApiServer {
        ApiServer::new(
            BTreeMap::new(),
            Meta {
                uid_seed: 42,
                ..Meta::default()
            },
            1_700_000_000,
            KubeVersion::NEWEST,
        )
    }

    #[test]
    fn create_fills_metadata_and_refuses_duplicates() {
        let mut c = cluster();
        let o = c
            .create(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}))
            .unwrap()
            .clone();
        assert_eq!(o["metadata"]["namespace"], "default");
        assert_eq!(o["spec"]["clusterIPs"], json!(["None"]));
        assert_eq!(o["metadata"]["creationTimestamp"], "2023-11-14T22:13:20Z");
        let uid = o["metadata"]["uid"].as_str().unwrap();
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "4");
        let e = c.create(o).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Error from server (AlreadyExists): services \"nginx\" already exists"
        );
    }

    #[test]
    fn the_immortal_namespaces_may_not_be_deleted() {
        let mut c = cluster();
        c.create(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}),
        )
        .unwrap();
        let e = c
            .delete(
                &resources::NAMESPACE,
                "",
                "kube-system",
                Cascade::Background,
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Error from server (Forbidden): namespaces \"kube-system\" is forbidden: this namespace may not be deleted"
        );
    }

    #[test]
    fn apply_refuses_immutable_statefulset_changes() {
        let mut c = cluster();
        let set = |size: &str, replicas: i64| {
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "serviceName": "nginx", "selector": {"matchLabels": {"app": "nginx"}},
                "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}}]}})
        };
        assert_eq!(c.apply(set("1Gi", 2)).unwrap().0, Applied::Created);
        assert_eq!(c.apply(set("1Gi", 2)).unwrap().0, Applied::Unchanged);
        let (a, o) = c.apply(set("1Gi", 3)).unwrap();
        assert_eq!(
            (a, o["metadata"]["generation"].clone()),
            (Applied::Configured, json!(2))
        );
        let e = c.apply(set("2Gi", 3)).unwrap_err();
        assert_eq!(e.to_string(), "Error from server (Invalid): StatefulSet.apps \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    }
}
