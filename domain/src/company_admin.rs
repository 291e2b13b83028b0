//! The company-admin policy: what a customer flagged as company admin may do to colleagues
//! through the portal, as pure checks run before the customer aggregate's `decide`.
//!
//! Within their own company only, a company admin may list colleagues, add a colleague, grant
//! or revoke a colleague's portal access (with a welcome email), and set a colleague's services
//! (the customer aggregate keeps them within the company's services). They never grant company
//! admin or company-wide visibility, and a customer outside their company is "not found".

use crate::customer::{Customer, CustomerCommand, RegisterCustomer};
use crate::id::CompanyId;

/// Why the policy refuses a company admin's request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompanyAdminError {
    /// The acting customer is not a company admin with portal access and a company.
    #[error("customer is not a company admin")]
    NotCompanyAdmin,
    /// The colleague is outside the admin's company; answered exactly like a missing one.
    #[error("customer not found")]
    CustomerNotFound,
    /// Company admins may not do this (e.g. grant company admin or company-wide visibility).
    #[error("company admins may not do this")]
    NotAllowedForCompanyAdmin,
}

/// The company `admin` administers.
///
/// # Errors
///
/// Returns [`CompanyAdminError::NotCompanyAdmin`] unless `admin` has portal access, the
/// company-admin flag and a company.
pub fn administered_company(admin: &Customer) -> Result<CompanyId, CompanyAdminError> {
    match admin.company_id {
        Some(company_id) if admin.portal_access && admin.company_admin => Ok(company_id),
        Some(_) | None => Err(CompanyAdminError::NotCompanyAdmin),
    }
}

/// Whether `admin` may see `colleague` in their colleague list.
#[must_use]
pub fn can_list_colleague(admin: &Customer, colleague: &Customer) -> bool {
    administered_company(admin).is_ok_and(|company_id| colleague.company_id == Some(company_id))
}

/// Checks that `admin` may register the colleague described by `register`.
///
/// # Errors
///
/// Returns [`CompanyAdminError::NotCompanyAdmin`] for a non-admin, and
/// [`CompanyAdminError::NotAllowedForCompanyAdmin`] when the colleague would be in another
/// company (or none), be a company admin, see company-wide, or get a password.
pub fn authorise_add_colleague(
    admin: &Customer,
    register: &RegisterCustomer,
) -> Result<(), CompanyAdminError> {
    let company_id = administered_company(admin)?;
    let same_company = register.company.as_ref().map(|company| company.company_id);
    if same_company != Some(company_id)
        || register.company_admin
        || register.see_company_incidents
        || register.password_hash.is_some()
    {
        return Err(CompanyAdminError::NotAllowedForCompanyAdmin);
    }
    Ok(())
}

