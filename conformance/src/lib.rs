//! Strict variants of the contract sets and the construct fixtures, for the contract tests.
//!
//! `deny(warnings)` holds the generated code to "compiles without warnings", and the
//! prelude names shadowed below catch any path in it that is not fully qualified.
#![deny(warnings)]

macro_rules! generated {
    ($name:ident, $file:literal, $doc:literal) => {
        #[doc = $doc]
        #[allow(dead_code, non_camel_case_types)]
        pub mod $name {
            struct Result;
            struct Ok;
            struct Err;
            struct Option;
            struct Some;
            struct None;
            struct String;
            struct Vec;
            struct Box;
            include!(concat!(env!("OUT_DIR"), "/", $file));
        }
    };
}

generated!(
    vondi_strict,
    "vondi_strict.rs",
    "The Vondi catalog with strict decoding."
);
generated!(
    kafka_strict,
    "kafka_strict.rs",
    "The seed 003 catalog with strict decoding."
);
generated!(
    constructs,
    "constructs.rs",
    "Every construct the generator maps (tolerant)."
);
generated!(
    constructs_strict,
    "constructs_strict.rs",
    "Every construct, strict decoding."
);
