//! `kubectl describe` and `kubectl rollout status` for the runtime's objects, as pure functions
//! over the objects and their events.

use serde_json::Value;

use crate::k8s::apps::{StatefulSetSpec, StatefulSetStatus};
use crate::k8s::core::{Container, Event, Pod, PodSpec};
use crate::k8s::object::{meta_str, IntOrString};
use crate::k8s::resources;
use crate::k8s::service::Service;
use crate::k8s::storage::PersistentVolumeClaim;
use crate::runtime::print::table::tabwrite;
use crate::runtime::print::time::{human_duration, parse_rfc3339};

/// `kubectl rollout status statefulset` (kubectl `StatefulSetStatusViewer`): the message and
/// whether the rollout is done.
///
/// # Errors
/// The update strategy is not RollingUpdate (kubectl's own error).
pub fn rollout_status(set: &Value) -> Result<(String, bool), String> {
    // A spec the API server would not have stored reads as defaults.
    let spec = StatefulSetSpec::of(set).unwrap_or_default();
    let st = StatefulSetStatus::of(set);
    let strategy = spec.update_strategy.as_ref();
    if strategy
        .and_then(|u| u.type_.as_deref())
        .unwrap_or("RollingUpdate")
        != "RollingUpdate"
    {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let generation = set["metadata"]["generation"].as_i64().unwrap_or(0);
    let waiting = |m: String| Ok((m, false));
    let done = |m: String| Ok((m, true));
    if st.observed_generation == 0 || generation > st.observed_generation {
        return waiting("Waiting for statefulset spec update to be observed...\n".into());
    }
    let replicas = spec.replicas();
    if st.ready_replicas < replicas {
        let left = replicas - st.ready_replicas;
        return waiting(format!("Waiting for {left} pods to be ready...\n"));
    }
    if let Some(ru) = spec.rolling_update() {
        let updated = st.updated_replicas;
        if let Some(p) = ru.partition.filter(|p| updated < replicas - p) {
            return waiting(format!(
                "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                replicas - p
            ));
        }
        return done(format!(
            "partitioned roll out complete: {updated} new pods have been updated...\n"
        ));
    }
    if st.update_revision != st.current_revision {
        return waiting(format!(
            "waiting for statefulset rolling update to complete {} pods at revision {}...\n",
            st.updated_replicas,
            st.update_revision.as_deref().unwrap_or("")
        ));
    }
    done(format!(
        "statefulset rolling update complete {} pods at revision {}...\n",
        st.current_replicas,
        st.current_revision.as_deref().unwrap_or("")
    ))
}

fn map_lines(v: &Value, indent: usize) -> String {
    match v.as_object().filter(|m| !m.is_empty()) {
        None => "<none>".into(),
        Some(m) => {
            let mut pairs: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            pairs.sort();
            pairs.join(&format!("\n{}", " ".repeat(indent)))
        }
    }
}

/// RFC 1123 with numeric zone, as kubectl describe prints timestamps.
fn rfc1123(ts: &str) -> String {
    let Some(t) = parse_rfc3339(ts) else {
        return ts.to_string();
    };
    let days = t.div_euclid(86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let s = crate::runtime::print::time::format_rfc3339(t);
    let (y, mo, d) = (&s[0..4], &s[5..7], &s[8..10]);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][mo.parse::<usize>().unwrap_or(1) - 1];
    format!("{weekday}, {d} {month} {y} {} +0000", &s[11..19])
}

fn field(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!(
        "{:<width$}{value}\n",
        format!("{name}:"),
        width = 20
    ));
}

