//! `stsc init NAME`: a commented starter spec with the schema modeline.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{CliError, Outcome, EXIT_OK};
use crate::k8s::names::dns1123_label;

/// Arguments of `stsc init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// App name (the StatefulSet name).
    pub name: String,
    /// Where to write; default `NAME.yaml`. `-` prints to stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// The starter spec for an app name: production-grade defaults (probes, the restricted Pod
/// Security profile, a PodDisruptionBudget, replicas spread over nodes), every line commented.
pub fn starter(name: &str) -> String {
    format!(
        r#"# yaml-language-server: $schema=stsc-spec.schema.json
# (editor completion: write the schema beside this file with `stsc schema > stsc-spec.schema.json`)
# stsc app spec: `stsc build {name}.yaml` compiles it, `stsc check {name}.yaml` validates it.
# Every field, with its compact and Kubernetes forms: docs/spec.md in the stsc repository.
name: {name}                  # StatefulSet name: pods {name}-0, {name}-1, ...
replicas: 3
image: nginxinc/nginx-unprivileged:1.27   # the container image (this one runs as non-root)
# namespace: apps             # default: none, the namespace you apply to
recommendedLabels:            # app.kubernetes.io/* labels; name + instance are the selector
  instance: {name}
  # version: "1.27"
ports:
  - name: http
    port: 8080
readinessProbe:               # the pod receives traffic once this passes
  http: /
  port: http
livenessProbe:                # the container restarts when this fails
  tcp: http
  initialDelaySeconds: 10
resources:
  requests: {{cpu: 100m, memory: 128Mi}}
  limits: {{memory: 256Mi}}
podSecurity: restricted       # fills in and enforces the restricted Pod Security Standard
securityContext:
  readOnlyRootFilesystem: true
storage:                      # one PersistentVolumeClaim per pod and entry
  - name: data
    mountPath: /data
    size: 1Gi
    # storageClass: standard  # default: the cluster's default StorageClass
volumes:                      # writable scratch space beside a read-only root filesystem
  - name: tmp
    emptyDir: {{}}
    mountPath: /tmp
spread:                       # prefer one pod per node (required: true to insist)
  across: node
disruptionBudget:             # node drains keep all but one pod running
  maxUnavailable: 1
headlessService:              # the governing Service: stable DNS names {name}-0.{name}, ...
  name: {name}
  # publishNotReadyAddresses: true   # default: peers resolve each other before they are ready
# service: {{name: {name}-client, port: 80, targetPort: http}}
# loadBalancer: {{port: 80, targetPort: http}}
# serviceAccount: {{name: {name}}}
# configMaps: [{{name: {name}-config, files: [app.conf], mountPath: /etc/{name}}}]
# networkPolicy: {{allow: [{{pods: {{app.kubernetes.io/part-of: shop}}, ports: [http]}}]}}
# podManagementPolicy: Parallel
# pvcRetentionPolicy: {{whenDeleted: Retain, whenScaled: Retain}}
"#
    )
}

/// Run `stsc init`.
pub fn run(args: &InitArgs) -> Outcome {
    let problems = dns1123_label(&args.name);
    if !problems.is_empty() {
        return Err(CliError::invalid(format!(
            "stsc: error: invalid app name {:?}: {}",
            args.name,
            problems.join("; ")
        )));
    }
    let text = starter(&args.name);
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.yaml", args.name)));
    if path.as_os_str() == "-" {
        super::emit(&text);
        return Ok(EXIT_OK);
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if args.force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    match opts
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
    {
        Ok(()) => {
            eprintln!("stsc: wrote {}", path.display());
            Ok(EXIT_OK)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(CliError::usage(format!(
            "stsc: error: {} exists (use --force to replace it)",
            path.display()
        ))),
        Err(e) => Err(CliError::usage(format!(
            "stsc: error: cannot write {}: {e}",
            path.display()
        ))),
    }
}