/// Checks that `admin` may run `cmd` on `colleague`.
///
/// # Errors
///
/// Returns [`CompanyAdminError::NotCompanyAdmin`] for a non-admin,
/// [`CompanyAdminError::CustomerNotFound`] for a colleague outside the admin's company, and
/// [`CompanyAdminError::NotAllowedForCompanyAdmin`] for anything but portal access, welcome
/// emails and services.
pub fn authorise_colleague_command(
    admin: &Customer,
    colleague: &Customer,
    cmd: &CustomerCommand,
) -> Result<(), CompanyAdminError> {
    if !can_list_colleague(admin, colleague) {
        administered_company(admin)?;
        return Err(CompanyAdminError::CustomerNotFound);
    }
    match cmd {
        CustomerCommand::GrantPortalAccess { .. }
        | CustomerCommand::RevokePortalAccess
        | CustomerCommand::RequestWelcomeEmail(_)
        | CustomerCommand::GrantService { .. }
        | CustomerCommand::RevokeService { .. }
        | CustomerCommand::SetServices { .. } => Ok(()),
        CustomerCommand::Register(_)
        | CustomerCommand::ChangeDetails { .. }
        | CustomerCommand::MoveToCompany { .. }
        | CustomerCommand::SetPassword { .. }
        | CustomerCommand::GrantCompanyAdmin
        | CustomerCommand::RevokeCompanyAdmin
        | CustomerCommand::GrantCompanyWideVisibility
        | CustomerCommand::RevokeCompanyWideVisibility => {
            Err(CompanyAdminError::NotAllowedForCompanyAdmin)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use uuid::Uuid;

    use super::*;
    use crate::customer::CompanyServices;
    use crate::id::{CustomerId, ServiceId};
    use crate::value::{Email, Name, PasswordHash};

    fn company(n: u128) -> CompanyId {
        CompanyId::from_uuid(Uuid::from_u128(100 + n))
    }

    fn customer(n: u128, company_id: Option<CompanyId>) -> Customer {
        Customer {
            id: CustomerId::from_uuid(Uuid::from_u128(n)),
            name: Name::parse("Someone").unwrap(),
            email: Email::parse(&format!("c{n}@example.com")).unwrap(),
            company_id,
            portal_access: true,
            company_admin: false,
            see_company_incidents: false,
            services: BTreeSet::new(),
            password_hash: None,
            welcome_link: None,
        }
    }

    fn admin() -> Customer {
        Customer {
            company_admin: true,
            ..customer(1, Some(company(1)))
        }
    }

    fn register(company_id: CompanyId) -> RegisterCustomer {
        RegisterCustomer {
            customer_id: CustomerId::from_uuid(Uuid::from_u128(9)),
            name: Name::parse("New Colleague").unwrap(),
            email: Email::parse("new@example.com").unwrap(),
            company: Some(CompanyServices {
                company_id,
                services: BTreeSet::new(),
            }),
            portal_access: true,
            password_hash: None,
            company_admin: false,
            see_company_incidents: false,
            services: BTreeSet::new(),
            welcome_email: None,
        }
    }

    #[test]
    fn only_customers_with_the_flag_access_and_a_company_administer_it() {
        let cases = [
            (admin(), true, "company admin with access"),
            (customer(1, Some(company(1))), false, "plain customer"),
            (
                Customer {
                    portal_access: false,
                    ..admin()
                },
                false,
                "admin without portal access",
            ),
            (
                Customer {
                    company_id: None,
                    ..admin()
                },
                false,
                "admin flag without a company",
            ),
        ];

        for (actor, allowed, message) in cases {
            assert_eq!(administered_company(&actor).is_ok(), allowed, "{message}");
        }
    }

    #[test]
    fn admins_list_only_colleagues_of_their_own_company() {
        let colleague = customer(2, Some(company(1)));
        let outsider = customer(3, Some(company(2)));
        let loner = customer(4, None);

        assert!(can_list_colleague(&admin(), &colleague));
        assert!(!can_list_colleague(&admin(), &outsider));
        assert!(!can_list_colleague(&admin(), &loner));
        assert!(
            !can_list_colleague(&customer(5, Some(company(1))), &colleague),
            "not an admin"
        );
    }

    #[test]
    fn admins_add_plain_colleagues_to_their_own_company_only() {
        let hash = PasswordHash::parse("$argon2id$x").unwrap();
        let cases = [
            (register(company(1)), Ok(()), "plain colleague"),
            (
                register(company(2)),
                Err(CompanyAdminError::NotAllowedForCompanyAdmin),
                "other company",
            ),
            (
                RegisterCustomer {
                    company: None,
                    ..register(company(1))
                },
                Err(CompanyAdminError::NotAllowedForCompanyAdmin),
                "no company",
            ),
            (
                RegisterCustomer {
                    company_admin: true,
                    ..register(company(1))
                },
                Err(CompanyAdminError::NotAllowedForCompanyAdmin),
                "company admin",
            ),
            (
                RegisterCustomer {
                    see_company_incidents: true,
                    ..register(company(1))
                },
                Err(CompanyAdminError::NotAllowedForCompanyAdmin),
                "company-wide visibility",
            ),
            (
                RegisterCustomer {
                    password_hash: Some(hash),
                    ..register(company(1))
                },
                Err(CompanyAdminError::NotAllowedForCompanyAdmin),
                "password",
            ),
        ];

        for (register, expected, message) in cases {
            assert_eq!(
                authorise_add_colleague(&admin(), &register),
                expected,
                "{message}"
            );
        }
        let plain = customer(5, Some(company(1)));
        assert_eq!(
            authorise_add_colleague(&plain, &register(company(1))),
            Err(CompanyAdminError::NotCompanyAdmin)
        );
    }

    #[test]
    fn admins_manage_colleagues_access_and_services_but_no_flags() {
        let colleague = customer(2, Some(company(1)));
        let services = BTreeSet::from([ServiceId::from_uuid(Uuid::from_u128(300))]);
        let company_services = CompanyServices {
            company_id: company(1),
            services: services.clone(),
        };
        let allowed = [
            CustomerCommand::GrantPortalAccess {
                welcome_email: None,
            },
            CustomerCommand::RevokePortalAccess,
            CustomerCommand::SetServices {
                services,
                company: Some(company_services),
            },
        ];
        let refused = [
            CustomerCommand::GrantCompanyAdmin,
            CustomerCommand::GrantCompanyWideVisibility,
            CustomerCommand::MoveToCompany { company_id: None },
            CustomerCommand::SetPassword {
                password_hash: PasswordHash::parse("$x").unwrap(),
            },
        ];

        for cmd in allowed {
            assert_eq!(
                authorise_colleague_command(&admin(), &colleague, &cmd),
                Ok(()),
                "{cmd:?}"
            );
        }
        for cmd in refused {
            assert_eq!(
                authorise_colleague_command(&admin(), &colleague, &cmd),
                Err(CompanyAdminError::NotAllowedForCompanyAdmin),
                "{cmd:?}"
            );
        }
    }

    #[test]
    fn a_customer_outside_the_admins_company_is_not_found() {
        let outsider = customer(3, Some(company(2)));

        let result =
            authorise_colleague_command(&admin(), &outsider, &CustomerCommand::RevokePortalAccess);

        assert_eq!(result, Err(CompanyAdminError::CustomerNotFound));
    }

    #[test]
    fn a_non_admin_is_refused_before_anything_else() {
        let plain = customer(5, Some(company(1)));
        let outsider = customer(3, Some(company(2)));

        let result =
            authorise_colleague_command(&plain, &outsider, &CustomerCommand::RevokePortalAccess);

        assert_eq!(result, Err(CompanyAdminError::NotCompanyAdmin));
    }
}
