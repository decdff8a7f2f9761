//! `scripts/bench`: Stint's performance figures, each against a baseline measured in the same
//! run on the same machine, so the ratios mean something on any hardware. Loopback only,
//! bounded in time. Not a test: it reports, and marks figures that miss their target.

mod activation;
mod approval;
mod audit;
mod large_org;
mod load;
mod page;
mod provisioning;
mod seed;
mod wasm;
mod webauthn_check;

use std::path::PathBuf;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let seconds = arg(&args, "--seconds").map_or(Ok(5), |s| s.parse())?;
    let audit_events = arg(&args, "--audit-events").map_or(Ok(1_000_000), |s| s.parse())?;
    let site_root =
        PathBuf::from(arg(&args, "--site-root").unwrap_or_else(|| "target/site".into()));
    let work = std::env::temp_dir().join(format!("stint-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&work)?;

    // `--only audit` (or page, activation, approval, provisioning, wasm) runs one figure.
    let only = arg(&args, "--only");
    let runs = |figure: &str| only.as_deref().is_none_or(|o| o == figure);

    println!("Stint benchmarks ({seconds} s per load phase, 64 connections, loopback)\n");
    let page = if runs("page") {
        Some(page::run(&work, &site_root, seconds).await?)
    } else {
        None
    };
    let activation = if runs("activation") {
        Some(activation::run(&work).await?)
    } else {
        None
    };
    let approval = if runs("approval") {
        Some(approval::run(&work).await?)
    } else {
        None
    };
    let pg_url = std::env::var("STINT_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let provisioning = if runs("provisioning") {
        Some(provisioning::run(&work, &pg_url).await?)
    } else {
        None
    };
    let audit = if runs("audit") {
        Some(audit::run(&work, audit_events).await?)
    } else {
        None
    };
    let wasm = runs("wasm").then(|| wasm::measure(&site_root));

    println!("| Figure | Stint | Baseline | Ratio | Target |");
    println!("|---|---|---|---|---|");
    if let Some(figures) = &page {
        figures.print();
    }
    if let Some(figures) = &activation {
        figures.print();
    }
    if let Some(figures) = &approval {
        figures.print();
    }
    if let Some(provisioning) = provisioning {
        provisioning::ProvisioningFigures::print(provisioning.as_ref());
    }
    if let Some(figures) = &audit {
        figures.print();
    }
    if let Some(figures) = &wasm {
        figures.print();
    }
    if std::env::var_os("STINT_BENCH_KEEP").is_some() {
        println!("\nDatabases kept in {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
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
