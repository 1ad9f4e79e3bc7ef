//! The checking side of the event contracts, used by the `events` command and the tests;
//! never a build dependency of a crate that only uses the generated types.
//!
//! - [`input`]: payloads as `events validate` reads them (files, directories, globs,
//!   NDJSON, arrays, field maps, `redis-cli --json XRANGE` output);
//! - [`validate`]: payloads (JSON documents, Redis field maps) against the schemas, with
//!   the JSON path, rule and value of each violation; the bundled schema of one event;
//! - [`json`]: JSON read like the typed decoder reads it (a duplicate key is an error);
//! - [`tape`]: a JSON document read once, strings borrowed, validated in place (the
//!   quick path of [`validate::Validator::accepts`]);
//! - [`sample`]: example documents of every event, from the model the generator builds;
//! - [`diff`]: the contract diff engine, every difference classified by a named rule;
//! - [`evolve`]: `events check`: the version bump each change needs, accepted breaks,
//!   counter-examples.
//!
//! Everything here reads a [`events_codegen::SchemaSet`] and the
//! [`events_codegen::ir::Catalog`] built from it, so checking and code generation see the
//! same schemas the same way.

pub mod diff;
pub mod evolve;
pub mod input;
pub mod json;
pub mod sample;
pub mod tape;
pub mod validate;

#[cfg(test)]
mod tests {
    /// The modes the loader accepts are the modes the diff engine knows.
    #[test]
    fn the_loader_knows_every_compatibility_mode() {
        for name in events_codegen::schema::COMPATIBILITY_MODES {
            let mode = crate::diff::Mode::parse(name).expect(name);
            assert_eq!(mode.as_str(), *name);
        }
    }
}
