//! Deterministic ids for imports: `UUIDv5` names from the source's name and its keys, so the
//! same source imported twice, or resumed after an interruption, makes the same ids.

use ledgerdesk_domain::{
    CompanyId, CustomerId, EventId, IncidentId, ServiceId, StreamName, UserId,
};
use uuid::Uuid;

/// The namespace of every import's namespace; fixed forever (changing it would import the same
/// source again under new ids).
const IMPORT_NAMESPACE: Uuid = Uuid::from_u128(0x6c65_6467_6572_4000_8000_696d_706f_7274);

/// The ids of one source (the mapping's `source`).
#[derive(Clone, Copy, Debug)]
pub struct IdSpace(Uuid);

impl IdSpace {
    /// The id space of the source named `source`.
    #[must_use]
    pub fn of(source: &str) -> Self {
        Self(Uuid::new_v5(&IMPORT_NAMESPACE, source.as_bytes()))
    }

    /// The incident whose key in the source is `key`.
    #[must_use]
    pub fn incident(self, key: &str) -> IncidentId {
        IncidentId::from_uuid(self.name("incident", key))
    }

    /// The customer whose key is `key`.
    #[must_use]
    pub fn customer(self, key: &str) -> CustomerId {
        CustomerId::from_uuid(self.name("customer", key))
    }

    /// The company whose key is `key`.
    #[must_use]
    pub fn company(self, key: &str) -> CompanyId {
        CompanyId::from_uuid(self.name("company", key))
    }

    /// The service named `key`.
    #[must_use]
    pub fn service(self, key: &str) -> ServiceId {
        ServiceId::from_uuid(self.name("service", key))
    }

    /// The staff user whose key is `key`.
    #[must_use]
    pub fn user(self, key: &str) -> UserId {
        UserId::from_uuid(self.name("user", key))
    }

    /// The event the import writes at `version` of `stream`: an event written again (an
    /// interrupted import resumed) gets the id it had, which the store refuses twice.
    #[must_use]
    pub fn event(self, stream: &StreamName, version: u64) -> EventId {
        EventId::from_uuid(self.name("event", &format!("{stream}@{version}")))
    }

    fn name(self, kind: &str, key: &str) -> Uuid {
        Uuid::new_v5(&self.0, format!("{kind}:{key}").as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_source_and_key_give_the_same_id_and_others_differ() {
        let uci = IdSpace::of("uci");
        let other = IdSpace::of("other");

        assert_eq!(uci.incident("INC1"), uci.incident("INC1"));
        assert_ne!(uci.incident("INC1"), uci.incident("INC2"));
        assert_ne!(uci.incident("INC1"), other.incident("INC1"));
        assert_ne!(
            uci.customer("x").as_uuid(),
            uci.company("x").as_uuid(),
            "kinds do not share ids"
        );
    }
}
