//! The listening socket queues a burst of connections far larger than the standard
//! library's backlog of 128 while nobody accepts them: a whole meeting reconnecting at
//! once to a busy server is not left waiting for TCP's 1 s SYN retransmission.

use std::time::Duration;

#[tokio::test]
async fn a_burst_of_connections_waits_in_the_queue_not_in_syn_retries() {
    let listener = tavolo_http::listen("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    // Nobody accepts: every connection must complete its handshake into the queue. The
    // kernel caps the queue at net.core.somaxconn (4096 on current Linux).
    let somaxconn: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096);
    let burst = 600.min(somaxconn.saturating_sub(8)).max(1);
    if burst < 600 {
        eprintln!("net.core.somaxconn is {somaxconn}: a burst of {burst} only");
    }
    let mut connects = Vec::new();
    for _ in 0..burst {
        connects.push(tokio::spawn(async move {
            tokio::time::timeout(
                Duration::from_millis(800),
                tokio::net::TcpStream::connect(addr),
            )
            .await
        }));
    }
    let mut streams = Vec::new();
    let mut late = 0;
    for c in connects {
        match c.await.unwrap() {
            Ok(Ok(s)) => streams.push(s),
            Ok(Err(e)) => panic!("connect failed: {e}"),
            Err(_) => late += 1,
        }
    }
    assert_eq!(
        late, 0,
        "{late} of {burst} connections waited for a SYN retry"
    );
    // and they are all there to be accepted
    for _ in 0..burst {
        tokio::time::timeout(Duration::from_secs(5), listener.accept())
            .await
            .expect("queued connection")
            .unwrap();
    }
    drop(streams);
}

#[tokio::test]
async fn listens_on_ipv6_too_when_the_machine_has_it() {
    match tavolo_http::listen("[::1]:0".parse().unwrap()) {
        Ok(l) => assert!(l.local_addr().unwrap().is_ipv6()),
        // no IPv6 loopback on this machine: nothing to check
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::AddrNotAvailable | std::io::ErrorKind::Unsupported
            ) || e.raw_os_error() == Some(97),
            "{e}"
        ),
    }
}
