//! `stsc apply` as library calls: manifests given with `-f` are checked as the API server
//! checks them; then what a spec needs but does not bring (its StorageClasses, its namespace) is
//! made, and every object is applied in order, each reported in kubectl's words.

use serde_json::{json, Value};

use crate::k8s::object::meta_str;
use crate::k8s::resources;
use crate::k8s::version::KubeVersion;
use crate::runtime::api_server::{key_of, ApiError, ApiServer};
use crate::runtime::session::PROVISIONER;

/// What checking manifests found: warnings to show, and the first refusal.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ManifestCheck {
    /// `Warning: …` lines, in order.
    pub warnings: Vec<String>,
    /// Why the API server would refuse an object (`error: …` or `The … is invalid: …`).
    pub refused: Option<String>,
}

/// Check manifests given with `-f` as the API server would: a kind the runtime serves, the
/// strict schema of the version, then the API rules (names, selectors, ports, the pod rules).
pub fn check_manifests(objects: &[Value], version: KubeVersion) -> ManifestCheck {
    let checking = crate::validate::Checking::for_objects(objects.len());
    let schemas = crate::validate::Schemas::new(version, checking);
    let mut check = ManifestCheck::default();
    for o in objects {
        let kind = o["kind"].as_str().unwrap_or("");
        if !crate::validate::has_schema(o) {
            check.refused = Some(format!(
                "error: stsc's runtime does not run {} objects ({:?}): it runs StatefulSet, Service, ServiceAccount, ClusterRole, ClusterRoleBinding, StorageClass and Namespace; apply the rest to a real cluster",
                if kind.is_empty() { "kind-less" } else { kind },
                meta_str(o, "name")
            ));
            return check;
        }
        if let Some(v) = schemas.validate(o).into_iter().next() {
            check.refused = Some(format!(
                "error: {kind} {:?} is invalid: {}",
                meta_str(o, "name"),
                v.message
            ));
            return check;
        }
        let mu = &o["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"];
        if kind == "StatefulSet" && !mu.is_null() && !version.max_unavailable_statefulset() {
            check.warnings.push(format!(
                "Warning: StatefulSet {:?}: spec.updateStrategy.rollingUpdate.maxUnavailable is dropped: the MaxUnavailableStatefulSet feature gate is off by default on {version}",
                meta_str(o, "name")
            ));
        }
    }
    let refs: Vec<&Value> = objects.iter().collect();
    if let Some((i, v)) = crate::validate::first_refused(&refs, version) {
        let o = &objects[i];
        check.refused = Some(format!(
            "The {} {:?} is invalid: {}",
            o["kind"].as_str().unwrap_or(""),
            meta_str(o, "name"),
            v.message
        ));
    }
    check
}

/// Apply `objects` in order; the first `from_specs` came from specs and get what a spec implies:
/// the StorageClasses their claims name and their namespace, made when missing (the seed's
/// "create storageclass if needed"; manifests get no such help, as on a real cluster). Returns
/// kubectl's lines (`statefulset.apps/web created`).
///
/// # Errors
/// The first object the API server refuses; the caller commits nothing.
pub fn apply_objects(
    api: &mut ApiServer,
    objects: Vec<Value>,
    from_specs: usize,
) -> Result<String, ApiError> {
    let mut printed = String::new();
    make_storage_classes(api, &objects, from_specs, &mut printed);
    make_namespaces(api, &objects[..from_specs], &mut printed);
    for o in objects {
        let (r, _) = key_of(&o)?;
        let name = meta_str(&o, "name").to_string();
        let (what, _) = api.apply(o)?;
        printed.push_str(&format!("{}/{name} {}\n", r.prefix(), what.as_str()));
    }
    Ok(printed)
}

/// The classes the specs' claim templates name that neither exist nor are among `objects`.
fn make_storage_classes(
    api: &mut ApiServer,
    objects: &[Value],
    from_specs: usize,
    printed: &mut String,
) {
    for o in &objects[..from_specs] {
        let templates = o["spec"]["volumeClaimTemplates"].as_array();
        for ct in templates.into_iter().flatten() {
            let Some(class) = ct["spec"]["storageClassName"].as_str() else {
                continue;
            };
            let given = objects
                .iter()
                .any(|x| x["kind"] == "StorageClass" && meta_str(x, "name") == class);
            if given || api.get(&resources::STORAGE_CLASS, "", class).is_some() {
                continue;
            }
            let made = api.create(json!({
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": class}, "provisioner": PROVISIONER,
                "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
            }));
            if made.is_ok() {
                printed.push_str(&format!("storageclass.storage.k8s.io/{class} created\n"));
            }
        }
    }
}

/// A spec says where its app lives, so its namespace is made; manifests must bring their
/// Namespace (or use an existing one), as on a real cluster.
fn make_namespaces(api: &mut ApiServer, from_specs: &[Value], printed: &mut String) {
    let mut made: Vec<String> = Vec::new();
    for o in from_specs {
        let ns = meta_str(o, "namespace");
        if ns.is_empty() || api.namespace_exists(ns) || made.iter().any(|m| m == ns) {
            continue;
        }
        let created = api.create(json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns},
        }));
        if created.is_ok() {
            printed.push_str(&format!("namespace/{ns} created\n"));
            made.push(ns.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::store::Meta;

    fn api() -> ApiServer {
        ApiServer::new(Default::default(), Meta::default(), 0, KubeVersion::NEWEST)
    }

    fn set(class: &str, ns: &str) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "namespace": ns},
            "spec": {
                "replicas": 1, "serviceName": "web",
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "c", "image": "i"}]}},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                    "storageClassName": class, "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}}}}],
            },
        })
    }

    #[test]
    fn a_spec_gets_its_class_and_namespace_and_manifests_do_not() {
        let mut a = api();
        let out = apply_objects(&mut a, vec![set("fast", "shop")], 1).unwrap();
        assert_eq!(
            out,
            "storageclass.storage.k8s.io/fast created\nnamespace/shop created\nstatefulset.apps/web created\n"
        );
        let mut b = api();
        let out = apply_objects(&mut b, vec![set("slow", "default")], 0).unwrap();
        assert_eq!(out, "statefulset.apps/web created\n");
        assert!(b.get(&resources::STORAGE_CLASS, "", "slow").is_none());
    }

    #[test]
    fn manifests_of_kinds_the_runtime_does_not_run_are_refused() {
        let check = check_manifests(
            &[json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}})],
            KubeVersion::NEWEST,
        );
        assert!(check
            .refused
            .unwrap()
            .starts_with("error: stsc's runtime does not run Job objects (\"j\")"));
    }

    #[test]
    fn max_unavailable_warns_where_its_gate_is_off() {
        let mut s = set("fast", "default");
        s["spec"]["updateStrategy"] =
            json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}});
        let check = check_manifests(&[s], KubeVersion { minor: 30 });
        assert_eq!(check.warnings.len(), 1, "{check:?}");
        assert!(check.warnings[0].contains("MaxUnavailableStatefulSet"));
    }
}
