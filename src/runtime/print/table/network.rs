//! Printers of the network kinds: Services, Endpoints, NetworkPolicies.

use serde_json::Value;

use super::{age, col, labels_selector, num, or_none, Column, Context, Printer, NAME};
use crate::k8s::object::meta_str;

/// `Service`.
pub(super) const SERVICE: Printer = Printer {
    columns: service_columns,
    cells: service_cells,
};

fn service_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("Type", 0),
        col("Cluster-IP", 0),
        col("External-IP", 0),
        col("Port(s)", 0),
        col("Age", 0),
        col("Selector", 1),
    ]
}

fn service_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let spec = &o["spec"];
    let status = &o["status"];
    let now = cx.now;
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

/// `Endpoints`.
pub(super) const ENDPOINTS: Printer = Printer {
    columns: endpoints_columns,
    cells: endpoints_cells,
};

fn endpoints_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Endpoints", 0), col("Age", 0)]
}

fn endpoints_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let now = cx.now;
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

/// `NetworkPolicy`.
pub(super) const NETWORK_POLICY: Printer = Printer {
    columns: network_policy_columns,
    cells: network_policy_cells,
};

fn network_policy_columns(_cx: &Context) -> Vec<Column> {
    vec![NAME, col("Pod-Selector", 0), col("Age", 0)]
}

fn network_policy_cells(o: &Value, cx: &Context) -> Vec<String> {
    let name = meta_str(o, "name").to_string();
    let spec = &o["spec"];
    let now = cx.now;
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
