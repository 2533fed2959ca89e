//! The Pod Security Standards (baseline and restricted) over a pod template, as Pod Security
//! Admission applies them to the namespace labels that replaced PodSecurityPolicy
//! (<https://kubernetes.io/docs/concepts/security/pod-security-standards/>; the checks of
//! k8s.io/pod-security-admission/policy, the same for every version stsc targets).

use serde_json::Value;

use crate::spec::PodSecurityLevel;

/// A field of the pod that keeps it from a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Break {
    /// The lowest level it breaks (`Baseline` or `Restricted`).
    pub level: PodSecurityLevel,
    /// JSON pointer into the pod spec.
    pub pointer: String,
    /// What is wrong and what the level wants.
    pub message: String,
}

/// The level a pod spec meets, and every field that keeps it from a stricter one.
pub fn assess(pod: &Value) -> (PodSecurityLevel, Vec<Break>) {
    let mut out = Vec::new();
    baseline(pod, &mut out);
    restricted(pod, &mut out);
    let level = if out.iter().any(|b| b.level == PodSecurityLevel::Baseline) {
        PodSecurityLevel::Privileged
    } else if out.is_empty() {
        PodSecurityLevel::Restricted
    } else {
        PodSecurityLevel::Baseline
    };
    (level, out)
}

/// Capabilities the baseline level lets a container add.
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Sysctls the baseline level allows.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// Volume sources the restricted level allows.
const RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Every container of the pod with its pointer and name.
fn containers(pod: &Value) -> Vec<(String, &str, &Value)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, c) in pod[list].as_array().into_iter().flatten().enumerate() {
            let name = c["name"].as_str().unwrap_or_default();
            out.push((format!("/{list}/{i}"), name, c));
        }
    }
    out
}

fn push(out: &mut Vec<Break>, level: PodSecurityLevel, pointer: String, message: String) {
    out.push(Break {
        level,
        pointer,
        message,
    });
}

/// The Baseline level: no host namespaces, hostPath, unsafe sysctls, privileged containers,
/// added capabilities beyond the default set, host ports, or unconfined profiles.
fn baseline(pod: &Value, out: &mut Vec<Break>) {
    use PodSecurityLevel::Baseline as B;
    for f in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod[f] == Value::Bool(true) {
            push(
                out,
                B,
                format!("/{f}"),
                format!("{f}=true is not allowed (baseline: host namespaces)"),
            );
        }
    }
    for (i, v) in pod["volumes"].as_array().into_iter().flatten().enumerate() {
        if v.get("hostPath").is_some() {
            push(
                out,
                B,
                format!("/volumes/{i}/hostPath"),
                format!(
                    "volume {:?} uses hostPath (baseline: no hostPath volumes)",
                    v["name"].as_str().unwrap_or_default()
                ),
            );
        }
    }
    let sc = &pod["securityContext"];
    seccomp_unconfined(out, "/securityContext", sc);
    se_linux(out, "/securityContext", sc);
    for (i, s) in sc["sysctls"].as_array().into_iter().flatten().enumerate() {
        let name = s["name"].as_str().unwrap_or_default();
        if !SAFE_SYSCTLS.contains(&name) {
            push(
                out,
                B,
                format!("/securityContext/sysctls/{i}"),
                format!("sysctl {name:?} is not allowed (baseline: only the safe sysctls)"),
            );
        }
    }
    if sc["windowsOptions"]["hostProcess"] == Value::Bool(true) {
        push(
            out,
            B,
            "/securityContext/windowsOptions/hostProcess".into(),
            "hostProcess=true is not allowed (baseline)".into(),
        );
    }
    for (at, name, c) in containers(pod) {
        baseline_container(&at, name, c, out);
    }
}

