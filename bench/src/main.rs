//! `servihub-bench`: runs the presets against servers it starts (or a node given by URL) and
//! writes tables, JSON, CSV and the plot. `servihub-bench help` lists the options.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use servihub_bench::idle::idle;
use servihub_bench::launch::{default_node_bin, NodeOptions};
use servihub_bench::relay;
use servihub_bench::scenarios::{run_preset, Environment, Preset};
use servihub_bench::summary::{publish, write_idle, write_preset};
use servihub_bench::{BenchError, Result, Target};

const USAGE: &str = "\
usage: servihub-bench <command> [options]

commands:
  rtt100 | light | cost | scale | throughput | fanout | cluster   run one preset
              (light: rtt100's 1,000 msg/s from 10 sockets; cost: CPU µs per message at
              1k and 10k msg/s from 20 sockets)
  idle        RSS of an idle socket on a fresh server, stage by stage (node by default)
  compare     rtt100 on node, floor and peer, interleaved (the standard comparison)
  all         every preset and idle, then the summary and the plot
  search      GET /search over a generated history (--messages, default 1000000, over
              --conversations, default 5000; --queries per kind and role, default 200)
  summary     rebuild summary.md and p99.svg from the JSON files in --out
  relay       serve the floor relay (--port)

options:
  --targets node,floor,peer   which servers (default: all three for rtt100/compare, node otherwise)
  --rounds N                  interleaved rounds in a comparison (default 3)
  --quick                     short runs with few sockets: checks the harness, not for numbers
  --sockets N  --duration S  --rate R   override the preset
  --node-url URL              use a running node instead of starting one (with --jwt-secret)
  --node-pid PID              that node's pid, for its RSS and CPU
  --node-bin PATH             node binary (default: servihub-chat beside this binary)
  --jwt-secret S              (default: a fixed bench secret; JWT_SECRET is read too)
  --database-url URL          node database (default postgres://postgres@127.0.0.1:5432/servihub_bench)
  --peer-database-url URL     peer database (default …/servihub_bench_peer)
  --redis-url URL             (default redis://127.0.0.1:6379)
  --peer-dir DIR              the Socket.IO peer (default: bench/peer)
  --out DIR                   results directory (default bench/results)
  --profile                   record the node with `perf` during each run (<out>/profile/)
  --port P                    relay port";

const DEFAULT_SECRET: &str = "servihub-bench-secret-0123456789abcdef0123456789";
const FLAGS_WITHOUT_VALUE: [&str; 2] = ["quick", "profile"];

fn parse_args(args: &[String]) -> Result<(String, HashMap<String, String>)> {
    let command = args.first().cloned().unwrap_or_else(|| "help".into());
    let mut opts = HashMap::new();
    let mut rest = args.iter().skip(1);
    while let Some(flag) = rest.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| BenchError::Config(format!("unexpected argument {flag}")))?;
        if FLAGS_WITHOUT_VALUE.contains(&name) {
            opts.insert(name.to_string(), "true".into());
            continue;
        }
        let value = rest
            .next()
            .ok_or_else(|| BenchError::Config(format!("--{name} needs a value")))?;
        opts.insert(name.to_string(), value.clone());
    }
    Ok((command, opts))
}

fn num<T: std::str::FromStr>(opts: &HashMap<String, String>, key: &str) -> Result<Option<T>> {
    opts.get(key)
        .map(|v| {
            v.parse()
                .map_err(|_| BenchError::Config(format!("--{key}: not a number: {v}")))
        })
        .transpose()
}

fn targets(opts: &HashMap<String, String>, default: &[Target]) -> Result<Vec<Target>> {
    let Some(list) = opts.get("targets") else {
        return Ok(default.to_vec());
    };
    list.split(',')
        .map(|t| match t.trim() {
            "node" => Ok(Target::Node),
            "floor" => Ok(Target::Floor),
            "peer" => Ok(Target::Peer),
            other => Err(BenchError::Config(format!("unknown target {other}"))),
        })
        .collect()
}

