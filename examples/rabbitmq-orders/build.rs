//! Generates the RabbitMQ event types from `schemas/` (seed 002).
//! Same build API as `events-types`; nothing in the generator knows this set.

fn main() {
    if let Err(e) = events_codegen::Config::new().compile("schemas") {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
