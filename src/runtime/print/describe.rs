//! `kubectl describe` and `kubectl rollout status` for the runtime's objects, as pure functions
//! over the objects and their events.

use serde_json::Value;

use crate::k8s::object::meta_str;
use crate::runtime::print::table::tabwrite;
use crate::runtime::print::time::{human_duration, parse_rfc3339};

/// `kubectl rollout status statefulset` (kubectl `StatefulSetStatusViewer`): the message and
/// whether the rollout is done.
///
/// # Errors
/// The update strategy is not RollingUpdate (kubectl's own error).
pub fn rollout_status(set: &Value) -> Result<(String, bool), String> {
    let spec = &set["spec"];
    let st = &set["status"];
    let n = |v: &Value| v.as_i64().unwrap_or(0);
    if spec["updateStrategy"]["type"]
        .as_str()
        .unwrap_or("RollingUpdate")
        != "RollingUpdate"
    {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let generation = n(&set["metadata"]["generation"]);
    let observed = n(&st["observedGeneration"]);
    if observed == 0 || generation > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        ));
    }
    let replicas = spec["replicas"].as_i64().unwrap_or(1);
    if n(&st["readyReplicas"]) < replicas {
        return Ok((
            format!(
                "Waiting for {} pods to be ready...\n",
                replicas - n(&st["readyReplicas"])
            ),
            false,
        ));
    }
    if let Some(ru) = spec["updateStrategy"]
        .get("rollingUpdate")
        .filter(|r| r.is_object())
    {
        if let Some(p) = ru["partition"].as_i64() {
            if n(&st["updatedReplicas"]) < replicas - p {
                return Ok((
                    format!(
                        "Waiting for partitioned roll out to finish: {} out of {} new pods have been updated...\n",
                        n(&st["updatedReplicas"]),
                        replicas - p
                    ),
                    false,
                ));
            }
        }
        return Ok((
            format!(
                "partitioned roll out complete: {} new pods have been updated...\n",
                n(&st["updatedReplicas"])
            ),
            true,
        ));
    }
    if st["updateRevision"] != st["currentRevision"] {
        return Ok((
            format!(
                "waiting for statefulset rolling update to complete {} pods at revision {}...\n",
                n(&st["updatedReplicas"]),
                st["updateRevision"].as_str().unwrap_or("")
            ),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {}...\n",
            n(&st["currentReplicas"]),
            st["currentRevision"].as_str().unwrap_or("")
        ),
        true,
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
    for e in events {
        let age = e["lastTimestamp"]
            .as_str()
            .and_then(parse_rfc3339)
            .map_or("<unknown>".into(), |t| human_duration(now - t));
        let count = e["count"].as_i64().unwrap_or(1);
        let age = if count > 1 {
            let first = e["firstTimestamp"]
                .as_str()
                .and_then(parse_rfc3339)
                .map_or(0, |t| now - t);
            format!("{age} (x{count} over {})", human_duration(first))
        } else {
            age
        };
        rows.push(vec![
            e["type"].as_str().unwrap_or("").into(),
            e["reason"].as_str().unwrap_or("").into(),
            age,
            e["source"]["component"].as_str().unwrap_or("").into(),
            e["message"].as_str().unwrap_or("").into(),
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
    let kind = o["kind"].as_str().unwrap_or("");
    field(&mut out, "Name", meta_str(o, "name"));
    if !meta_str(o, "namespace").is_empty() {
        field(&mut out, "Namespace", meta_str(o, "namespace"));
    }
    if kind == "StatefulSet" {
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
        "StatefulSet" => stateful_set(&mut out, o, pods),
        "Pod" => pod(&mut out, o),
        "PersistentVolumeClaim" => claim(&mut out, o, pods),
        "Service" => service(&mut out, o),
        _ => {}
    }
    out.push_str(&events_block(events, now));
    out
}

/// The fields of a StatefulSet.
fn stateful_set(out: &mut String, o: &Value, pods: &[&Value]) {
    let (spec, st) = (&o["spec"], &o["status"]);
    field(
        out,
        "Replicas",
        &format!(
            "{} desired | {} total",
            spec["replicas"].as_i64().unwrap_or(1),
            st["replicas"].as_i64().unwrap_or(0)
        ),
    );
    field(
        out,
        "Update Strategy",
        spec["updateStrategy"]["type"]
            .as_str()
            .unwrap_or("RollingUpdate"),
    );
    if let Some(p) = spec["updateStrategy"]["rollingUpdate"]["partition"].as_i64() {
        field(out, "  Partition", &p.to_string());
    }
    let phase = |ph: &str| pods.iter().filter(|p| p["status"]["phase"] == ph).count();
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
    pod_template(out, &spec["template"]);
    volume_claims(out, spec);
}

/// A set's `Pod Template:` block.
fn pod_template(out: &mut String, t: &Value) {
    out.push_str("Pod Template:\n");
    out.push_str(&format!(
        "  Labels:  {}\n",
        map_lines(&t["metadata"]["labels"], 11)
    ));
    if let Some(sa) = t["spec"]["serviceAccountName"].as_str() {
        out.push_str(&format!("  Service Account:  {sa}\n"));
    }
    out.push_str("  Containers:\n");
    for c in t["spec"]["containers"].as_array().into_iter().flatten() {
        container(out, c);
    }
}

/// One container of a pod template.
fn container(out: &mut String, c: &Value) {
    out.push_str(&format!("   {}:\n", c["name"].as_str().unwrap_or("")));
    out.push_str(&format!(
        "    Image:        {}\n",
        c["image"].as_str().unwrap_or("")
    ));
    let ports: Vec<String> = c["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{}/{}",
                p["containerPort"],
                p["protocol"].as_str().unwrap_or("TCP")
            )
        })
        .collect();
    out.push_str(&format!(
        "    Port:         {}\n",
        if ports.is_empty() {
            "<none>".into()
        } else {
            ports.join(", ")
        }
    ));
    out.push_str("    Mounts:\n");
    let mounts: Vec<&Value> = c["volumeMounts"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if mounts.is_empty() {
        out.push_str("      <none>\n");
    }
    for m in mounts {
        let rw = if m["readOnly"] == true { "ro" } else { "rw" };
        out.push_str(&format!(
            "      {} from {} ({rw})\n",
            m["mountPath"].as_str().unwrap_or(""),
            m["name"].as_str().unwrap_or("")
        ));
    }
}

/// A set's `Volume Claims:` block.
fn volume_claims(out: &mut String, spec: &Value) {
    out.push_str("Volume Claims:\n");
    let claims = spec["volumeClaimTemplates"]
        .as_array()
        .map(|a| a.iter().collect::<Vec<_>>())
        .unwrap_or_default();
    if claims.is_empty() {
        out.push_str("  <none>\n");
    }
    for c in claims {
        out.push_str(&format!("  Name:          {}\n", meta_str(c, "name")));
        out.push_str(&format!(
            "  StorageClass:  {}\n",
            c["spec"]["storageClassName"].as_str().unwrap_or("")
        ));
        out.push_str(&format!(
            "  Capacity:      {}\n",
            c["spec"]["resources"]["requests"]["storage"]
                .as_str()
                .unwrap_or("")
        ));
        let modes: Vec<&str> = c["spec"]["accessModes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        out.push_str(&format!("  Access Modes:  [{}]\n", modes.join(" ")));
    }
}

/// The fields of a Pod.
fn pod(out: &mut String, o: &Value) {
    let (spec, st) = (&o["spec"], &o["status"]);
    field(out, "Node", spec["nodeName"].as_str().unwrap_or("<none>"));
    field(out, "Status", &crate::runtime::print::table::pod_status(o));
    field(out, "IP", st["podIP"].as_str().unwrap_or(""));
    let owner = crate::k8s::object::controller_of(o).map(|r| format!("{}/{}", r.kind, r.name));
    field(out, "Controlled By", owner.as_deref().unwrap_or("<none>"));
    out.push_str("Conditions:\n  Type              Status\n");
    for c in st["conditions"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  {:<18}{}\n",
            c["type"].as_str().unwrap_or(""),
            c["status"].as_str().unwrap_or("")
        ));
    }
    out.push_str("Volumes:\n");
    for v in spec["volumes"].as_array().into_iter().flatten() {
        if let Some(cn) = v["persistentVolumeClaim"]["claimName"].as_str() {
            out.push_str(&format!(
                "  {}:\n    Type:       PersistentVolumeClaim\n    ClaimName:  {cn}\n",
                v["name"].as_str().unwrap_or("")
            ));
        }
    }
}

/// The fields of a PersistentVolumeClaim, and the pods that use it.
fn claim(out: &mut String, o: &Value, pods: &[&Value]) {
    let (spec, st) = (&o["spec"], &o["status"]);
    field(
        out,
        "StorageClass",
        spec["storageClassName"].as_str().unwrap_or(""),
    );
    field(out, "Status", st["phase"].as_str().unwrap_or(""));
    field(out, "Volume", spec["volumeName"].as_str().unwrap_or(""));
    field(
        out,
        "Capacity",
        st["capacity"]["storage"].as_str().unwrap_or(""),
    );
    let modes: Vec<&str> = spec["accessModes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    field(out, "Access Modes", &modes.join(","));
    field(
        out,
        "VolumeMode",
        spec["volumeMode"].as_str().unwrap_or("Filesystem"),
    );
    let used: Vec<&str> = pods
        .iter()
        .filter(|p| {
            p["spec"]["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|v| v["persistentVolumeClaim"]["claimName"] == o["metadata"]["name"])
        })
        .map(|p| meta_str(p, "name"))
        .collect();
    field(
        out,
        "Used By",
        if used.is_empty() {
            "<none>".into()
        } else {
            used.join(", ")
        }
        .as_str(),
    );
}

/// The fields of a Service.
fn service(out: &mut String, o: &Value) {
    let (spec, st) = (&o["spec"], &o["status"]);
    field(
        out,
        "Selector",
        &map_lines(&spec["selector"], 20).replace('\n', ","),
    );
    field(out, "Type", spec["type"].as_str().unwrap_or("ClusterIP"));
    field(out, "IP", spec["clusterIP"].as_str().unwrap_or(""));
    if let Some(ing) = st["loadBalancer"]["ingress"][0]["ip"].as_str() {
        field(out, "LoadBalancer Ingress", ing);
    }
    for p in spec["ports"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or("<unset>");
        field(
            out,
            "Port",
            &format!(
                "{name}  {}/{}",
                p["port"],
                p["protocol"].as_str().unwrap_or("TCP")
            ),
        );
        field(
            out,
            "TargetPort",
            &format!(
                "{}/{}",
                p["targetPort"]
                    .as_str()
                    .map_or(p["targetPort"].to_string(), str::to_string),
                p["protocol"].as_str().unwrap_or("TCP")
            ),
        );
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
