//! `Event` is an [`EventSet`](events_rt::EventSet) and, generated with the field-map codec, a [`FieldSet`](events_rt::FieldSet), so
//! the bus runtimes (events-redis) consume and publish the whole catalog.

#[cfg(test)]
mod tests {
    use events_rt::{ContractInfo, DecodeError, EventSet, FieldSet, Fields};

    use crate::Event;

    #[test]
    fn every_event_type_has_a_contract_with_its_stream() {
        let contracts = Event::contracts();
        for t in crate::EventType::ALL {
            assert!(contracts.iter().any(|c| c.event_type == t.as_str()), "{t}");
        }
        assert!(contracts.contains(&ContractInfo::of::<crate::OrderConfirmedV1>()));
        assert!(contracts
            .iter()
            .any(|c| c.channel == "listings:events:orders" && c.event_type == "order.cancelled"));
    }

    #[test]
    fn one_contract_is_a_set_and_other_types_on_its_stream_are_unknown_not_corrupt() {
        use crate::{OrderCancelledV1, OrderConfirmedV1};
        let owned = |f: Fields| -> Vec<(String, String)> {
            f.into_iter().map(|(k, v)| (k.into_owned(), v)).collect()
        };
        let cancelled = owned(
            OrderCancelledV1::new(1, 7, "customer_request")
                .encode_fields()
                .unwrap(),
        );
        match OrderConfirmedV1::decode_fields(&cancelled) {
            Err(DecodeError::UnknownType(e)) => assert_eq!(e.found, "order.cancelled"),
            other => panic!("{other:?}"),
        }
        let mut confirmed = owned(
            OrderConfirmedV1::new(1, 7, 2, vec![])
                .encode_fields()
                .unwrap(),
        );
        for (k, v) in &mut confirmed {
            if k == "order_id" {
                *v = "x".into();
            }
        }
        assert!(matches!(
            OrderConfirmedV1::decode_fields(&confirmed),
            Err(DecodeError::Field(_))
        ));
        assert_eq!(
            OrderConfirmedV1::contracts()[0].channel,
            "listings:events:orders"
        );
    }
}
