//! The storage contract, run on both backends: SQLite in a temporary directory and a
//! fresh PostgreSQL database.

use tavolo_board::BoardKind;
use tavolo_store::testing::TestPostgres;
use tavolo_store::writer::LogWriter;
use tavolo_store::{BoardAppend, RoomKind, Store, StoredSnapshot};

fn batch(board: &str, data: &[&[u8]]) -> BoardAppend {
    BoardAppend {
        board_id: board.to_owned(),
        updates: data.iter().map(|d| d.to_vec()).collect(),
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
    assert_eq!(store.heads(&["nobody".into()]).await.unwrap(), vec![0]);

    // append numbers each board's updates from 1, in order
    let firsts = store
        .append(&[
            batch("a", &[b"one"]),
            batch("b", &[b"uno"]),
            batch("a2", &[]),
        ])
        .await
        .unwrap();
    assert_eq!(firsts, vec![1, 1, 0]);
    let firsts = store.append(&[batch("a", &[b"two"])]).await.unwrap();
    assert_eq!(firsts, vec![2]);
    let a = store.load_board("a").await.unwrap();
    assert_eq!(a.updates, vec![(1, b"one".to_vec()), (2, b"two".to_vec())]);
    assert_eq!(a.last_seq(), 2);
    assert_eq!(store.log_len("b").await.unwrap(), 1);
    assert_eq!(
        store.updates_after("a", 1).await.unwrap(),
        vec![(2, b"two".to_vec())]
    );
    assert_eq!(
        store
            .heads(&["a".into(), "b".into(), "zz".into()])
            .await
            .unwrap(),
        vec![2, 1, 0]
    );

    // one group commit of several boards, big and small: each board numbered on its own,
    // in order (20,000 updates are more bind parameters than one SQLite statement takes)
    let big: Vec<Vec<u8>> = (0..20_000u32).map(|i| i.to_le_bytes().to_vec()).collect();
    let firsts = store
        .append(&[
            batch("g1", &[b"x"]),
            BoardAppend {
                board_id: "g2".into(),
                updates: big.clone(),
            },
            batch("g3", &[]),
            batch("g1", &[b"y", b"z"]),
        ])
        .await
        .unwrap();
    assert_eq!(firsts, vec![1, 1, 0, 2]);
    let g1 = store.load_board("g1").await.unwrap().updates;
    assert_eq!(
        g1,
        vec![(1, b"x".to_vec()), (2, b"y".to_vec()), (3, b"z".to_vec())]
    );
    let g2 = store.load_board("g2").await.unwrap().updates;
    assert_eq!(g2.len(), 20_000);
    assert!(g2
        .iter()
        .enumerate()
        .all(|(i, (seq, data))| *seq == i as i64 + 1 && *data == big[i]));
    assert_eq!(
        store
            .heads(&["g1".into(), "g2".into(), "g3".into()])
            .await
            .unwrap(),
        vec![3, 20_000, 0]
    );

    // large batches (more than one INSERT statement) and binary data round-trip
    let many: Vec<Vec<u8>> = (3..=1203)
        .map(|s: i64| vec![0, 255, (s % 256) as u8])
        .collect();
    let first = store
        .append(&[BoardAppend {
            board_id: "a".into(),
            updates: many,
        }])
        .await
        .unwrap();
    assert_eq!(first, vec![3]);
    let a = store.load_board("a").await.unwrap();
    assert_eq!(a.updates.len(), 1203);
    assert_eq!(a.updates[1202], (1203, vec![0, 255, (1203 % 256) as u8]));

    // compaction: the snapshot covers the log up to seq, later rows stay
    store.compact("a", 1200, b"state").await.unwrap();
    let a = store.load_board("a").await.unwrap();
    assert_eq!(
        a.snapshot,
        Some(StoredSnapshot {
            seq: 1200,
            state: b"state".to_vec()
        })
    );
    assert_eq!(
        a.updates.iter().map(|u| u.0).collect::<Vec<_>>(),
        vec![1201, 1202, 1203]
    );
    assert_eq!(a.last_seq(), 1203);
    assert_eq!(store.log_len("a").await.unwrap(), 3);
    // compacting again replaces the automatic snapshot; numbering goes on after it
    store.compact("a", 1203, b"newer").await.unwrap();
    let a = store.load_board("a").await.unwrap();
    assert_eq!(a.snapshot.as_ref().map(|s| s.seq), Some(1203));
    assert!(a.updates.is_empty());
    assert_eq!(a.last_seq(), 1203);
    assert_eq!(
        store.append(&[batch("a", &[b"next"])]).await.unwrap(),
        vec![1204]
    );
    // the other board is untouched
    assert_eq!(store.load_board("b").await.unwrap().updates.len(), 1);

    // group commit: many concurrent writers on many boards, numbers dense and in order
    let writer = LogWriter::new(store.clone(), 1000);
    let mut joins = Vec::new();
    for w in 0..20i64 {
        let writer = writer.clone();
        joins.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..25 {
                got.push(
                    writer
                        .append(batch(&format!("w{w}"), &[b"x", b"y"]))
                        .await
                        .unwrap()
                        .0,
                );
            }
            got
        }));
    }
    // and several writers on one board (as several nodes would): distinct numbers
    let mut shared = Vec::new();
    for _ in 0..4 {
        let writer = writer.clone();
        shared.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..25 {
                got.push(writer.append(batch("shared", &[b"s"])).await.unwrap().0);
            }
            got
        }));
    }
    for j in joins {
        let got = j.await.unwrap();
        assert_eq!(got, (0..25).map(|i| 1 + 2 * i).collect::<Vec<i64>>());
    }
    let mut all: Vec<i64> = Vec::new();
    for j in shared {
        all.extend(j.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=100).collect::<Vec<i64>>());
    for w in 0..20 {
        assert_eq!(store.log_len(&format!("w{w}")).await.unwrap(), 50);
    }
    store.close().await;
}

