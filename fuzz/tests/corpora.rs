//! The fuzz corpora as regression tests: every file of `fuzz/corpus/<target>/` through its
//! check, then a fixed number of seeded mutations of each (the same inputs every run), so
//! `cargo test` replays what `make soak` and cargo-fuzz explore.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn corpus_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

/// Mutations per corpus file in `cargo test` (the soak runs for minutes instead).
const MUTATIONS: usize = 1000;

#[test]
fn every_target_has_a_corpus_and_every_corpus_a_target() {
    for target in fuzz::TARGETS {
        let files = fuzz::corpus(&corpus_dir(target.name)).unwrap();
        assert!(files.len() >= 3, "{}: {} files", target.name, files.len());
    }
    for entry in
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")).unwrap()
    {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(fuzz::target(&name).is_some(), "corpus/{name} has no target");
    }
}

fn replay(name: &str) {
    let target = fuzz::target(name).unwrap();
    let files = fuzz::corpus(&corpus_dir(name)).unwrap();
    for (file, bytes) in &files {
        let outcome = std::panic::catch_unwind(|| (target.check)(bytes));
        assert!(outcome.is_ok(), "{name}: corpus/{name}/{file} panics");
    }
    let mut rng = fuzz::Rng::new(15);
    for (i, (file, bytes)) in files.iter().enumerate() {
        let other = &files[(i + 1) % files.len()].1;
        for n in 0..MUTATIONS {
            let input = fuzz::mutate(bytes, other, &mut rng);
            let outcome = std::panic::catch_unwind(|| (target.check)(&input));
            assert!(
                outcome.is_ok(),
                "{name}: mutation {n} of {file} panics; input (base64-free, escaped): {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

#[test]
fn numbers() {
    replay("numbers");
}

#[test]
fn csv_imports() {
    replay("csv_imports");
}

#[test]
fn checkup_cda() {
    replay("checkup_cda");
}

#[test]
fn onshi_xml() {
    replay("onshi_xml");
}

#[test]
fn receipts() {
    replay("receipts");
}

#[test]
fn claims_file() {
    replay("claims_file");
}
