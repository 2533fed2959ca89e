//! Any bytes as a spec file: load, compile, validate, render findings and output. Must never
//! panic, overflow the stack, or run away in time or memory.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use stsc::{render::Renderer, source::SourceFile, Compiler, KubeVersion};

fn compiler() -> &'static Compiler {
    static C: OnceLock<Compiler> = OnceLock::new();
    C.get_or_init(|| Compiler::new(Renderer::new(None).expect("embedded templates"), KubeVersion::NEWEST))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = Arc::new(SourceFile::new("fuzz.yaml", text));
    let out = compiler().compile(&[src]);
    let _ = stsc::diag::render_text(&out.findings, true, false);
    let _ = stsc::diag::formats::sarif(&out.findings);
    if !out.has_errors() {
        let _ = stsc::output::to_yaml(&out.manifests).expect("valid manifests serialize");
        let none = stsc::output::DirState::read(std::path::Path::new("/nonexistent-stsc-fuzz"));
        let _ = stsc::output::dir_files(&out.manifests, &none);
    }
});
