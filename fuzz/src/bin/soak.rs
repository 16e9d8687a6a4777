//! `soak <target|all> [--seconds N] [--seed S] [--out DIR]`: mutate the corpus of each
//! target with a seeded PRNG and run its check for N seconds (per target), catching panics.
//! A panicking input is written to `DIR/<target>/crash-<n>`; before each run the input is
//! also written to `DIR/<target>/current`, so an abort (stack overflow) leaves it behind.
//! Prints one line per target: executions, crashes. Exits 1 when anything crashed.

use std::io::{Seek, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut which = "all".to_string();
    let mut seconds = 60u64;
    let mut seed = 15u64;
    let mut out = PathBuf::from("target/soak");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => seconds = it.next().and_then(|s| s.parse().ok()).unwrap_or(seconds),
            "--seed" => seed = it.next().and_then(|s| s.parse().ok()).unwrap_or(seed),
            "--out" => out = it.next().map(PathBuf::from).unwrap_or(out),
            other => which = other.to_string(),
        }
    }
    // Panics are counted, not printed once per input.
    std::panic::set_hook(Box::new(|_| {}));
    let mut crashed = false;
    for target in fuzz::TARGETS
        .iter()
        .filter(|t| which == "all" || t.name == which)
    {
        let files = match fuzz::corpus(&root.join("corpus").join(target.name)) {
            Ok(files) if !files.is_empty() => files,
            _ => {
                eprintln!("{}: empty corpus", target.name);
                std::process::exit(2);
            }
        };
        let dir = out.join(target.name);
        if std::fs::create_dir_all(&dir).is_err() {
            eprintln!("cannot create {}", dir.display());
            std::process::exit(2);
        }
        let Ok(mut current) = std::fs::File::create(dir.join("current")) else {
            eprintln!("cannot write {}", dir.display());
            std::process::exit(2);
        };
        let mut rng = fuzz::Rng::new(seed);
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let (mut runs, mut crashes, mut largest) = (0u64, 0u64, 0usize);
        while Instant::now() < deadline {
            for _ in 0..64 {
                let base = &files[rng.below(files.len())].1;
                let other = &files[rng.below(files.len())].1;
                // Stack mutations now and then: a few edits away from the corpus.
                let mut input = fuzz::mutate(base, other, &mut rng);
                for _ in 0..rng.below(3) {
                    input = fuzz::mutate(&input, other, &mut rng);
                }
                largest = largest.max(input.len());
                let _ = current.set_len(0);
                let _ = current.rewind();
                let _ = current.write_all(&input);
                runs += 1;
                if std::panic::catch_unwind(|| (target.check)(&input)).is_err() {
                    crashes += 1;
                    let _ = std::fs::write(dir.join(format!("crash-{crashes}")), &input);
                }
            }
        }
        let _ = std::fs::remove_file(dir.join("current"));
        println!(
            "{}: {runs} executions in {seconds} s, {} corpus files, largest input {largest} bytes, {crashes} crashes",
            target.name,
            files.len()
        );
        crashed |= crashes > 0;
    }
    if crashed {
        std::process::exit(1);
    }
}