/// A SQLite database file in a fresh temporary directory (kept while the guard lives).
fn temp_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    (dir, url)
}

#[tokio::test]
async fn contract_sqlite() {
    let (_dir, url) = temp_sqlite();
    contract(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn contract_postgres() {
    let db = TestPostgres::create().await;
    contract(Store::open(&db.url).await.unwrap()).await;
    db.drop_database().await;
}

/// Two nodes = two stores on the same database, appending to one board at once: every
/// number is used once. (On SQLite each store appends through its own log connection.)
async fn two_stores_number_one_board_apart(url: &str) {
    let a = Store::open(url).await.unwrap();
    a.migrate().await.unwrap();
    let b = Store::open(url).await.unwrap();
    let mut joins = Vec::new();
    for store in [a.clone(), b.clone()] {
        joins.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for _ in 0..50 {
                got.push(store.append(&[batch("board", &[b"u"])]).await.unwrap()[0]);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for j in joins {
        all.extend(j.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=100).collect::<Vec<i64>>());
    assert_eq!(a.log_len("board").await.unwrap(), 100);
    a.close().await;
    b.close().await;
}

#[tokio::test]
async fn two_stores_on_one_postgres_number_one_board_apart() {
    let db = TestPostgres::create().await;
    two_stores_number_one_board_apart(&db.url).await;
    db.drop_database().await;
}

#[tokio::test]
async fn two_stores_on_one_sqlite_file_number_one_board_apart() {
    let (_dir, url) = temp_sqlite();
    two_stores_number_one_board_apart(&url).await;
}

/// A board loaded while it is being compacted (another node, or this one unloading it)
/// is read whole: the snapshot and the log after it as of one moment, never the old
/// snapshot (none) and the log after the compaction deleted what it covers.
async fn loads_during_compaction_read_the_whole_board(store: Store) {
    store.migrate().await.unwrap();
    store.append(&[batch("c", &[b"first"])]).await.unwrap();
    let compactor = {
        let store = store.clone();
        tokio::spawn(async move {
            for _ in 0..300 {
                let seq = store.append(&[batch("c", &[b"more"])]).await.unwrap()[0];
                store.compact("c", seq, b"state").await.unwrap();
            }
        })
    };
    let mut loads = 0;
    while !compactor.is_finished() {
        let got = store.load_board("c").await.unwrap();
        let from = got.snapshot.as_ref().map_or(0, |s| s.seq);
        let seqs: Vec<i64> = got.updates.iter().map(|u| u.0).collect();
        assert!(
            (got.snapshot.is_some() || !seqs.is_empty())
                && seqs.iter().zip(from + 1..).all(|(a, b)| *a == b),
            "load {loads} is not the snapshot at {from} and the log after it: {seqs:?}"
        );
        loads += 1;
    }
    compactor.await.unwrap();
    assert!(loads > 10, "only {loads} loads ran beside the compactions");
    store.close().await;
}

#[tokio::test]
async fn loads_during_compaction_on_sqlite() {
    let (_dir, url) = temp_sqlite();
    loads_during_compaction_read_the_whole_board(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn loads_during_compaction_on_postgres() {
    let db = TestPostgres::create().await;
    loads_during_compaction_read_the_whole_board(Store::open(&db.url).await.unwrap()).await;
    db.drop_database().await;
}

/// Appends abandoned half-way (their futures dropped, as a timeout would) leave nothing
/// half-done behind: every append that runs to its end succeeds, and the log's numbers
/// stay contiguous (an abandoned append is either wholly in or wholly out).
async fn abandoned_appends_leave_nothing_half_done(store: Store) {
    store.migrate().await.unwrap();
    let big: Vec<Vec<u8>> = (0..2_000).map(|i| vec![i as u8; 64]).collect();
    let mut abandoned = 0;
    for i in 0..40u64 {
        let batches = [BoardAppend {
            board_id: "b".into(),
            updates: big.clone(),
        }];
        let append = store.append(&batches);
        match tokio::time::timeout(std::time::Duration::from_micros(100 * i), append).await {
            Err(_) => abandoned += 1,
            Ok(done) => {
                done.unwrap();
            }
        }
    }
    assert!(abandoned > 0, "no append was abandoned");
    let last = store.append(&[batch("b", &[b"last"])]).await.unwrap()[0];
    let seqs: Vec<i64> = store
        .updates_after("b", 0)
        .await
        .unwrap()
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert_eq!(seqs, (1..=last).collect::<Vec<i64>>());
    assert_eq!(seqs.len() % 2_000, 1, "whole batches and the last row");
    store.close().await;
}

#[tokio::test]
async fn abandoned_appends_on_sqlite() {
    let (_dir, url) = temp_sqlite();
    abandoned_appends_leave_nothing_half_done(Store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn abandoned_appends_on_postgres() {
    let db = TestPostgres::create().await;
    abandoned_appends_leave_nothing_half_done(Store::open(&db.url).await.unwrap()).await;
    db.drop_database().await;
}

#[tokio::test]
async fn unsupported_url_is_refused() {
    assert!(matches!(
        Store::open("mysql://x").await,
        Err(tavolo_store::StoreError::UnsupportedUrl)
    ));
}

/// The vote queries: the budget holds under concurrency, the tally is exact, a dot is
/// taken back only by its mark, a closed vote takes nothing and keeps only its tally.
async fn votes_contract(store: Store) {
    use tavolo_store::DotOutcome::{Closed, Done, NoneLeft};
    store.migrate().await.unwrap();
    store
        .create_facilitator("f", "f@x", "F", "hash")
        .await
        .unwrap();
    store.create_workspace("w", "f", "W").await.unwrap();
    store
        .create_session("s", "w", "S", "2026-12-01")
        .await
        .unwrap();
    store
        .create_room("r", "s", RoomKind::Plenary, "Plenaria")
        .await
        .unwrap();
    store
        .create_board("b", "r", BoardKind::Free, "B")
        .await
        .unwrap();
    store.create_vote("v", "b", 3).await.unwrap();
    let vote = store.get_vote("v").await.unwrap().unwrap();
    assert_eq!((vote.dots, vote.open), (3, true));

    // 10 voters, 6 dots each at once on 2 items: 3 each, exactly
    let mut tasks = Vec::new();
    for voter in 0..10 {
        for k in 0..6 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let item = if (voter + k) % 2 == 0 { "a" } else { "b" };
                let mark = format!("m{voter}{item}");
                let got = store
                    .place_dot("v", &format!("voter{voter}"), &mark, item, 3)
                    .await
                    .unwrap();
                (voter, item, got)
            }));
        }
    }
    let mut placed = [0; 10];
    let mut on = std::collections::BTreeMap::<&str, i64>::new();
    for t in tasks {
        let (voter, item, got) = t.await.unwrap();
        match got {
            Done => {
                placed[voter] += 1;
                *on.entry(item).or_default() += 1;
            }
            NoneLeft => {}
            Closed => panic!("the vote is open"),
        }
    }
    assert_eq!(placed, [3; 10]);
    let tally = store.vote_tally("v").await.unwrap();
    assert_eq!(tally.iter().map(|(_, n)| n).sum::<i64>(), 30);
    for (item, n) in &tally {
        assert_eq!(on[item.as_str()], *n, "{item}");
    }
    assert_eq!(store.dots_used("v", "voter0").await.unwrap(), 3);
    assert_eq!(store.dots_used("v", "nobody").await.unwrap(), 0);

    // taking back needs the voter's own mark for that item; the last dot of an item
    // takes it out of the tally
    store.create_vote("v2", "b", 2).await.unwrap();
    assert_eq!(
        store.place_dot("v2", "p", "mpa", "a", 2).await.unwrap(),
        Done
    );
    assert_eq!(
        store.place_dot("v2", "q", "mqa", "a", 2).await.unwrap(),
        Done
    );
    assert_eq!(
        store.remove_dot("v2", "p", "mqa", "a").await.unwrap(),
        NoneLeft
    );
    assert_eq!(
        store.remove_dot("v2", "r", "mpa", "a").await.unwrap(),
        NoneLeft
    );
    assert_eq!(
        store.vote_tally("v2").await.unwrap(),
        vec![("a".to_owned(), 2)]
    );
    assert_eq!(store.remove_dot("v2", "p", "mpa", "a").await.unwrap(), Done);
    assert_eq!(store.dots_used("v2", "p").await.unwrap(), 0);
    assert_eq!(
        store.remove_dot("v2", "p", "mpa", "a").await.unwrap(),
        NoneLeft
    );
    assert_eq!(store.remove_dot("v2", "q", "mqa", "a").await.unwrap(), Done);
    assert!(store.vote_tally("v2").await.unwrap().is_empty());
    let after = store.vote_tally("v").await.unwrap();

    // closed: nothing placed or taken back, nobody remembered, the tally kept
    store.close_vote("v").await.unwrap();
    assert!(!store.get_vote("v").await.unwrap().unwrap().open);
    assert_eq!(
        store.place_dot("v", "voter0", "m0a", "a", 3).await.unwrap(),
        Closed
    );
    assert_eq!(
        store.remove_dot("v", "voter0", "m0a", "a").await.unwrap(),
        Closed
    );
    assert_eq!(store.dots_used("v", "voter0").await.unwrap(), 0);
    assert_eq!(store.vote_tally("v").await.unwrap(), after);
    assert_eq!(store.list_votes("b").await.unwrap().len(), 2);

    // deleting the workspace takes its votes
    store.delete_workspace("w").await.unwrap();
    assert!(store.get_vote("v").await.unwrap().is_none());
    assert!(store.vote_tally("v").await.unwrap().is_empty());
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_on_sqlite() {
    let (_dir, url) = temp_sqlite();
    votes_contract(Store::open(&url).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_on_postgres() {
    let db = TestPostgres::create().await;
    votes_contract(Store::open(&db.url).await.unwrap()).await;
    db.drop_database().await;
}
