//! One app on its own: its spec checks, its config files read, its objects rendered, parsed
//! back and validated (strict schema, API rules, Pod Security Standards), each problem placed
//! at the spec line that caused it.

use serde_json::Value;

use super::locate::locate;
use super::{Compiler, PodSecurity, Processed};
use crate::diag::{Finding, Severity};
use crate::render::Renderer;
use crate::spec::{self, LoadedApp, Resolved};
use crate::validate::{api_rules, Schemas, Violation};

impl Compiler {
    /// One app on its own: spec rules, render, schema and API-server rules over its objects.
    pub(super) fn process(&self, app: &LoadedApp, schemas: &Schemas) -> Processed {
        let mut findings = crate::spec::checks::app(app, self.version());
        findings.extend(spec::checks::check(app, self.version()));
        let (files, unread) = read_config_files(app);
        if !unread.is_empty() {
            findings.extend(unread);
            return Processed {
                findings,
                pod_security: None,
                objects: None,
            };
        }
        let resolved = spec::resolve(&app.spec, &files);
        let mut objs = match self.render_app(&resolved, |r, t, ctx| r.render(t, ctx)) {
            Ok(objs) => objs,
            Err(e) => {
                findings.push(
                    Finding::error("template", &app.file, app.span("/name"), e.to_string())
                        .with_help(
                            "the error is in the template, not in the spec; check --templates",
                        ),
                );
                return Processed {
                    findings,
                    pod_security: None,
                    objects: None,
                };
            }
        };
        // Patches change the rendered objects before anything is validated.
        let (touched, problems) = crate::patch::apply::apply(app, &mut objs, self.version());
        if !problems.is_empty() {
            findings.extend(problems);
            return Processed {
                findings,
                pod_security: None,
                objects: None,
            };
        }
        let found = |i: usize, object: &Value, v: &Violation| {
            let origin = touched.iter().find_map(|t| t.origin(app, i, &v.pointer));
            violation_finding(app, object, v, origin.as_deref())
        };
        // Schema, then API-server rules over the app's own objects (its StatefulSet's
        // governing Service is one of them).
        for (i, (_, object)) in objs.iter().enumerate() {
            for v in schemas.validate(object) {
                findings.push(found(i, object, &v));
            }
        }
        let refs: Vec<&Value> = objs.iter().map(|(_, o)| o).collect();
        // `headlessService: {create: false}`: the governing Service comes from elsewhere.
        let external = app
            .spec
            .headless_service
            .as_ref()
            .is_some_and(|h| !h.full().create);
        for (i, v) in api_rules(&refs, self.version()) {
            if external && v.rule == "missing-headless-service" {
                continue;
            }
            findings.push(found(i, refs[i], &v));
        }
        let pod_security = objs
            .iter()
            .find(|(_, o)| o["kind"] == "StatefulSet")
            .map(|(_, o)| pod_security(app, o, &mut findings))
            // The level of pods that would not be created is not worth a line.
            .filter(|_| !findings.iter().any(|f| f.severity == Severity::Error));
        Processed {
            findings,
            pod_security,
            objects: Some(objs),
        }
    }

    /// Every template the app needs, in order, each through `render`.
    pub(super) fn render_app<T>(
        &self,
        app: &Resolved,
        render: impl Fn(&Renderer, &str, minijinja::Value) -> Result<T, crate::render::RenderError>,
    ) -> Result<Vec<(&'static str, T)>, crate::render::RenderError> {
        let r = &self.renderer;
        let ctx = minijinja::Value::from(minijinja::value::Serde(app));
        let with_svc = |svc: &spec::ResolvedService| {
            minijinja::context! { app => ctx.clone(), svc => minijinja::Value::from(minijinja::value::Serde(svc)) }
        };
        let mut objs = Vec::new();
        let plain = minijinja::context! { app => ctx.clone() };
        if let Some(sa) = &app.service_account {
            if sa.create {
                objs.push((
                    "serviceaccount.yaml.j2",
                    render(r, "serviceaccount.yaml.j2", plain.clone())?,
                ));
            }
            if sa.rules.is_some() {
                for template in ["role.yaml.j2", "rolebinding.yaml.j2"] {
                    objs.push((template, render(r, template, plain.clone())?));
                }
            }
            if sa.pod_security_policy.is_some() {
                objs.push((
                    "clusterrole.yaml.j2",
                    render(r, "clusterrole.yaml.j2", plain.clone())?,
                ));
                objs.push((
                    "clusterrolebinding.yaml.j2",
                    render(r, "clusterrolebinding.yaml.j2", plain.clone())?,
                ));
            }
        }
        if app.storage_class.is_some() {
            objs.push((
                "storageclass.yaml.j2",
                render(r, "storageclass.yaml.j2", plain.clone())?,
            ));
        }
        for svc in &app.services {
            objs.push((
                "service.yaml.j2",
                render(r, "service.yaml.j2", with_svc(svc))?,
            ));
        }
        for cm in &app.config_maps {
            let ctx = minijinja::context! { app => ctx.clone(), cm => minijinja::Value::from(minijinja::value::Serde(cm)) };
            objs.push(("configmap.yaml.j2", render(r, "configmap.yaml.j2", ctx)?));
        }
        let optional = [
            (
                app.disruption_budget.is_some(),
                "poddisruptionbudget.yaml.j2",
            ),
            (app.network_policy.is_some(), "networkpolicy.yaml.j2"),
        ];
        for (wanted, template) in optional {
            if wanted {
                objs.push((template, render(r, template, plain.clone())?));
            }
        }
        objs.push((
            "statefulset.yaml.j2",
            render(r, "statefulset.yaml.j2", plain)?,
        ));
        Ok(objs)
    }
}

