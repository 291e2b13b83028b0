//! The database-only baseline: pgbench runs the endpoint's incidents query
//! (`ledgerdesk_api::portal_incidents_page_sql`, the same text, prepared like sqlx prepares it)
//! for a random customer per transaction, with as many clients and for as long as the load.
//!
//! pgbench cannot make a UUID from a random number, so each transaction first looks the
//! customer's id up in a small table keyed by number (`bench_customers`), which the benchmark
//! creates in its scratch database; `-r` reports that lookup's cost apart from the query's.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;

use crate::Latencies;
use crate::load::LoadPlan;
use crate::seed::SeededCustomer;

/// What pgbench measured.
#[derive(Debug)]
pub(crate) struct Baseline {
    pub(crate) tps: f64,
    pub(crate) latencies: Latencies,
    /// The incidents query's own average latency, from `-r` (without the id lookup).
    pub(crate) query_average: Option<Duration>,
    pub(crate) failures: usize,
    pub(crate) command: String,
}

/// Fills `bench_customers`, writes the script and runs pgbench twice: a warm-up, then the
/// measured run with a per-transaction log.
///
/// # Errors
/// When pgbench is missing, fails, or its output cannot be read.
pub(crate) async fn run_pgbench(
    pool: &PgPool,
    database_url: &str,
    customers: &[SeededCustomer],
    plan: LoadPlan,
    work_dir: &Path,
) -> anyhow::Result<Baseline> {
    fill_lookup_table(pool, customers).await?;
    std::fs::create_dir_all(work_dir)?;
    let script = work_dir.join("list_my_incidents.sql");
    std::fs::write(&script, script_text(customers.len()))?;
    let log_dir = work_dir.join("log");
    let _ = std::fs::remove_dir_all(&log_dir);
    std::fs::create_dir_all(&log_dir)?;

    let clients = plan.clients.to_string();
    let common = |secs: Duration| {
        let mut args: Vec<String> = ["-n", "-M", "prepared", "-c", clients.as_str(), "-j", "2"]
            .map(str::to_owned)
            .to_vec();
        args.extend(["-T".to_owned(), secs.as_secs().max(1).to_string()]);
        args.extend(["-f".to_owned(), script.display().to_string()]);
        args
    };
    pgbench(&common(plan.warm_up), database_url).await?;
    let mut measured = common(plan.measure);
    let prefix = log_dir.join("pgbench");
    measured.extend(["-r".to_owned(), "-l".to_owned()]);
    measured.push(format!("--log-prefix={}", prefix.display()));
    let output = pgbench(&measured, database_url).await?;

    Ok(Baseline {
        tps: figure_after(&output, "tps = ").context("pgbench printed no tps")?,
        latencies: read_logs(&log_dir)?,
        query_average: query_average(&output),
        failures: figure_after(&output, "number of failed transactions: ")
            .map_or(0, |n| n as usize),
        command: format!("pgbench {} <scratch database>", measured.join(" ")),
    })
}

/// The plan PostgreSQL runs the endpoint's query with for `customer`, executed (`explain
/// analyze`), one line per plan line.
///
/// # Errors
/// When the query fails.
pub(crate) async fn explain(pool: &PgPool, customer: &SeededCustomer) -> anyhow::Result<String> {
    let sql = format!(
        "explain (analyze, buffers) {}",
        ledgerdesk_api::portal_incidents_page_sql()
    );
    let lines: Vec<String> = sqlx::query_scalar(&sql)
        .bind(customer.customer_id.to_string())
        .bind(i64::MAX)
        .fetch_all(pool)
        .await
        .context("failed to explain the query")?;
    Ok(lines.join("\n"))
}

/// `bench_customers (n, customer_id)`: customer number `n` (from 1) to the id as text.
async fn fill_lookup_table(pool: &PgPool, customers: &[SeededCustomer]) -> anyhow::Result<()> {
    sqlx::query("create table bench_customers (n integer primary key, customer_id text not null)")
        .execute(pool)
        .await
        .context("failed to create the lookup table")?;
    let ids: Vec<String> = customers
        .iter()
        .map(|customer| customer.customer_id.to_string())
        .collect();
    sqlx::query(
        "insert into bench_customers (n, customer_id)
         select n, id from unnest($1::text[]) with ordinality as t(id, n)",
    )
    .bind(ids)
    .execute(pool)
    .await
    .context("failed to fill the lookup table")?;
    sqlx::query("analyze bench_customers").execute(pool).await?;
    Ok(())
}

/// A random customer, their id, then the endpoint's query with `$1` the id and `$2` the first
/// page's cursor.
fn script_text(n_customers: usize) -> String {
    let query = ledgerdesk_api::portal_incidents_page_sql()
        .replace("$2", ":before")
        .replace("$1", ":customer_id");
    format!(
        "\\set n random(1, {n_customers})\n\
         \\set before {before}\n\
         select customer_id from bench_customers where n = :n \\gset\n\
         {query};\n",
        before = i64::MAX,
    )
}

async fn pgbench(args: &[String], database_url: &str) -> anyhow::Result<String> {
    let output = tokio::process::Command::new("pgbench")
        .args(args)
        .arg(database_url)
        .stdin(Stdio::null())
        .output()
        .await
        .context("failed to run pgbench (Debian: apt-get install postgresql-client)")?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(
        output.status.success(),
        "pgbench failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(stdout)
}

/// The number after `label` on the first line that has it.
fn figure_after(output: &str, label: &str) -> Option<f64> {
    let line = output.lines().find(|line| line.contains(label))?;
    let rest = &line[line.find(label)? + label.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// The average latency `-r` reports for the statement that reads `rm_incidents`.
fn query_average(output: &str) -> Option<Duration> {
    let line = output
        .lines()
        .skip_while(|line| !line.contains("statement latencies"))
        .find(|line| line.contains("i.incident_id"))?;
    let millis: f64 = line.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_secs_f64(millis / 1000.0))
}

/// Every transaction's latency from pgbench's logs (`client tx time_us script epoch us`).
fn read_logs(dir: &Path) -> anyhow::Result<Latencies> {
    let mut latencies = Latencies::default();
    let files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .collect();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        for line in text.lines() {
            let micros: u64 = line
                .split_whitespace()
                .nth(2)
                .and_then(|field| field.parse().ok())
                .with_context(|| format!("an unreadable pgbench log line: {line}"))?;
            latencies.push(Duration::from_micros(micros));
        }
    }
    anyhow::ensure!(!latencies.0.is_empty(), "pgbench logged no transactions");
    Ok(latencies)
}
