//! What follows Services: the endpoints controller and the load balancer.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::k8s::object::{is_finished, is_ready, is_terminating, meta_str};
use crate::k8s::resources;
use crate::runtime::api_server::{key_of, ApiServer};
use crate::runtime::store::Key;

/// Endpoints of every Service with a selector: ready pods as addresses, the others as
/// notReadyAddresses, IPs sorted as strings (as the seed's transcript shows them).
pub(super) fn endpoints(c: &mut ApiServer) {
    let services: Vec<(Key, Value)> = c
        .list(&resources::SERVICE)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, svc) in services {
        // A Service without a selector has no managed endpoints.
        let sel = crate::k8s::selector::Selector::from_map(&svc["spec"]["selector"]);
        if !sel.is_empty() {
            let subsets = subsets(c, &k, &svc, &sel);
            write_endpoints(c, &k, &svc, subsets);
        }
    }
    // Endpoints of deleted Services go with them.
    let stale: Vec<Key> = c
        .list(&resources::ENDPOINTS)
        .filter(|(k, _)| c.get(&resources::SERVICE, &k.namespace, &k.name).is_none())
        .map(|(k, _)| k.clone())
        .collect();
    for k in stale {
        c.remove(&k);
    }
}

/// The `subsets` of a Service's Endpoints: its selected pods with an address, ready and not
/// ready, and the ports they serve; null when there is no address.
fn subsets(c: &ApiServer, k: &Key, svc: &Value, sel: &crate::k8s::selector::Selector) -> Value {
    let mut ready: Vec<Value> = Vec::new();
    let mut not_ready: Vec<Value> = Vec::new();
    let mut ports_for: HashMap<String, Value> = HashMap::new();
    // A Service that tolerates unready endpoints lists every pod, terminating ones too, as
    // ready addresses; elsewhere a terminating pod is left out.
    let tolerate = svc["spec"]["publishNotReadyAddresses"] == true;
    for (_, p) in c.list_ns(&resources::POD, &k.namespace) {
        if !sel.matches(&p["metadata"]["labels"]) || is_finished(p) {
            continue;
        }
        let Some(addr) = address(k, p) else {
            continue;
        };
        if is_terminating(p) && !tolerate {
            continue;
        }
        if is_ready(p) || tolerate {
            ready.push(addr);
        } else {
            not_ready.push(addr);
        }
        target_ports(svc, p, &mut ports_for);
    }
    if ready.is_empty() && not_ready.is_empty() {
        // No addresses: no `subsets` field at all.
        return Value::Null;
    }
    let by_ip = |a: &Value, b: &Value| {
        a["ip"]
            .as_str()
            .unwrap_or("")
            .cmp(b["ip"].as_str().unwrap_or(""))
    };
    ready.sort_by(by_ip);
    not_ready.sort_by(by_ip);
    let mut ports: Vec<Value> = ports_for.into_values().collect();
    ports.sort_by_key(|p| {
        (
            p["name"].as_str().unwrap_or("").to_string(),
            p["port"].as_i64().unwrap_or(0),
        )
    });
    // Moved, not `json!`: that would serialize every address into a copy.
    let mut s = serde_json::Map::new();
    for (field, list) in [
        ("addresses", ready),
        ("notReadyAddresses", not_ready),
        ("ports", ports),
    ] {
        if !list.is_empty() {
            s.insert(field.into(), Value::Array(list));
        }
    }
    Value::Array(vec![Value::Object(s)])
}

/// A pod's endpoint address (none before it has an IP), with its hostname when the Service
/// governs it.
fn address(k: &Key, p: &Value) -> Option<Value> {
    let ip = p["status"]["podIPs"][0]["ip"].as_str()?;
    let mut addr = json!({
        "ip": ip,
        "nodeName": p["spec"]["nodeName"],
        "targetRef": {"kind": "Pod", "name": meta_str(p, "name"), "namespace": k.namespace, "uid": p["metadata"]["uid"]},
    });
    if p["spec"]["subdomain"] == json!(k.name) && !p["spec"]["hostname"].is_null() {
        addr["hostname"] = p["spec"]["hostname"].clone();
    }
    Some(addr)
}

/// The endpoint ports of a Service for a pod, by service port (the first pod to resolve one
/// wins). Named target ports resolve per pod; the simulated pods share one template.
fn target_ports(svc: &Value, p: &Value, ports_for: &mut HashMap<String, Value>) {
    for sp in svc["spec"]["ports"].as_array().into_iter().flatten() {
        let port = match &sp["targetPort"] {
            Value::String(name) => p["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|ct| ct["ports"].as_array().into_iter().flatten())
                .find(|cp| cp["name"] == json!(name))
                .map(|cp| cp["containerPort"].clone()),
            Value::Null => Some(sp["port"].clone()),
            v => Some(v.clone()),
        };
        if let Some(port) = port {
            let mut ep =
                json!({"port": port, "protocol": sp["protocol"].as_str().unwrap_or("TCP")});
            if let Some(n) = sp["name"].as_str() {
                ep["name"] = json!(n);
            }
            ports_for.entry(sp["port"].to_string()).or_insert(ep);
        }
    }
}

/// Create or update a Service's Endpoints when their subsets or labels differ.
fn write_endpoints(c: &mut ApiServer, k: &Key, svc: &Value, subsets: Value) {
    let mut labels = svc["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if svc["spec"]["clusterIP"] == "None" {
        labels.insert("service.kubernetes.io/headless".into(), json!(""));
    }
    let labels = Value::Object(labels);
    let mut e = match c.get(&resources::ENDPOINTS, &k.namespace, &k.name) {
        Some(e) if e["subsets"] == subsets && e["metadata"]["labels"] == labels => return,
        Some(e) => e.clone(),
        None => json!({
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": k.name, "namespace": k.namespace},
        }),
    };
    e["metadata"]["labels"] = labels;
    if let Some(m) = e.as_object_mut() {
        if subsets.is_null() {
            m.remove("subsets");
        } else {
            m.insert("subsets".into(), subsets);
        }
    }
    if e["metadata"]["uid"].is_null() {
        let _ = c.create(e);
    } else {
        c.put(e);
    }
}

/// Give every LoadBalancer Service an ingress address.
pub(super) fn load_balancers(c: &mut ApiServer) {
    let pending: Vec<Value> = c
        .list(&resources::SERVICE)
        .filter(|(_, s)| {
            s["spec"]["type"] == "LoadBalancer" && s["status"]["loadBalancer"]["ingress"].is_null()
        })
        .map(|(_, s)| s.clone())
        .collect();
    for mut s in pending {
        c.meta.lb_ips += 1;
        let ip = format!("192.168.123.{}", c.meta.lb_ips % 250 + 2);
        let mut ingress = json!({"ip": ip});
        if c.version.load_balancer_ip_mode() {
            ingress["ipMode"] = json!("VIP");
        }
        s["status"] = json!({"loadBalancer": {"ingress": [ingress]}});
        let key = key_of(&s).map(|(_, k)| k);
        c.put(s);
        let Some(s) = key.ok().and_then(|k| c.get_key(&k).cloned()) else {
            continue;
        };
        c.event(
            &s,
            "Normal",
            "EnsuringLoadBalancer",
            "Ensuring load balancer",
        );
        c.event(&s, "Normal", "EnsuredLoadBalancer", "Ensured load balancer");
    }
}
