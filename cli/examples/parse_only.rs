//! The practical ceiling for `events validate` on NDJSON: the same reading and parallel
//! batching, with serde_json parsing only (no validation). Prints the number of documents.

use std::io::BufRead;

use rayon::prelude::*;

// The same allocator as the `events` binary, so the ceiling is comparable.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_only FILE");
    let file = std::fs::File::open(&path).expect("cannot open input");
    let mut lines = std::io::BufReader::with_capacity(1 << 16, file).lines();
    let mut total = 0usize;
    loop {
        let batch: Vec<String> = lines
            .by_ref()
            .take(8192)
            .map(|l| l.expect("read error"))
            .collect();
        if batch.is_empty() {
            break;
        }
        total += batch
            .into_par_iter()
            .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
            .count();
    }
    println!("{total}");
}