/// The files the app's generated ConfigMaps name, read relative to the spec file's folder (the
/// working directory for standard input), by path as written; a file that cannot be read is an
/// error at its line.
fn read_config_files(
    app: &LoadedApp,
) -> (std::collections::BTreeMap<String, String>, Vec<Finding>) {
    let mut files = std::collections::BTreeMap::new();
    let mut findings = Vec::new();
    let dir = std::path::Path::new(app.file.name())
        .parent()
        .filter(|_| app.file.name() != "-")
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    for (i, cm) in app.spec.config_maps.iter().enumerate() {
        for (j, f) in cm.files.iter().enumerate() {
            match std::fs::read_to_string(dir.join(f)) {
                Ok(text) => {
                    files.insert(f.clone(), text);
                }
                Err(e) => findings.push(Finding::error(
                    "unreadable-file",
                    &app.file,
                    app.span(&format!("/configMaps/{i}/files/{j}")),
                    format!(
                        "configMaps[{i}].files[{j}]: cannot read {:?}: {e}",
                        dir.join(f).display().to_string()
                    ),
                )),
            }
        }
    }
    (files, findings)
}

/// Assess the StatefulSet's pods against the Pod Security Standards; with `podSecurity: LEVEL`,
/// every field that breaks that level is an error at its spec line.
fn pod_security(app: &LoadedApp, sts: &Value, findings: &mut Vec<Finding>) -> PodSecurity {
    use crate::spec::PodSecurityLevel as L;
    const POD: &str = "/spec/template/spec";
    let (level, breaks) = crate::validate::pod_security::assess(&sts["spec"]["template"]["spec"]);
    let name = sts["metadata"]["name"].as_str().unwrap_or_default();
    if let Some(want) = app.spec.pod_security.filter(|l| *l > L::Privileged) {
        for b in breaks.iter().filter(|b| b.level <= want) {
            let span = locate(app, sts, &format!("{POD}{}", b.pointer), None);
            let field = crate::k8s::pointer::display_path(&format!("{POD}{}", b.pointer));
            findings.push(
                Finding::error(
                    "pod-security",
                    &app.file,
                    span,
                    format!("StatefulSet {name:?}: {field}: {}", b.message),
                )
                .with_help(format!(
                    "podSecurity: {} asks for this; change the field, or lower the level",
                    level_name(want)
                )),
            );
        }
    }
    let stricter = match level {
        L::Privileged => Some(L::Baseline),
        L::Baseline => Some(L::Restricted),
        L::Restricted => None,
    };
    let blocking: Vec<_> = breaks
        .iter()
        .filter(|b| Some(b.level) == stricter)
        .collect();
    let next = blocking.first().map(|b| {
        let span = locate(app, sts, &format!("{POD}{}", b.pointer), None);
        (b.message.clone(), span.line, blocking.len() - 1)
    });
    PodSecurity {
        app: app.spec.name.clone(),
        file: app.file.name().to_string(),
        level,
        next,
    }
}

/// `privileged`, `baseline` or `restricted`, as the namespace labels spell them.
pub fn level_name(l: crate::spec::PodSecurityLevel) -> &'static str {
    use crate::spec::PodSecurityLevel as L;
    match l {
        L::Privileged => "privileged",
        L::Baseline => "baseline",
        L::Restricted => "restricted",
    }
}

/// A violation in a generated object as a finding at the spec line that produced the value:
/// `patched`, the pointer of the patch that wrote it, or the field the templates placed.
fn violation_finding(
    app: &LoadedApp,
    object: &Value,
    v: &Violation,
    patched: Option<&str>,
) -> Finding {
    let kind = object["kind"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let span = match patched {
        Some(p) => {
            let l = app.doc.locate(p);
            l.key.unwrap_or(l.value)
        }
        None => locate(app, object, &v.pointer, v.value.as_ref()),
    };
    let message = format!("{kind} {name:?}: {}", v.message);
    let mut f = if v.warning {
        Finding::warning(v.rule, &app.file, span, message)
    } else {
        Finding::error(v.rule, &app.file, span, message)
    };
    f.help = v.help.clone();
    f
}
