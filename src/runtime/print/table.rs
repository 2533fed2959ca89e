//! `kubectl get` tables, in two halves as in Kubernetes (research: kubectl-and-api §1): the
//! server half turns objects into a `Table` (column definitions and cells, `printers.go`), the
//! client half lays tables out (`tableprinter.go`: tabwriter widths, kind prefixes, blank lines).
//! `stsc serve` can return the server half as `meta.k8s.io/v1` `Table` objects.

use serde_json::{json, Value};

use crate::k8s::object::meta_str;
use crate::k8s::resources::Resource;
use crate::k8s::version::KubeVersion;
use crate::runtime::print::time::{human_duration, parse_rfc3339};

/// One column definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Header as the server names it (`Access Modes`); printed upper-cased.
    pub name: &'static str,
    /// 0: always shown; 1: only with `-o wide`.
    pub priority: u8,
    /// `name` for the name column (kubectl prefixes it with the kind).
    pub format: &'static str,
}

/// One row: its cells and the object it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    /// Finished cells.
    pub cells: Vec<String>,
    /// The object.
    pub object: &'a Value,
}

/// A table for one resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'a> {
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows, in the server's order.
    pub rows: Vec<Row<'a>>,
}

const fn col(name: &'static str, priority: u8) -> Column {
    Column {
        name,
        priority,
        format: "",
    }
}

const NAME: Column = Column {
    name: "Name",
    priority: 0,
    format: "name",
};

fn age(o: &Value, now: i64) -> String {
    match o["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_rfc3339)
    {
        Some(t) => human_duration(now - t),
        None => "<unknown>".into(),
    }
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".into()
    } else {
        s
    }
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

fn labels_selector(v: &Value) -> String {
    let mut pairs: Vec<String> = v
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs.join(",")
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

fn num(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// The pod STATUS column (`printPod`), for the states the runtime produces.
pub fn pod_status(p: &Value) -> String {
    let mut reason = p["status"]["phase"].as_str().unwrap_or("").to_string();
    if let Some(r) = p["status"]["reason"].as_str().filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }
    let mut has_running = false;
    if let Some(cs) = p["status"]["containerStatuses"].as_array() {
        for c in cs.iter().rev() {
            if let Some(w) = c["state"]["waiting"]["reason"]
                .as_str()
                .filter(|r| !r.is_empty())
            {
                reason = w.to_string();
            } else if let Some(t) = c["state"].get("terminated") {
                reason = match t["reason"].as_str().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None if num(&t["signal"]) != 0 => format!("Signal:{}", num(&t["signal"])),
                    None => format!("ExitCode:{}", num(&t["exitCode"])),
                };
            } else if c["ready"] == true && !c["state"]["running"].is_null() {
                has_running = true;
            }
        }
    }
    if reason == "Completed" && has_running {
        let ready = crate::k8s::object::is_ready(p);
        reason = if ready {
            "Running".into()
        } else {
            "NotReady".into()
        };
    }
    if !p["metadata"]["deletionTimestamp"].is_null() {
        if p["status"]["reason"] == "NodeLost" {
            reason = "Unknown".into();
        } else if !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")) {
            reason = "Terminating".into();
        }
    }
    reason
}

