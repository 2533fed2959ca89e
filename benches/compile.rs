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
    g.bench_function("check one spec (new compiler each time)", |b| {
        b.iter(|| {
            let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
            compiler.check(&[Arc::new(SourceFile::new("web.yaml", web.as_str()))])
        })
    });
    let compiler = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    g.bench_function("compile one app (warm compiler)", |b| {
        b.iter(|| compiler.compile(&[Arc::new(SourceFile::new("web.yaml", web.as_str()))]))
    });
    let many = apps(1000);
    g.throughput(Throughput::Elements(1000));
    g.sample_size(10);
    g.bench_function("compile 1000 apps", |b| {
        b.iter(|| compiler.compile(&[Arc::new(SourceFile::new("apps.yaml", many.as_str()))]))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
