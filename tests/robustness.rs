//! No input makes stsc panic: every truncation and many byte-level mutations of every example go
//! through the whole compiler (load, render, validate) and come back as data.

use std::sync::Arc;

use stsc::render::Renderer;
use stsc::source::SourceFile;
use stsc::{Compiler, KubeVersion};

fn examples() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn compile(c: &Compiler, text: String) -> bool {
    let out = c.compile(&[Arc::new(SourceFile::new("fuzz.yaml", text))]);
    // Either objects or at least one error, never neither.
    !out.manifests.is_empty() || out.has_errors()
}

#[test]
fn every_truncation_is_handled() {
    let c = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    for (name, text) in examples() {
        for end in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
            assert!(compile(&c, text[..end].to_string()), "{name} cut at {end}");
        }
    }
}

#[test]
fn byte_mutations_are_handled() {
    let c = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    // A fixed-seed LCG keeps the test deterministic.
    let mut state: u64 = 0x5eed;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let alphabet = b" \t\n-:[]{}&*!|>'\"#%@`,?0123456789aZ\\";
    for (name, text) in examples() {
        for round in 0..400 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..(1 + next() % 4) {
                let i = next() % bytes.len();
                match next() % 3 {
                    0 => bytes[i] = alphabet[next() % alphabet.len()],
                    1 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, alphabet[next() % alphabet.len()]),
                }
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            assert!(compile(&c, text.clone()), "{name} round {round}:\n{text}");
        }
    }
}

#[test]
fn hostile_documents_are_refused_in_bounded_time() {
    let c = Compiler::new(Renderer::new(None).unwrap(), KubeVersion::NEWEST);
    let mut bomb = String::from("name: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    for text in [
        bomb,
        "[".repeat(100_000),
        "{a: ".repeat(50_000),
        "\u{0}\u{1}\u{2}garbage".to_string(),
    ] {
        let out = c.compile(&[Arc::new(SourceFile::new("hostile.yaml", text))]);
        assert!(out.has_errors());
        assert!(out.manifests.is_empty());
    }
}
