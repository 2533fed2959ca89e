//! The storage kinds as the provisioner, the kubelet and the printers read them: claims and
//! volumes (k8s.io/api `core/v1`) and StorageClasses (`storage/v1`), as typed views borrowed
//! from the stored JSON (the fields used; every other field stays in the JSON untouched), and
//! the volume a provisioner makes, as a typed value.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::object::{view, ObjectMeta};

/// A PersistentVolumeClaim.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersistentVolumeClaim<'a> {
    /// `metadata`.
    #[serde(borrow)]
    pub metadata: ObjectMeta<'a>,
    /// `spec`.
    #[serde(borrow)]
    pub spec: ClaimSpec<'a>,
    /// `status`.
    #[serde(borrow)]
    pub status: StorageStatus<'a>,
}

/// A claim's spec.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClaimSpec<'a> {
    /// The class to provision from (absent: the default class).
    #[serde(borrow)]
    pub storage_class_name: Option<&'a str>,
    /// `ReadWriteOnce`, …
    #[serde(borrow)]
    pub access_modes: Vec<&'a str>,
    /// `resources.requests.storage` and the rest.
    pub resources: Resources,
    /// `Filesystem` or `Block`.
    #[serde(borrow)]
    pub volume_mode: Option<&'a str>,
    /// The volume it is bound to.
    #[serde(borrow)]
    pub volume_name: Option<&'a str>,
    /// Its VolumeAttributesClass (1.29+).
    #[serde(borrow)]
    pub volume_attributes_class_name: Option<&'a str>,
}

/// Resource requests.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Resources {
    /// `requests`.
    pub requests: Storage,
}

/// A `storage` quantity, kept as given (a string, or a number a client sent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Storage {
    /// The quantity (`1Gi`).
    pub storage: Value,
}

impl Storage {
    /// The quantity as written ("" when it is not a string).
    pub fn as_str(&self) -> &str {
        self.storage.as_str().unwrap_or("")
    }
}

/// The storage class a claim or volume names: the beta annotation first, as kubectl reads it.
pub fn class_of<'a>(meta: &ObjectMeta<'a>, field: Option<&'a str>) -> &'a str {
    meta.annotations
        .get("volume.beta.kubernetes.io/storage-class")
        .copied()
        .or(field)
        .unwrap_or("")
}

/// A claim's or a volume's status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StorageStatus<'a> {
    /// `Pending`, `Bound` or `Lost` (a volume: `Available`, `Bound`, `Released`, `Failed`).
    #[serde(borrow)]
    pub phase: Option<&'a str>,
    /// Why a volume failed.
    #[serde(borrow)]
    pub reason: Option<&'a str>,
    /// A bound claim's access modes.
    #[serde(borrow)]
    pub access_modes: Vec<&'a str>,
    /// A bound claim's capacity.
    pub capacity: Storage,
}

impl<'a> PersistentVolumeClaim<'a> {
    /// The view of a stored claim ([`view`]).
    pub fn of(v: &'a Value) -> Self {
        view(v)
    }

    /// Whether it is Pending (waiting for a volume).
    pub fn pending(&self) -> bool {
        self.status.phase == Some("Pending")
    }

    /// Whether it is Bound.
    pub fn bound(&self) -> bool {
        self.status.phase == Some("Bound")
    }
}

/// A PersistentVolume.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PersistentVolume<'a> {
    /// `metadata`.
    #[serde(borrow)]
    pub metadata: ObjectMeta<'a>,
    /// `spec`.
    #[serde(borrow)]
    pub spec: VolumeSpec<'a>,
    /// `status`.
    #[serde(borrow)]
    pub status: StorageStatus<'a>,
}

/// A volume's spec, as far as it is read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct VolumeSpec<'a> {
    /// The claim it is bound to.
    #[serde(borrow)]
    pub claim_ref: Option<ClaimRef<'a>>,
    /// `Delete` or `Retain`: what happens when its claim goes.
    #[serde(borrow)]
    pub persistent_volume_reclaim_policy: Option<&'a str>,
    /// Its size.
    pub capacity: Storage,
    /// `ReadWriteOnce`, …
    #[serde(borrow)]
    pub access_modes: Vec<&'a str>,
    /// Its class.
    #[serde(borrow)]
    pub storage_class_name: Option<&'a str>,
    /// Its VolumeAttributesClass (1.29+).
    #[serde(borrow)]
    pub volume_attributes_class_name: Option<&'a str>,
    /// `Filesystem` or `Block`.
    #[serde(borrow)]
    pub volume_mode: Option<&'a str>,
}

impl<'a> PersistentVolume<'a> {
    /// The view of a stored volume.
    pub fn of(v: &'a Value) -> Self {
        view(v)
    }

    /// The uid of the claim it is bound to.
    pub fn claim_uid(&self) -> Option<&'a str> {
        self.spec.claim_ref.as_ref().map(|c| c.uid)
    }
}

/// A volume's reference to its claim.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ClaimRef<'a> {
    /// `v1`.
    pub api_version: &'a str,
    /// `PersistentVolumeClaim`.
    pub kind: &'a str,
    /// The claim's name.
    pub name: &'a str,
    /// The claim's namespace.
    pub namespace: &'a str,
    /// The claim's uid.
    pub uid: &'a str,
    /// The claim's resourceVersion when it was bound.
    pub resource_version: &'a str,
}

