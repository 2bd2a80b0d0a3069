//! `servihub-chat`: serve (default), migrate, seed, business, token.

use servihub_actors::protocol::{BusinessId, Role, UserId};
use servihub_chat::auth::{parse_ttl, Authenticator, Identity};
use servihub_chat::config::{self, Config};
use std::process::ExitCode;

const USAGE: &str = "usage: servihub-chat [serve [--demo] | migrate | seed [--businesses N] | business add --id ID --name NAME | business list | token --user ID --role ROLE [--business ID] [--name NAME] [--ttl 1h] | token --role PLATFORM [--name SERVICE] [--ttl 1h]]";

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("servihub-chat: {msg}");
    ExitCode::from(2)
}

fn init_logs(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,ractor=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if config.log_json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    let demo = args.iter().any(|a| a == "--demo");
    // `servihub-chat --demo` means `serve --demo`; `--help` is still help.
    let command = if command.starts_with("--") && command != "--help" {
        "serve"
    } else {
        command
    };
    match command {
        "serve" => serve(demo).await,
        "migrate" | "seed" => {
            let url = std::env::var("DATABASE_URL")
                .unwrap_or_else(|_| config::DEFAULT_DATABASE_URL.into());
            let pool = match servihub_chat::db::connect(&url, 2).await {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            if let Err(e) = servihub_chat::db::migrate(&pool).await {
                return fail(e);
            }
            if command == "seed" {
                let n = match flag(&args, "--businesses").map(|v| v.parse::<i64>()) {
                    None => 2,
                    Some(Ok(n)) if (1..=100_000).contains(&n) => n,
                    Some(_) => return fail("--businesses takes a number from 1 to 100000"),
                };
                if let Err(e) = servihub_chat::seed::seed(&pool, n).await {
                    return fail(e);
                }
            }
            println!("{command}: done");
            ExitCode::SUCCESS
        }
        "business" => match servihub_chat::business_cmd::run(&args[1..]).await {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        "token" => token(&args),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => fail(format!("unknown command {other:?}\n{USAGE}")),
    }
}

fn token(args: &[String]) -> ExitCode {
    let config = match config::from_env(args.iter().any(|a| a == "--demo")) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if matches!(
        flag(args, "--role").as_deref(),
        Some("PLATFORM") | Some("platform")
    ) {
        return platform_token(args, &config);
    }
    let Some(user) = flag(args, "--user").and_then(|u| u.parse::<UserId>().ok()) else {
        return fail("--user ID is required (a decimal id)");
    };
    let role = match flag(args, "--role").as_deref() {
        Some("CUSTOMER") | Some("customer") => Role::Customer,
        Some("AGENT") | Some("agent") => Role::Agent,
        Some("OWNER") | Some("owner") => Role::Owner,
        _ => return fail("--role must be CUSTOMER, AGENT, OWNER or PLATFORM"),
    };
    let business_id = flag(args, "--business").and_then(|b| b.parse::<BusinessId>().ok());
    if role.is_staff() && business_id.is_none() {
        return fail("--business ID is required for AGENT and OWNER");
    }
    let Some(ttl) = parse_ttl(&flag(args, "--ttl").unwrap_or_else(|| "1h".into())) else {
        return fail("--ttl must look like 90s, 15m, 1h or 7d");
    };
    let who = Identity {
        user_id: user,
        role,
        business_id,
        name: flag(args, "--name"),
        expires_at: None,
    };
    match Authenticator::new(&config.jwt).mint(&who, ttl) {
        Ok(t) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// A token for the platform's own service identity (business provisioning).
fn platform_token(args: &[String], config: &Config) -> ExitCode {
    let Some(ttl) = parse_ttl(&flag(args, "--ttl").unwrap_or_else(|| "1h".into())) else {
        return fail("--ttl must look like 90s, 15m, 1h or 7d");
    };
    let name = flag(args, "--name").unwrap_or_else(|| "platform".into());
    match Authenticator::new(&config.jwt).mint_platform(&name, ttl) {
        Ok(t) => {
            println!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn serve(demo: bool) -> ExitCode {
    let config = match config::from_env(demo) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    init_logs(&config);
    let node = match servihub_chat::start(config).await {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    wait_for_signal().await;
    tracing::info!("shutting down: closing sockets, flushing writes");
    node.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