/// Build the table of one resource type (the server half).
pub fn table<'a>(r: &Resource, objects: &[&'a Value], now: i64, version: KubeVersion) -> Table<'a> {
    let vac = version.volume_attributes_class();
    let columns: Vec<Column> = match r.kind {
        "StatefulSet" => vec![
            NAME,
            col("Ready", 0),
            col("Age", 0),
            col("Containers", 1),
            col("Images", 1),
        ],
        "Pod" => vec![
            NAME,
            col("Ready", 0),
            col("Status", 0),
            col("Restarts", 0),
            col("Age", 0),
            col("IP", 1),
            col("Node", 1),
            col("Nominated Node", 1),
            col("Readiness Gates", 1),
        ],
        "PersistentVolume" => {
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
        "PersistentVolumeClaim" => {
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
        "StorageClass" => vec![
            NAME,
            col("Provisioner", 0),
            col("ReclaimPolicy", 0),
            col("VolumeBindingMode", 0),
            col("AllowVolumeExpansion", 0),
            col("Age", 0),
        ],
        "Service" => vec![
            NAME,
            col("Type", 0),
            col("Cluster-IP", 0),
            col("External-IP", 0),
            col("Port(s)", 0),
            col("Age", 0),
            col("Selector", 1),
        ],
        "Endpoints" => vec![NAME, col("Endpoints", 0), col("Age", 0)],
        "Namespace" => vec![NAME, col("Status", 0), col("Age", 0)],
        "ServiceAccount" => vec![NAME, col("Secrets", 0), col("Age", 0)],
        "ClusterRole" | "Role" => vec![NAME, col("Created At", 0)],
        "ConfigMap" => vec![NAME, col("Data", 0), col("Age", 0)],
        "PodDisruptionBudget" => vec![
            NAME,
            col("Min Available", 0),
            col("Max Unavailable", 0),
            col("Allowed Disruptions", 0),
            col("Age", 0),
        ],
        "NetworkPolicy" => vec![NAME, col("Pod-Selector", 0), col("Age", 0)],
        "ClusterRoleBinding" | "RoleBinding" => vec![
            NAME,
            col("Role", 0),
            col("Age", 0),
            col("Users", 1),
            col("Groups", 1),
            col("ServiceAccounts", 1),
        ],
        "ControllerRevision" => vec![
            NAME,
            col("Controller", 0),
            col("Revision", 0),
            col("Age", 0),
        ],
        "Event" => vec![
            col("Last Seen", 0),
            col("Type", 0),
            col("Reason", 0),
            col("Object", 0),
            col("Message", 0),
        ],
        _ => vec![NAME, col("Age", 0)],
    };
    let rows = objects
        .iter()
        .map(|o| Row {
            cells: cells(r, o, now, vac),
            object: o,
        })
        .collect();
    Table { columns, rows }
}

/// Cells of the kinds that carry configuration or policy (kubectl's printers for ConfigMaps,
/// PodDisruptionBudgets and NetworkPolicies).
fn policy_cells(r: &Resource, o: &Value, name: String, now: i64) -> Vec<String> {
    let spec = &o["spec"];
    match r.kind {
        "ConfigMap" => {
            let n = |k: &str| o[k].as_object().map_or(0, serde_json::Map::len);
            vec![name, (n("data") + n("binaryData")).to_string(), age(o, now)]
        }
        "PodDisruptionBudget" => {
            let or_na = |v: &Value| match v {
                Value::Null => "N/A".to_string(),
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            vec![
                name,
                or_na(&spec["minAvailable"]),
                or_na(&spec["maxUnavailable"]),
                num(&o["status"]["disruptionsAllowed"]).to_string(),
                age(o, now),
            ]
        }
        _ => {
            let labels = spec["podSelector"]["matchLabels"].as_object();
            let mut pairs: Vec<String> = labels
                .into_iter()
                .flatten()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            pairs.sort();
            let selector = if pairs.is_empty() {
                "<none>".to_string()
            } else {
                pairs.join(",")
            };
            vec![name, selector, age(o, now)]
        }
    }
}

fn cells(r: &Resource, o: &Value, now: i64, vac: bool) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let spec = &o["spec"];
    let status = &o["status"];
    match r.kind {
        "StatefulSet" => {
            let containers = &spec["template"]["spec"]["containers"];
            let join = |f: &str| {
                containers
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c[f].as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default()
            };
            vec![
                name,
                format!(
                    "{}/{}",
                    num(&status["readyReplicas"]),
                    spec["replicas"].as_i64().unwrap_or(1)
                ),
                age(o, now),
                join("name"),
                join("image"),
            ]
        }
        "Pod" => {
            // Native sidecars count as containers (kubectl 1.29+ printPod).
            let sidecars = spec["initContainers"].as_array().map_or(0, |a| {
                a.iter().filter(|c| c["restartPolicy"] == "Always").count()
            });
            let total = spec["containers"].as_array().map_or(0, Vec::len) + sidecars;
            let cs = status["containerStatuses"].as_array();
            let running_ready = |c: &&Value| c["ready"] == true && !c["state"]["running"].is_null();
            let ready = cs.map_or(0, |a| a.iter().filter(running_ready).count())
                + status["initContainerStatuses"]
                    .as_array()
                    .map_or(0, |a| a.iter().filter(running_ready).count());
            let restarts: i64 = cs.map_or(0, |a| a.iter().map(|c| num(&c["restartCount"])).sum());
            let gates = spec["readinessGates"].as_array().map_or(0, Vec::len);
            vec![
                name,
                format!("{ready}/{total}"),
                pod_status(o),
                restarts.to_string(),
                age(o, now),
                or_none(status["podIPs"][0]["ip"].as_str().unwrap_or("").to_string()),
                or_none(spec["nodeName"].as_str().unwrap_or("").to_string()),
                or_none(
                    status["nominatedNodeName"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                ),
                if gates == 0 {
                    "<none>".into()
                } else {
                    format!("0/{gates}")
                },
            ]
        }
        "PersistentVolume" => {
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
        "PersistentVolumeClaim" => {
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
        "Namespace" => vec![
            name,
            o["status"]["phase"]
                .as_str()
                .unwrap_or("Active")
                .to_string(),
            age(o, now),
        ],
        "StorageClass" => {
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
        "Service" => {
            let ty = spec["type"].as_str().unwrap_or("ClusterIP");
            let external_ips = spec["externalIPs"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let external = match ty {
                "LoadBalancer" => {
                    let mut ips: Vec<String> = status["loadBalancer"]["ingress"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|i| {
                                    i["ip"]
                                        .as_str()
                                        .or_else(|| i["hostname"].as_str())
                                        .map(str::to_string)
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    ips.sort();
                    ips.dedup();
                    let mut s = ips.join(",");
                    if !external_ips.is_empty() {
                        if !s.is_empty() {
                            s.push(',');
                        }
                        s.push_str(&external_ips);
                    }
                    if s.is_empty() {
                        "<pending>".into()
                    } else {
                        s
                    }
                }
                "ExternalName" => spec["externalName"].as_str().unwrap_or("").to_string(),
                _ => or_none(external_ips),
            };
            let ports: Vec<String> = spec["ports"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| {
                            let proto = p["protocol"].as_str().unwrap_or("TCP");
                            match p["nodePort"].as_i64() {
                                Some(np) => format!("{}:{np}/{proto}", num(&p["port"])),
                                None => format!("{}/{proto}", num(&p["port"])),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            vec![
                name,
                ty.to_string(),
                or_none(
                    spec["clusterIPs"][0]
                        .as_str()
                        .or_else(|| spec["clusterIP"].as_str())
                        .unwrap_or("")
                        .to_string(),
                ),
                external,
                or_none(ports.join(",")),
                age(o, now),
                or_none(labels_selector(&spec["selector"])),
            ]
        }
        "Endpoints" => {
            let mut list: Vec<String> = Vec::new();
            for s in o["subsets"].as_array().into_iter().flatten() {
                let addrs: Vec<&str> = s["addresses"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x["ip"].as_str()).collect())
                    .unwrap_or_default();
                match s["ports"].as_array().filter(|p| !p.is_empty()) {
                    None => list.extend(addrs.iter().map(|a| a.to_string())),
                    Some(ports) => {
                        for p in ports {
                            for a in &addrs {
                                list.push(format!("{a}:{}", num(&p["port"])));
                            }
                        }
                    }
                }
            }
            let cell = if list.is_empty() {
                "<none>".to_string()
            } else if list.len() > 3 {
                format!("{} + {} more...", list[..3].join(","), list.len() - 3)
            } else {
                list.join(",")
            };
            vec![name, cell, age(o, now)]
        }
        "ServiceAccount" => vec![
            name,
            o["secrets"].as_array().map_or(0, Vec::len).to_string(),
            age(o, now),
        ],
        "ConfigMap" | "PodDisruptionBudget" | "NetworkPolicy" => policy_cells(r, o, name, now),
        "ClusterRole" | "Role" => vec![
            name,
            o["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        ],
        "ClusterRoleBinding" | "RoleBinding" => {
            let subjects = |kind: &str, ns: bool| {
                o["subjects"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter(|s| s["kind"] == kind)
                            .map(|s| {
                                let n = s["name"].as_str().unwrap_or("");
                                if ns {
                                    format!("{}/{n}", s["namespace"].as_str().unwrap_or(""))
                                } else {
                                    n.to_string()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            vec![
                name,
                format!(
                    "{}/{}",
                    o["roleRef"]["kind"].as_str().unwrap_or(""),
                    o["roleRef"]["name"].as_str().unwrap_or("")
                ),
                age(o, now),
                subjects("User", false),
                subjects("Group", false),
                subjects("ServiceAccount", true),
            ]
        }
        "ControllerRevision" => {
            let owner = crate::k8s::object::controller_of(o)
                .map(|r| {
                    format!(
                        "{}.apps/{}",
                        r["kind"].as_str().unwrap_or("").to_lowercase(),
                        r["name"].as_str().unwrap_or("")
                    )
                })
                .unwrap_or_else(|| "<none>".into());
            vec![name, owner, num(&o["revision"]).to_string(), age(o, now)]
        }
        "Event" => {
            let last = o["lastTimestamp"]
                .as_str()
                .and_then(parse_rfc3339)
                .map_or("<unknown>".into(), |t| human_duration(now - t));
            let io = &o["involvedObject"];
            vec![
                last,
                o["type"].as_str().unwrap_or("").to_string(),
                o["reason"].as_str().unwrap_or("").to_string(),
                format!(
                    "{}/{}",
                    io["kind"].as_str().unwrap_or("").to_lowercase(),
                    io["name"].as_str().unwrap_or("")
                ),
                o["message"].as_str().unwrap_or("").to_string(),
            ]
        }
        _ => vec![name, age(o, now)],
    }
}

/// How the client half prints.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrintOptions {
    /// `-o wide`.
    pub wide: bool,
    /// `--show-labels`.
    pub show_labels: bool,
    /// Prefix names with the kind (several types were asked for).
    pub with_kind: bool,
    /// `-A`: a NAMESPACE column first, for namespaced types.
    pub all_namespaces: bool,
}

/// Lay out tables as kubectl does: a block per type, blank lines between non-empty blocks.
pub fn print(blocks: &[(&Resource, Table<'_>)], opts: PrintOptions) -> String {
    let mut out = String::new();
    for (r, t) in blocks {
        if t.rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let visible: Vec<usize> = (0..t.columns.len())
            .filter(|&i| opts.wide || t.columns[i].priority == 0)
            .collect();
        let mut lines: Vec<Vec<String>> = Vec::new();
        let ns_col = opts.all_namespaces && r.namespaced;
        let mut header: Vec<String> = Vec::new();
        if ns_col {
            header.push("NAMESPACE".into());
        }
        header.extend(visible.iter().map(|&i| t.columns[i].name.to_uppercase()));
        if opts.show_labels {
            header.push("LABELS".into());
        }
        lines.push(header);
        for row in &t.rows {
            let mut cells: Vec<String> = Vec::new();
            if ns_col {
                cells.push(
                    row.object["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                );
            }
            cells.extend(visible.iter().map(|&i| {
                let c = row.cells.get(i).cloned().unwrap_or_default();
                if opts.with_kind && t.columns[i].format == "name" {
                    format!("{}/{c}", r.prefix())
                } else {
                    c
                }
            }));
            if opts.show_labels {
                cells.push(or_none(labels_selector(&row.object["metadata"]["labels"])));
            }
            lines.push(cells);
        }
        out.push_str(&tabwrite(&lines));
    }
    out
}

/// Go tabwriter with minwidth 6, padding 3: every column but the last is padded to
/// max(6, widest cell + 3); the last is not padded.
pub fn tabwrite(lines: &[Vec<String>]) -> String {
    let ncols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; ncols];
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for l in lines {
        for (i, c) in l.iter().enumerate() {
            out.push_str(c);
            if i + 1 < l.len() {
                let w = (widths[i] + 3).max(6);
                out.extend(std::iter::repeat_n(' ', w - c.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

/// A `meta.k8s.io/v1` `Table` object (what `stsc serve` answers to `as=Table`).
pub fn to_table_object(t: &Table<'_>) -> Value {
    json!({
        "apiVersion": "meta.k8s.io/v1",
        "kind": "Table",
        "metadata": {},
        "columnDefinitions": t.columns.iter().map(|c| json!({
            "name": c.name, "type": "string", "format": c.format, "description": "", "priority": c.priority,
        })).collect::<Vec<_>>(),
        "rows": t.rows.iter().map(|r| json!({"cells": r.cells, "object": r.object})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::resources::by_kind;

    #[test]
    fn seed_statefulset_block_lays_out_like_kubectl() {
        let sts = json!({"kind": "StatefulSet", "metadata": {"name": "web", "creationTimestamp": "2026-11-23T00:00:00Z"},
            "spec": {"replicas": 2}, "status": {"readyReplicas": 2}});
        let r = by_kind("StatefulSet").unwrap();
        let now = parse_rfc3339("2026-11-23T00:13:00Z").unwrap();
        let t = table(r, &[&sts], now, KubeVersion::NEWEST);
        assert_eq!(
            print(
                &[(r, t)],
                PrintOptions {
                    with_kind: true,
                    ..Default::default()
                }
            ),
            "NAME                   READY   AGE\nstatefulset.apps/web   2/2     13m\n"
        );
    }

    #[test]
    fn endpoints_cell_caps_at_three() {
        let ep = json!({"kind": "Endpoints", "metadata": {"name": "nginx"}, "subsets": [{"addresses": [
            {"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}], "ports": [{"port": 80}]}]});
        let r = by_kind("Endpoints").unwrap();
        let t = table(r, &[&ep], 0, KubeVersion::NEWEST);
        assert_eq!(
            t.rows[0].cells[1],
            "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."
        );
    }
}
