//! Portal load benchmark on PostgreSQL: "list my incidents" (`GET /portal/api/incidents`,
//! default page) through the real API at 32 concurrent clients, and the same query run by
//! pgbench directly against the database in the same run as the baseline.
//!
//! Run with `cargo bench --bench portal_load`. In one run it creates a scratch database
//! (`LEDGERDESK_TEST_DATABASE_URL`, default the local server), seeds it through the domain and
//! the store (`seed`), builds the portal read model, serves the API in this process, signs every
//! customer in, checks sampled answers against the visibility rule, measures the endpoint
//! (`load`), measures pgbench (`baseline`), prints one table and drops the database.
//! `LEDGERDESK_BENCH_INCIDENTS` (default 100,000), `LEDGERDESK_BENCH_SECONDS` (default 30) and
//! `LEDGERDESK_BENCH_CLIENTS` (default 32) change the size, the measured time and the number of
//! concurrent clients; `LEDGERDESK_BENCH_EXPLAIN=1` prints the query's plans before pgbench
//! runs; `pgbench` must be on the `PATH`.
#![expect(
    clippy::print_stdout,
    reason = "a benchmark reports on standard output"
)]

mod baseline;
mod load;
mod seed;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use ledgerdesk_projections::{Projector, ProjectorConfig};
use ledgerdesk_store::AnyStore;
use ledgerdesk_test_databases::TestDatabase;
use sqlx::PgPool;

use crate::baseline::Baseline;
use crate::load::{LoadPlan, LoadResult};
use crate::seed::{DataSet, Plan};

/// Customers whose first page is compared with the rule before the load.
const SAMPLES: usize = 12;

/// The endpoint's run: what the clients saw, how many sampled items were checked, and the
/// machine's load average before and after.
#[derive(Debug)]
struct EndpointRun {
    result: LoadResult,
    n_checked: usize,
    load: (f64, f64),
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let plan = Plan {
        services: 12,
        companies: 20,
        customers_per_company: 50,
        customers_without_company: 40,
        incidents: from_env("LEDGERDESK_BENCH_INCIDENTS", 100_000),
        writers: 8,
    };
    let load_plan = LoadPlan {
        clients: from_env("LEDGERDESK_BENCH_CLIENTS", 32),
        warm_up: Duration::from_secs(5),
        measure: Duration::from_secs(from_env("LEDGERDESK_BENCH_SECONDS", 30) as u64),
    };
    let database = TestDatabase::postgres().await;
    let store = AnyStore::connect(&database.url())
        .await
        .context("failed to open and migrate the scratch database")?;

    let data = prepare(&store, &plan).await?;
    let endpoint = measure_endpoint(&store, &data, load_plan).await?;
    let pool = PgPool::connect(&database.url()).await?;
    if from_env("LEDGERDESK_BENCH_EXPLAIN", 0) == 1 {
        explain_plans(&pool, &data).await?;
    }
    let work_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal_load");
    say("pgbench: the same query, same clients and time");
    let load_before = load_average();
    let baseline = baseline::run_pgbench(
        &pool,
        &database.url(),
        &data.customers,
        load_plan,
        &work_dir,
    )
    .await?;
    let pgbench_load = (load_before, load_average());

    report(&data, load_plan, &endpoint, &baseline, pgbench_load);
    pool.close().await;
    drop(store);
    drop(database);
    Ok(())
}

/// Seeds the data set, brings the portal read model up to date and analyzes the tables, so
/// both sides meet the same planner statistics.
async fn prepare(store: &AnyStore, plan: &Plan) -> anyhow::Result<DataSet> {
    say("seeding through the domain and the store");
    let started = Instant::now();
    let data = seed::seed(store, plan).await?;
    say(&format!(
        "seeded in {:.0} s",
        started.elapsed().as_secs_f64()
    ));

    let started = Instant::now();
    Projector::start(store.clone(), ProjectorConfig::default())
        .await
        .context("failed to start the portal projection")?
        .catch_up()
        .await
        .context("failed to bring the portal read model up to date")?;
    let ledgerdesk_store::AnyStore::Postgres(pg) = store else {
        anyhow::bail!("the benchmark runs on PostgreSQL");
    };
    sqlx::query("analyze").execute(pg.pool()).await?;
    say(&format!(
        "read model built in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(data)
}

/// Serves the API, signs everyone in, checks sampled answers, then runs the load.
async fn measure_endpoint(
    store: &AnyStore,
    data: &DataSet,
    plan: LoadPlan,
) -> anyhow::Result<EndpointRun> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.clients)
        .build()?;
    let server = load::start_server(store.clone(), &client).await?;

    say("signing every customer in through POST /portal/api/session");
    let started = Instant::now();
    let tokens = load::sign_in_all(&client, &server.base, &data.customers).await?;
    say(&format!(
        "signed in in {:.0} s",
        started.elapsed().as_secs_f64()
    ));
    let n_checked = load::check_answers(&client, &server.base, data, &tokens, SAMPLES).await?;

    say(&format!("the endpoint: {} clients", plan.clients));
    let load_before = load_average();
    let result = load::run_load(&client, &server.base, &tokens, plan).await?;
    let load_after = load_average();
    server.stop().await?;
    Ok(EndpointRun {
        result,
        n_checked,
        load: (load_before, load_after),
    })
}

