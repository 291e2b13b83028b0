//! The endpoint side: the real API (`ledgerdesk_api::serve`) on a free port of 127.0.0.1 in
//! this process, customers signed in through `POST /portal/api/session`, sampled answers
//! checked against the visibility rule, then concurrent clients calling
//! `GET /portal/api/incidents` for a fixed time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ledgerdesk_api::{AppState, Config};
use ledgerdesk_store::AnyStore;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::seed::{DataSet, PASSWORD, SeededCustomer};
use crate::{Dice, Latencies};

/// The portal's default page size (DESIGN §6).
const PAGE: usize = 50;

/// The API serving in this process until dropped.
pub(crate) struct Server {
    pub(crate) base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// How the load runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoadPlan {
    pub(crate) clients: usize,
    pub(crate) warm_up: Duration,
    pub(crate) measure: Duration,
}

/// Starts the API on a free port and waits until `/healthz` answers 200.
///
/// # Errors
/// When no port can be had or the server does not become ready.
pub(crate) async fn start_server(
    store: AnyStore,
    client: &reqwest::Client,
) -> anyhow::Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let state = AppState::new(store, Config::new(listen));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(ledgerdesk_api::serve(state, async move {
        let _ = stopped.await;
    }));
    let server = Server {
        base: format!("http://{listen}"),
        stop: Some(stop),
        task,
    };

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client.get(format!("{}/healthz", server.base)).send().await;
        if ready.is_ok_and(|answer| answer.status() == reqwest::StatusCode::OK) {
            return Ok(server);
        }
        anyhow::ensure!(Instant::now() < deadline, "the API did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Server {
    /// Stops serving once the requests in flight are answered.
    pub(crate) async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task)
            .await
            .context("the server task panicked")??;
        Ok(())
    }
}

/// Signs every customer in through the real endpoint (Argon2id verification included), a few
/// at a time, and returns their tokens in the customers' order.
///
/// # Errors
/// When a sign-in is not answered 201 with a token.
pub(crate) async fn sign_in_all(
    client: &reqwest::Client,
    base: &str,
    customers: &[SeededCustomer],
) -> anyhow::Result<Vec<String>> {
    const AT_ONCE: usize = 4;
    let mut tokens = vec![String::new(); customers.len()];
    let mut tasks = JoinSet::new();
    for (index, customer) in customers.iter().enumerate() {
        if tasks.len() >= AT_ONCE
            && let Some(done) = tasks.join_next().await
        {
            let (index, token) = done.context("a sign-in task panicked")??;
            tokens[index] = token;
        }
        let (client, url) = (client.clone(), format!("{base}/portal/api/session"));
        let body = json!({"email": customer.email, "password": PASSWORD});
        tasks.spawn(async move {
            let answer = client.post(url).json(&body).send().await?;
            anyhow::ensure!(
                answer.status() == 201,
                "sign-in answered {}",
                answer.status()
            );
            let answer: Value = answer.json().await?;
            let token = answer["token"]
                .as_str()
                .context("a sign-in without a token")?;
            anyhow::Ok((index, token.to_owned()))
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (index, token) = done.context("a sign-in task panicked")??;
        tokens[index] = token;
    }
    Ok(tokens)
}

/// Checks, for `n_samples` customers spread over the data set, that the first page holds
/// exactly the incidents the visibility rule gives, newest first, and says whether there are
/// more; returns how many items the sampled answers held in all.
///
/// # Errors
/// When an answer differs.
pub(crate) async fn check_answers(
    client: &reqwest::Client,
    base: &str,
    data: &DataSet,
    tokens: &[String],
    n_samples: usize,
) -> anyhow::Result<usize> {
    let mut n_items = 0;
    let step = (data.customers.len() / n_samples.max(1)).max(1);
    for index in (0..data.customers.len()).step_by(step).take(n_samples) {
        let customer = &data.customers[index];
        let (expected, n_visible) = data.expected_first_page(customer, PAGE);
        let answer = client
            .get(format!("{base}/portal/api/incidents"))
            .bearer_auth(&tokens[index])
            .send()
            .await?;
        anyhow::ensure!(
            answer.status() == 200,
            "listing answered {}",
            answer.status()
        );
        let answer: Value = answer.json().await?;

        let references: Vec<u64> = answer["items"]
            .as_array()
            .context("an answer without items")?
            .iter()
            .filter_map(|item| {
                item["reference"]
                    .as_str()?
                    .strip_prefix("INC-")?
                    .parse()
                    .ok()
            })
            .collect();
        anyhow::ensure!(
            references == expected,
            "customer {index} got {} items, the rule gives {} (of {n_visible} visible)",
            references.len(),
            expected.len()
        );
        anyhow::ensure!(
            answer["next_cursor"].is_null() == (n_visible <= PAGE),
            "customer {index}: next_cursor does not match {n_visible} visible incidents"
        );
        n_items += references.len();
    }
    Ok(n_items)
}

/// Runs `plan.clients` clients, each calling `GET /portal/api/incidents` with a random
/// customer's token back to back: first for the warm-up, then for the measured time. Counts
/// every answer that is not a 200 JSON page as a failure.
///
/// # Errors
/// When a request cannot be sent at all.
pub(crate) async fn run_load(
    client: &reqwest::Client,
    base: &str,
    tokens: &[String],
    plan: LoadPlan,
) -> anyhow::Result<LoadResult> {
    let tokens = Arc::new(tokens.to_vec());
    let url = format!("{base}/portal/api/incidents");
    let started = Instant::now();
    let (measure_from, until) = (
        started + plan.warm_up,
        started + plan.warm_up + plan.measure,
    );

    let mut tasks = JoinSet::new();
    for seed in 0..plan.clients {
        let (client, url, tokens) = (client.clone(), url.clone(), Arc::clone(&tokens));
        tasks.spawn(async move {
            let mut dice = Dice::new(0xc11e + seed as u64);
            let mut result = LoadResult::default();
            while Instant::now() < until {
                let token = &tokens[dice.below(tokens.len())];
                let sent = Instant::now();
                let answer = client.get(&url).bearer_auth(token).send().await?;
                let ok = answer.status() == 200;
                let body = answer.bytes().await?;
                let took = sent.elapsed();
                if sent >= measure_from && sent < until {
                    result.latencies.push(took);
                    if !ok || !body.starts_with(b"{\"items\":") {
                        result.failures += 1;
                    }
                }
            }
            anyhow::Ok(result)
        });
    }

    let mut total = LoadResult::default();
    while let Some(done) = tasks.join_next().await {
        let result = done.context("a load client panicked")??;
        total.latencies.extend(result.latencies.0);
        total.failures += result.failures;
    }
    total.elapsed = plan.measure;
    Ok(total)
}

/// What the clients saw in the measured time.
#[derive(Debug, Default)]
pub(crate) struct LoadResult {
    pub(crate) latencies: Latencies,
    pub(crate) failures: usize,
    pub(crate) elapsed: Duration,
}
