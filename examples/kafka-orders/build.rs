//! Generates the Kafka order-service event types from `schemas/` (seed 003).
//! Same build API as `events-types`; nothing in the generator knows this set.

fn main() {
    if let Err(e) = events_codegen::Config::new()
        // The outbox relays this set to Redis Streams too.
        .field_maps(true)
        .compile("schemas")
    {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
