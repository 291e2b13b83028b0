//! The portal pages in a real headless Chromium against `ledgerdesk serve` with the demo loaded
//! (SQLite, and PostgreSQL too for another company's incident): a customer's whole round,
//! escaping, another company's incident, CSRF and sign-in errors, company admins' colleagues,
//! a colleague's welcome link (from the mail folder) to a password and a first sign-in,
//! the portal settings' branding, and signing in with the keyboard alone. Each page is also
//! saved as a screenshot at desktop and phone widths under `target/screenshots/`.

use reqwest::header::COOKIE;

use crate::browser::Browser;
use crate::harness::{TestDatabase, both_backends, ledgerdesk, sqlite};
use crate::serve::{Server, ledger_length};
use crate::smtp_sink::readable;

/// Customer F of Company B, who sees the company's incidents.
const CUSTOMER_F: (&str, &str) = ("customer.f@demo.example", "demo-password-f");
/// Customer G of Company C, a company admin.
const CUSTOMER_G: (&str, &str) = ("customer.g@demo.example", "demo-password-g");
/// Customer E of Company B, a company admin.
const CUSTOMER_E: (&str, &str) = ("customer.e@demo.example", "demo-password-e");

/// A server over `database` with the demo loaded, and a browser.
async fn demo_portal(database: TestDatabase) -> (TestDatabase, Server, Browser) {
    let loaded = ledgerdesk(&database, &["demo"]).await;
    assert!(loaded.status.success(), "demo: {loaded:?}");
    let server = Server::start(&database).await;
    let browser = Browser::start().await;
    (database, server, browser)
}

/// Signs in through the sign-in page and expects to land on the incident list.
async fn sign_in(browser: &Browser, server: &Server, (email, password): (&str, &str)) {
    browser
        .open(&format!("{}/portal/sign-in", server.base))
        .await;
    browser.find("#email").await.type_text(email).await;
    // Enter in the password field sends the form, as a keyboard user would.
    browser.submit_with_enter("#password", password).await;

    assert!(
        browser.url().await.ends_with("/portal/incidents"),
        "signed in as {email}, the browser shows the incident list: {}",
        browser.url().await
    );
}

/// Logs an incident through the form on the customer's first service and returns the page's
/// address.
async fn log_incident(
    browser: &Browser,
    server: &Server,
    title: &str,
    description: &str,
) -> String {
    browser
        .open(&format!("{}/portal/incidents/new", server.base))
        .await;
    browser
        .find("#type option[value='issue']")
        .await
        .click()
        .await;
    browser
        .find("#service_id option:nth-child(2)")
        .await
        .click()
        .await;
    browser.find("#title").await.type_text(title).await;
    browser
        .find("#description")
        .await
        .type_text(description)
        .await;
    browser
        .click_through("main form button[type='submit']")
        .await;
    browser.url().await
}

/// The signed-in browser's session cookie, to send requests a page would not send.
async fn session_cookie(browser: &Browser) -> String {
    let token = browser
        .cookie("ledgerdesk_portal_session")
        .await
        .expect("a signed-in browser holds the session cookie");
    format!("ledgerdesk_portal_session={token}")
}

