//! `servihub-chat business add --id ID --name NAME` and `business list`: provisioning from a
//! shell on any machine that reaches the database (`docker compose exec node servihub-chat …`).
//! Both apply pending migrations first, like `migrate`, and go through the same rules as the
//! platform's REST route.

use crate::config;
use servihub_actors::protocol::BusinessId;
use servihub_actors::service::businesses;

pub const USAGE: &str = "business add --id ID --name NAME | business list";

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Runs `business <sub> …` (`args` starts after `business`) and returns what to print.
pub async fn run(args: &[String]) -> Result<String, String> {
    let sub = args.first().map(String::as_str);
    if !matches!(sub, Some("add") | Some("list")) {
        return Err(format!("usage: servihub-chat {USAGE}"));
    }
    let add = if sub == Some("add") {
        let Some(id) = flag(args, "--id")
            .and_then(|i| i.parse::<BusinessId>().ok())
            .filter(|i| i.0 > 0)
        else {
            return Err("--id ID is required: the platform's id of the business (what staff tokens carry as businessId)".into());
        };
        let Some(name) = flag(args, "--name") else {
            return Err("--name NAME is required".into());
        };
        Some((id, name))
    } else {
        None
    };
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| config::DEFAULT_DATABASE_URL.into());
    let pool = crate::db::connect(&url, 2)
        .await
        .map_err(|e| e.to_string())?;
    crate::db::migrate(&pool).await.map_err(|e| e.to_string())?;
    match add {
        Some((id, name)) => {
            let (b, created) = businesses::put(&pool, id, &name)
                .await
                .map_err(|e| e.message)?;
            let verb = if created { "created" } else { "exists" };
            Ok(format!("{verb}\t{}\t{}\n", b.id, b.name))
        }
        None => {
            let mut out = String::new();
            let mut after = None;
            loop {
                let page = businesses::list(&pool, after, Some(businesses::MAX_LIMIT))
                    .await
                    .map_err(|e| e.message)?;
                for b in &page.items {
                    out.push_str(&format!("{}\t{}\n", b.id, b.name));
                }
                match page.next_after {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            Ok(out)
        }
    }
}
