//! Prints the Rust code generated for a schema directory: `cargo run --example generate -- DIR`.

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "schemas".to_owned());
    match events_codegen::Config::new().generate(&dir) {
        Ok(code) => print!("{code}"),
        Err(e) => {
            eprint!("{e}");
            std::process::exit(1);
        }
    }
}
