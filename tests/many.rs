//! Many apps in one file: compiled in chunks on two threads, the result must be what one thread
//! in file order would give (object order, findings and their lines).

use std::sync::Arc;

use stsc::render::Renderer;
use stsc::source::SourceFile;
use stsc::{Compiler, KubeVersion};

fn apps(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "---\nname: app-{i}\nimage: nginx:1.27\nreplicas: {}\n",
                1 + i % 3
            )
        })
        .collect()
}

fn compiler() -> Compiler {
    Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST)
}

#[test]
fn objects_keep_file_order_across_chunks_and_threads() {
    // 1,300 apps: three chunks, each split over two threads.
    let out = compiler().compile(&[Arc::new(SourceFile::new("many.yaml", apps(1300)))]);
    assert!(!out.has_errors(), "{:?}", out.findings.first());
    let sets: Vec<&str> = out
        .manifests
        .iter()
        .filter(|m| m.object["kind"] == "StatefulSet")
        .map(|m| m.object["metadata"]["name"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..1300).map(|i| format!("app-{i}")).collect();
    assert_eq!(sets, want);
    // Each manifest points at its own app.
    for m in &out.manifests {
        if m.object["kind"] == "StatefulSet" {
            assert_eq!(out.apps[m.app].spec.name, m.object["metadata"]["name"]);
        }
    }
    assert_eq!(out.apps.len(), 1300);
}

#[test]
fn findings_point_at_the_right_app_whatever_thread_found_them() {
    let mut text = apps(700);
    // A bad value deep in the second half of the first chunk, one in the second chunk, and an
    // app whose objects repeat app-3's.
    text = text.replace(
        "---\nname: app-400\nimage: nginx:1.27\nreplicas: 2\n",
        "---\nname: app-400\nimage: nginx:1.27\nreplicas: -2\n",
    );
    text = text.replace(
        "---\nname: app-600\nimage: nginx:1.27\nreplicas: 1\n",
        "---\nname: app-600\nimage: nginx:1.27\nreplicas: -1\n",
    );
    text.push_str("---\nname: app-3\nimage: nginx:1.27\n");
    let line_of = |needle: &str| text[..text.find(needle).unwrap()].lines().count() + 1;
    let (l400, l600, dup) = (
        line_of("replicas: -2"),
        line_of("replicas: -1"),
        text.lines().count() - 1,
    );
    let out = compiler().compile(&[Arc::new(SourceFile::new("many.yaml", text.clone()))]);
    let got: Vec<(usize, &str)> = out
        .findings
        .iter()
        .map(|f| (f.span.map_or(0, |s| s.line), f.rule))
        .collect();
    assert!(got.contains(&(l400, "out-of-range")), "{got:?}");
    assert!(got.contains(&(l600, "out-of-range")), "{got:?}");
    assert!(
        got.iter()
            .any(|(l, r)| *l == dup && *r == "duplicate-object"),
        "{got:?} (want line {dup})"
    );
    // Sorted by position in the file, as one thread would report them.
    let lines: Vec<usize> = got.iter().map(|(l, _)| *l).collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
}
