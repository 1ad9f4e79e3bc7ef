//! Generates the types of the catalog in `OCTOKIT_SCHEMAS` (a directory of JSON Schema
//! files), types only, as `events generate --types-only` would; and the events of the same
//! catalog through the rule file `github.catalog.json` (the catalog route), as
//! `events --schemas github.catalog.json generate` would.

fn main() {
    println!("cargo:rerun-if-env-changed=OCTOKIT_SCHEMAS");
    let Some(dir) = std::env::var_os("OCTOKIT_SCHEMAS") else {
        eprintln!("set OCTOKIT_SCHEMAS to the directory of @octokit/webhooks-schemas");
        std::process::exit(1);
    };
    if let Err(e) = events_codegen::Config::new()
        .file_name("octokit.rs")
        .compile_types(dir)
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
    if let Err(e) = events_codegen::Config::new()
        .file_name("github.rs")
        .compile("github.catalog.json")
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