/// The Baseline rules of one container (or init container).
fn baseline_container(at: &str, name: &str, c: &Value, out: &mut Vec<Break>) {
    use PodSecurityLevel::Baseline as B;
    let sc = &c["securityContext"];
    let p = format!("{at}/securityContext");
    if sc["privileged"] == Value::Bool(true) {
        push(
            out,
            B,
            format!("{p}/privileged"),
            format!("container {name:?} must not set securityContext.privileged=true (baseline)"),
        );
    }
    for (j, cap) in sc["capabilities"]["add"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let cap = cap.as_str().unwrap_or_default();
        if !BASELINE_CAPABILITIES.contains(&cap) {
            push(
                out,
                B,
                format!("{p}/capabilities/add/{j}"),
                format!("container {name:?} must not add capability {cap:?} (baseline)"),
            );
        }
    }
    for (j, port) in c["ports"].as_array().into_iter().flatten().enumerate() {
        if port["hostPort"].as_i64().is_some_and(|n| n != 0) {
            push(
                out,
                B,
                format!("{at}/ports/{j}/hostPort"),
                format!("container {name:?} must not set hostPort (baseline)"),
            );
        }
    }
    if sc["procMount"].as_str().is_some_and(|m| m != "Default") {
        push(
            out,
            B,
            format!("{p}/procMount"),
            format!("container {name:?} must not set procMount (baseline: Default only)"),
        );
    }
    if sc["appArmorProfile"]["type"] == "Unconfined" {
        push(
            out,
            B,
            format!("{p}/appArmorProfile/type"),
            format!("container {name:?} must not set appArmorProfile Unconfined (baseline)"),
        );
    }
    if sc["windowsOptions"]["hostProcess"] == Value::Bool(true) {
        push(
            out,
            B,
            format!("{p}/windowsOptions/hostProcess"),
            format!("container {name:?} must not set hostProcess=true (baseline)"),
        );
    }
    seccomp_unconfined(out, &p, sc);
    se_linux(out, &p, sc);
}

fn seccomp_unconfined(out: &mut Vec<Break>, at: &str, sc: &Value) {
    if sc["seccompProfile"]["type"] == "Unconfined" {
        push(
            out,
            PodSecurityLevel::Baseline,
            format!("{at}/seccompProfile/type"),
            "seccompProfile type Unconfined is not allowed (baseline)".into(),
        );
    }
}

fn se_linux(out: &mut Vec<Break>, at: &str, sc: &Value) {
    const TYPES: &[&str] = &[
        "",
        "container_t",
        "container_init_t",
        "container_kvm_t",
        "container_engine_t",
    ];
    let se = &sc["seLinuxOptions"];
    if se["type"].as_str().is_some_and(|t| !TYPES.contains(&t)) {
        push(out, PodSecurityLevel::Baseline, format!("{at}/seLinuxOptions/type"), "seLinuxOptions type is not allowed (baseline: container_t, container_init_t, container_kvm_t, container_engine_t)".into());
    }
    for f in ["user", "role"] {
        if se[f].as_str().is_some_and(|v| !v.is_empty()) {
            push(
                out,
                PodSecurityLevel::Baseline,
                format!("{at}/seLinuxOptions/{f}"),
                format!("seLinuxOptions {f} must not be set (baseline)"),
            );
        }
    }
}

