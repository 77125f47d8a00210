//! The storage contract, run on both backends: SQLite in a temporary directory and a
//! fresh PostgreSQL database.

use tavolo_store::testing::TestPostgres;
use tavolo_store::writer::LogWriter;
use tavolo_store::{NewUpdate, Store, StoreError, StoredSnapshot};

fn row(board: &str, seq: i64, data: &[u8]) -> NewUpdate {
    NewUpdate {
        board_id: board.to_owned(),
        seq,
        data: data.to_vec(),
    }
}

async fn contract(store: Store) {
    store.migrate().await.expect("migrate");
    store
        .migrate()
        .await
        .expect("migrations run twice are a no-op");
    store.ping().await.expect("ping");

    // an unknown board is empty
    let empty = store.load_board("nobody").await.unwrap();
    assert!(empty.snapshot.is_none() && empty.updates.is_empty());
    assert_eq!(empty.last_seq(), 0);

    // append and load, in order, per board
    store
        .append(&[
            row("a", 1, b"one"),
            row("b", 1, b"uno"),
            row("a", 2, b"two"),
        ])
        .await
        .unwrap();
    let a = store.load_board("a").await.unwrap();
    assert_eq!(a.updates, vec![(1, b"one".to_vec()), (2, b"two".to_vec())]);
    assert_eq!(a.last_seq(), 2);
    assert_eq!(store.log_len("b").await.unwrap(), 1);

    // a duplicate sequence number fails the whole append, and nothing of it lands
    let dup = store
        .append(&[row("a", 3, b"three"), row("a", 2, b"again")])
        .await;
    assert!(matches!(dup, Err(StoreError::Database(_))));
    assert_eq!(store.log_len("a").await.unwrap(), 2);

    // large batches (more than one INSERT statement) and binary data round-trip
    let many: Vec<NewUpdate> = (3..=1203)
        .map(|s| row("a", s, &[0, 255, (s % 256) as u8]))
        .collect();
    store.append(&many).await.unwrap();
    let a = store.load_board("a").await.unwrap();
    assert_eq!(a.updates.len(), 1203);
    assert_eq!(a.updates[1202], (1203, vec![0, 255, (1203 % 256) as u8]));

    // compaction: the snapshot covers the log up to seq, later rows stay
    store.compact("a", 1200, b"state-v2").await.unwrap();
    let a = store.load_board("a").await.unwrap();
    assert_eq!(
        a.snapshot,
        Some(StoredSnapshot {
            seq: 1200,
            state: b"state-v2".to_vec()
        })
    );
    assert_eq!(
        a.updates.iter().map(|u| u.0).collect::<Vec<_>>(),
        vec![1201, 1202, 1203]
    );
    assert_eq!(a.last_seq(), 1203);
    assert_eq!(store.log_len("a").await.unwrap(), 3);
    // compacting again replaces the automatic snapshot
    store.compact("a", 1203, b"newer").await.unwrap();
    let a = store.load_board("a").await.unwrap();
    assert_eq!(a.snapshot.as_ref().map(|s| s.seq), Some(1203));
    assert!(a.updates.is_empty());
    assert_eq!(a.last_seq(), 1203);
    // the other board is untouched
    assert_eq!(store.load_board("b").await.unwrap().updates.len(), 1);

    // group commit: many concurrent callers, all committed, a bad request fails alone
    let (writer, task) = LogWriter::spawn(store.clone(), 1000);
    let mut joins = Vec::new();
    for w in 0..20i64 {
        let writer = writer.clone();
        joins.push(tokio::spawn(async move {
            for i in 0..25i64 {
                writer
                    .append(vec![row(&format!("w{w}"), i + 1, b"x")])
                    .await
                    .unwrap();
            }
        }));
    }
    let bad = writer.append(vec![row("b", 1, b"taken")]);
    let bad = bad.await;
    assert!(bad.is_err(), "a sequence number already used is refused");
    for j in joins {
        j.await.unwrap();
    }
    for w in 0..20 {
        assert_eq!(store.log_len(&format!("w{w}")).await.unwrap(), 25);
    }
    drop(writer);
    task.await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn contract_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    contract(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn contract_postgres() {
    let db = TestPostgres::create().await;
    contract(Store::open(&db.url).await.unwrap()).await;
    db.drop_database().await;
}

#[tokio::test]
async fn unsupported_url_is_refused() {
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(StoreError::UnsupportedUrl)
    ));
}
