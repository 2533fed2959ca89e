//! Compiler throughput: one spec (the pre-commit case) and many apps in one process (the GitOps
//! monorepo case). Whole-process comparisons with peers live in `bench/compare.sh`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use stsc::{render::Renderer, source::SourceFile, Compiler, KubeVersion};

fn apps(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "name: app-{i:05}\nimage: nginx:1.27\nreplicas: {}\nstorage:\n  - name: data\n    mountPath: /data\n    size: {}Gi\n",
                1 + i % 5,
                1 + i % 20
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn bench(c: &mut Criterion) {
    let web =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/web.yaml")).unwrap();
    let mut g = c.benchmark_group("compile");
    // Validators are compiled once per process and shared: this is the warm per-spec cost; the
    // cold start (what a hook pays) is a whole-process figure in bench/compare.sh.
    g.bench_function(
        "load + check one spec (new compiler, warm validators)",
        |b| {
            b.iter(|| {
                let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
                compiler.check(&[Arc::new(SourceFile::new("web.yaml", web.as_str()))])
            })
        },
    );
    let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    g.bench_function("compile one app (warm compiler)", |b| {
        b.iter(|| compiler.compile(&[Arc::new(SourceFile::new("web.yaml", web.as_str()))]))
    });
    // STSC_BENCH_APPS shrinks the file for CI's smoke run (`cargo bench -- --test`).
    let n: usize = std::env::var("STSC_BENCH_APPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let many = apps(n);
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function(
        "compile + validate N apps (10000 unless STSC_BENCH_APPS)",
        |b| b.iter(|| compiler.compile(&[Arc::new(SourceFile::new("apps.yaml", many.as_str()))])),
    );
    let built = compiler.compile(&[Arc::new(SourceFile::new("apps.yaml", many.as_str()))]);
    assert!(!built.has_errors());
    g.bench_function("serialize N apps' objects to YAML", |b| {
        b.iter(|| stsc::output::to_yaml(&built.manifests).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
