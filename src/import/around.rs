//! The objects around a StatefulSet as spec fields: its Services (`headlessService`,
//! `service`, `loadBalancer`, `services`), ServiceAccount and RBAC, PodDisruptionBudget,
//! NetworkPolicy and ConfigMaps. The StatefulSet itself is [`super::extract`]'s.

use serde_json::{json, Map, Value};

use super::extract::{copy, list};
use super::read::Object;

/// The headless Service and the others over the pods.
pub(super) fn services(
    s: &mut Map<String, Value>,
    sts: &Value,
    svcs: &[&Object],
    own: &Map<String, Value>,
) {
    let name = sts["spec"]["serviceName"].as_str().unwrap_or_default();
    let headless = |o: &&&Object| o.value["spec"]["clusterIP"] == "None";
    // A governing Service that is not headless is one of the app's other Services.
    let governing = svcs
        .iter()
        .find(|o| o.name() == name)
        .filter(headless)
        .map_or("", |o| o.name());
    match svcs.iter().find(|o| o.name() == governing) {
        Some(h) => {
            let mut m = service(&h.value, own);
            m.retain(|k, _| HEADLESS.contains(&k.as_str()));
            let pna = h.value["spec"]["publishNotReadyAddresses"] == true;
            m.insert("publishNotReadyAddresses".into(), json!(pna));
            s.insert("headlessService".into(), Value::Object(m));
        }
        None => {
            s.insert(
                "headlessService".into(),
                json!({ "name": name, "create": false }),
            );
        }
    }
    let mut more = Vec::new();
    for o in svcs.iter().filter(|o| o.name() != governing) {
        let kind = o.value["spec"]["type"].as_str().unwrap_or("ClusterIP");
        let slot = match kind {
            "ClusterIP" => "service",
            "LoadBalancer" => "loadBalancer",
            _ => "",
        };
        let mut m = service(&o.value, own);
        if !slot.is_empty() && !s.contains_key(slot) {
            m.remove("type");
            s.insert(slot.into(), Value::Object(m));
        } else {
            more.push(Value::Object(m));
        }
    }
    copy(s, "services", &Value::Array(more));
}

/// The fields of `headlessService`; the others a patch writes.
const HEADLESS: &[&str] = &["name", "ports", "annotations", "labels", "selector"];

/// A Service's fields in the spec's form.
fn service(o: &Value, own: &Map<String, Value>) -> Map<String, Value> {
    let spec = &o["spec"];
    let mut m = Map::new();
    m.insert("name".into(), o["metadata"]["name"].clone());
    copy(&mut m, "type", &spec["type"]);
    let ports: Vec<Value> = list(&spec["ports"])
        .iter()
        .map(|p| {
            let mut e = Map::new();
            for k in [
                "name",
                "port",
                "targetPort",
                "protocol",
                "nodePort",
                "appProtocol",
            ] {
                copy(&mut e, k, &p[k]);
            }
            Value::Object(e)
        })
        .collect();
    copy(&mut m, "ports", &Value::Array(ports));
    copy(&mut m, "annotations", &o["metadata"]["annotations"]);
    copy(&mut m, "labels", &own_labels(o, own));
    copy(&mut m, "selector", &spec["selector"]);
    for k in [
        "externalTrafficPolicy",
        "internalTrafficPolicy",
        "loadBalancerSourceRanges",
        "loadBalancerClass",
        "sessionAffinity",
        "trafficDistribution",
        "publishNotReadyAddresses",
    ] {
        copy(&mut m, k, &spec[k]);
    }
    m
}

/// The ServiceAccount the pods run as, created with them when it is among the objects.
pub(super) fn service_account(
    s: &mut Map<String, Value>,
    pod: &Value,
    accounts: &[&Object],
    roles: &[&Object],
    bindings: &[&Object],
) {
    let Some(name) = pod["serviceAccountName"].as_str() else {
        return;
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    match accounts.first() {
        Some(a) => copy(
            &mut m,
            "automountServiceAccountToken",
            &a.value["automountServiceAccountToken"],
        ),
        None => {
            m.insert("create".into(), json!(false));
        }
    }
    if let (Some(r), Some(b)) = (roles.first(), bindings.first()) {
        copy(&mut m, "rules", &r.value["rules"]);
        m.insert("role".into(), json!(r.name()));
        m.insert("roleBinding".into(), json!(b.name()));
    }
    s.insert("serviceAccount".into(), Value::Object(m));
}

/// `serviceAccount.podSecurityPolicy` and the names of its ClusterRole and binding.
pub(super) fn psp(s: &mut Map<String, Value>, roles: &[&Object], bindings: &[&Object]) {
    let (Some(role), Some(binding)) = (roles.first(), bindings.first()) else {
        return;
    };
    let Some(policy) = super::group::psp_rule(&role.value) else {
        return;
    };
    let Some(Value::Object(sa)) = s.get_mut("serviceAccount") else {
        return;
    };
    sa.insert("podSecurityPolicy".into(), json!(policy));
    sa.insert("clusterRole".into(), json!(role.name()));
    sa.insert("clusterRoleBinding".into(), json!(binding.name()));
}

pub(super) fn budget(b: &Value) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), b["metadata"]["name"].clone());
    copy(&mut m, "minAvailable", &b["spec"]["minAvailable"]);
    copy(&mut m, "maxUnavailable", &b["spec"]["maxUnavailable"]);
    Value::Object(m)
}

pub(super) fn network_policy(n: &Value) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), n["metadata"]["name"].clone());
    let spec = &n["spec"];
    if spec.get("ingress").is_some() {
        m.insert("ingress".into(), spec["ingress"].clone());
    }
    let types = list(&spec["policyTypes"]);
    if spec.get("egress").is_some() || types.iter().any(|t| t == "Egress") {
        let egress = spec.get("egress").cloned().unwrap_or(json!([]));
        m.insert(
            "egress".into(),
            if egress.is_null() { json!([]) } else { egress },
        );
    }
    Value::Object(m)
}

pub(super) fn config_map(c: &Value) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), c["metadata"]["name"].clone());
    copy(&mut m, "data", &c["data"]);
    Value::Object(m)
}

/// Labels of `o` beyond the app's object labels.
fn own_labels(o: &Value, app: &Map<String, Value>) -> Value {
    let mine = o["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    Value::Object(
        mine.into_iter()
            .filter(|(k, v)| app.get(k) != Some(v))
            .collect(),
    )
}
