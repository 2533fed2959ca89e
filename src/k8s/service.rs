//! Services and their Endpoints (k8s.io/api `core/v1`) as the endpoints controller, the load
//! balancer and the printers read and write them: a typed view of a Service borrowed from the
//! stored JSON (the fields used; every other field stays in the JSON untouched), and Endpoints
//! subsets as typed values, read and built alike. A Service's selector stays JSON: label
//! selectors match there ([`super::selector::Selector`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::object::{view, IntOrString, ObjectMeta};

/// A Service.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Service<'a> {
    /// `metadata`.
    #[serde(borrow)]
    pub metadata: ObjectMeta<'a>,
    /// `spec`.
    #[serde(borrow)]
    pub spec: ServiceSpec<'a>,
    /// `status`.
    #[serde(borrow)]
    pub status: ServiceStatus<'a>,
}

/// A Service's spec, the fields read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceSpec<'a> {
    /// `ClusterIP` (absent), `NodePort`, `LoadBalancer`, `ExternalName`.
    #[serde(borrow, rename = "type")]
    pub type_: Option<&'a str>,
    /// `None` for a headless Service.
    #[serde(borrow, rename = "clusterIP")]
    pub cluster_ip: Option<&'a str>,
    /// Its addresses, first the primary one.
    #[serde(borrow, rename = "clusterIPs")]
    pub cluster_ips: Vec<&'a str>,
    /// Addresses routed to it from outside.
    #[serde(borrow, rename = "externalIPs")]
    pub external_ips: Vec<&'a str>,
    /// The DNS name of an `ExternalName` Service.
    #[serde(borrow)]
    pub external_name: Option<&'a str>,
    /// Its ports.
    #[serde(borrow)]
    pub ports: Vec<ServicePort<'a>>,
    /// Whether not-ready pods are published as ready addresses.
    pub publish_not_ready_addresses: bool,
}

/// A Service port.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServicePort<'a> {
    /// Its name (required when there are several).
    #[serde(borrow)]
    pub name: Option<&'a str>,
    /// The port.
    pub port: i32,
    /// The pod port: a number or a container port's name (absent: `port`).
    pub target_port: Option<IntOrString>,
    /// `TCP` (absent), `UDP`, `SCTP`.
    #[serde(borrow)]
    pub protocol: Option<&'a str>,
    /// The node port of a NodePort or LoadBalancer Service.
    pub node_port: Option<i32>,
}

impl<'a> ServicePort<'a> {
    /// The protocol, `TCP` when unset.
    pub fn protocol(&self) -> &'a str {
        self.protocol.unwrap_or("TCP")
    }
}

/// A Service's status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceStatus<'a> {
    /// The load balancer's state.
    #[serde(borrow)]
    pub load_balancer: LoadBalancerStatus<'a>,
}

/// `status.loadBalancer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerStatus<'a> {
    /// Its addresses (absent until the load balancer is ensured).
    #[serde(borrow)]
    pub ingress: Option<Vec<Ingress<'a>>>,
}

/// A load balancer's address.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Ingress<'a> {
    /// Its IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<&'a str>,
    /// Its DNS name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    /// `VIP` or `Proxy` (1.30+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_mode: Option<&'a str>,
}

impl<'a> Service<'a> {
    /// The view of a stored Service ([`view`]).
    pub fn of(v: &'a Value) -> Self {
        view(v)
    }

    /// Its type, `ClusterIP` when unset.
    pub fn type_(&self) -> &'a str {
        self.spec.type_.unwrap_or("ClusterIP")
    }

    /// Whether it is headless (`clusterIP: None`).
    pub fn headless(&self) -> bool {
        self.spec.cluster_ip == Some("None")
    }

    /// Whether it is a LoadBalancer still waiting for an address.
    pub fn awaits_load_balancer(&self) -> bool {
        self.type_() == "LoadBalancer" && self.status.load_balancer.ingress.is_none()
    }
}

/// Stored Endpoints, as far as they are printed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Endpoints<'a> {
    /// `metadata`.
    #[serde(borrow)]
    pub metadata: ObjectMeta<'a>,
    /// Its subsets.
    #[serde(borrow)]
    pub subsets: Vec<EndpointSubset<'a>>,
}

impl<'a> Endpoints<'a> {
    /// The view of stored Endpoints.
    pub fn of(v: &'a Value) -> Self {
        view(v)
    }
}

/// A set of addresses with the ports they serve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EndpointSubset<'a> {
    /// Ready addresses.
    #[serde(borrow, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<EndpointAddress<'a>>,
    /// Addresses of pods that are not ready.
    #[serde(borrow, skip_serializing_if = "Vec::is_empty")]
    pub not_ready_addresses: Vec<EndpointAddress<'a>>,
    /// The ports.
    #[serde(borrow, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<EndpointPort<'a>>,
}

/// One pod's address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EndpointAddress<'a> {
    /// The pod's IP.
    pub ip: &'a str,
    /// The pod's hostname, when the Service governs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<&'a str>,
    /// The pod's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_name: Option<&'a str>,
    /// The pod.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<TargetRef<'a>>,
}

/// The object behind an address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetRef<'a> {
    /// `Pod`.
    pub kind: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// Its uid.
    pub uid: &'a str,
}

/// A port the addresses serve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointPort<'a> {
    /// The Service port's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// The pod's port.
    pub port: i32,
    /// `TCP`, `UDP`, `SCTP`.
    pub protocol: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_service_reads_its_type_ports_and_load_balancer() {
        let v = json!({"spec": {"type": "LoadBalancer", "ports": [
            {"name": "web", "port": 80, "targetPort": "http"}, {"port": 443, "targetPort": 8443}]}});
        let s = Service::of(&v);
        assert!(s.awaits_load_balancer() && !s.headless());
        let ports: Vec<_> = s
            .spec
            .ports
            .iter()
            .map(|p| (p.port, p.protocol()))
            .collect();
        assert_eq!(ports, [(80, "TCP"), (443, "TCP")]);
        assert_eq!(
            s.spec.ports[0].target_port,
            Some(IntOrString::String("http".into()))
        );
        assert_eq!(Service::of(&json!({})).type_(), "ClusterIP");
    }

    #[test]
    fn subsets_round_trip_without_empty_lists() {
        let v = json!([{"addresses": [{"ip": "10.0.0.1", "nodeName": "n",
            "targetRef": {"kind": "Pod", "name": "web-0", "namespace": "d", "uid": "u"}}],
            "ports": [{"port": 80, "protocol": "TCP"}]}]);
        let subsets = Vec::<EndpointSubset>::deserialize(&v).unwrap();
        assert_eq!(serde_json::to_value(&subsets).unwrap(), v);
    }
}