fn events_block(events: &[&Value], now: i64) -> String {
    if events.is_empty() {
        return "Events:              <none>\n".into();
    }
    let mut rows = vec![
        vec![
            "Type".to_string(),
            "Reason".into(),
            "Age".into(),
            "From".into(),
            "Message".into(),
        ],
        vec![
            "----".to_string(),
            "------".into(),
            "----".into(),
            "----".into(),
            "-------".into(),
        ],
    ];
    for e in events.iter().map(|e| Event::of(e)) {
        let since = |t: Option<&str>| t.and_then(parse_rfc3339).map(|t| now - t);
        let age = since(e.last_timestamp).map_or("<unknown>".into(), human_duration);
        let count = e.count.unwrap_or(1);
        let age = if count > 1 {
            let first = since(e.first_timestamp).unwrap_or(0);
            format!("{age} (x{count} over {})", human_duration(first))
        } else {
            age
        };
        rows.push(vec![
            e.type_.to_string(),
            e.reason.to_string(),
            age,
            e.source.component.to_string(),
            e.message.to_string(),
        ]);
    }
    let body = tabwrite(&rows);
    let mut s = String::from("Events:\n");
    for l in body.lines() {
        s.push_str("  ");
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// `kubectl describe` of one object with its events (oldest first).
pub fn describe(o: &Value, events: &[&Value], pods: &[&Value], now: i64) -> String {
    let mut out = String::new();
    let kind = resources::by_kind(o["kind"].as_str().unwrap_or("")).copied();
    field(&mut out, "Name", meta_str(o, "name"));
    if !meta_str(o, "namespace").is_empty() {
        field(&mut out, "Namespace", meta_str(o, "namespace"));
    }
    if kind == Some(resources::STATEFUL_SET) {
        field(
            &mut out,
            "CreationTimestamp",
            &rfc1123(meta_str(o, "creationTimestamp")),
        );
        field(
            &mut out,
            "Selector",
            &map_lines(&o["spec"]["selector"]["matchLabels"], 20).replace('\n', ","),
        );
    }
    field(&mut out, "Labels", &map_lines(&o["metadata"]["labels"], 20));
    field(
        &mut out,
        "Annotations",
        &map_lines(&o["metadata"]["annotations"], 20),
    );
    match kind {
        Some(resources::STATEFUL_SET) => stateful_set(&mut out, o, pods),
        Some(resources::POD) => pod(&mut out, o),
        Some(resources::PERSISTENT_VOLUME_CLAIM) => claim(&mut out, o, pods),
        Some(resources::SERVICE) => service(&mut out, o),
        _ => {}
    }
    out.push_str(&events_block(events, now));
    out
}

/// The fields of a StatefulSet.
fn stateful_set(out: &mut String, o: &Value, pods: &[&Value]) {
    let spec = StatefulSetSpec::of(o).unwrap_or_default();
    let st = StatefulSetStatus::of(o);
    let replicas = format!("{} desired | {} total", spec.replicas(), st.replicas);
    field(out, "Replicas", &replicas);
    let strategy = spec.update_strategy.as_ref();
    let type_ = strategy.and_then(|u| u.type_.as_deref());
    field(out, "Update Strategy", type_.unwrap_or("RollingUpdate"));
    if let Some(p) = spec.rolling_update().and_then(|r| r.partition) {
        field(out, "  Partition", &p.to_string());
    }
    let phases: Vec<Option<&str>> = pods.iter().map(|p| Pod::of(p).status.phase).collect();
    let phase = |ph: &str| phases.iter().filter(|p| **p == Some(ph)).count();
    field(
        out,
        "Pods Status",
        &format!(
            "{} Running / {} Waiting / {} Succeeded / {} Failed",
            phase("Running"),
            phase("Pending"),
            phase("Succeeded"),
            phase("Failed")
        ),
    );
    pod_template(out, &o["spec"]["template"]);
    volume_claims(out, &o["spec"]);
}

/// A set's `Pod Template:` block.
fn pod_template(out: &mut String, t: &Value) {
    out.push_str("Pod Template:\n");
    out.push_str(&format!(
        "  Labels:  {}\n",
        map_lines(&t["metadata"]["labels"], 11)
    ));
    let spec = PodSpec::of(&t["spec"]);
    if let Some(sa) = spec.service_account_name {
        out.push_str(&format!("  Service Account:  {sa}\n"));
    }
    out.push_str("  Containers:\n");
    for c in &spec.containers {
        container(out, c);
    }
}

/// One container of a pod template.
fn container(out: &mut String, c: &Container<'_>) {
    out.push_str(&format!("   {}:\n", c.name));
    out.push_str(&format!("    Image:        {}\n", c.image));
    let ports: Vec<String> = c
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.container_port, p.protocol.unwrap_or("TCP")))
        .collect();
    let ports = if ports.is_empty() {
        "<none>".into()
    } else {
        ports.join(", ")
    };
    out.push_str(&format!("    Port:         {ports}\n"));
    out.push_str("    Mounts:\n");
    if c.volume_mounts.is_empty() {
        out.push_str("      <none>\n");
    }
    for m in &c.volume_mounts {
        let rw = if m.read_only { "ro" } else { "rw" };
        out.push_str(&format!("      {} from {} ({rw})\n", m.mount_path, m.name));
    }
}

