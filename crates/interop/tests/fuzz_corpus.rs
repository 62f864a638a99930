//! The file readers' fuzz bodies (`khaothi_interop::fuzzing`) over the seed corpus in
//! `fuzz/corpus/read_*`, plus deterministic mutations of every seed (truncations and byte
//! changes): a brief fuzz run on stable, in CI. The long runs use cargo-fuzz (docs/fuzzing.md).

use std::path::Path;

use khaothi_interop::fuzzing::TARGETS;

/// xorshift64: the same mutations every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn every_reader_survives_its_corpus_and_mutations() {
    let mut rng = Rng(0x006b_6861_6f74_6869);
    for (target, body) in TARGETS {
        let seeds = seeds(target);
        assert!(!seeds.is_empty(), "{target} has no seed");
        for seed in &seeds {
            body(seed);
            for _ in 0..24 {
                let cut = (rng.next() as usize) % (seed.len() + 1);
                body(&seed[..cut]);
            }
            for _ in 0..48 {
                let mut m = seed.clone();
                for _ in 0..1 + rng.next() % 4 {
                    if m.is_empty() {
                        break;
                    }
                    let at = (rng.next() as usize) % m.len();
                    m[at] = rng.next() as u8;
                }
                body(&m);
            }
        }
        body(&[]);
    }
}
