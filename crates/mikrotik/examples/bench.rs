//! Driver benchmarks against the simulator over loopback TCP; prints figures, not a test.
//!
//! 1. Push 1,000 hotspot users: sequential (one round trip each) vs pipelined tagged
//!    commands, without and with a simulated 2 ms round trip.
//! 2. Print 100,000 users: streamed vs collected, with the client's peak RSS (the simulator
//!    runs in a child process so its memory does not count).
//! 3. Poll 200 simulated routers concurrently through one `RouterPool`
//!    (identity + resource + hotspot active + PPP active).
//!
//! `--rows` also prints `ROW\tscenario\tconns\tops/s\tp50\tp99\terrors` lines for
//! scripts/bench.sh. Run in release: `cargo run --release -p mikrotik --example bench`.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use mikrotik::menus::HotspotUserSpec;
use mikrotik::sim::{SimConfig, SimHandle, Simulator};
use mikrotik::{Client, Command, ConnectOptions, PoolConfig, RouterPool};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Figure {
    scenario: String,
    conns: usize,
    ops: usize,
    took: Duration,
    lat: Vec<Duration>,
    errors: usize,
}

impl Figure {
    fn print(&self, rows: bool) {
        let mut lat = self.lat.clone();
        lat.sort();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let rate = self.ops as f64 / self.took.as_secs_f64();
        println!(
            "{:<44} {:>8} ops in {:>8.3} s = {:>9.0} ops/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}",
            self.scenario,
            self.ops,
            self.took.as_secs_f64(),
            rate,
            pct(0.5),
            pct(0.99),
            self.errors
        );
        if rows {
            println!(
                "ROW\t{}\t{}\t{:.0}\t{:.2}ms\t{:.2}ms\t{}",
                self.scenario,
                self.conns,
                rate,
                pct(0.5),
                pct(0.99),
                self.errors
            );
        }
    }
}

fn user(i: usize, prefix: &str) -> HotspotUserSpec {
    HotspotUserSpec {
        name: format!("{prefix}{i:06}"),
        password: Some(format!("{prefix}{i:06}").into()),
        profile: Some("default".into()),
        limit_uptime: Some(Duration::from_secs(3600)),
        comment: Some("VOUCHER_SYSTEM|5000.00|0|0".into()),
        ..Default::default()
    }
}

async fn push(sim: &SimHandle, pipelined: bool, latency: Duration) -> Result<Figure, BoxError> {
    sim.set_latency(latency);
    let c = Client::connect(sim.connect_options()).await?;
    let prefix = format!("P{}{}", u8::from(pipelined), latency.as_millis());
    let start = Instant::now();
    let mut lat = Vec::with_capacity(1000);
    let mut errors = 0;
    if pipelined {
        let cmds: Vec<Command> = (0..1000)
            .map(|i| {
                let mut cmd = Command::new("/ip/hotspot/user/add");
                cmd.attrs = mikrotik::menus::IntoAttrs::to_attrs(&user(i, &prefix)).0;
                cmd
            })
            .collect();
        let futs = cmds.iter().map(|cmd| {
            let c = c.clone();
            async move {
                let r = c.execute(cmd).await;
                (r.is_ok(), start.elapsed())
            }
        });
        for (ok, at) in futures::future::join_all(futs).await {
            errors += usize::from(!ok);
            lat.push(at);
        }
    } else {
        for i in 0..1000 {
            let t = Instant::now();
            errors += usize::from(c.hotspot_users().add(&user(i, &prefix)).await.is_err());
            lat.push(t.elapsed());
        }
    }
    let took = start.elapsed();
    sim.set_latency(Duration::ZERO);
    Ok(Figure {
        scenario: format!(
            "push 1000 users {} (rtt {} ms)",
            if pipelined { "pipelined" } else { "sequential" },
            latency.as_millis()
        ),
        conns: 1,
        ops: 1000,
        took,
        lat,
        errors,
    })
}

