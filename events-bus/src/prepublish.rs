//! A check every publisher can run before it sends an event, the same way on every bus.

/// Checks an event's encoded document before it is published (the contract's JSON Schema,
/// typically: `events_check::validate::Validator` implements it). An event that fails is
/// not sent; the publish fails with the reason. The runtimes take an
/// `Arc<dyn PrePublish>`, so none of them links a validator unless the application does.
pub trait PrePublish: Send + Sync {
    /// `Ok(())` to send the event of type `event_type` whose envelope is `json`, or the
    /// reason it must not be sent.
    fn check(&self, event_type: &str, json: &[u8]) -> Result<(), String>;
}

impl<F> PrePublish for F
where
    F: Fn(&str, &[u8]) -> Result<(), String> + Send + Sync,
{
    fn check(&self, event_type: &str, json: &[u8]) -> Result<(), String> {
        self(event_type, json)
    }
}
