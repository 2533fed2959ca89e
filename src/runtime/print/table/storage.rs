//! Printers of the storage kinds: PersistentVolumes, their claims, StorageClasses.

use serde_json::Value;

use super::{age, col, Column, Context, Printer, NAME};
use crate::k8s::object::ObjectMeta;
use crate::k8s::storage::{class_of, PersistentVolume, PersistentVolumeClaim, StorageClass};

/// `PersistentVolume`.
pub(super) const PERSISTENT_VOLUME: Printer = Printer {
    columns: persistent_volume_columns,
    cells: persistent_volume_cells,
};

fn persistent_volume_columns(cx: &Context) -> Vec<Column> {
    let vac = cx.vac;
    let mut c = vec![
        NAME,
        col("Capacity", 0),
        col("Access Modes", 0),
        col("Reclaim Policy", 0),
        col("Status", 0),
        col("Claim", 0),
        col("StorageClass", 0),
    ];
    if vac {
        c.push(col("VolumeAttributesClass", 0));
    }
    c.extend([col("Reason", 0), col("Age", 0), col("VolumeMode", 1)]);
    c
}

fn persistent_volume_cells(o: &Value, cx: &Context) -> Vec<String> {
    let pv = PersistentVolume::of(o);
    let spec = &pv.spec;
    let claim = match spec.claim_ref.as_ref() {
        Some(r) if r.namespace.is_empty() => r.name.to_string(),
        Some(r) => format!("{}/{}", r.namespace, r.name),
        None => String::new(),
    };
    let mut c = vec![
        pv.metadata.name.to_string(),
        spec.capacity.as_str().to_string(),
        access_modes(&spec.access_modes),
        spec.persistent_volume_reclaim_policy
            .unwrap_or("")
            .to_string(),
        phase_or_terminating(&pv.metadata, pv.status.phase),
        claim,
        class_of(&pv.metadata, spec.storage_class_name).to_string(),
    ];
    if cx.vac {
        c.push(or_unset(spec.volume_attributes_class_name));
    }
    c.extend([
        pv.status.reason.unwrap_or("").to_string(),
        age(o, cx.now),
        or_unset(spec.volume_mode),
    ]);
    c
}

/// `PersistentVolumeClaim`.
pub(super) const PERSISTENT_VOLUME_CLAIM: Printer = Printer {
    columns: persistent_volume_claim_columns,
    cells: persistent_volume_claim_cells,
};

fn persistent_volume_claim_columns(cx: &Context) -> Vec<Column> {
    let vac = cx.vac;
    let mut c = vec![
        NAME,
        col("Status", 0),
        col("Volume", 0),
        col("Capacity", 0),
        col("Access Modes", 0),
        col("StorageClass", 0),
    ];
    if vac {
        c.push(col("VolumeAttributesClass", 0));
    }
    c.extend([col("Age", 0), col("VolumeMode", 1)]);
    c
}

fn persistent_volume_claim_cells(o: &Value, cx: &Context) -> Vec<String> {
    let pvc = PersistentVolumeClaim::of(o);
    let (spec, status) = (&pvc.spec, &pvc.status);
    let bound = spec.volume_name.is_some_and(|v| !v.is_empty());
    let only_bound = |s: String| if bound { s } else { String::new() };
    let mut c = vec![
        pvc.metadata.name.to_string(),
        phase_or_terminating(&pvc.metadata, status.phase),
        spec.volume_name.unwrap_or("").to_string(),
        only_bound(status.capacity.as_str().to_string()),
        only_bound(access_modes(&status.access_modes)),
        class_of(&pvc.metadata, spec.storage_class_name).to_string(),
    ];
    if cx.vac {
        c.push(or_unset(spec.volume_attributes_class_name));
    }
    c.extend([age(o, cx.now), or_unset(spec.volume_mode)]);
    c
}

/// `StorageClass`.
pub(super) const STORAGE_CLASS: Printer = Printer {
    columns: storage_class_columns,
    cells: storage_class_cells,
};

fn storage_class_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Provisioner", 0),
        col("ReclaimPolicy", 0),
        col("VolumeBindingMode", 0),
        col("AllowVolumeExpansion", 0),
        col("Age", 0),
    ]
}

fn storage_class_cells(o: &Value, cx: &Context) -> Vec<String> {
    let sc = StorageClass::of(o);
    let name = sc.metadata.name;
    vec![
        if sc.is_default() {
            format!("{name} (default)")
        } else {
            name.to_string()
        },
        sc.provisioner.to_string(),
        sc.reclaim_policy.unwrap_or("Delete").to_string(),
        sc.volume_binding_mode.unwrap_or("Immediate").to_string(),
        sc.allow_volume_expansion.to_string(),
        age(o, cx.now),
    ]
}

/// ACCESS MODES: the short forms, in kubectl's order.
fn access_modes(modes: &[&str]) -> String {
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(long, _)| modes.contains(long))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// A field, or `<unset>`.
fn or_unset(v: Option<&str>) -> String {
    v.unwrap_or("<unset>").to_string()
}

/// STATUS of volumes and claims: the phase, or `Terminating` once deletion started.
fn phase_or_terminating(meta: &ObjectMeta<'_>, phase: Option<&str>) -> String {
    if meta.deletion_timestamp.is_some() {
        "Terminating".into()
    } else {
        phase.unwrap_or("").to_string()
    }
}
