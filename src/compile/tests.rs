//! The fast reader of rendered objects against the full loader, on every example and on
//! mutants of them.

use std::sync::Arc;

use crate::render::Renderer;
use crate::source::SourceFile;
use crate::{spec, yaml, Compiler, KubeVersion};

/// The bundled templates render, for every example, only text the fast reader takes, and it
/// reads the value the full loader reads: the fast path is the path actually taken. For the
/// test inputs (hostile values among them) it may decline, but never disagree.
#[test]
fn the_fast_reader_reads_every_example_object_as_the_full_loader_does() {
    let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut fast_read, mut declined) = (0, 0);
    for dir in ["examples", "tests/inputs"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_none_or(|x| x != "yaml") {
                continue;
            }
            // Some inputs are not UTF-8 on purpose.
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let Ok(apps) = spec::load(Arc::new(SourceFile::new("e.yaml", text))) else {
                continue;
            };
            for app in apps {
                let resolved = spec::resolve(&app.spec, &Default::default());
                let Ok(texts) = compiler.render_app(&resolved, |r, t, ctx| r.render_text(t, ctx))
                else {
                    continue;
                };
                for (template, text) in texts {
                    if dir == "examples" {
                        mutants_agree(&text);
                    }
                    let full = yaml::load_values(&SourceFile::new(template, text.clone()));
                    match yaml::load_rendered(&text) {
                        Some(v) => {
                            assert_eq!(v, full.unwrap()[0].value, "{}", p.display());
                            fast_read += 1;
                        }
                        None if dir == "examples" => {
                            panic!("{}: {template} declined:\n{text}", p.display())
                        }
                        None => declined += 1,
                    }
                }
            }
        }
    }
    assert!(fast_read >= 60, "{fast_read} {declined}");
}

/// Rendered text as a broken or hostile custom template could leave it: characters
/// inserted or deleted, lines repeated, dropped or shifted. Wherever the fast reader still
/// answers, the full loader reads exactly one document with the same value.
fn mutants_agree(text: &str) {
    const INSERTS: &[&str] = &[
        " ", "  ", ":", ": ", "-", "- ", "#", " #", "\"", "'", "{", "}", "[", "]", ",", "\n", "a",
        "1", "&x ", "*x", "!t ", "|", ">", "\t", "~", ".", "\\",
    ];
    let mut rng = crate::testrng::XorShift(text.len() as u64 | 1);
    let mut next = move || rng.next();
    let lines: Vec<&str> = text.lines().collect();
    for _ in 0..300 {
        let mutant = match next() % 4 {
            0 | 1 => {
                let mut at = (next() % (text.len() as u64 + 1)) as usize;
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let mut m = text.to_string();
                if next() % 2 == 0 {
                    m.insert_str(at, INSERTS[(next() % INSERTS.len() as u64) as usize]);
                } else if at < m.len() {
                    m.remove(at);
                }
                m
            }
            2 => {
                let i = (next() % lines.len() as u64) as usize;
                let mut ls = lines.clone();
                if next() % 2 == 0 {
                    ls.insert(i, lines[i]);
                } else {
                    ls.remove(i);
                }
                ls.join("\n") + "\n"
            }
            _ => {
                let i = (next() % lines.len() as u64) as usize;
                let pad = " ".repeat((next() % 3) as usize + 1);
                let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                ls[i] = if next() % 2 == 0 {
                    format!("{pad}{}", ls[i])
                } else {
                    ls[i].trim_start().to_string()
                };
                ls.join("\n") + "\n"
            }
        };
        if let Some(v) = yaml::load_rendered(&mutant) {
            let full = yaml::load_values(&SourceFile::new("m.yaml", mutant.clone()));
            let docs = full.unwrap_or_else(|e| panic!("{e}:\n{mutant}"));
            assert_eq!(docs.len(), 1, "{mutant}");
            assert_eq!(v, docs[0].value, "{mutant}");
        }
    }
}

/// Helm's sort: listed kinds by rank, then unlisted kinds by kind, each kind by name.
#[test]
fn objects_from_anywhere_sort_in_helms_install_order() {
    let o = |kind: &str, name: &str| serde_json::json!({"kind": kind, "metadata": {"name": name}});
    let mut objects = [
        o("StatefulSet", "web"),
        o("Widget", "a"),
        o("Service", "nginx-lb-svc"),
        o("Gadget", "z"),
        o("ServiceAccount", "sa"),
        o("Service", "nginx"),
        o("Namespace", "prod"),
    ];
    objects.sort_by(|a, b| super::install_key(a).cmp(&super::install_key(b)));
    let order: Vec<String> = objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            "Namespace/prod",
            "ServiceAccount/sa",
            "Service/nginx",
            "Service/nginx-lb-svc",
            "StatefulSet/web",
            "Gadget/z",
            "Widget/a"
        ]
    );
}