/// Prints the query's plan for the first customer who sees their company's incidents and the
/// first who sees only their own.
async fn explain_plans(pool: &PgPool, data: &DataSet) -> anyhow::Result<()> {
    for company_wide in [true, false] {
        let customer = data
            .customers
            .iter()
            .find(|customer| customer.see_company_incidents == company_wide)
            .context("the data set has both kinds of customer")?;
        let kind = if company_wide {
            "company-wide"
        } else {
            "own only"
        };
        say(&format!("the query's plan for a customer who sees {kind}:"));
        println!("{}", baseline::explain(pool, customer).await?);
    }
    Ok(())
}

/// The one table.
fn report(
    data: &DataSet,
    plan: LoadPlan,
    endpoint: &EndpointRun,
    baseline: &Baseline,
    pgbench_load: (f64, f64),
) {
    let EndpointRun {
        result: endpoint,
        n_checked,
        load: endpoint_load,
    } = endpoint;
    let endpoint_rate = endpoint.latencies.rate(endpoint.elapsed);
    println!();
    println!(
        "portal load benchmark: {} incidents ({} hidden from the portal, {} comments), {} \
         customers ({} company-wide, {} without a company), {} companies, {} services",
        data.incidents.len(),
        data.n_hidden,
        data.n_comments,
        data.customers.len(),
        data.customers
            .iter()
            .filter(|c| c.see_company_incidents)
            .count(),
        data.customers
            .iter()
            .filter(|c| c.company_id.is_none())
            .count(),
        data.company_services.len(),
        data.n_services,
    );
    println!(
        "{} clients, {} s warm-up, {} s measured; {SAMPLES} sampled first pages equal the rule \
         ({n_checked} items)",
        plan.clients,
        plan.warm_up.as_secs(),
        plan.measure.as_secs()
    );
    println!(
        "{:<40} {:>10} {:>9} {:>9} {:>9} {:>9} {:>13}",
        "measure", "per s", "p50 ms", "p99 ms", "max ms", "failures", "load avg"
    );
    let row = |name: &str, rate: f64, latencies: &Latencies, failures: usize, load: (f64, f64)| {
        println!(
            "{name:<40} {rate:>10.0} {:>9.2} {:>9.2} {:>9.2} {failures:>9} {:>6.2}-{:<6.2}",
            millis(latencies.percentile(50.0)),
            millis(latencies.percentile(99.0)),
            millis(latencies.percentile(100.0)),
            load.0,
            load.1,
        );
    };
    row(
        "endpoint GET /portal/api/incidents",
        endpoint_rate,
        &endpoint.latencies,
        endpoint.failures,
        *endpoint_load,
    );
    row(
        "pgbench, the same query (lookup + query)",
        baseline.tps,
        &baseline.latencies,
        baseline.failures,
        pgbench_load,
    );
    if let Some(average) = baseline.query_average {
        println!(
            "pgbench: the query alone averages {:.2} ms",
            millis(average)
        );
    }
    println!(
        "ratio endpoint / pgbench: {:.2} of the throughput, {:.1}x the p50 latency",
        endpoint_rate / baseline.tps,
        millis(endpoint.latencies.percentile(50.0)) / millis(baseline.latencies.percentile(50.0)),
    );
    println!("pgbench command: {}", baseline.command);
}

/// Latencies of one side, sorted when read.
#[derive(Debug, Default)]
pub(crate) struct Latencies(pub(crate) Vec<Duration>);

impl Latencies {
    pub(crate) fn push(&mut self, latency: Duration) {
        self.0.push(latency);
    }

    pub(crate) fn extend(&mut self, more: Vec<Duration>) {
        self.0.extend(more);
    }

    /// The latency at `percent` (nearest rank); zero when there are none.
    fn percentile(&self, percent: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
        sorted
            .get(rank.clamp(1, sorted.len().max(1)) - 1)
            .copied()
            .unwrap_or_default()
    }

    fn rate(&self, over: Duration) -> f64 {
        self.0.len() as f64 / over.as_secs_f64()
    }
}

/// A small deterministic random source (SplitMix64): the same data set on every run.
#[derive(Debug)]
pub(crate) struct Dice(u64);

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z % n.max(1) as u64) as usize
    }

    /// `n` different elements of `items` (all of them when there are fewer).
    pub(crate) fn subset<T: Copy + Ord>(
        &mut self,
        items: &[T],
        n: usize,
    ) -> std::collections::BTreeSet<T> {
        let mut pool: Vec<T> = items.to_vec();
        let mut chosen = std::collections::BTreeSet::new();
        while chosen.len() < n && !pool.is_empty() {
            chosen.insert(pool.swap_remove(self.below(pool.len())));
        }
        chosen
    }
}

fn from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The one-minute load average, to show what else the machine was doing.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn say(what: &str) {
    println!("portal_load: {what}");
}
