//! `seed`: idempotent demo data. Two businesses, one customer, one agent of the first business,
//! and one conversation with a few messages. `--businesses N` also makes sure businesses 1..N
//! exist (the bench gives each customer/agent pair a business of its own).

use super::{conversations, users, PgPool, StoreResult};
use crate::protocol::{BusinessId, Role, UserId};

pub async fn seed(pool: &PgPool, businesses: i64) -> StoreResult<()> {
    users::upsert_business(pool, BusinessId(1), "Northwind Bikes").await?;
    users::upsert_business(pool, BusinessId(2), "Harbor Bakery").await?;
    for b in 3..=businesses {
        users::upsert_business(pool, BusinessId(b), &format!("Business {b}")).await?;
    }
    users::upsert(pool, UserId(1001), Some("Casey")).await?;
    users::upsert(pool, UserId(2001), Some("Alice")).await?;
    let (conv, created) =
        conversations::load_or_create_direct(pool, BusinessId(1), UserId(1001)).await?;
    if created {
        conversations::add_customer(pool, BusinessId(1), UserId(1001)).await?;
        conversations::ensure_participant(pool, conv, UserId(2001), Role::Agent).await?;
        let lines: [(i64, &str, &str); 3] = [
            (
                1001,
                "CUSTOMER",
                "Hi! Is the blue gravel bike still in stock in size M?",
            ),
            (
                2001,
                "AGENT",
                "Hello Casey, yes, we have two left in M. Want me to hold one for you?",
            ),
            (1001, "CUSTOMER", "Yes please, I can come by on Saturday."),
        ];
        for (i, (sender, role, body)) in lines.iter().enumerate() {
            sqlx::query(
                "INSERT INTO messages (conversation_id, sender_id, sender_role, body, client_id)
                 VALUES ($1, $2, $3::participant_role, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(conv)
            .bind(sender)
            .bind(role)
            .bind(body)
            .bind(format!("seed-{i}"))
            .execute(pool)
            .await?;
        }
        sqlx::query("UPDATE conversations SET last_message_at = now() WHERE id = $1")
            .bind(conv)
            .execute(pool)
            .await?;
    }
    Ok(())
}
