//! Schema sets through the generator: load + lint (`SchemaSet::load`), IR (`convert`),
//! emission (`Config::generate_with_warnings`), then the validator of `events-check` and a
//! sample of every event validated. Structure-aware: see `events_fuzz::schemagen` for the
//! three ways one input becomes a set (made up, the repository's set edited, one file as
//! raw bytes). Must not panic, hang or grow without bound; generated code must parse and
//! define nothing twice (`events_fuzz::check_generated`).
#![no_main]

use arbitrary::Unstructured;
use events_check::sample::{self, Mode};
use events_codegen::{Config, SchemaSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The check of generated code must accept the repository's own: tried once.
    static SANITY: std::sync::Once = std::sync::Once::new();
    SANITY.call_once(|| {
        let code = Config::new()
            .generate(events_fuzz::schemas_dir())
            .expect("the repository's schemas generate");
        events_fuzz::check_generated(&code);
    });
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let started = std::time::Instant::now();
    let dir = events_fuzz::scratch_dir("schema");
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write schema file");
    };
    match mode % 3 {
        0 | 1 => {
            let mut u = Unstructured::new(rest);
            let files = if mode % 3 == 0 {
                events_fuzz::schemagen::generated(&mut u)
            } else {
                events_fuzz::schemagen::mutated(&mut u)
            };
            let Ok(files) = files else { return };
            for (rel, doc) in files {
                let text = serde_json::to_string_pretty(&doc).expect("JSON");
                write(&rel, text.as_bytes());
            }
        }
        _ => {
            // One of the repository's files replaced by raw bytes.
            let Some((&which, raw)) = rest.split_first() else {
                return;
            };
            let all = events_fuzz::schemagen::repository_files();
            let which = usize::from(which) % all.len();
            for (rel, text) in events_fuzz::schemagen::repository_subset(&[which]) {
                if rel == all[which].0 {
                    write(&rel, raw);
                } else {
                    write(&rel, text.as_bytes());
                }
            }
        }
    }
    let lenient = mode & 0x80 != 0;
    let loaded = if lenient {
        SchemaSet::load_lenient(&dir)
    } else {
        SchemaSet::load(&dir)
    };
    let debug = std::env::var_os("EVENTS_FUZZ_DEBUG").is_some();
    if debug {
        eprintln!(
            "stage loaded mode {} after {:?}",
            mode % 3,
            started.elapsed()
        );
    }
    let set = match loaded {
        Ok(set) => set,
        Err(e) => {
            let text = e.to_string();
            if debug {
                eprintln!(
                    "stage load mode {}: {}",
                    mode % 3,
                    text.replace('\n', " | ")
                );
            }
            return;
        }
    };
    for w in set.warnings() {
        let _ = w.to_string();
    }
    if debug {
        eprintln!("stage set mode {} after {:?}", mode % 3, started.elapsed());
    }
    match Config::new().generate_with_warnings(&set) {
        Ok((code, _warnings)) => {
            if debug {
                eprintln!(
                    "stage emitted mode {} after {:?}, {} bytes",
                    mode % 3,
                    started.elapsed(),
                    code.len()
                );
            }
            events_fuzz::check_generated(&code)
        }
        Err(e) => {
            let text = e.to_string();
            if debug {
                eprintln!(
                    "stage generate mode {}: {}",
                    mode % 3,
                    text.lines().next().unwrap_or("")
                );
            }
            return;
        }
    }
    if debug {
        eprintln!(
            "stage generated mode {} after {:?}",
            mode % 3,
            started.elapsed()
        );
    }
    let Ok(validator) = events_check::validate::Validator::new(&set) else {
        return;
    };
    let catalog = validator.catalog();
    for event in &catalog.events {
        for mode in [Mode::Full, Mode::Minimal] {
            let doc = sample::instance(catalog, event, mode);
            let _ = validator.validate(&doc);
        }
    }
    if debug {
        eprintln!(
            "stage validated mode {} after {:?}",
            mode % 3,
            started.elapsed()
        );
    }
});
