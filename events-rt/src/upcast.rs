//! The error of a conversion between two major versions that nobody has written yet.

/// `Event::upcast` (or a generated `TryFrom`) met a step between two major versions whose
/// conversion is neither mechanical nor written by hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no conversion from {from} to {to}: {reason}; write `impl From<{from}> for {to}` and list it with `Config::manual_upcast({event_type:?}, {from_major})`")]
pub struct UpcastError {
    /// The event type.
    pub event_type: &'static str,
    /// The older struct.
    pub from: &'static str,
    /// Its major version.
    pub from_major: u32,
    /// The newer struct.
    pub to: &'static str,
    /// Why the generator could not write it.
    pub reason: &'static str,
}
