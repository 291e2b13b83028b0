//! Given/when/then tests of the customer aggregate, one or more per command and rule.
//!
//! Past 500 lines: one scenario per command, rule and no-op, sharing one set of fixtures that
//! splitting by command would scatter.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::*;
use crate::testing::given;

fn customer_id() -> CustomerId {
    CustomerId::from_uuid(Uuid::from_u128(1))
}

fn company(n: u128) -> CompanyId {
    CompanyId::from_uuid(Uuid::from_u128(100 + n))
}

fn service(n: u128) -> ServiceId {
    ServiceId::from_uuid(Uuid::from_u128(200 + n))
}

fn services(ns: &[u128]) -> BTreeSet<ServiceId> {
    ns.iter().map(|&n| service(n)).collect()
}

fn company_services(n: u128, ns: &[u128]) -> CompanyServices {
    CompanyServices {
        company_id: company(n),
        services: services(ns),
    }
}

fn name(text: &str) -> Name {
    Name::parse(text).unwrap()
}

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

fn hash(text: &str) -> PasswordHash {
    PasswordHash::parse(text).unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-01-02T03:04:05Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn welcome() -> WelcomeEmail {
    WelcomeEmail {
        token_hash: TokenHash::parse("c0ffee").unwrap(),
        requested_at: now(),
        expires_at: now() + Duration::days(7),
    }
}

fn welcome_requested() -> CustomerEvent {
    CustomerEvent::WelcomeEmailRequested {
        token_hash: TokenHash::parse("c0ffee").unwrap(),
        expires_at: now() + Duration::days(7),
    }
}

fn registered(company_id: Option<CompanyId>) -> CustomerEvent {
    CustomerEvent::Registered {
        customer_id: customer_id(),
        name: name("Customer A"),
        email: email("a@company-a.example"),
        company_id,
    }
}

fn register(company: Option<CompanyServices>) -> RegisterCustomer {
    RegisterCustomer {
        customer_id: customer_id(),
        name: name("Customer A"),
        email: email("a@company-a.example"),
        company,
        portal_access: false,
        password_hash: None,
        company_admin: false,
        see_company_incidents: false,
        services: BTreeSet::new(),
        welcome_email: None,
    }
}

/// A customer of company 1 (which has services 1 and 2) with portal access and service 1.
fn in_company_one() -> Vec<CustomerEvent> {
    vec![
        registered(Some(company(1))),
        CustomerEvent::ServiceGranted {
            service_id: service(1),
        },
        CustomerEvent::PortalAccessGranted {},
    ]
}

#[test]
fn a_customer_is_registered_with_everything_asked_for() {
    let cmd = RegisterCustomer {
        portal_access: true,
        password_hash: Some(hash("$argon2id$p")),
        company_admin: true,
        see_company_incidents: true,
        services: services(&[1, 2]),
        welcome_email: Some(welcome()),
        ..register(Some(company_services(1, &[1, 2, 3])))
    };

    given::<CustomerEvent>(&[])
        .when(CustomerCommand::Register(cmd))
        .then(&[
            registered(Some(company(1))),
            CustomerEvent::ServiceGranted {
                service_id: service(1),
            },
            CustomerEvent::ServiceGranted {
                service_id: service(2),
            },
            CustomerEvent::CompanyAdminGranted {},
            CustomerEvent::CompanyWideVisibilityGranted {},
            CustomerEvent::PasswordSet {
                password_hash: hash("$argon2id$p"),
            },
            CustomerEvent::PortalAccessGranted {},
            welcome_requested(),
        ]);
}

#[test]
fn a_customer_without_a_company_may_have_any_services() {
    let cmd = RegisterCustomer {
        services: services(&[7]),
        ..register(None)
    };

    given::<CustomerEvent>(&[])
        .when(CustomerCommand::Register(cmd))
        .then(&[
            registered(None),
            CustomerEvent::ServiceGranted {
                service_id: service(7),
            },
        ]);
}

#[test]
fn a_customer_cannot_be_registered_twice() {
    given(&[registered(None)])
        .when(CustomerCommand::Register(register(None)))
        .then_error(CustomerError::AlreadyRegistered);
}

#[test]
fn registering_with_a_service_outside_the_company_is_refused() {
    let cmd = RegisterCustomer {
        services: services(&[1, 9]),
        ..register(Some(company_services(1, &[1])))
    };

    given::<CustomerEvent>(&[])
        .when(CustomerCommand::Register(cmd))
        .then_error(CustomerError::ServiceNotInCompany {
            service_id: service(9),
        });
}

#[test]
fn company_flags_without_a_company_are_refused_at_registration() {
    let admin = RegisterCustomer {
        company_admin: true,
        ..register(None)
    };
    let company_wide = RegisterCustomer {
        see_company_incidents: true,
        ..register(None)
    };

    for cmd in [admin, company_wide] {
        given::<CustomerEvent>(&[])
            .when(CustomerCommand::Register(cmd))
            .then_error(CustomerError::CustomerHasNoCompany);
    }
}

#[test]
fn a_welcome_email_needs_portal_access_at_registration() {
    let cmd = RegisterCustomer {
        welcome_email: Some(welcome()),
        ..register(None)
    };

    given::<CustomerEvent>(&[])
        .when(CustomerCommand::Register(cmd))
        .then_error(CustomerError::NoPortalAccess);
}

#[test]
fn commands_on_a_missing_customer_are_refused() {
    let commands = [
        CustomerCommand::ChangeDetails {
            name: Some(name("X")),
            email: None,
        },
        CustomerCommand::MoveToCompany { company_id: None },
        CustomerCommand::GrantPortalAccess {
            welcome_email: None,
        },
        CustomerCommand::RevokePortalAccess,
        CustomerCommand::SetPassword {
            password_hash: hash("$x"),
        },
        CustomerCommand::GrantCompanyAdmin,
        CustomerCommand::RevokeCompanyAdmin,
        CustomerCommand::GrantCompanyWideVisibility,
        CustomerCommand::RevokeCompanyWideVisibility,
        CustomerCommand::GrantService {
            service_id: service(1),
            company: None,
        },
        CustomerCommand::RevokeService {
            service_id: service(1),
        },
        CustomerCommand::SetServices {
            services: BTreeSet::new(),
            company: None,
        },
        CustomerCommand::RequestWelcomeEmail(welcome()),
    ];

    for cmd in commands {
        given::<CustomerEvent>(&[])
            .when(cmd)
            .then_error(CustomerError::NotFound);
    }
}

#[test]
fn changed_details_record_only_the_fields_that_change() {
    let cmd = CustomerCommand::ChangeDetails {
        name: Some(name("Customer A")),
        email: Some(email("new@company-a.example")),
    };

    given(&[registered(None)])
        .when(cmd)
        .then(&[CustomerEvent::DetailsChanged {
            name: None,
            email: Some(email("new@company-a.example")),
        }]);
}

#[test]
fn unchanged_details_change_nothing() {
    let cmd = CustomerCommand::ChangeDetails {
        name: Some(name("Customer A")),
        email: Some(email("A@Company-A.example")),
    };

    given(&[registered(None)]).when(cmd).then_nothing();
}

#[test]
fn moving_to_another_company_revokes_the_company_flags() {
    let mut history = in_company_one();
    history.extend([
        CustomerEvent::CompanyAdminGranted {},
        CustomerEvent::CompanyWideVisibilityGranted {},
    ]);

    given(&history)
        .when(CustomerCommand::MoveToCompany {
            company_id: Some(company(2)),
        })
        .then(&[
            CustomerEvent::MovedToCompany {
                company_id: Some(company(2)),
            },
            CustomerEvent::CompanyAdminRevoked {},
            CustomerEvent::CompanyWideVisibilityRevoked {},
        ]);
}

#[test]
fn moving_to_no_company_is_recorded() {
    given(&in_company_one())
        .when(CustomerCommand::MoveToCompany { company_id: None })
        .then(&[CustomerEvent::MovedToCompany { company_id: None }]);
}

#[test]
fn moving_to_the_same_company_changes_nothing() {
    given(&in_company_one())
        .when(CustomerCommand::MoveToCompany {
            company_id: Some(company(1)),
        })
        .then_nothing();
}

#[test]
fn portal_access_is_granted_once_with_an_optional_welcome_email() {
    given(&[registered(None)])
        .when(CustomerCommand::GrantPortalAccess {
            welcome_email: Some(welcome()),
        })
        .then(&[CustomerEvent::PortalAccessGranted {}, welcome_requested()]);
    given(&in_company_one())
        .when(CustomerCommand::GrantPortalAccess {
            welcome_email: None,
        })
        .then_nothing();
    given(&in_company_one())
        .when(CustomerCommand::GrantPortalAccess {
            welcome_email: Some(welcome()),
        })
        .then(&[welcome_requested()]);
}

#[test]
fn portal_access_is_revoked_only_when_held() {
    given(&in_company_one())
        .when(CustomerCommand::RevokePortalAccess)
        .then(&[CustomerEvent::PortalAccessRevoked {}]);
    given(&[registered(None)])
        .when(CustomerCommand::RevokePortalAccess)
        .then_nothing();
}

#[test]
fn a_new_password_is_recorded_as_a_hash_and_uses_up_the_welcome_link() {
    given(&[registered(None)])
        .when(CustomerCommand::SetPassword {
            password_hash: hash("$argon2id$new"),
        })
        .then(&[CustomerEvent::PasswordSet {
            password_hash: hash("$argon2id$new"),
        }]);

    let mut history = in_company_one();
    history.push(welcome_requested());
    history.push(CustomerEvent::PasswordSet {
        password_hash: hash("$argon2id$new"),
    });
    let state = CustomerState::replay(&history);
    assert_eq!(state.customer().unwrap().welcome_link, None);
}

#[test]
fn company_admin_is_granted_and_revoked_once() {
    let mut admin_history = in_company_one();
    admin_history.push(CustomerEvent::CompanyAdminGranted {});

    given(&in_company_one())
        .when(CustomerCommand::GrantCompanyAdmin)
        .then(&[CustomerEvent::CompanyAdminGranted {}]);
    given(&admin_history)
        .when(CustomerCommand::GrantCompanyAdmin)
        .then_nothing();
    given(&admin_history)
        .when(CustomerCommand::RevokeCompanyAdmin)
        .then(&[CustomerEvent::CompanyAdminRevoked {}]);
    given(&in_company_one())
        .when(CustomerCommand::RevokeCompanyAdmin)
        .then_nothing();
}

#[test]
fn company_wide_visibility_is_granted_and_revoked_once() {
    let mut wide_history = in_company_one();
    wide_history.push(CustomerEvent::CompanyWideVisibilityGranted {});

    given(&in_company_one())
        .when(CustomerCommand::GrantCompanyWideVisibility)
        .then(&[CustomerEvent::CompanyWideVisibilityGranted {}]);
    given(&wide_history)
        .when(CustomerCommand::GrantCompanyWideVisibility)
        .then_nothing();
    given(&wide_history)
        .when(CustomerCommand::RevokeCompanyWideVisibility)
        .then(&[CustomerEvent::CompanyWideVisibilityRevoked {}]);
    given(&in_company_one())
        .when(CustomerCommand::RevokeCompanyWideVisibility)
        .then_nothing();
}

#[test]
fn company_flags_need_a_company() {
    given(&[registered(None)])
        .when(CustomerCommand::GrantCompanyAdmin)
        .then_error(CustomerError::CustomerHasNoCompany);
    given(&[registered(None)])
        .when(CustomerCommand::GrantCompanyWideVisibility)
        .then_error(CustomerError::CustomerHasNoCompany);
}

#[test]
fn a_service_within_the_company_is_granted_once() {
    let cmd = || CustomerCommand::GrantService {
        service_id: service(2),
        company: Some(company_services(1, &[1, 2])),
    };

    given(&in_company_one())
        .when(cmd())
        .then(&[CustomerEvent::ServiceGranted {
            service_id: service(2),
        }]);
    let mut history = in_company_one();
    history.push(CustomerEvent::ServiceGranted {
        service_id: service(2),
    });
    given(&history).when(cmd()).then_nothing();
}

#[test]
fn a_service_outside_the_company_is_refused() {
    given(&in_company_one())
        .when(CustomerCommand::GrantService {
            service_id: service(3),
            company: Some(company_services(1, &[1, 2])),
        })
        .then_error(CustomerError::ServiceNotInCompany {
            service_id: service(3),
        });
}

#[test]
fn company_facts_of_another_company_are_refused() {
    let cases = [
        (
            Some(company_services(2, &[1, 2, 3])),
            "facts of another company",
        ),
        (None, "no facts for a customer with a company"),
    ];

    for (company, message) in cases {
        let result = decide(
            &CustomerState::replay(&in_company_one()),
            CustomerCommand::GrantService {
                service_id: service(2),
                company,
            },
        );

        assert_eq!(
            result,
            Err(CustomerError::CompanyContextMismatch),
            "{message}"
        );
    }
    given(&[registered(None)])
        .when(CustomerCommand::GrantService {
            service_id: service(2),
            company: Some(company_services(1, &[2])),
        })
        .then_error(CustomerError::CompanyContextMismatch);
}

#[test]
fn a_service_is_revoked_only_when_granted() {
    given(&in_company_one())
        .when(CustomerCommand::RevokeService {
            service_id: service(1),
        })
        .then(&[CustomerEvent::ServiceRevoked {
            service_id: service(1),
        }]);
    given(&in_company_one())
        .when(CustomerCommand::RevokeService {
            service_id: service(2),
        })
        .then_nothing();
}

#[test]
fn setting_the_services_emits_the_difference() {
    given(&in_company_one())
        .when(CustomerCommand::SetServices {
            services: services(&[2]),
            company: Some(company_services(1, &[1, 2])),
        })
        .then(&[
            CustomerEvent::ServiceGranted {
                service_id: service(2),
            },
            CustomerEvent::ServiceRevoked {
                service_id: service(1),
            },
        ]);
}

#[test]
fn setting_the_same_services_changes_nothing() {
    given(&in_company_one())
        .when(CustomerCommand::SetServices {
            services: services(&[1]),
            company: Some(company_services(1, &[2])),
        })
        .then_nothing();
}

#[test]
fn setting_services_beyond_the_company_is_refused() {
    given(&in_company_one())
        .when(CustomerCommand::SetServices {
            services: services(&[1, 3]),
            company: Some(company_services(1, &[1, 2])),
        })
        .then_error(CustomerError::ServiceNotInCompany {
            service_id: service(3),
        });
}

#[test]
fn a_welcome_email_is_requested_for_a_customer_with_portal_access() {
    given(&in_company_one())
        .when(CustomerCommand::RequestWelcomeEmail(welcome()))
        .then(&[welcome_requested()]);
    given(&[registered(None)])
        .when(CustomerCommand::RequestWelcomeEmail(welcome()))
        .then_error(CustomerError::NoPortalAccess);
}

#[test]
fn a_welcome_link_must_expire_after_it_is_requested() {
    let expired = WelcomeEmail {
        expires_at: now(),
        ..welcome()
    };

    given(&in_company_one())
        .when(CustomerCommand::RequestWelcomeEmail(expired))
        .then_error(CustomerError::WelcomeLinkAlreadyExpired);
}

#[test]
fn evolving_the_history_gives_the_current_customer() {
    let mut history = in_company_one();
    history.extend([
        CustomerEvent::CompanyWideVisibilityGranted {},
        CustomerEvent::ServiceGranted {
            service_id: service(2),
        },
        CustomerEvent::ServiceRevoked {
            service_id: service(1),
        },
        CustomerEvent::DetailsChanged {
            name: Some(name("Customer Z")),
            email: None,
        },
        welcome_requested(),
    ]);

    let state = CustomerState::replay(&history);

    let customer = state.customer().unwrap();
    assert_eq!(customer.name, name("Customer Z"));
    assert_eq!(customer.services, services(&[2]));
    assert!(customer.portal_access && customer.see_company_incidents && !customer.company_admin);
    assert_eq!(
        customer.facts(),
        CustomerFacts {
            customer_id: customer_id(),
            company_id: Some(company(1))
        }
    );
    assert!(customer.welcome_link.is_some());
}
