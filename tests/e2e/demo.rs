//! `ledgerdesk demo` on both backends: the blog's example loads once, a server started afterwards
//! serves it at once, and each of customers A-H sees exactly the incidents the rule allows; the
//! incident lists' text search (`q`) on the demo's incidents.
//!
//! What each customer should see is derived here from the demo's data (`ledgerdesk::command::
//! demo::data`) with the rule of DESIGN §3.1 written out again, and pinned against the blog's
//! statements; the server's own queries are only what is being checked.

use std::collections::BTreeSet;

use ledgerdesk::command::demo::data::{
    self, COMPANIES, CUSTOMERS, DemoCustomer, DemoIncident, INCIDENTS, STAFF,
};
use reqwest::Method;

use crate::harness::{both_backends, ledgerdesk, sqlite};
use crate::serve::{Server, create_user, ledger_length};

#[tokio::test]
async fn each_blog_customer_sees_exactly_the_incidents_the_rule_allows() {
    for database in both_backends().await {
        let loaded = ledgerdesk(&database, &["demo"]).await;
        let length = ledger_length(&database).await;
        let again = ledgerdesk(&database, &["demo"]).await;
        let status = ledgerdesk(&database, &["projections", "status"]).await;

        let printed = String::from_utf8_lossy(&loaded.stdout);
        assert!(loaded.status.success(), "demo: {loaded:?}");
        for (email, password) in accounts() {
            assert!(
                printed.contains(email) && printed.contains(password),
                "the demo prints {email} and its password: {printed}"
            );
        }
        assert!(again.status.success(), "a second run succeeds: {again:?}");
        assert!(
            String::from_utf8_lossy(&again.stdout).contains("already loaded"),
            "a second run says so: {again:?}"
        );
        assert_eq!(ledger_length(&database).await, length, "nothing duplicated");
        assert!(
            caught_up(&String::from_utf8_lossy(&status.stdout)),
            "{status:?}"
        );

        let server = Server::start(&database).await;
        for staff in STAFF {
            server
                .token("/api/session", staff.email, staff.password)
                .await;
        }
        for customer in &CUSTOMERS {
            let token = server
                .token("/portal/api/session", customer.email, customer.password)
                .await;
            let seen = seen_by(&server, &token).await;

            assert_eq!(
                seen,
                expected_for(customer),
                "customer {} sees what the rule allows",
                customer.letter
            );
            assert_eq!(
                seen,
                pinned(customer.letter),
                "customer {}",
                customer.letter
            );
            assert_never_sees_other_companies(customer, &seen);
        }

        server.stop().await;
    }
}

#[tokio::test]
async fn the_demo_refuses_a_ledger_that_holds_other_data() {
    let database = sqlite();
    create_user(
        &database,
        "ada@provider.example",
        "admin",
        "admin password 1",
    )
    .await;
    let length = ledger_length(&database).await;

    let refused = ledgerdesk(&database, &["demo"]).await;

    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not the demo"),
        "{refused:?}"
    );
    assert_eq!(ledger_length(&database).await, length, "nothing appended");
}

/// Every demo account's email and password.
fn accounts() -> Vec<(&'static str, &'static str)> {
    let staff = STAFF.iter().map(|staff| (staff.email, staff.password));
    let customers = CUSTOMERS
        .iter()
        .map(|customer| (customer.email, customer.password));
    staff.chain(customers).collect()
}

/// Whether `projections status` shows the portal model current with no lag.
fn caught_up(status: &str) -> bool {
    status.lines().any(|line| {
        let columns: Vec<&str> = line.split_whitespace().collect();
        columns.first() == Some(&"portal")
            && columns.get(2) == Some(&"0")
            && columns.last() == Some(&"yes")
    })
}

