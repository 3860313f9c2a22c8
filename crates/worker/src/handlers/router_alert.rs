//! `notify.router_status`: delivers a router online/offline alert. Until a WhatsApp provider is
//! configured (the notifications issue), delivery is the log-only channel: one `system_logs`
//! row per alert, visible to operators, and the `notifications` row marked processed.

use diesel::prelude::*;
use domain::router_jobs::RouterStatusAlert;
use store::schema::{notifications, system_logs};

use crate::job::{JobContext, JobError, JobHandler};

pub struct RouterStatusAlertHandler;

#[async_trait::async_trait]
impl JobHandler for RouterStatusAlertHandler {
    type Job = RouterStatusAlert;

    async fn run(&self, alert: RouterStatusAlert, ctx: &JobContext) -> Result<(), JobError> {
        let (level, message) = describe(&alert);
        let context = serde_json::to_value(&alert).unwrap_or_default();
        let key = alert.dedupe_key();
        let logged = message.clone();
        store::pool::with_conn(&ctx.pool, move |conn| {
            conn.transaction(|conn| {
                // the dedupe key makes a redelivered alert a no-op
                let updated = diesel::update(
                    notifications::table
                        .filter(notifications::dedupe_key.eq(&key))
                        .filter(notifications::status.eq("pending")),
                )
                .set((
                    notifications::status.eq("processed"),
                    notifications::processed_at.eq(diesel::dsl::now),
                ))
                .execute(conn)?;
                let known = notifications::table
                    .filter(notifications::dedupe_key.eq(&key))
                    .count()
                    .get_result::<i64>(conn)?;
                if updated > 0 || known == 0 {
                    diesel::insert_into(system_logs::table)
                        .values((
                            system_logs::level.eq(level),
                            system_logs::source.eq("router.status"),
                            system_logs::message.eq(&logged),
                            system_logs::context.eq(Some(&context)),
                        ))
                        .execute(conn)?;
                }
                Ok::<_, diesel::result::Error>(())
            })
        })
        .await?;
        tracing::warn!(
            router_id = alert.router_id,
            online = alert.online,
            "{message}"
        );
        Ok(())
    }
}

fn describe(alert: &RouterStatusAlert) -> (&'static str, String) {
    if alert.online {
        (
            "info",
            format!("router {} is back online", alert.router_name),
        )
    } else {
        let why = alert.error.as_deref().unwrap_or("no answer");
        (
            "warn",
            format!("router {} went offline: {why}", alert.router_name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_alert_says_why() {
        let alert = RouterStatusAlert {
            router_id: 3,
            router_name: "tower-1".into(),
            online: false,
            at: 1,
            error: Some("connection refused".into()),
        };
        let (level, message) = describe(&alert);
        assert_eq!(level, "warn");
        assert_eq!(message, "router tower-1 went offline: connection refused");
    }
}
