//! Test support: a fresh PostgreSQL database per test, so tests never share state.
//!
//! The server is found at `TAVOLO_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, where these machines run one with trust
//! auth). Each [`TestPostgres`] creates `tavolo_test_<pid>_<n>_<nanos>` and drops it in
//! [`TestPostgres::drop_database`]; a test that panics first leaves its database behind,
//! and `.ci/run` drops leftovers before the suite starts.

use sqlx::{Connection, Executor, PgConnection};
use std::sync::atomic::{AtomicU32, Ordering};

pub fn admin_url() -> String {
    std::env::var("TAVOLO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub struct TestPostgres {
    pub url: String,
    name: String,
}

impl TestPostgres {
    pub async fn create() -> TestPostgres {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "tavolo_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let admin = admin_url();
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL for tests at {admin}: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        TestPostgres {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn drop_database(self) {
        if let Ok(mut conn) = PgConnection::connect(&admin_url()).await {
            let _ = conn
                .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
                .await;
            conn.close().await.ok();
        }
    }
}
