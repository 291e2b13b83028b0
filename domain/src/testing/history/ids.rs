//! The id scheme of random histories: the history's salt in the high 64 bits of every uuid,
//! so histories with different salts never share an id, and the kind and pool index in the low.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::id::{CommentId, CompanyId, CustomerId, IncidentId, ServiceId, UserId};
use crate::testing::history::{N_COMPANIES, N_CUSTOMERS, N_INCIDENTS, N_SERVICES};
use crate::user::UserFacts;

/// The ids of one history: the salt in the high 64 bits, the kind and pool index in the low.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ids {
    /// The history's salt, also used for its incident references and emails.
    pub(super) salt: u64,
}

impl Ids {
    /// The service with pool index `n`, wrapping around the pool.
    pub(super) fn service(self, n: u8) -> ServiceId {
        ServiceId::from_uuid(self.id(0x1000, u128::from(n % N_SERVICES)))
    }

    /// The company with pool index `n`, wrapping around the pool.
    pub(super) fn company(self, n: u8) -> CompanyId {
        CompanyId::from_uuid(self.id(0x2000, u128::from(n % N_COMPANIES)))
    }

    /// The customer with pool index `n`, wrapping around the pool.
    pub(super) fn customer(self, n: u8) -> CustomerId {
        CustomerId::from_uuid(self.id(0x3000, u128::from(n % N_CUSTOMERS)))
    }

    /// The incident with pool index `n`, wrapping around the pool.
    pub(super) fn incident(self, n: u8) -> IncidentId {
        IncidentId::from_uuid(self.id(0x4000, u128::from(n % N_INCIDENTS)))
    }

    /// Comment `n` of incident `incident`; `0x5000 + incident * 256 + n` in the low bits.
    pub(super) fn comment(self, incident: u8, n: u8) -> CommentId {
        let incident = u128::from(incident % N_INCIDENTS);
        CommentId::from_uuid(self.id(0x5000, incident * 256 + u128::from(n)))
    }

    /// The one staff user, active, who issues every staff command.
    pub(super) fn staff(self) -> UserFacts {
        UserFacts {
            user_id: UserId::from_uuid(self.id(0x6000, 0)),
            active: true,
        }
    }

    /// The services whose bit is set in `bits`.
    pub(super) fn services(self, bits: u8) -> BTreeSet<ServiceId> {
        (0..N_SERVICES)
            .filter(|n| bits & (1 << n) != 0)
            .map(|n| self.service(n))
            .collect()
    }

    /// The uuid of the `n`-th id of `kind`: the salt above bit 64, `kind + n` below.
    fn id(self, kind: u128, n: u128) -> Uuid {
        Uuid::from_u128((u128::from(self.salt) << 64) + kind + n)
    }
}
