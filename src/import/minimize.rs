//! Leaving defaults out: a field goes when the spec without it builds the same objects, so
//! the spec says only what differs from what stsc and the API server would do anyway. The
//! build is the judge, so the rule needs no list of defaults to keep in step with them.

use serde_json::{Map, Value};

/// Values kept whole: their parts are the user's data or Kubernetes values as written, whose
/// parts the build copies rather than defaults (trying them would only cost builds).
const WHOLE: &[&str] = &[
    "securityContext",
    "podSecurityContext",
    "affinity",
    "tolerations",
    "topologySpreadConstraints",
    "lifecycle",
    "resources",
    "dnsConfig",
    "hostAliases",
    "volumeMounts",
    "httpGet",
    "tcpSocket",
    "valueFrom",
    "items",
    "projected",
    "sources",
    "command",
    "args",
    "env",
    "envFrom",
    "data",
    "annotations",
    "labels",
    "commonLabels",
    "nodeSelector",
    "selector",
    "rules",
    "ingress",
    "egress",
    "matchLabels",
];

/// Fields never tried: the app's identity.
const KEEP: &[&str] = &["/name", "/image"];

/// `spec` without every field whose removal leaves the differences `eval` reports within
/// `base` (`eval` gives `None` when the spec does not build).
pub fn minimize(
    mut spec: Map<String, Value>,
    eval: impl Fn(&Map<String, Value>) -> Option<Vec<String>>,
    mut base: Vec<String>,
) -> Map<String, Value> {
    let mut candidates = Vec::new();
    fields(&Value::Object(spec.clone()), "", 0, &mut candidates);
    let mut removed: Vec<String> = Vec::new();
    for c in candidates {
        if KEEP.contains(&c.as_str()) || removed.iter().any(|r| c.starts_with(&format!("{r}/"))) {
            continue;
        }
        let mut trial = Value::Object(spec.clone());
        if !remove(&mut trial, &c) {
            continue;
        }
        let Value::Object(trial) = trial else {
            continue;
        };
        match eval(&trial) {
            Some(d) if d.iter().all(|x| base.contains(x)) => {
                spec = trial;
                base = d;
                removed.push(c);
            }
            _ => {}
        }
    }
    spec
}

/// Pointers of the mapping keys of `v`, parents before children.
fn fields(v: &Value, at: &str, depth: usize, out: &mut Vec<String>) {
    if depth > 4 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}/{}", crate::k8s::pointer::escape(k));
                out.push(here.clone());
                if !WHOLE.contains(&k.as_str()) {
                    fields(x, &here, depth + 1, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                fields(x, &format!("{at}/{i}"), depth, out);
            }
        }
        _ => {}
    }
}

/// Remove the entry at `pointer`; an emptied parent mapping goes with it.
fn remove(v: &mut Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return false;
    };
    let key = crate::k8s::pointer::unescape(last).into_owned();
    let Some(Value::Object(m)) = v.pointer_mut(parent) else {
        return false;
    };
    if m.remove(&key).is_none() {
        return false;
    }
    if m.is_empty() && !parent.is_empty() {
        remove(v, parent);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_goes_when_the_build_stays_the_same() {
        // A stand-in build: `replicas` defaults to 1, `port` matters.
        let eval = |s: &Map<String, Value>| {
            let replicas = s.get("replicas").cloned().unwrap_or(json!(1));
            let mut d = Vec::new();
            if replicas != json!(1) {
                d.push("replicas".to_string());
            }
            if s.get("probe").and_then(|p| p.get("port")) != Some(&json!(80)) {
                d.push("port".to_string());
            }
            Some(d)
        };
        let spec = json!({"name": "a", "replicas": 1, "probe": {"port": 80, "period": 10}});
        let Value::Object(spec) = spec else {
            unreachable!()
        };
        let got = minimize(spec, eval, vec![]);
        assert_eq!(
            Value::Object(got),
            json!({"name": "a", "probe": {"port": 80}})
        );
    }
}