/// The indexes (in `INCIDENTS`) of the incidents the customer's portal lists, after checking
/// that every one of them opens and that no internal comment appears in any answer.
async fn seen_by(server: &Server, token: &str) -> BTreeSet<usize> {
    let list = server
        .call(
            Method::GET,
            "/portal/api/incidents?limit=500",
            Some(token),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_no_internal_comment(&list.body.to_string());

    let mut seen = BTreeSet::new();
    for item in list.body["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        let index = (0..INCIDENTS.len())
            .find(|index| data::incident_id(*index).to_string() == id)
            .unwrap_or_else(|| panic!("the portal lists an incident the demo did not log: {id}"));
        let detail = server
            .call(
                Method::GET,
                &format!("/portal/api/incidents/{id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(detail.status, 200, "{detail:?}");
        assert_no_internal_comment(&detail.body.to_string());
        let n_public = INCIDENTS[index]
            .comments
            .iter()
            .filter(|c| c.public)
            .count();
        assert_eq!(
            detail.body["comments"].as_array().unwrap().len(),
            n_public,
            "every public comment of {id}, and only those"
        );
        seen.insert(index);
    }
    seen
}

fn assert_no_internal_comment(answer: &str) {
    for incident in &INCIDENTS {
        for comment in incident.comments.iter().filter(|c| !c.public) {
            assert!(
                !answer.contains(comment.body),
                "an internal comment reached the portal: {answer}"
            );
        }
    }
}

/// The rule of DESIGN §3.1 over the demo's data: every shown incident of the customer's company
/// (or of no company, for a customer without one) on one of their effective services that is
/// theirs, or their company's when they see company-wide.
fn expected_for(viewer: &DemoCustomer) -> BTreeSet<usize> {
    let effective: Vec<&str> = match viewer.company {
        Some(letter) => {
            let company = COMPANIES.iter().find(|c| c.letter == letter).unwrap();
            let within = viewer
                .services
                .iter()
                .filter(|s| company.services.contains(s));
            within.copied().collect()
        }
        None => viewer.services.to_vec(),
    };
    let may_see = |incident: &DemoIncident| {
        let company = incident
            .customer
            .and_then(|letter| customer(letter).company);
        let own = incident.customer == Some(viewer.letter);
        let company_wide = viewer.see_company_incidents && viewer.company.is_some();
        incident.shown
            && company == viewer.company
            && effective.contains(&incident.service)
            && (own || company_wide)
    };
    (0..INCIDENTS.len())
        .filter(|index| may_see(&INCIDENTS[*index]))
        .collect()
}

/// The same sets written out by hand, so a slip in the demo's data or in `expected_for` shows.
fn pinned(letter: &str) -> BTreeSet<usize> {
    let indexes: &[usize] = match letter {
        "A" => &[0],
        "B" => &[2, 3],
        "C" => &[4],
        "D" => &[6, 7],
        "E" => &[8, 9],
        // F sees Company B's incidents on F, G and H: E's on H too, which E cannot see.
        "F" => &[8, 9, 10, 11],
        // G sees Company C's incidents on F, G and H: H's on G too, which H cannot see.
        "G" => &[13, 14, 15, 16],
        "H" => &[15],
        _ => panic!("no customer {letter} in the blog"),
    };
    indexes.iter().copied().collect()
}

/// The blog's statements: E and F never see G's or H's incidents, and B and C never see each
/// other's, whatever services they share.
fn assert_never_sees_other_companies(viewer: &DemoCustomer, seen: &BTreeSet<usize>) {
    let forbidden: &[&str] = match viewer.letter {
        "E" | "F" => &["G", "H"],
        "G" | "H" => &["E", "F"],
        "B" => &["C"],
        "C" => &["B"],
        _ => &[],
    };
    for index in seen {
        let owner = INCIDENTS[*index].customer;
        assert!(
            owner.is_none_or(|owner| !forbidden.contains(&owner)),
            "customer {} sees {:?}, an incident of customer {owner:?}",
            viewer.letter,
            INCIDENTS[*index].title
        );
    }
}

fn customer(letter: &str) -> &'static DemoCustomer {
    CUSTOMERS.iter().find(|c| c.letter == letter).unwrap()
}

#[tokio::test]
async fn incident_lists_search_titles_and_descriptions_within_what_the_reader_may_see() {
    for database in both_backends().await {
        let loaded = ledgerdesk(&database, &["demo"]).await;
        assert!(loaded.status.success(), "demo: {loaded:?}");
        let server = Server::start(&database).await;
        let customer = CUSTOMERS.iter().find(|c| c.letter == "F").unwrap();
        let token = server
            .token("/portal/api/session", customer.email, customer.password)
            .await;
        let staff = &STAFF[0];
        let admin = server
            .token("/api/session", staff.email, staff.password)
            .await;
        let titles = |answer: &crate::serve::Answer| -> Vec<String> {
            answer.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["title"].as_str().unwrap().to_owned())
                .collect()
        };
        let portal = |query: &str| format!("/portal/api/incidents?{query}");

        let vpn = server
            .call(Method::GET, &portal("q=vpn"), Some(&token), None)
            .await;
        let upper = server
            .call(Method::GET, &portal("q=VPN%20drops"), Some(&token), None)
            .await;
        let percent = server
            .call(Method::GET, &portal("q=%25"), Some(&token), None)
            .await;
        let underscore = server
            .call(Method::GET, &portal("q=_"), Some(&token), None)
            .await;
        let hidden = server
            .call(Method::GET, &portal("q=Service%20A"), Some(&token), None)
            .await;
        let with_status = server
            .call(
                Method::GET,
                &portal("q=service&status=resolved"),
                Some(&token),
                None,
            )
            .await;
        let too_long = portal(&format!("q={}", "x".repeat(201)));
        let too_long = server
            .call(Method::GET, &too_long, Some(&token), None)
            .await;
        let staff_search = server
            .call(
                Method::GET,
                "/api/incidents?q=password%20reset",
                Some(&admin),
                None,
            )
            .await;

        assert_eq!(titles(&vpn), ["Service F VPN drops every hour"], "{vpn:?}");
        assert_eq!(titles(&upper), titles(&vpn), "case does not matter");
        assert!(
            titles(&percent).is_empty(),
            "% matches itself only: {percent:?}"
        );
        assert!(
            titles(&underscore).is_empty(),
            "_ matches itself only: {underscore:?}"
        );
        assert!(
            titles(&hidden).is_empty(),
            "no incident F cannot see: {hidden:?}"
        );
        assert_eq!(
            titles(&with_status),
            ["Service G password reset"],
            "{with_status:?}"
        );
        assert_eq!(too_long.status, 400, "{too_long:?}");
        assert_eq!(
            titles(&staff_search),
            ["Service G password reset"],
            "{staff_search:?}"
        );
        server.stop().await;
    }
}
