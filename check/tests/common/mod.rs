//! Helpers shared by the test programs that check the diff engine against the validator.

pub mod probes;
