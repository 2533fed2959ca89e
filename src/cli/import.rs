//! `stsc import`: manifests → specs on stdout or one file per app; `--check` proves the round
//! trip instead.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{CliError, Outcome, EXIT_INVALID, EXIT_OK};
use crate::import::{self, Imported, ImportedApp, Object};
use crate::k8s::version::KubeVersion;

/// Arguments of `stsc import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Manifests: a file, a directory (its `.yaml`, `.yml` and `.json` files, recursively) or
    /// `-` for standard input; `helm template` output and `kubectl get -o yaml` exports alike.
    #[arg(required = true, value_name = "FILE|DIR|-")]
    pub inputs: Vec<PathBuf>,
    /// Write one spec file per app (`NAME.yaml`) into DIR instead of stdout.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Write nothing: build each imported spec, compare with the objects, and exit 1 showing
    /// the differences unless every round trip is exact.
    #[arg(long)]
    pub check: bool,
}

/// Run `stsc import`.
pub fn run(args: &ImportArgs, version: KubeVersion) -> Outcome {
    let refused = |e: &dyn std::fmt::Display| {
        CliError::invalid(format!("stsc: error[import]: {e}; nothing written"))
    };
    let objects = read(&args.inputs).map_err(|f| match f {
        Failure::Usage(e) => CliError::usage(format!("stsc: error: {e}")),
        Failure::Invalid(e) => refused(&e),
    })?;
    let imported = import::import(&objects, version).map_err(|e| refused(&e))?;
    report(&imported);
    if args.check {
        return Ok(check(&imported));
    }
    for a in imported.apps.iter().filter(|a| !a.differences.is_empty()) {
        eprintln!(
            "stsc: warning: the spec of {} does not build to the same objects (see `stsc import --check`)",
            a.name
        );
    }
    match &args.output_dir {
        Some(dir) => write_dir(dir, &imported.apps),
        None => {
            let text: Vec<&str> = imported.apps.iter().map(|a| a.spec.as_str()).collect();
            let mut out = std::io::stdout().lock();
            let _ = out
                .write_all(text.join("---\n").as_bytes())
                .and_then(|()| out.flush());
            Ok(EXIT_OK)
        }
    }
}

enum Failure {
    Usage(String),
    Invalid(String),
}

/// Every object of the inputs, in order (a directory's files sorted by path).
fn read(inputs: &[PathBuf]) -> Result<Vec<Object>, Failure> {
    let mut paths = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut found = Vec::new();
            manifest_files(p, &mut found).map_err(Failure::Usage)?;
            found.sort();
            paths.extend(found);
        } else {
            paths.push(p.clone());
        }
    }
    let (sources, unreadable) = crate::input::read_sources(&paths).map_err(Failure::Usage)?;
    if let Some(f) = unreadable.first() {
        return Err(Failure::Invalid(format!("{}: {}", f.file, f.message)));
    }
    let mut objects = Vec::new();
    for s in &sources {
        objects.extend(import::read::objects(s).map_err(|e| Failure::Invalid(e.to_string()))?);
    }
    Ok(objects)
}

fn manifest_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for e in entries {
        let path = e
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        let ext = path
            .extension()
            .and_then(|x| x.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            manifest_files(&path, out)?;
        } else if matches!(ext, "yaml" | "yml" | "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// One line per app, what changed on purpose, and what was not placed, on stderr.
fn report(imported: &Imported) {
    for a in &imported.apps {
        let share = 100.0 * a.without_patches as f64 / a.fields.max(1) as f64;
        eprintln!(
            "stsc: imported StatefulSet {}: {} objects, {} patch{}, {share:.1}% of {} fields without patches",
            a.name,
            a.objects.len(),
            a.patches,
            if a.patches == 1 { "" } else { "es" },
            a.fields
        );
        for c in &a.changed {
            eprintln!("stsc:   changed on purpose: {c}");
        }
    }
    for o in &imported.not_placed {
        eprintln!("stsc: not imported (no spec generates it): {o}");
    }
}

/// `--check`: the differences of every inexact round trip on stdout.
fn check(imported: &Imported) -> u8 {
    let inexact: Vec<&ImportedApp> = imported
        .apps
        .iter()
        .filter(|a| !a.differences.is_empty())
        .collect();
    let mut out = std::io::stdout().lock();
    for a in &inexact {
        let _ = writeln!(
            out,
            "{}: the imported spec builds different objects:",
            a.name
        );
        for d in &a.differences {
            let _ = writeln!(out, "  {d}");
        }
    }
    let _ = out.flush();
    if inexact.is_empty() {
        eprintln!(
            "stsc: round trip exact for {} app{}",
            imported.apps.len(),
            if imported.apps.len() == 1 { "" } else { "s" }
        );
        EXIT_OK
    } else {
        eprintln!(
            "stsc: {} of {} round trips are not exact",
            inexact.len(),
            imported.apps.len()
        );
        EXIT_INVALID
    }
}

/// One file per app, all or none.
fn write_dir(dir: &Path, apps: &[ImportedApp]) -> Outcome {
    let mut files: Vec<(String, String)> = Vec::new();
    for a in apps {
        let mut name = format!("{}.yaml", a.name);
        let mut n = 2;
        while files.iter().any(|(f, _)| *f == name) {
            name = format!("{}-{n}.yaml", a.name);
            n += 1;
        }
        files.push((name, a.spec.clone()));
    }
    let paths = crate::output::write_dir(dir, &files)
        .map_err(|e| CliError::usage(format!("stsc: error: {e}")))?;
    for p in paths {
        eprintln!("stsc: wrote {}", p.display());
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(differences: Vec<String>) -> ImportedApp {
        ImportedApp {
            name: "db".into(),
            spec: String::new(),
            objects: Vec::new(),
            changed: Vec::new(),
            differences,
            fields: 1,
            without_patches: 1,
            patches: 0,
        }
    }

    #[test]
    fn check_fails_when_any_round_trip_is_not_exact() {
        let exact = Imported {
            apps: vec![app(vec![])],
            not_placed: vec![],
        };
        assert_eq!(check(&exact), EXIT_OK);
        let off = Imported {
            apps: vec![
                app(vec![]),
                app(vec!["StatefulSet db: /spec/replicas: 3 (built: 1)".into()]),
            ],
            not_placed: vec![],
        };
        assert_eq!(check(&off), EXIT_INVALID);
    }
}