/// A StorageClass.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StorageClass<'a> {
    /// `metadata`.
    #[serde(borrow)]
    pub metadata: ObjectMeta<'a>,
    /// Who makes its volumes (`rancher.io/local-path`).
    pub provisioner: &'a str,
    /// What its volumes' reclaim policy is (absent: `Delete`).
    #[serde(borrow)]
    pub reclaim_policy: Option<&'a str>,
    /// `Immediate` (absent) or `WaitForFirstConsumer`.
    #[serde(borrow)]
    pub volume_binding_mode: Option<&'a str>,
    /// Whether claims may grow.
    pub allow_volume_expansion: bool,
}

impl<'a> StorageClass<'a> {
    /// The view of a stored class.
    pub fn of(v: &'a Value) -> Self {
        view(v)
    }

    /// Whether it is the default class (the GA annotation or the beta one).
    pub fn is_default(&self) -> bool {
        let a = &self.metadata.annotations;
        [
            "storageclass.kubernetes.io/is-default-class",
            "storageclass.beta.kubernetes.io/is-default-class",
        ]
        .iter()
        .any(|k| a.get(k) == Some(&"true"))
    }
}

/// The volume a class's provisioner makes for a claim, bound to it (the fields a CSI
/// provisioner sets).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVolume<'a> {
    /// `v1`.
    pub api_version: &'static str,
    /// `PersistentVolume`.
    pub kind: &'static str,
    /// Its name and the provisioner's annotation.
    pub metadata: NewVolumeMeta<'a>,
    /// Its spec.
    pub spec: NewVolumeSpec<'a>,
    /// `{phase: Bound}`.
    pub status: Phase,
}

/// A new volume's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct NewVolumeMeta<'a> {
    /// `pvc-<claim uid>`.
    pub name: String,
    /// `pv.kubernetes.io/provisioned-by`.
    pub annotations: std::collections::BTreeMap<&'static str, &'a str>,
}

/// A new volume's spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewVolumeSpec<'a> {
    /// The claim's access modes.
    pub access_modes: Vec<&'a str>,
    /// The claim's request.
    pub capacity: Storage,
    /// The claim it is bound to.
    pub claim_ref: ClaimRef<'a>,
    /// The class's policy.
    pub persistent_volume_reclaim_policy: &'a str,
    /// The class.
    pub storage_class_name: &'a str,
    /// The claim's mode.
    pub volume_mode: &'a str,
    /// The driver's handle.
    pub csi: Csi<'a>,
}

/// A CSI volume source.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Csi<'a> {
    /// The provisioner.
    pub driver: &'a str,
    /// The volume's name.
    pub volume_handle: &'a str,
    /// `ext4`.
    pub fs_type: &'static str,
}

/// A `status` with only a phase.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// `Bound`, `Released`, …
    pub phase: &'static str,
}

impl<'a> NewVolume<'a> {
    /// The volume `name` that `class` (served by `sc`) makes for a claim.
    pub fn for_claim(
        pvc: &'a PersistentVolumeClaim<'a>,
        sc: &'a StorageClass<'a>,
        class: &'a str,
        name: &'a str,
    ) -> Self {
        let meta = &pvc.metadata;
        NewVolume {
            api_version: "v1",
            kind: "PersistentVolume",
            metadata: NewVolumeMeta {
                name: name.to_string(),
                annotations: [("pv.kubernetes.io/provisioned-by", sc.provisioner)].into(),
            },
            spec: NewVolumeSpec {
                access_modes: pvc.spec.access_modes.clone(),
                capacity: pvc.spec.resources.requests.clone(),
                claim_ref: ClaimRef {
                    api_version: "v1",
                    kind: "PersistentVolumeClaim",
                    name: meta.name,
                    namespace: meta.namespace,
                    uid: meta.uid,
                    resource_version: meta.resource_version,
                },
                persistent_volume_reclaim_policy: sc.reclaim_policy.unwrap_or("Delete"),
                storage_class_name: class,
                volume_mode: pvc.spec.volume_mode.unwrap_or("Filesystem"),
                csi: Csi {
                    driver: sc.provisioner,
                    volume_handle: name,
                    fs_type: "ext4",
                },
            },
            status: Phase { phase: "Bound" },
        }
    }

    /// The volume as stored JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a volume serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_provisioned_volume_copies_its_claim_and_class() {
        let claim = json!({
            "metadata": {"name": "www-web-0", "namespace": "default", "uid": "u1",
                         "resourceVersion": "7"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
            "status": {"phase": "Pending"},
        });
        let class = json!({"metadata": {"name": "standard", "annotations":
            {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "p.io"});
        let (pvc, sc) = (PersistentVolumeClaim::of(&claim), StorageClass::of(&class));
        assert!(pvc.pending() && sc.is_default());
        let pv = NewVolume::for_claim(&pvc, &sc, "standard", "pvc-u1").to_value();
        assert_eq!(
            pv,
            json!({
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": "pvc-u1", "annotations": {"pv.kubernetes.io/provisioned-by": "p.io"}},
                "spec": {
                    "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
                    "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                 "name": "www-web-0", "namespace": "default", "uid": "u1",
                                 "resourceVersion": "7"},
                    "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                    "volumeMode": "Filesystem",
                    "csi": {"driver": "p.io", "volumeHandle": "pvc-u1", "fsType": "ext4"},
                },
                "status": {"phase": "Bound"},
            })
        );
        assert_eq!(PersistentVolume::of(&pv).claim_uid(), Some("u1"));
    }
}
