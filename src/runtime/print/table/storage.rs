//! Printers of the storage kinds: PersistentVolumes, their claims, StorageClasses.

use serde_json::Value;

use super::{age, col, Column, Context, Printer, NAME};
use crate::k8s::object::meta_str;

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
    let name = meta_str(o, "name").to_string();
    let spec = &o["spec"];
    let status = &o["status"];
    let now = cx.now;
    let vac = cx.vac;
    let claim = match (
        spec["claimRef"]["namespace"].as_str(),
        spec["claimRef"]["name"].as_str(),
    ) {
        (Some(ns), Some(n)) => format!("{ns}/{n}"),
        (None, Some(n)) => n.to_string(),
        _ => String::new(),
    };
    let phase = phase_or_terminating(o);
    let mut c = vec![
        name,
        spec["capacity"]["storage"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        access_modes(&spec["accessModes"]),
        spec["persistentVolumeReclaimPolicy"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        phase,
        claim,
        storage_class(o),
    ];
    if vac {
        c.push(or_unset(&spec["volumeAttributesClassName"]));
    }
    c.extend([
        status["reason"].as_str().unwrap_or("").to_string(),
        age(o, now),
        or_unset(&spec["volumeMode"]),
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
    let name = meta_str(o, "name").to_string();
    let spec = &o["spec"];
    let status = &o["status"];
    let now = cx.now;
    let vac = cx.vac;
    let bound = spec["volumeName"].as_str().is_some_and(|v| !v.is_empty());
    let phase = phase_or_terminating(o);
    let mut c = vec![
        name,
        phase,
        spec["volumeName"].as_str().unwrap_or("").to_string(),
        if bound {
            status["capacity"]["storage"]
                .as_str()
                .unwrap_or("")
                .to_string()
        } else {
            String::new()
        },
        if bound {
            access_modes(&status["accessModes"])
        } else {
            String::new()
        },
        storage_class(o),
    ];
    if vac {
        c.push(or_unset(&spec["volumeAttributesClassName"]));
    }
    c.extend([age(o, now), or_unset(&spec["volumeMode"])]);
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
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
    let a = &o["metadata"]["annotations"];
    let default = a["storageclass.kubernetes.io/is-default-class"] == "true"
        || a["storageclass.beta.kubernetes.io/is-default-class"] == "true";
    vec![
        if default {
            format!("{name} (default)")
        } else {
            name
        },
        o["provisioner"].as_str().unwrap_or("").to_string(),
        o["reclaimPolicy"].as_str().unwrap_or("Delete").to_string(),
        o["volumeBindingMode"]
            .as_str()
            .unwrap_or("Immediate")
            .to_string(),
        (o["allowVolumeExpansion"] == true).to_string(),
        age(o, now),
    ]
}

fn access_modes(v: &Value) -> String {
    let modes: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
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

fn storage_class(o: &Value) -> String {
    o["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]
        .as_str()
        .or_else(|| o["spec"]["storageClassName"].as_str())
        .unwrap_or("")
        .to_string()
}

/// A string field, or `<unset>`.
fn or_unset(v: &Value) -> String {
    v.as_str().unwrap_or("<unset>").to_string()
}

/// STATUS of volumes and claims: the phase, or `Terminating` once deletion started.
fn phase_or_terminating(o: &Value) -> String {
    if o["metadata"]["deletionTimestamp"].is_null() {
        o["status"]["phase"].as_str().unwrap_or("").to_string()
    } else {
        "Terminating".into()
    }
}