#[tokio::test]
async fn a_demo_customer_logs_an_incident_follows_it_and_signs_out() {
    let (_database, server, browser) = demo_portal(sqlite()).await;

    browser.open(&format!("{}/portal", server.base)).await;
    assert!(
        browser.url().await.ends_with("/portal/sign-in"),
        "sent to sign in first"
    );
    browser.screenshots("sign-in").await;
    sign_in(&browser, &server, CUSTOMER_F).await;
    browser.screenshots("incidents").await;
    let listed_before = browser.count(".incident-list li").await;

    browser
        .click_through("nav a[href='/portal/incidents/new']")
        .await;
    browser.screenshots("new-incident").await;
    let logged = log_incident(
        &browser,
        &server,
        "Printer on floor 3 jams",
        "It jams on every second page.\nTray 2 is empty.",
    )
    .await;

    assert!(
        logged.contains("/portal/incidents/INC-"),
        "the new incident's page: {logged}"
    );
    assert_eq!(browser.text("h1").await, "Printer on floor 3 jams");
    assert!(
        browser
            .text(".notice")
            .await
            .contains("Your incident is logged")
    );
    assert!(browser.text("main").await.contains("Tray 2 is empty."));
    browser.screenshots("incident").await;

    browser
        .click_through("nav a[href='/portal/incidents']")
        .await;
    assert_eq!(
        browser.count(".incident-list li").await,
        listed_before + 1,
        "one more"
    );
    assert!(
        browser
            .text(".incident-list")
            .await
            .contains("Printer on floor 3 jams")
    );
    browser.submit_with_enter("#q", "floor 3").await;
    assert_eq!(
        browser.count(".incident-list li").await,
        1,
        "the search finds it alone"
    );
    browser.screenshots("incidents-search").await;
    browser
        .find("#status option[value='closed']")
        .await
        .click()
        .await;
    browser.click_through(".filter button").await;
    assert_eq!(
        browser.count(".incident-list li").await,
        0,
        "it is not closed"
    );
    assert!(browser.text(".empty").await.contains("No incident matches"));

    browser.find("#q").await.type_text("floor 3").await;
    browser.find("#status option[value='']").await.click().await;
    browser.click_through(".filter button").await;
    browser.click_through(".incident-link").await;
    browser
        .find("#body")
        .await
        .type_text("It jams again after lunch.")
        .await;
    browser
        .click_through("#updates button[type='submit']")
        .await;

    assert!(
        browser.url().await.contains("updated=1"),
        "{}",
        browser.url().await
    );
    assert!(
        browser
            .text(".notice")
            .await
            .contains("Your update is added")
    );
    let updates = browser.text(".updates").await;
    assert!(
        updates.contains("It jams again after lunch.") && updates.contains("You"),
        "{updates}"
    );
    browser.screenshots("incident-updated").await;

    browser.click_through(".sign-out button").await;
    assert!(browser.text(".notice").await.contains("You are signed out"));
    browser
        .open(&format!("{}/portal/incidents", server.base))
        .await;
    assert!(
        browser.url().await.ends_with("/portal/sign-in"),
        "the session is over: {}",
        browser.url().await
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_title_holding_a_script_shows_as_text_and_runs_nothing() {
    let (_database, server, browser) = demo_portal(sqlite()).await;
    let title = "<script>alert('owned')</script><img src=x onerror=alert(2)> \"quoted\" & more";
    sign_in(&browser, &server, CUSTOMER_F).await;

    log_incident(&browser, &server, title, "<b>not bold</b>").await;
    let detail_dialog = browser.open_dialog().await;
    let heading = browser.text("h1").await;
    let description = browser.text(".text").await;
    let scripts_in_main = browser.count("main script, main img").await;
    let source = browser.source().await;
    browser
        .open(&format!("{}/portal/incidents", server.base))
        .await;
    let list_dialog = browser.open_dialog().await;
    let listed = browser.text(".incident-list").await;

    assert_eq!(
        detail_dialog, None,
        "no dialog opened on the incident's page"
    );
    assert_eq!(list_dialog, None, "no dialog opened on the list");
    assert_eq!(heading, title, "the title shows as typed");
    assert_eq!(description, "<b>not bold</b>");
    assert_eq!(scripts_in_main, 0, "the title made no element");
    assert!(
        source.contains("&lt;script&gt;alert('owned')&lt;/script&gt;"),
        "escaped in the HTML"
    );
    assert!(listed.contains(title), "{listed}");
    browser.stop().await;
}

#[tokio::test]
async fn a_customer_cannot_open_another_companys_incident_by_editing_the_address() {
    for database in both_backends().await {
        let (database, server, browser) = demo_portal(database).await;
        let other_token = server
            .token("/portal/api/session", CUSTOMER_G.0, CUSTOMER_G.1)
            .await;
        let others = server
            .call(
                reqwest::Method::GET,
                "/portal/api/incidents",
                Some(&other_token),
                None,
            )
            .await;
        let other_reference = others.body["items"][0]["reference"]
            .as_str()
            .expect("customer G of Company C sees an incident")
            .to_owned();
        sign_in(&browser, &server, CUSTOMER_F).await;
        let cookie = session_cookie(&browser).await;
        let csrf = browser
            .find("input[name='csrf']")
            .await
            .attribute("value")
            .await;

        browser
            .open(&format!(
                "{}/portal/incidents/{other_reference}",
                server.base
            ))
            .await;
        let other_page = (browser.text("h1").await, browser.text("main").await);
        browser.screenshots("not-found").await;
        browser
            .open(&format!("{}/portal/incidents/INC-999999", server.base))
            .await;
        let missing_page = (browser.text("h1").await, browser.text("main").await);
        browser
            .open(&format!("{}/portal/incidents/not-an-id", server.base))
            .await;
        let malformed_page = (browser.text("h1").await, browser.text("main").await);
        browser
            .open(&format!("{}/portal/no-such-page", server.base))
            .await;
        let unknown_page = (browser.text("h1").await, browser.text("main").await);
        let unknown_api = server
            .call(
                reqwest::Method::GET,
                "/portal/api/no-such-thing",
                None,
                None,
            )
            .await;
        let other_status = page_status(
            &server,
            &cookie,
            &format!("/portal/incidents/{other_reference}"),
        )
        .await;
        let missing_status = page_status(&server, &cookie, "/portal/incidents/INC-999999").await;
        let length = ledger_length(&database).await;
        let update = server
            .client
            .post(format!(
                "{}/portal/incidents/{other_reference}/updates",
                server.base
            ))
            .header(COOKIE, &cookie)
            .form(&[("csrf", csrf.as_str()), ("body", "let me in")])
            .send()
            .await
            .unwrap();

        assert_eq!(other_page.0, "Page not found");
        assert_eq!(
            other_page, missing_page,
            "the same page as for an incident that does not exist"
        );
        assert_eq!(
            other_page, malformed_page,
            "and as for an address that names none"
        );
        assert_eq!(other_page, unknown_page, "and as for an unknown page");
        assert_eq!(
            unknown_api.body["error"]["code"], "not_found",
            "the API keeps JSON"
        );
        assert_eq!((other_status, missing_status), (404, 404));
        assert_eq!(
            update.status(),
            404,
            "no update on an incident they cannot see"
        );
        assert_eq!(
            ledger_length(&database).await,
            length,
            "nothing was written"
        );
        browser.stop().await;
    }
}

#[tokio::test]
async fn forms_without_their_token_are_refused_and_a_wrong_password_says_so() {
    let (database, server, browser) = demo_portal(sqlite()).await;
    browser
        .open(&format!("{}/portal/sign-in", server.base))
        .await;
    browser.find("#email").await.type_text(CUSTOMER_F.0).await;
    browser
        .find("#password")
        .await
        .type_text("not the password")
        .await;
    browser.click_through("main button[type='submit']").await;
    let wrong_password = browser.text(".error-summary").await;
    let marked = browser.count("#password[aria-invalid='true']").await;
    browser.screenshots("sign-in-error").await;
    sign_in(&browser, &server, CUSTOMER_F).await;
    let cookie = session_cookie(&browser).await;
    let length = ledger_length(&database).await;
    let incident = [
        ("type", "issue"),
        ("service_id", "00000000-0000-7000-8000-000000000000"),
        ("title", "forged"),
    ];

    let without_token = page_post(&server, &cookie, "/portal/incidents", &incident).await;
    let mut with_other = incident.to_vec();
    with_other.push(("csrf", "0123456789abcdef"));
    let with_other_token = page_post(&server, &cookie, "/portal/incidents", &with_other).await;
    let sign_in_without_cookie = page_post(
        &server,
        "",
        "/portal/sign-in",
        &[
            ("email", CUSTOMER_F.0),
            ("password", CUSTOMER_F.1),
            ("csrf", "x"),
        ],
    )
    .await;

    assert!(
        wrong_password.contains("The email or the password is wrong"),
        "{wrong_password}"
    );
    assert_eq!(marked, 1, "the password field is marked as wrong");
    assert_eq!(without_token.0, 403, "{}", without_token.1);
    assert!(
        without_token.1.contains("This form has expired"),
        "{}",
        without_token.1
    );
    assert_eq!(with_other_token.0, 403);
    assert_eq!(
        sign_in_without_cookie.0, 403,
        "a sign-in form must come from the page"
    );
    assert_eq!(
        ledger_length(&database).await,
        length,
        "nothing was written"
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_company_admin_sees_colleagues_and_adds_one_while_others_cannot() {
    let (_database, server, browser) = demo_portal(sqlite()).await;
    sign_in(&browser, &server, CUSTOMER_F).await;
    let nav_for_plain_customer = browser.count("nav a[href='/portal/colleagues']").await;
    browser
        .open(&format!("{}/portal/colleagues", server.base))
        .await;
    let refused = browser.text("h1").await;
    browser
        .open(&format!("{}/portal/incidents", server.base))
        .await;
    browser.click_through(".sign-out button").await;

    sign_in(&browser, &server, CUSTOMER_E).await;
    browser
        .click_through("nav a[href='/portal/colleagues']")
        .await;
    let before = browser.text(".colleague-list").await;
    browser.screenshots("colleagues").await;
    browser.find("#name").await.type_text("Customer Z").await;
    browser
        .find("#colleague-email")
        .await
        .type_text("customer.z@demo.example")
        .await;
    browser
        .find("#add-colleague fieldset input[type='checkbox']")
        .await
        .click()
        .await;
    browser
        .click_through("#add-colleague button[type='submit']")
        .await;
    let notice = browser.text(".notice").await;
    let after = browser.text(".colleague-list").await;
    browser
        .find("#name")
        .await
        .type_text("Customer F again")
        .await;
    browser
        .find("#colleague-email")
        .await
        .type_text(CUSTOMER_F.0)
        .await;
    browser
        .click_through("#add-colleague button[type='submit']")
        .await;
    let taken = browser.text("#email-error").await;
    browser.screenshots("colleagues-error").await;
    // Customer Z is third by name; the admin takes their portal access away.
    browser
        .find(".colleague-list li:nth-child(3) summary")
        .await
        .click()
        .await;
    browser.screenshots("colleagues-change").await;
    browser
        .find(".colleague-list li:nth-child(3) input[name='portal_access']")
        .await
        .click()
        .await;
    browser
        .click_through(".colleague-list li:nth-child(3) button[type='submit']")
        .await;
    let changed = browser.text(".notice").await;
    let z = browser.text(".colleague-list li:nth-child(3)").await;

    assert_eq!(
        nav_for_plain_customer, 0,
        "no colleagues link for a plain customer"
    );
    assert_eq!(refused, "Not available to you");
    assert!(
        before.contains("Customer F") && !before.contains("Customer G"),
        "{before}"
    );
    assert!(notice.contains("Your colleague is added"), "{notice}");
    assert!(
        after.contains("Customer Z") && after.contains("customer.z@demo.example"),
        "{after}"
    );
    assert!(after.contains("Portal access: yes"), "{after}");
    assert!(
        !taken.is_empty(),
        "a taken email is refused next to the field"
    );
    assert!(changed.contains("access is saved"), "{changed}");
    assert!(
        z.contains("Customer Z") && z.contains("Portal access: no"),
        "{z}"
    );
    browser.stop().await;
}

/// The welcome link in the `.eml` file the notifier writes for `email`, waiting for it up to
/// thirty seconds (the notifier runs in the background).
async fn welcome_link(server: &Server, email: &str) -> String {
    let start = format!("{}/portal/welcome?token=", server.base);
    for _ in 0..300 {
        let mails = std::fs::read_dir(&server.mail_dir)
            .into_iter()
            .flatten()
            .map(|entry| entry.expect("the mail folder can be listed").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"));
        for path in mails {
            let text = readable(&std::fs::read_to_string(&path).expect("a mail file reads"));
            if !text.contains(&format!("To: {email}")) {
                continue;
            }
            let at = text.find(&start).expect("the welcome mail holds the link") + start.len();
            let token: String = text[at..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            return format!("{start}{token}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "no welcome mail for {email} in {}",
        server.mail_dir.display()
    );
}

#[tokio::test]
async fn a_colleague_added_with_a_welcome_email_sets_a_password_and_signs_in() {
    let (_database, server, browser) = demo_portal(sqlite()).await;
    let colleague = ("customer.w@demo.example", "a long enough password");
    sign_in(&browser, &server, CUSTOMER_E).await;
    browser
        .open(&format!("{}/portal/colleagues", server.base))
        .await;
    browser.find("#name").await.type_text("Customer W").await;
    browser
        .find("#colleague-email")
        .await
        .type_text(colleague.0)
        .await;
    let welcome_ticked = browser.count("#send_welcome_email:checked").await;
    let access_ticked = browser.count("#portal_access:checked").await;
    browser
        .find("#add-colleague fieldset input[type='checkbox']")
        .await
        .click()
        .await;
    browser
        .click_through("#add-colleague button[type='submit']")
        .await;
    let added = browser.text(".notice").await;
    browser.click_through(".sign-out button").await;

    let link = welcome_link(&server, colleague.0).await;
    let (_, token) = link.split_once("token=").expect("the link carries a token");
    // Another site's form holds the link but not the form cookie's token.
    let forged = page_post(
        &server,
        "ledgerdesk_portal_form=not-the-sites",
        "/portal/welcome",
        &[
            ("csrf", "forged"),
            ("token", token),
            ("password", "a forged password"),
            ("confirm", "a forged password"),
        ],
    )
    .await;
    browser.open(&link).await;
    let heading = browser.text("h1").await;
    let labels = browser.text("main form").await;
    browser.screenshots("welcome").await;
    browser.find("#password").await.type_text("short").await;
    browser.find("#confirm").await.type_text("short").await;
    browser
        .click_through("main form button[type='submit']")
        .await;
    let weak = browser.text("#password-error").await;
    browser.screenshots("welcome-error").await;
    browser.find("#password").await.type_text(colleague.1).await;
    browser.find("#confirm").await.type_text(colleague.1).await;
    browser
        .click_through("main form button[type='submit']")
        .await;
    let landed = browser.url().await;
    let set = browser.text(".notice").await;
    browser.screenshots("sign-in-password-set").await;
    sign_in(&browser, &server, colleague).await;
    let portal = browser.text("h1").await;
    let who = browser.text(".sign-out .who").await;
    browser.open(&link).await;
    let used = browser.text("main").await;
    let forms_on_used = browser.count("form[action='/portal/welcome']").await;
    browser.screenshots("welcome-used").await;

    assert_eq!(
        (welcome_ticked, access_ticked),
        (1, 1),
        "a new colleague gets portal access and a welcome email unless the admin unticks them"
    );
    assert!(added.contains("Your colleague is added"), "{added}");
    assert_eq!(forged.0, 403, "a welcome form must come from the page");
    assert_eq!(heading, "Choose your password");
    assert!(
        labels.contains("New password") && labels.contains("The same password again"),
        "{labels}"
    );
    assert!(weak.contains("8 to 1024 characters"), "{weak}");
    assert!(
        landed.ends_with("/portal/sign-in?password_set=1"),
        "{landed}"
    );
    assert!(set.contains("Your password is set"), "{set}");
    assert_eq!(portal, "My incidents");
    assert_eq!(who, "Customer W", "signed in as the new colleague");
    assert!(used.contains("no longer valid"), "{used}");
    assert_eq!(forms_on_used, 0, "a used link shows no form");
    browser.stop().await;
}

/// A page's status for the signed-in cookie.
async fn page_status(server: &Server, cookie: &str, path: &str) -> u16 {
    let response = server
        .client
        .get(format!("{}{path}", server.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

/// Posts a form as a page would, without following the redirect's target: status and body.
async fn page_post(
    server: &Server,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut request = server
        .client
        .post(format!("{}{path}", server.base))
        .form(fields);
    if !cookie.is_empty() {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn the_portal_wears_the_name_and_colour_of_the_portal_settings() {
    let (_database, server, browser) = demo_portal(sqlite()).await;
    let admin = server
        .token("/api/session", "admin@demo.example", "demo-admin-password")
        .await;
    let settings = serde_json::json!({
        "name": "Acme Service Desk", "background_colour": "#FFEB3B", "logo_url": null,
        "default_assignee_id": null, "portal_types": []
    });
    let set = server
        .call(
            reqwest::Method::PUT,
            "/api/portal-settings",
            Some(&admin),
            Some(&settings.to_string()),
        )
        .await;
    assert_eq!(set.status, 200, "{set:?}");

    browser
        .open(&format!("{}/portal/sign-in", server.base))
        .await;
    let name = browser.text(".portal-name").await;
    let title = browser.title().await;
    browser.screenshots("sign-in-branded").await;
    let brand = server
        .client
        .get(format!("{}/portal/assets/brand.css", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(name, "Acme Service Desk");
    assert!(title.ends_with("Acme Service Desk"), "{title}");
    assert!(
        brand.contains("--brand: #ffeb3b") && brand.contains("--on-brand: #000000"),
        "{brand}"
    );
    browser.stop().await;
}

#[tokio::test]
async fn a_customer_signs_in_and_reaches_their_incidents_with_the_keyboard_alone() {
    let (_database, server, browser) = demo_portal(sqlite()).await;
    browser
        .open(&format!("{}/portal/sign-in", server.base))
        .await;

    let mut focus_order = Vec::new();
    for _ in 0..3 {
        browser.keys("\u{E004}").await;
        focus_order.push(browser.focused().await);
    }
    browser.keys(CUSTOMER_F.0).await;
    browser.keys("\u{E004}").await;
    focus_order.push(browser.focused().await);
    browser.keys(&format!("{}\u{E007}", CUSTOMER_F.1)).await;
    let mut url = browser.url().await;
    for _ in 0..200 {
        if url.ends_with("/portal/incidents") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        url = browser.url().await;
    }

    assert_eq!(
        focus_order,
        [
            "Skip to the content",
            "Customer portal",
            "email",
            "password"
        ],
        "Tab goes from the skip link through the header to the fields"
    );
    assert!(
        url.ends_with("/portal/incidents"),
        "signed in with the keyboard: {url}"
    );
    browser.stop().await;
}

#[tokio::test]
async fn pages_allow_no_script_and_sign_in_sets_an_http_only_same_site_cookie() {
    let database = sqlite();
    let loaded = ledgerdesk(&database, &["demo"]).await;
    assert!(loaded.status.success(), "demo: {loaded:?}");
    let server = Server::start(&database).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let form = client
        .get(format!("{}/portal/sign-in", server.base))
        .send()
        .await
        .unwrap();
    let headers = form.headers().clone();
    let form_cookie = headers["set-cookie"].to_str().unwrap().to_owned();
    let html = form.text().await.unwrap();
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let signed_in = client
        .post(format!("{}/portal/sign-in", server.base))
        .header(COOKIE, form_cookie.split(';').next().unwrap())
        .form(&[
            ("csrf", token.as_str()),
            ("email", CUSTOMER_F.0),
            ("password", CUSTOMER_F.1),
        ])
        .send()
        .await
        .unwrap();
    let session_cookie = signed_in.headers()["set-cookie"].to_str().unwrap();

    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(
        !policy.contains("script-src"),
        "no script source is allowed: {policy}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        form_cookie.contains("HttpOnly; SameSite=Strict"),
        "{form_cookie}"
    );
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/portal/incidents");
    assert!(
        session_cookie.starts_with("ledgerdesk_portal_session=")
            && session_cookie.contains("HttpOnly; SameSite=Lax"),
        "{session_cookie}"
    );
    server.stop().await;
}
