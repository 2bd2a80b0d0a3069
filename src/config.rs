//! Configuration from environment variables. A bad or missing setting stops start-up with one
//! line naming the variable.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

/// The secret `--demo` uses when JWT_SECRET is unset, so the demo runs with no setup. Never
/// accepted outside demo mode.
pub const DEMO_JWT_SECRET: &str = "servihub-demo-secret-not-for-production-use";

#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub secret: String,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub database_url: String,
    /// Postgres connections per node (`DATABASE_POOL_SIZE`, 20): with N nodes, Postgres needs
    /// N × this many connections.
    pub database_pool_size: u32,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel (`REDIS_PREFIX`, `shc`), so clusters can share a Redis.
    pub redis_prefix: String,
    /// Lifetime of a node's presence heartbeat (`PRESENCE_TTL_MS`, 20000): a crashed node's users
    /// go offline within 5/4 of it.
    pub presence_ttl: Duration,
    pub jwt: JwtConfig,
    pub cors_origin: Option<String>,
    pub log_json: bool,
    pub node_id: String,
    pub demo: bool,
    pub notify_webhook_url: Option<String>,
    pub notify_webhook_secret: Option<String>,
    /// First webhook retry delay (doubling after); `NOTIFY_BACKOFF_MS`, 1000 by default.
    pub notify_backoff_ms: u32,
    /// Messages queued for the database at most before senders get `overloaded`.
    pub persist_max_pending: u32,
    /// Persistence batches in flight at most (`PERSIST_LANES`, 4), each on its own connection;
    /// capped at half the pool so reads always find a connection.
    pub persist_lanes: u32,
    pub rate_limit_messages: u32,
    pub rate_limit_window: Duration,
    pub widget_dir: String,
    /// Open connections per node at most (`MAX_CONNECTIONS`, 10000); past it, 503 at once.
    pub max_connections: u32,
    /// Open connections per client address at most (`MAX_CONNECTIONS_PER_IP`, 256; 0 turns the
    /// cap off, for nodes behind a load balancer whose own address every client shares).
    pub max_connections_per_ip: u32,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/servihub_chat";

/// Reads a variable through `get`, so tests can pass a map instead of the process environment.
pub fn from_lookup(
    get: impl Fn(&str) -> Option<String>,
    demo: bool,
) -> Result<Config, ConfigError> {
    let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    let port = match var("PORT") {
        None => 3000,
        Some(v) => v.trim().parse::<u16>().map_err(|_| ConfigError {
            var: "PORT",
            reason: format!("{v:?} is not a port number (0-65535)"),
        })?,
    };
    let secret = match var("JWT_SECRET") {
        Some(s) if s.len() >= 32 => s,
        Some(_) => {
            return Err(ConfigError {
                var: "JWT_SECRET",
                reason: "must be at least 32 bytes".into(),
            })
        }
        None if demo => DEMO_JWT_SECRET.to_string(),
        None => {
            return Err(ConfigError {
                var: "JWT_SECRET",
                reason: "is required (at least 32 bytes)".into(),
            })
        }
    };
    let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
    if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
        return Err(ConfigError {
            var: "DATABASE_URL",
            reason: "must be a postgres:// URL".into(),
        });
    }
    let redis_url = var("REDIS_URL");
    if let Some(r) = &redis_url {
        if !r.starts_with("redis://") {
            return Err(ConfigError {
                var: "REDIS_URL",
                reason: "must be a redis:// URL".into(),
            });
        }
    }
    let log_json = match var("LOG_FORMAT").as_deref() {
        None | Some("json") => true,
        Some("pretty") => false,
        Some(other) => {
            return Err(ConfigError {
                var: "LOG_FORMAT",
                reason: format!("{other:?} is not json or pretty"),
            })
        }
    };
    let notify_webhook_url = var("NOTIFY_WEBHOOK_URL");
    if let Some(u) = &notify_webhook_url {
        if !u.starts_with("http://") {
            return Err(ConfigError {
                var: "NOTIFY_WEBHOOK_URL",
                reason:
                    "must be an http:// URL (terminate TLS at a sidecar or the platform's gateway)"
                        .into(),
            });
        }
    }
    let rate_limit_messages = parse_num(&var, "RATE_LIMIT_MESSAGES", 20)?;
    let window_ms = parse_num(&var, "RATE_LIMIT_WINDOW_MS", 5000)?;
    let notify_backoff_ms = parse_num(&var, "NOTIFY_BACKOFF_MS", 1000)?;
    let persist_max_pending = parse_num(&var, "PERSIST_MAX_PENDING", 10_000)?;
    let persist_lanes = parse_num(&var, "PERSIST_LANES", 4)?;
    let presence_ttl_ms = parse_num(&var, "PRESENCE_TTL_MS", 20_000)?;
    let database_pool_size = parse_num(&var, "DATABASE_POOL_SIZE", 20)?;
    let max_connections = parse_num(&var, "MAX_CONNECTIONS", 10_000)?;
    let max_connections_per_ip = match var("MAX_CONNECTIONS_PER_IP").as_deref().map(str::trim) {
        Some("0") => 0,
        _ => parse_num(&var, "MAX_CONNECTIONS_PER_IP", 256)?,
    };
    if presence_ttl_ms < 400 {
        return Err(ConfigError {
            var: "PRESENCE_TTL_MS",
            reason: "must be at least 400 (the heartbeat runs every quarter of it)".into(),
        });
    }
    let redis_prefix = var("REDIS_PREFIX").unwrap_or_else(|| "shc".into());
    if !redis_prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':')
    {
        return Err(ConfigError {
            var: "REDIS_PREFIX",
            reason: "may hold only letters, digits, '_', '-' and ':'".into(),
        });
    }
    Ok(Config {
        host: var("HOST").unwrap_or_else(|| "0.0.0.0".into()),
        port,
        database_url,
        database_pool_size,
        redis_url,
        redis_prefix,
        presence_ttl: Duration::from_millis(u64::from(presence_ttl_ms)),
        jwt: JwtConfig {
            secret,
            issuer: var("JWT_ISSUER"),
            audience: var("JWT_AUDIENCE"),
        },
        cors_origin: var("CORS_ORIGIN"),
        log_json,
        node_id: var("NODE_ID").unwrap_or_else(|| default_node_id(var("HOSTNAME"))),
        demo,
        notify_webhook_secret: var("NOTIFY_WEBHOOK_SECRET"),
        notify_webhook_url,
        notify_backoff_ms,
        persist_max_pending,
        persist_lanes,
        rate_limit_messages,
        rate_limit_window: Duration::from_millis(window_ms as u64),
        widget_dir: var("WIDGET_DIR").unwrap_or_else(|| "widget".into()),
        max_connections,
        max_connections_per_ip,
    })
}

