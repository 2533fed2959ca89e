//! `stsc init NAME`: a commented starter spec with the schema modeline.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{fail_usage, EXIT_INVALID, EXIT_OK};
use crate::validate::names::dns1123_label;

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

/// The starter spec for an app name.
pub fn starter(name: &str) -> String {
    format!(
        r#"# yaml-language-server: $schema=stsc-spec.schema.json
# (editor completion: write the schema beside this file with `stsc schema > stsc-spec.schema.json`)
# stsc app spec: `stsc build {name}.yaml` compiles it, `stsc check {name}.yaml` validates it.
name: {name}                  # StatefulSet name: pods {name}-0, {name}-1, ...
replicas: 2
image: nginx:1.27             # the container image
# labels: {{app: {name}}}       # pod labels = selector (default app: <name>)
ports:
  - name: http
    port: 80
storage:                      # one PersistentVolumeClaim per pod and entry
  - name: data
    mountPath: /data
    size: 1Gi
    # storageClass: standard  # default: the cluster's default StorageClass
    # accessModes: [ReadWriteOnce]
# headlessService: {name}      # the governing Service (default: the app name)
# serviceAccount:
#   name: {name}-sa
# loadBalancer:
#   port: 80
#   targetPort: 80
# service: {{name: {name}-rw, port: 80}}
# podManagementPolicy: OrderedReady   # or Parallel
# pvcRetentionPolicy: {{whenDeleted: Retain, whenScaled: Retain}}
"#
    )
}

/// Run `stsc init`.
pub fn run(args: &InitArgs) -> u8 {
    let problems = dns1123_label(&args.name);
    if !problems.is_empty() {
        eprintln!(
            "stsc: error: invalid app name {:?}: {}",
            args.name,
            problems.join("; ")
        );
        return EXIT_INVALID;
    }
    let text = starter(&args.name);
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.yaml", args.name)));
    if path.as_os_str() == "-" {
        super::emit(&text);
        return EXIT_OK;
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
            EXIT_OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fail_usage(format!(
            "{} exists (use --force to replace it)",
            path.display()
        )),
        Err(e) => fail_usage(format!("cannot write {}: {e}", path.display())),
    }
}
