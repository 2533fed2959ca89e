//! The Kubernetes versions stsc targets, and every version-dependent behaviour as a named gate,
//! so that `build`, `check` and the runtime never disagree on what a version does.

use std::fmt;
use std::str::FromStr;

include!("supported.rs");

/// A Kubernetes version `1.MINOR` that stsc targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    /// The minor version.
    pub minor: u32,
}

impl KubeVersion {
    /// The newest supported version (the default).
    pub const NEWEST: KubeVersion = KubeVersion {
        minor: SUPPORTED_MINORS.1,
    };

    /// The supported version nearest to `1.minor` (a cluster's, which may be older or newer
    /// than stsc knows), and whether it is that version.
    pub fn nearest(minor: u32) -> (KubeVersion, bool) {
        let clamped = minor.clamp(SUPPORTED_MINORS.0, SUPPORTED_MINORS.1);
        (KubeVersion { minor: clamped }, clamped == minor)
    }

    /// Every supported version, oldest first.
    pub fn all() -> impl Iterator<Item = KubeVersion> {
        (SUPPORTED_MINORS.0..=SUPPORTED_MINORS.1).map(|minor| KubeVersion { minor })
    }

    /// `spec.ordinals` is in the API (1.26+), whether or not its gate is on.
    pub fn ordinals_field(self) -> bool {
        self.minor >= 26
    }

    /// `spec.ordinals` (StatefulSetStartOrdinal): alpha and off on 1.26, beta from 1.27.
    pub fn start_ordinals(self) -> bool {
        self.minor >= 27
    }

    /// `persistentVolumeClaimRetentionPolicy` (StatefulSetAutoDeletePVC): beta and on from 1.27.
    pub fn pvc_retention_policy(self) -> bool {
        self.minor >= 27
    }

    /// Pods get the `apps.kubernetes.io/pod-index` label (PodIndexLabel, beta 1.28).
    pub fn pod_index_label(self) -> bool {
        self.minor >= 28
    }

    /// `kubectl get pvc` shows VOLUMEATTRIBUTESCLASS (1.29+).
    pub fn volume_attributes_class(self) -> bool {
        self.minor >= 29
    }

    /// Load balancer ingress points carry `ipMode` (LoadBalancerIPMode, beta 1.30).
    pub fn load_balancer_ip_mode(self) -> bool {
        self.minor >= 30
    }

    /// Environment variable names may be any printable ASCII but `=`
    /// (RelaxedEnvironmentVariableValidation, beta and on from 1.32).
    pub fn relaxed_env_var_names(self) -> bool {
        self.minor >= 32
    }

    /// `revisionHistoryLimit` may change on update (1.33+).
    pub fn mutable_revision_history_limit(self) -> bool {
        self.minor >= 33
    }

    /// The StatefulSet controller scales on available pods, not ready ones (1.34+).
    pub fn scaling_waits_for_available(self) -> bool {
        self.minor >= 34
    }

    /// `rollingUpdate.maxUnavailable` is defaulted and honoured (MaxUnavailableStatefulSet is on
    /// by default in 1.35.0 to 1.35.3 and from 1.37; by minor release, from 1.37).
    pub fn max_unavailable_statefulset(self) -> bool {
        self.minor >= 37
    }

    /// Native sidecars: init containers with `restartPolicy: Always` (SidecarContainers, beta
    /// and on from 1.29).
    pub fn sidecar_containers(self) -> bool {
        self.minor >= 29
    }

    /// PodSecurityPolicy is gone (1.25+).
    pub fn psp_removed(self) -> bool {
        self.minor >= 25
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

impl FromStr for KubeVersion {
    type Err = String;

    /// Accepts `1.30`, `v1.30` and `1.30.2`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.strip_prefix('v').unwrap_or(s);
        let mut parts = t.split('.');
        let (major, minor) = (parts.next(), parts.next());
        let patch_ok =
            parts.next().is_none_or(|p| p.parse::<u32>().is_ok()) && parts.next().is_none();
        let range = format!(
            "supported versions are 1.{} to 1.{}",
            SUPPORTED_MINORS.0, SUPPORTED_MINORS.1
        );
        match (major.map(str::parse::<u32>), minor.map(str::parse::<u32>)) {
            (Some(Ok(1)), Some(Ok(minor))) if patch_ok => {
                if (SUPPORTED_MINORS.0..=SUPPORTED_MINORS.1).contains(&minor) {
                    Ok(KubeVersion { minor })
                } else {
                    Err(format!("unsupported Kubernetes version {s:?}: {range}"))
                }
            }
            _ => Err(format!(
                "invalid Kubernetes version {s:?}: expected MAJOR.MINOR such as 1.30 ({range})"
            )),
        }
    }
}
