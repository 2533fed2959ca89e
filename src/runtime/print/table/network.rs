//! Printers of the network kinds: Services, Endpoints, NetworkPolicies.

use serde_json::Value;

use super::{age, col, labels_selector, or_none, Column, Context, Printer, NAME};
use crate::k8s::object::meta_str;
use crate::k8s::service::{Endpoints, Service};

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
    let svc = Service::of(o);
    let spec = &svc.spec;
    let ty = svc.type_();
    let external = match ty {
        "LoadBalancer" => load_balancer_addresses(&svc),
        "ExternalName" => spec.external_name.unwrap_or("").to_string(),
        _ => or_none(spec.external_ips.join(",")),
    };
    let ports: Vec<String> = spec
        .ports
        .iter()
        .map(|p| match p.node_port {
            Some(np) => format!("{}:{np}/{}", p.port, p.protocol()),
            None => format!("{}/{}", p.port, p.protocol()),
        })
        .collect();
    let cluster_ip = spec.cluster_ips.first().copied().or(spec.cluster_ip);
    vec![
        svc.metadata.name.to_string(),
        ty.to_string(),
        or_none(cluster_ip.unwrap_or("").to_string()),
        external,
        or_none(ports.join(",")),
        age(o, cx.now),
        or_none(labels_selector(&o["spec"]["selector"])),
    ]
}

/// EXTERNAL-IP of a LoadBalancer: its ingress addresses (sorted, once each), then its external
/// IPs; `<pending>` before it has any.
fn load_balancer_addresses(svc: &Service<'_>) -> String {
    let ingress = svc.status.load_balancer.ingress.iter().flatten();
    let mut ips: Vec<&str> = ingress.filter_map(|i| i.ip.or(i.hostname)).collect();
    ips.sort_unstable();
    ips.dedup();
    ips.extend(svc.spec.external_ips.iter().copied());
    let s = ips.join(",");
    if s.is_empty() {
        "<pending>".into()
    } else {
        s
    }
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
    let e = Endpoints::of(o);
    let mut list: Vec<String> = Vec::new();
    for s in &e.subsets {
        let addrs = s.addresses.iter().map(|a| a.ip);
        if s.ports.is_empty() {
            list.extend(addrs.map(str::to_string));
        } else {
            for p in &s.ports {
                list.extend(addrs.clone().map(|a| format!("{a}:{}", p.port)));
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
    vec![e.metadata.name.to_string(), cell, age(o, cx.now)]
}

/// `EndpointSlice` (`printEndpointSlice`: at most three ports and addresses, then a count).
pub(super) const ENDPOINT_SLICE: Printer = Printer {
    columns: endpoint_slice_columns,
    cells: endpoint_slice_cells,
};

fn endpoint_slice_columns(_cx: &Context) -> Vec<Column> {
    vec![
        NAME,
        col("AddressType", 0),
        col("Ports", 0),
        col("Endpoints", 0),
        col("Age", 0),
    ]
}

/// `a,b,c + 2 more...`, or `<unset>` for none.
fn first_three(list: Vec<String>) -> String {
    match list.len() {
        0 => "<unset>".to_string(),
        1..=3 => list.join(","),
        n => format!("{} + {} more...", list[..3].join(","), n - 3),
    }
}

fn endpoint_slice_cells(o: &Value, cx: &Context) -> Vec<String> {
    let ports = o["ports"].as_array().into_iter().flatten().map(|p| {
        p["port"]
            .as_i64()
            .map(|n| n.to_string())
            .or_else(|| p["name"].as_str().map(str::to_string))
            .unwrap_or_else(|| "*".into())
    });
    let addresses = o["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["addresses"].as_array().into_iter().flatten())
        .filter_map(|a| a.as_str().map(str::to_string));
    vec![
        meta_str(o, "name").to_string(),
        o["addressType"].as_str().unwrap_or("").to_string(),
        first_three(ports.collect()),
        first_three(addresses.collect()),
        age(o, cx.now),
    ]
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