fn restricted(pod: &Value, out: &mut Vec<Break>) {
    use PodSecurityLevel::Restricted as R;
    for (i, v) in pod["volumes"].as_array().into_iter().flatten().enumerate() {
        let kind = v.as_object().and_then(|m| m.keys().find(|k| *k != "name"));
        if let Some(k) =
            kind.filter(|k| !RESTRICTED_VOLUMES.contains(&k.as_str()) && *k != "hostPath")
        {
            push(out, R, format!("/volumes/{i}/{k}"), format!("volume {:?} uses {k} (restricted: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)", v["name"].as_str().unwrap_or_default()));
        }
    }
    let pod_sc = &pod["securityContext"];
    let pod_non_root = pod_sc["runAsNonRoot"] == Value::Bool(true);
    let pod_seccomp = seccomp_ok(&pod_sc["seccompProfile"]);
    if pod_sc["runAsUser"].as_i64() == Some(0) {
        push(
            out,
            R,
            "/securityContext/runAsUser".into(),
            "runAsUser=0 is not allowed (restricted)".into(),
        );
    }
    if pod_sc["runAsNonRoot"] == Value::Bool(false) {
        push(
            out,
            R,
            "/securityContext/runAsNonRoot".into(),
            "runAsNonRoot=false is not allowed (restricted)".into(),
        );
    }
    for (at, name, c) in containers(pod) {
        let sc = &c["securityContext"];
        let p = format!("{at}/securityContext");
        if sc["allowPrivilegeEscalation"] != Value::Bool(false) {
            push(out, R, format!("{p}/allowPrivilegeEscalation"), format!("container {name:?} must set securityContext.allowPrivilegeEscalation=false (restricted)"));
        }
        let non_root = match &sc["runAsNonRoot"] {
            Value::Bool(b) => *b,
            _ => pod_non_root,
        };
        if !non_root {
            push(out, R, format!("{p}/runAsNonRoot"), format!("container {name:?} must set securityContext.runAsNonRoot=true, or the pod must (restricted)"));
        }
        if sc["runAsUser"].as_i64() == Some(0) {
            push(
                out,
                R,
                format!("{p}/runAsUser"),
                format!("container {name:?} must not set runAsUser=0 (restricted)"),
            );
        }
        let seccomp = if sc["seccompProfile"].is_object() {
            seccomp_ok(&sc["seccompProfile"])
        } else {
            pod_seccomp
        };
        if !seccomp {
            push(out, R, format!("{p}/seccompProfile"), format!("container {name:?} must set securityContext.seccompProfile.type to RuntimeDefault or Localhost, or the pod must (restricted)"));
        }
        let drops_all = sc["capabilities"]["drop"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x == "ALL"));
        if !drops_all {
            push(out, R, format!("{p}/capabilities/drop"), format!("container {name:?} must set securityContext.capabilities.drop=[\"ALL\"] (restricted)"));
        }
        for (j, cap) in sc["capabilities"]["add"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let cap = cap.as_str().unwrap_or_default();
            if cap != "NET_BIND_SERVICE" && BASELINE_CAPABILITIES.contains(&cap) {
                push(out, R, format!("{p}/capabilities/add/{j}"), format!("container {name:?} must not add capability {cap:?} (restricted: only NET_BIND_SERVICE)"));
            }
        }
    }
}

fn seccomp_ok(p: &Value) -> bool {
    matches!(p["type"].as_str(), Some("RuntimeDefault" | "Localhost"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_plain_pod_meets_baseline_and_names_what_restricted_needs() {
        let pod = json!({"containers": [{"name": "web", "image": "nginx"}]});
        let (level, breaks) = assess(&pod);
        assert_eq!(level, PodSecurityLevel::Baseline);
        let pointers: Vec<&str> = breaks.iter().map(|b| b.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/containers/0/securityContext/allowPrivilegeEscalation",
                "/containers/0/securityContext/runAsNonRoot",
                "/containers/0/securityContext/seccompProfile",
                "/containers/0/securityContext/capabilities/drop",
            ]
        );
    }

    #[test]
    fn the_bitnami_house_style_is_restricted() {
        let pod = json!({
            "securityContext": {"fsGroup": 1001, "fsGroupChangePolicy": "Always"},
            "volumes": [{"name": "empty-dir", "emptyDir": {}}],
            "containers": [{"name": "db", "securityContext": {
                "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": true, "runAsUser": 1001, "runAsNonRoot": true,
                "seccompProfile": {"type": "RuntimeDefault"}}}]
        });
        assert_eq!(assess(&pod), (PodSecurityLevel::Restricted, vec![]));
    }

    #[test]
    fn host_namespaces_and_privileged_containers_are_privileged() {
        let pod = json!({"hostNetwork": true, "volumes": [{"name": "h", "hostPath": {"path": "/"}}],
            "containers": [{"name": "c", "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}}}]});
        let (level, breaks) = assess(&pod);
        assert_eq!(level, PodSecurityLevel::Privileged);
        let baseline: Vec<&str> = breaks
            .iter()
            .filter(|b| b.level == PodSecurityLevel::Baseline)
            .map(|b| b.pointer.as_str())
            .collect();
        assert_eq!(
            baseline,
            [
                "/hostNetwork",
                "/volumes/0/hostPath",
                "/containers/0/securityContext/privileged",
                "/containers/0/securityContext/capabilities/add/0",
            ]
        );
    }
}
