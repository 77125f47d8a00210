//! `tavolo board-json`: a board written through the sync socket is read back from the
//! database by the schema crate, as the schema's JSON form.

mod common;

use common::{Backend, TestDb, TestServer, WAIT};
use tavolo_board::Board;
use tavolo_sync::wire;
use yrs::{ReadTxn, StateVector, Transact};

async fn board_json_reads_what_clients_wrote(backend: Backend) {
    let db = TestDb::new(backend).await;
    let server = TestServer::start(&db).await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/fixtures/theory_of_change.json"
    );
    let mut fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture.as_object_mut().unwrap().remove("expected");

    // a client writes the board as one update
    let scratch = yrs::Doc::new();
    Board::from_json(&fixture).unwrap().write(&scratch);
    let update = scratch
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let client = server.client("toc-1").await;
    client.send_raw(wire::encode_update(&update));
    client
        .wait_until("echo", WAIT, |c| c.updates_received() >= 2)
        .await
        .unwrap();
    client.close().await;
    server.stop().await;

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tavolo"))
        .args(["board-json", "toc-1", "--database-url", &db.url])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, fixture);

    // a bad board id is refused with a message
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tavolo"))
        .args(["board-json", "no/slashes", "--database-url", &db.url])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("board id"));
    db.cleanup().await;
}

on_both_backends!(board_json_reads_what_clients_wrote);

/// Starts the binary with `args` (and a fresh data directory) and expects it to refuse
/// them before it listens: returns what it printed on stderr.
async fn refused_at_start(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tavolo"))
        .args(["--bind", "127.0.0.1:0"])
        .args(args)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert!(!out.status.success(), "{args:?} started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `--time-zone` takes an IANA name; anything else stops the start with a message, before
/// the server listens (a typo must not turn every time in the minutes into UTC).
#[tokio::test]
async fn an_unknown_time_zone_is_refused_at_start() {
    let err = refused_at_start(&["--time-zone", "Europa/Roma"]).await;
    assert!(err.contains("--time-zone \"Europa/Roma\""), "{err}");
}

/// TURN options that cannot work stop the start with a message saying what to fix: a call
/// that needs the relay would otherwise fail only in the meeting, for the person behind
/// the strictest firewall.
#[tokio::test]
async fn unusable_turn_options_are_refused_at_start() {
    let secret = "0123456789abcdef0123456789abcdef";
    let cases: [(&[&str], &str); 5] = [
        (
            &["--turn-url", "turn:turn.example.it:3478"],
            "needs --turn-secret",
        ),
        (&["--turn-secret", secret], "without --turn-url"),
        (
            &[
                "--turn-url",
                "stun:turn.example.it",
                "--turn-secret",
                secret,
            ],
            "expected turn:HOST",
        ),
        (
            &[
                "--turn-url",
                "turn:turn.example.it",
                "--turn-secret",
                "corto",
            ],
            "at least",
        ),
        (
            &[
                "--turn-url",
                "turn:turn.example.it",
                "--turn-secret",
                secret,
                "--turn-ttl-secs",
                "0",
            ],
            "0 seconds",
        ),
    ];
    for (args, says) in cases {
        let err = refused_at_start(args).await;
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
