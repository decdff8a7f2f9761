//! `scripts/bench`: Stint's performance figures, each against a baseline measured in the same
//! run on the same machine, so the ratios mean something on any hardware. Loopback only,
//! bounded in time. Not a test: it reports, and marks figures that miss their target.

mod activation;
mod approval;
mod audit;
mod load;
mod page;
mod provisioning;
mod seed;
mod wasm;

use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds = arg(&args, "--seconds").map_or(Ok(5), |s| s.parse())?;
    let audit_events = arg(&args, "--audit-events").map_or(Ok(1_000_000), |s| s.parse())?;
    let site_root =
        PathBuf::from(arg(&args, "--site-root").unwrap_or_else(|| "target/site".into()));
    let work = std::env::temp_dir().join(format!("stint-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&work)?;

    println!("Stint benchmarks ({seconds} s per load phase, 64 connections, loopback)\n");
    let page = page::run(&work, &site_root, seconds).await?;
    let activation = activation::run(&work).await?;
    let approval = approval::run(&work).await?;
    let pg_url = std::env::var("STINT_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let provisioning = provisioning::run(&work, &pg_url).await?;
    let audit = audit::run(&work, audit_events).await?;
    let wasm = wasm::measure(&site_root);

    println!("| Figure | Stint | Baseline | Ratio | Target |");
    println!("|---|---|---|---|---|");
    page.print();
    activation.print();
    approval.print();
    provisioning::ProvisioningFigures::print(provisioning.as_ref());
    audit.print();
    wasm.print();
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// "✓" when a figure meets its target.
fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗ misses" }
}