fn environment(opts: &HashMap<String, String>, out: &std::path::Path) -> Result<Environment> {
    let get = |k: &str, d: &str| opts.get(k).cloned().unwrap_or_else(|| d.to_string());
    let secret = opts
        .get("jwt-secret")
        .cloned()
        .or_else(|| std::env::var("JWT_SECRET").ok())
        .unwrap_or_else(|| DEFAULT_SECRET.into());
    Ok(Environment {
        node: NodeOptions {
            bin: opts
                .get("node-bin")
                .map(PathBuf::from)
                .unwrap_or_else(default_node_bin),
            database_url: get(
                "database-url",
                "postgres://postgres@127.0.0.1:5432/servihub_bench",
            ),
            redis_url: None,
            jwt_secret: secret,
            businesses: servihub_bench::scenarios::SEED_BUSINESSES,
            log_dir: out.join("logs"),
        },
        node_url: opts.get("node-url").cloned(),
        node_pids: num::<u32>(opts, "node-pid")?.into_iter().collect(),
        bench_exe: std::env::current_exe().ok(),
        peer_dir: opts
            .get("peer-dir")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer")),
        peer_database_url: get(
            "peer-database-url",
            "postgres://postgres@127.0.0.1:5432/servihub_bench_peer",
        ),
        redis_url: get("redis-url", "redis://127.0.0.1:6379"),
        quick: opts.contains_key("quick"),
        rounds: num(opts, "rounds")?.unwrap_or(3),
        sockets: num(opts, "sockets")?,
        duration_s: num(opts, "duration")?,
        rate: num(opts, "rate")?,
        profile_dir: opts.contains_key("profile").then(|| out.join("profile")),
    })
}

async fn run(args: Vec<String>) -> Result<()> {
    let (command, opts) = parse_args(&args)?;
    let out = opts
        .get("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("results"));
    let all_targets = [Target::Node, Target::Floor, Target::Peer];
    match command.as_str() {
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        "relay" => {
            let port = num(&opts, "port")?.unwrap_or(0);
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            relay::serve(listener).await
        }
        "summary" => publish(&out),
        "search" => {
            let env = environment(&opts, &out)?;
            let s = servihub_bench::search::SearchOptions {
                messages: num(&opts, "messages")?.unwrap_or(1_000_000),
                conversations: num(&opts, "conversations")?.unwrap_or(5_000),
                queries: num(&opts, "queries")?.unwrap_or(200),
            };
            let mut node = env.node.clone();
            node.businesses = 1;
            // Its own database by default: the load replaces the history it finds.
            if !opts.contains_key("database-url") {
                node.database_url =
                    "postgres://postgres@127.0.0.1:5432/servihub_bench_search".into();
            }
            let report = servihub_bench::search::run(&node, &s).await?;
            let table = servihub_bench::search::table(&report);
            println!("{table}");
            std::fs::create_dir_all(&out)?;
            std::fs::write(out.join("search.json"), serde_json::to_vec_pretty(&report)?)?;
            std::fs::write(out.join("search.md"), table)?;
            Ok(())
        }
        "compare" => {
            let env = environment(&opts, &out)?;
            let t = targets(&opts, &all_targets)?;
            let reports = run_preset(&env, Preset::Rtt100, &t).await?;
            write_preset(&out, "rtt100", &reports)?;
            publish(&out)
        }
        "all" => {
            let env = environment(&opts, &out)?;
            for preset in Preset::ALL {
                let t = targets(&opts, &all_targets)?;
                let reports = run_preset(&env, preset, &t).await?;
                write_preset(&out, preset.name(), &reports)?;
            }
            let t = targets(&opts, &all_targets)?;
            write_idle(&out, &idle(&env, &t).await?)?;
            publish(&out)
        }
        "idle" => {
            let env = environment(&opts, &out)?;
            let t = targets(&opts, &[Target::Node])?;
            write_idle(&out, &idle(&env, &t).await?)?;
            publish(&out)
        }
        name => {
            let preset = Preset::parse(name)
                .ok_or_else(|| BenchError::Config(format!("unknown command {name}\n{USAGE}")))?;
            let env = environment(&opts, &out)?;
            let default: &[Target] = if matches!(preset, Preset::Rtt100 | Preset::Light) {
                &all_targets
            } else {
                &[Target::Node]
            };
            let t = targets(&opts, default)?;
            let reports = run_preset(&env, preset, &t).await?;
            write_preset(&out, preset.name(), &reports)?;
            publish(&out)
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("servihub-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("servihub-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
