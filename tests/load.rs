//! Many threads, one client: every request succeeds, connections are
//! reused, and memory stays flat. Counts are bounded so the test stops by
//! itself in a few seconds.

mod common;

use common::setup;
use losant_rest::tokens::{GetToken, ListTokens};

const THREADS: usize = 8;
const TOTAL: usize = 10_000;

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn eight_threads_share_one_client_for_ten_thousand_requests() {
    let (fake, client) = setup();
    let ids = fake.seed(20);
    let mut rss = Vec::new();
    // Two halves: the first warms every pool and allocator up, the second
    // must not grow memory.
    for half in 0..2 {
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (client, ids) = (&client, &ids);
                s.spawn(move || {
                    for i in 0..TOTAL / 2 / THREADS {
                        if (i + t) % 4 == 0 {
                            assert_eq!(
                                client
                                    .send(ListTokens::new().per_page(5))
                                    .unwrap()
                                    .items
                                    .len(),
                                5
                            );
                        } else {
                            let id = &ids[(i * 7 + t) % ids.len()];
                            assert_eq!(&client.send(GetToken::new(id)).unwrap().id, id);
                        }
                    }
                });
            }
        });
        assert_eq!(fake.request_count(), TOTAL / 2, "half {half}");
        // The fake's request log is the test's, not the client's: drop it.
        fake.clear_requests();
        rss.push(resident_kib());
    }
    assert!(
        fake.connection_count() <= THREADS,
        "{} connections for {THREADS} threads",
        fake.connection_count()
    );
    eprintln!(
        "{TOTAL} requests on {} connections; resident memory after each half: {rss:?} KiB",
        fake.connection_count()
    );
    if let [Some(first), Some(second)] = rss[..] {
        assert!(
            second <= first + 8 * 1024,
            "resident memory grew from {first} KiB to {second} KiB"
        );
    }
}