fn proc_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_peak_rss() {
    // "5" resets VmHWM to the current RSS (Linux ≥ 4.0), so each phase gets its own peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Child process: a simulator holding `n` users; prints its port, exits when stdin closes.
async fn serve_sim(n: usize) -> Result<(), BoxError> {
    let sim = Simulator::start(SimConfig::new("big", "admin", "pw")).await?;
    for i in 0..n {
        sim.exec_ok(&[
            "/ip/hotspot/user/add",
            &format!("=name=B{i:06}"),
            &format!("=password=B{i:06}"),
            "=limit-uptime=1h",
            "=comment=VOUCHER_SYSTEM|5000.00|0|0",
        ])?;
    }
    println!("{}", sim.addr().port());
    std::io::stdout().flush()?;
    tokio::task::spawn_blocking(|| {
        let mut s = String::new();
        let _ = std::io::stdin().lock().read_line(&mut s);
    })
    .await?;
    Ok(())
}

async fn print_big(n: usize, rows: bool) -> Result<(), BoxError> {
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args(["--serve-sim", &n.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out).read_line(&mut line)?;
    }
    let port: u16 = line.trim().parse()?;
    let opts = ConnectOptions::new("127.0.0.1", "admin", "pw").port(port);
    let c = Client::connect(opts).await?;
    let base_kb = proc_status("VmRSS:");
    for streamed in [true, false] {
        reset_peak_rss();
        let start = Instant::now();
        let count = if streamed {
            let mut s = c.hotspot_users().stream().await?;
            let mut k = 0;
            while let Some(u) = s.next().await {
                u?;
                k += 1;
            }
            k
        } else {
            c.hotspot_users().print().await?.len()
        };
        let took = start.elapsed();
        let peak = proc_status("VmHWM:");
        println!(
            "print {n} users {:<11} {count} rows in {:.3} s = {:.0} rows/s; client peak RSS {} MiB (+{} MiB over the idle client)",
            if streamed { "streamed" } else { "collected" },
            took.as_secs_f64(),
            count as f64 / took.as_secs_f64(),
            peak / 1024,
            peak.saturating_sub(base_kb) / 1024
        );
        if rows {
            println!(
                "ROW\tprint {n} users {}\t1\t{:.0}\t-\t-\t{}",
                if streamed { "streamed" } else { "collected" },
                count as f64 / took.as_secs_f64(),
                usize::from(count != n)
            );
        }
    }
    drop(child.stdin.take());
    let _ = child.wait();
    Ok(())
}

async fn poll_fleet(n: usize, rounds: usize, rows: bool) -> Result<(), BoxError> {
    let mut sims = Vec::with_capacity(n);
    for i in 0..n {
        let s = Simulator::start(SimConfig::new(&format!("r{i}"), "admin", "pw")).await?;
        for u in 0..30 {
            s.exec_ok(&[
                "/ip/hotspot/user/add",
                &format!("=name=u{u}"),
                "=password=x",
            ])?;
            if u < 10 {
                s.hotspot_login(&format!("u{u}"), None)?;
            }
            if u < 5 {
                s.exec_ok(&["/ppp/secret/add", &format!("=name=p{u}"), "=password=x"])?;
                s.ppp_connect(&format!("p{u}"), None)?;
            }
        }
        sims.push(s);
    }
    let pool = RouterPool::new(PoolConfig::default());
    for (i, s) in sims.iter().enumerate() {
        pool.upsert(i, s.connect_options());
    }
    let mut round_times = Vec::new();
    let mut errors = 0;
    for round in 0..=rounds {
        let start = Instant::now();
        let futs = (0..n).map(|i| {
            let pool = pool.clone();
            async move {
                pool.run(&i, |c| async move {
                    let (id, res, ha, pa) = tokio::join!(
                        c.system_identity(),
                        c.system_resource(),
                        c.hotspot_active().print(),
                        c.ppp_active().print()
                    );
                    Ok((id?, res?, ha?.len(), pa?.len()))
                })
                .await
            }
        });
        let results = futures::future::join_all(futs).await;
        errors += results
            .iter()
            .filter(|r| !matches!(r, Ok((_, _, 10, 5))))
            .count();
        let took = start.elapsed();
        if round == 0 {
            println!(
                "poll {n} routers, first round (connect + login + 4 commands each): {:.3} s",
                took.as_secs_f64()
            );
        } else {
            round_times.push(took);
        }
    }
    round_times.sort();
    let median = round_times[round_times.len() / 2];
    let conns: usize = sims.iter().map(SimHandle::connections).sum();
    println!(
        "poll {n} routers, steady round (4 commands each, {} connections open): median {:.3} s, worst {:.3} s, errors {errors}",
        conns,
        median.as_secs_f64(),
        round_times.last().map_or(0.0, Duration::as_secs_f64)
    );
    if rows {
        println!(
            "ROW\tpoll {n} routers (rounds/s)\t{conns}\t{:.2}\t{:.0}ms\t{:.0}ms\t{errors}",
            1.0 / median.as_secs_f64(),
            median.as_secs_f64() * 1000.0,
            round_times.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == "--serve-sim") {
        let n = args
            .get(pos + 1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        return serve_sim(n).await;
    }
    let rows = args.iter().any(|a| a == "--rows");
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|p| args.get(p + 1)?.parse().ok())
            .unwrap_or(default)
    };
    let print_n = arg("--print-users", 100_000);
    let routers = arg("--routers", 200);

    let sim = Simulator::start(SimConfig::new("bench", "admin", "pw")).await?;
    for (pipelined, rtt) in [(false, 0), (true, 0), (false, 2), (true, 2)] {
        push(&sim, pipelined, Duration::from_millis(rtt))
            .await?
            .print(rows);
    }
    drop(sim);
    print_big(print_n, rows).await?;
    poll_fleet(routers, 5, rows).await?;
    Ok(())
}
