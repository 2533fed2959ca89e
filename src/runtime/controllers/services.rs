//! What follows Services: the endpoints controller and the load balancer.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::k8s::core::Pod;
use crate::k8s::object::IntOrString;
use crate::k8s::resources;
use crate::k8s::selector::Selector;
use crate::k8s::service::{
    EndpointAddress, EndpointPort, EndpointSubset, Ingress, Service, TargetRef,
};
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
        let sel = Selector::from_map(&svc["spec"]["selector"]);
        if !sel.is_empty() {
            let subsets = subsets(c, &k, &Service::of(&svc), &sel);
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
fn subsets(c: &ApiServer, k: &Key, svc: &Service<'_>, sel: &Selector) -> Value {
    let mut subset = EndpointSubset::default();
    let mut ports_for: HashMap<i32, EndpointPort<'_>> = HashMap::new();
    // A Service that tolerates unready endpoints lists every pod, terminating ones too, as
    // ready addresses; elsewhere a terminating pod is left out.
    let tolerate = svc.spec.publish_not_ready_addresses;
    for (_, stored) in c.list_ns(&resources::POD, &k.namespace) {
        if !sel.matches(&stored["metadata"]["labels"]) {
            continue;
        }
        let p = Pod::of(stored);
        if p.finished() || (p.terminating() && !tolerate) {
            continue;
        }
        let Some(addr) = address(k, &p) else {
            continue;
        };
        if p.ready() || tolerate {
            subset.addresses.push(addr);
        } else {
            subset.not_ready_addresses.push(addr);
        }
        target_ports(svc, &p, &mut ports_for);
    }
    if subset.addresses.is_empty() && subset.not_ready_addresses.is_empty() {
        // No addresses: no `subsets` field at all.
        return Value::Null;
    }
    subset.addresses.sort_by_key(|a| a.ip);
    subset.not_ready_addresses.sort_by_key(|a| a.ip);
    subset.ports = ports_for.into_values().collect();
    subset.ports.sort_by_key(|p| (p.name.unwrap_or(""), p.port));
    json!([subset])
}

/// A pod's endpoint address (none before it has an IP), with its hostname when the Service
/// governs it.
fn address<'a>(k: &'a Key, p: &Pod<'a>) -> Option<EndpointAddress<'a>> {
    let governed = p.spec.subdomain == Some(k.name.as_str());
    Some(EndpointAddress {
        ip: p.ip()?,
        hostname: p.spec.hostname.filter(|_| governed),
        node_name: p.spec.node_name,
        target_ref: Some(TargetRef {
            kind: resources::POD.kind,
            name: p.metadata.name,
            namespace: &k.namespace,
            uid: p.metadata.uid,
        }),
    })
}

/// The endpoint ports of a Service for a pod, by service port (the first pod to resolve one
/// wins). Named target ports resolve per pod; the simulated pods share one template.
fn target_ports<'a>(
    svc: &Service<'a>,
    p: &Pod<'_>,
    ports_for: &mut HashMap<i32, EndpointPort<'a>>,
) {
    for sp in &svc.spec.ports {
        let port = match &sp.target_port {
            Some(IntOrString::String(name)) => p
                .spec
                .containers
                .iter()
                .flat_map(|ct| &ct.ports)
                .find(|cp| cp.name == Some(name.as_str()))
                .map(|cp| cp.container_port),
            Some(IntOrString::Int(n)) => Some(*n),
            None => Some(sp.port),
        };
        if let Some(port) = port {
            ports_for.entry(sp.port).or_insert(EndpointPort {
                name: sp.name,
                port,
                protocol: sp.protocol(),
            });
        }
    }
}

/// Create or update a Service's Endpoints when their subsets or labels differ.
fn write_endpoints(c: &mut ApiServer, k: &Key, svc: &Value, subsets: Value) {
    let mut labels = svc["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if Service::of(svc).headless() {
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
        .filter(|(_, s)| Service::of(s).awaits_load_balancer())
        .map(|(_, s)| s.clone())
        .collect();
    for mut s in pending {
        c.meta.lb_ips += 1;
        let ip = format!("192.168.123.{}", c.meta.lb_ips % 250 + 2);
        let ingress = Ingress {
            ip: Some(&ip),
            hostname: None,
            ip_mode: c.version.load_balancer_ip_mode().then_some("VIP"),
        };
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