/// A set's `Volume Claims:` block.
fn volume_claims(out: &mut String, spec: &Value) {
    out.push_str("Volume Claims:\n");
    let templates = spec["volumeClaimTemplates"].as_array();
    let claims: Vec<PersistentVolumeClaim<'_>> = templates
        .into_iter()
        .flatten()
        .map(PersistentVolumeClaim::of)
        .collect();
    if claims.is_empty() {
        out.push_str("  <none>\n");
    }
    for c in claims {
        out.push_str(&format!("  Name:          {}\n", c.metadata.name));
        let class = c.spec.storage_class_name.unwrap_or("");
        out.push_str(&format!("  StorageClass:  {class}\n"));
        let size = c.spec.resources.requests.as_str();
        out.push_str(&format!("  Capacity:      {size}\n"));
        out.push_str(&format!(
            "  Access Modes:  [{}]\n",
            c.spec.access_modes.join(" ")
        ));
    }
}

/// The fields of a Pod.
fn pod(out: &mut String, o: &Value) {
    let p = Pod::of(o);
    field(out, "Node", p.spec.node_name.unwrap_or("<none>"));
    field(out, "Status", &crate::runtime::print::table::pod_status(o));
    field(out, "IP", p.ip().unwrap_or(""));
    let owner = crate::k8s::object::controller_of(o).map(|r| format!("{}/{}", r.kind, r.name));
    field(out, "Controlled By", owner.as_deref().unwrap_or("<none>"));
    out.push_str("Conditions:\n  Type              Status\n");
    for c in &p.status.conditions {
        out.push_str(&format!("  {:<18}{}\n", c.type_, c.status));
    }
    out.push_str("Volumes:\n");
    for v in &p.spec.volumes {
        if let Some(cn) = &v.persistent_volume_claim {
            out.push_str(&format!(
                "  {}:\n    Type:       PersistentVolumeClaim\n    ClaimName:  {}\n",
                v.name, cn.claim_name
            ));
        }
    }
}

/// The fields of a PersistentVolumeClaim, and the pods that use it.
fn claim(out: &mut String, o: &Value, pods: &[&Value]) {
    let c = PersistentVolumeClaim::of(o);
    let spec = &c.spec;
    field(out, "StorageClass", spec.storage_class_name.unwrap_or(""));
    field(out, "Status", c.status.phase.unwrap_or(""));
    field(out, "Volume", spec.volume_name.unwrap_or(""));
    field(out, "Capacity", c.status.capacity.as_str());
    field(out, "Access Modes", &spec.access_modes.join(","));
    field(out, "VolumeMode", spec.volume_mode.unwrap_or("Filesystem"));
    let name = c.metadata.name;
    let used: Vec<&str> = pods
        .iter()
        .map(|p| Pod::of(p))
        .filter(|p| p.claims().any(|cl| cl == name))
        .map(|p| p.metadata.name)
        .collect();
    let used = if used.is_empty() {
        "<none>".into()
    } else {
        used.join(", ")
    };
    field(out, "Used By", &used);
}

/// The fields of a Service.
fn service(out: &mut String, o: &Value) {
    let svc = Service::of(o);
    let selector = map_lines(&o["spec"]["selector"], 20).replace('\n', ",");
    field(out, "Selector", &selector);
    field(out, "Type", svc.type_());
    field(out, "IP", svc.spec.cluster_ip.unwrap_or(""));
    let ingress = svc.status.load_balancer.ingress.iter().flatten().next();
    if let Some(ip) = ingress.and_then(|i| i.ip) {
        field(out, "LoadBalancer Ingress", ip);
    }
    for p in &svc.spec.ports {
        let (name, proto) = (p.name.unwrap_or("<unset>"), p.protocol());
        field(out, "Port", &format!("{name}  {}/{proto}", p.port));
        let target = match &p.target_port {
            Some(IntOrString::String(s)) => s.clone(),
            Some(IntOrString::Int(n)) => n.to_string(),
            None => p.port.to_string(),
        };
        field(out, "TargetPort", &format!("{target}/{proto}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rollout_status_follows_kubectl() {
        let mut s = json!({"metadata": {"generation": 2}, "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
            "status": {"observedGeneration": 2, "readyReplicas": 3, "updatedReplicas": 3}});
        assert_eq!(
            rollout_status(&s).unwrap(),
            (
                "partitioned roll out complete: 3 new pods have been updated...\n".into(),
                true
            )
        );
        s["status"]["readyReplicas"] = json!(1);
        assert_eq!(
            rollout_status(&s).unwrap(),
            ("Waiting for 2 pods to be ready...\n".into(), false)
        );
        s["spec"]["updateStrategy"] = json!({"type": "OnDelete"});
        assert_eq!(
            rollout_status(&s).unwrap_err(),
            "rollout status is only available for RollingUpdate strategy type"
        );
    }

    #[test]
    fn timestamps_in_describe() {
        assert_eq!(
            rfc1123("2026-11-23T00:00:00Z"),
            "Mon, 23 Nov 2026 00:00:00 +0000"
        );
    }
}