/// Unique per running process even in containers, where every replica is pid 1: nodes drop
/// bridge frames carrying their own id, so two nodes sharing one would miss each other's events.
fn default_node_id(hostname: Option<String>) -> String {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
    match hostname {
        Some(h) => format!("{h}-{suffix}"),
        None => format!("node-{}-{suffix}", std::process::id()),
    }
}

fn parse_num(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u32,
) -> Result<u32, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(ConfigError {
                var: name,
                reason: format!("{v:?} is not a positive whole number"),
            }),
    }
}

pub fn from_env(demo: bool) -> Result<Config, ConfigError> {
    from_lookup(|k| std::env::var(k).ok(), demo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)], demo: bool) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_lookup(|k| m.get(k).cloned(), demo)
    }

    #[test]
    fn names_the_bad_variable() {
        assert_eq!(cfg(&[], false).unwrap_err().var, "JWT_SECRET");
        assert_eq!(
            cfg(&[("JWT_SECRET", "short")], false).unwrap_err().var,
            "JWT_SECRET"
        );
        let s = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        assert_eq!(cfg(&[s, ("PORT", "http")], false).unwrap_err().var, "PORT");
        assert_eq!(
            cfg(&[s, ("LOG_FORMAT", "xml")], false).unwrap_err().var,
            "LOG_FORMAT"
        );
        assert_eq!(
            cfg(&[s, ("REDIS_URL", "localhost")], false)
                .unwrap_err()
                .var,
            "REDIS_URL"
        );
        assert_eq!(
            cfg(&[s, ("DATABASE_URL", "mysql://x")], false)
                .unwrap_err()
                .var,
            "DATABASE_URL"
        );
        assert_eq!(
            cfg(&[s, ("RATE_LIMIT_MESSAGES", "0")], false)
                .unwrap_err()
                .var,
            "RATE_LIMIT_MESSAGES"
        );
        assert_eq!(
            cfg(&[s, ("NOTIFY_WEBHOOK_URL", "ftp://x")], false)
                .unwrap_err()
                .var,
            "NOTIFY_WEBHOOK_URL"
        );
        assert_eq!(
            cfg(&[s, ("PRESENCE_TTL_MS", "100")], false)
                .unwrap_err()
                .var,
            "PRESENCE_TTL_MS"
        );
        assert_eq!(
            cfg(&[s, ("REDIS_PREFIX", "a b")], false).unwrap_err().var,
            "REDIS_PREFIX"
        );
        let ok = cfg(&[s, ("PORT", "8080")], false).unwrap();
        assert_eq!(ok.redis_prefix, "shc");
        assert_eq!(ok.database_pool_size, 20);
        let other = cfg(&[s, ("HOSTNAME", "web")], false).unwrap();
        assert!(other.node_id.starts_with("web-"), "{}", other.node_id);
        assert_ne!(
            other.node_id,
            cfg(&[s, ("HOSTNAME", "web")], false).unwrap().node_id,
            "two replicas on one hostname never share an id"
        );
        assert_eq!(ok.presence_ttl, Duration::from_secs(20));
        assert_eq!(ok.port, 8080);
        assert!(ok.log_json);
        assert_eq!(cfg(&[], true).unwrap().jwt.secret, DEMO_JWT_SECRET);
        let e = cfg(&[], false).unwrap_err().to_string();
        assert!(e.contains("JWT_SECRET"), "{e}");
    }
}
