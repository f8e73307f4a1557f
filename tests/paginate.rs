//! `Client::paginate`: lazy, one page at a time, stopping on `totalCount`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use common::setup;
use losant_rest::fake::Fault;
use losant_rest::schema::{FilterField, SortDirection, SortField};
use losant_rest::tokens::ListTokens;

fn pages_requested(fake: &losant_rest::fake::FakeLosant) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| r.query_param("page").unwrap_or_default())
        .collect()
}

#[test]
fn walks_every_token_and_stops_on_total_count() {
    let (fake, client) = setup();
    fake.seed(250);
    let names: Vec<String> = client
        .paginate(ListTokens::new().per_page(100))
        .map(|t| t.unwrap().name)
        .collect();
    assert_eq!(names.len(), 250);
    assert_eq!(names[0], "seeded-token-0000");
    assert_eq!(names[249], "seeded-token-0249");
    assert_eq!(pages_requested(&fake), ["", "1", "2"]);
}

#[test]
fn an_exact_multiple_needs_no_empty_page() {
    let (fake, client) = setup();
    fake.seed(200);
    assert_eq!(
        client.paginate(ListTokens::new().per_page(100)).count(),
        200
    );
    assert_eq!(pages_requested(&fake), ["", "1"]);
}

#[test]
fn an_empty_list_is_one_request() {
    let (fake, client) = setup();
    assert_eq!(client.paginate(ListTokens::new()).count(), 0);
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn keeps_sort_and_filter_and_starts_at_the_requested_page() {
    let (fake, client) = setup();
    fake.seed(260);
    let names: Vec<String> = client
        .paginate(
            ListTokens::new()
                .sort_field(SortField::Name)
                .sort_direction(SortDirection::Desc)
                .filter_field(FilterField::Name)
                .filter("seeded-token-01*")
                .per_page(30)
                .page(1),
        )
        .map(|t| t.unwrap().name)
        .collect();
    // 100 matches (0100..=0199), descending; page 1 onwards skips the first 30.
    assert_eq!(names.len(), 70);
    assert_eq!(names[0], "seeded-token-0169");
    assert_eq!(names[69], "seeded-token-0100");
    assert_eq!(pages_requested(&fake), ["1", "2", "3"]);
    for req in fake.requests() {
        assert_eq!(req.query_param("sortField").as_deref(), Some("name"));
        assert_eq!(req.query_param("sortDirection").as_deref(), Some("desc"));
        assert_eq!(
            req.query_param("filter").as_deref(),
            Some("seeded-token-01*")
        );
        assert_eq!(req.query_param("perPage").as_deref(), Some("30"));
    }
}

#[test]
fn uses_the_servers_page_size_when_none_is_set() {
    let (fake, client) = setup();
    fake.seed(150);
    assert_eq!(client.paginate(ListTokens::new()).count(), 150);
    assert_eq!(pages_requested(&fake), ["", "1"]);
}

#[test]
fn is_lazy() {
    let (fake, client) = setup();
    fake.seed(50);
    let first: Vec<_> = client
        .paginate(ListTokens::new().per_page(10))
        .take(12)
        .collect();
    assert_eq!(first.len(), 12);
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn yields_an_error_once_then_ends() {
    let (fake, client) = setup();
    fake.seed(30);
    let mut walk = client.paginate(ListTokens::new().per_page(10));
    for _ in 0..10 {
        walk.next().unwrap().unwrap();
    }
    fake.fail_next(1, Fault::status(400));
    let err = walk.next().unwrap().unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(walk.next().is_none());
    assert!(walk.next().is_none());
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn total_count_ends_the_walk_even_without_a_page_size() {
    let (fake, client) = setup();
    // A server that names no perPage: the first full page's length stands in.
    let token = |n: u32| format!(r#"{{"id":"5a5a5a5a5a5a5a5a5a5a5a{n:02}","name":"t{n}"}}"#);
    let page = |from: u32| {
        let items: Vec<_> = (from..from + 2).map(token).collect();
        format!(r#"{{"items":[{}],"totalCount":4}}"#, items.join(","))
    };
    fake.fail_next(1, Fault::status(200).with_body(page(0)));
    fake.fail_next(1, Fault::status(200).with_body(page(2)));
    let names: Vec<_> = client
        .paginate(ListTokens::new())
        .map(|t| t.unwrap().name)
        .collect();
    assert_eq!(names, ["t0", "t1", "t2", "t3"]);
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn absurd_counts_from_the_server_end_the_walk_without_a_panic() {
    let (fake, client) = setup();
    let body = format!(
        r#"{{"items":[{{"id":"5a5a5a5a5a5a5a5a5a5a5a5a","name":"x"}}],"perPage":{},"totalCount":{},"page":3}}"#,
        u32::MAX,
        u64::MAX
    );
    fake.fail_next(1, Fault::status(200).with_body(body));
    let names: Vec<String> = client
        .paginate(ListTokens::new().page(3))
        .map(|t| t.unwrap().name)
        .collect();
    assert_eq!(names, ["x"]);
    // totalCount says there is more, so page 4 is asked for; the fake has no
    // tokens, and the empty page ends the walk.
    assert_eq!(pages_requested(&fake), ["3", "4"]);
}

#[test]
fn a_page_size_that_does_not_fit_is_a_decode_error_once() {
    let (fake, client) = setup();
    let body = format!(
        r#"{{"items":[{{"id":"5a5a5a5a5a5a5a5a5a5a5a5a","name":"x"}}],"perPage":{},"totalCount":1}}"#,
        u64::MAX
    );
    fake.fail_next(1, Fault::status(200).with_body(body.clone()));
    let results: Vec<_> = client.paginate(ListTokens::new()).collect();
    assert_eq!(results.len(), 1);
    assert!(
        matches!(results[0], Err(losant_rest::Error::Decode(_))),
        "{results:?}"
    );
    // `paginate_as` reads only what the walk needs and keeps the page.
    fake.fail_next(1, Fault::status(200).with_body(body));
    #[derive(serde::Deserialize)]
    struct Name {
        name: String,
    }
    let names: Vec<String> = client
        .paginate_as::<Name>(ListTokens::new())
        .map(|t| t.unwrap().name)
        .collect();
    assert_eq!(names, ["x"]);
}

// ---------------------------------------------------------------------------
// A server that serves fewer items per page than were asked for
// ---------------------------------------------------------------------------

/// What a capping server writes as `perPage` in its answers.
#[derive(Clone, Copy)]
enum PerPageField {
    /// Nothing.
    Absent,
    /// Its cap, the size it really serves.
    Cap,
    /// The size that was asked for, although it served fewer.
    Echo,
}

/// How the capping server pages.
#[derive(Clone, Copy)]
struct Capping {
    tokens: u64,
    cap: u64,
    per_page_field: PerPageField,
    total_count: bool,
    /// Serve the first page whatever page is asked for.
    ignore_page: bool,
}

/// A raw HTTP/1.1 keep-alive server on 127.0.0.1 that serves a list of
/// `tokens` tokens at most `cap` to a page, and records the pages asked for.
struct CappingServer {
    url: String,
    pages: Arc<Mutex<Vec<String>>>,
}

impl CappingServer {
    fn start(how: Capping) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let pages = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&pages);
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let recorded = Arc::clone(&recorded);
                thread::spawn(move || serve(stream, how, &recorded));
            }
        });
        CappingServer { url, pages }
    }

    fn pages(&self) -> Vec<String> {
        self.pages.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, how: Capping, recorded: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
        }
        let target = request_line.split(' ').nth(1).unwrap_or("/");
        let param = |name: &str| {
            target.split(['?', '&']).find_map(|pair| {
                pair.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('='))
                    .map(str::to_owned)
            })
        };
        let asked_page = param("page");
        recorded
            .lock()
            .unwrap()
            .push(asked_page.clone().unwrap_or_default());
        let page: u64 = if how.ignore_page {
            0
        } else {
            asked_page.and_then(|p| p.parse().ok()).unwrap_or(0)
        };
        let asked_per_page: u64 = param("perPage").and_then(|p| p.parse().ok()).unwrap_or(100);
        let served = asked_per_page.min(how.cap);
        let first = (page * served).min(how.tokens);
        let last = (first + served).min(how.tokens);
        let items: Vec<String> = (first..last)
            .map(|i| format!(r#"{{"id":"5a5a5a5a5a5a5a5a{i:08x}","name":"t{i}"}}"#))
            .collect();
        let mut body = format!(
            r#"{{"items":[{}],"count":{}"#,
            items.join(","),
            last - first
        );
        if how.total_count {
            body.push_str(&format!(r#","totalCount":{}"#, how.tokens));
        }
        match how.per_page_field {
            PerPageField::Absent => {}
            PerPageField::Cap => body.push_str(&format!(r#","perPage":{served}"#)),
            PerPageField::Echo => body.push_str(&format!(r#","perPage":{asked_per_page}"#)),
        }
        body.push('}');
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

fn capped_client(server: &CappingServer) -> losant_rest::Client {
    losant_rest::Client::builder()
        .access_token("capping-test-token")
        .base_url(&server.url)
        .build()
        .unwrap()
}

fn walk(server: &CappingServer, request: ListTokens) -> Vec<String> {
    capped_client(server)
        .paginate(request)
        .map(|t| t.unwrap().name)
        .collect()
}

#[test]
fn a_server_that_caps_the_page_size_is_walked_to_the_end() {
    for field in [PerPageField::Absent, PerPageField::Cap, PerPageField::Echo] {
        let server = CappingServer::start(Capping {
            tokens: 250,
            cap: 100,
            per_page_field: field,
            total_count: true,
            ignore_page: false,
        });
        let names = walk(&server, ListTokens::new().per_page(1000));
        assert_eq!(names.len(), 250);
        assert_eq!(names[100], "t100");
        assert_eq!(names[249], "t249");
        assert_eq!(server.pages(), ["", "1", "2"]);

        // An exact multiple of the cap needs no empty page.
        let server = CappingServer::start(Capping {
            tokens: 300,
            ..Capping {
                tokens: 0,
                cap: 100,
                per_page_field: field,
                total_count: true,
                ignore_page: false,
            }
        });
        assert_eq!(walk(&server, ListTokens::new().per_page(1000)).len(), 300);
        assert_eq!(server.pages(), ["", "1", "2"]);

        // Starting further on: page 1 of pages of 100.
        let server = CappingServer::start(Capping {
            tokens: 250,
            cap: 100,
            per_page_field: field,
            total_count: true,
            ignore_page: false,
        });
        let names = walk(&server, ListTokens::new().per_page(1000).page(1));
        assert_eq!(names.len(), 150);
        assert_eq!(names[0], "t100");
        assert_eq!(server.pages(), ["1", "2"]);
    }
}

#[test]
fn a_capping_server_without_total_count_is_walked_to_a_short_page() {
    for field in [PerPageField::Absent, PerPageField::Cap] {
        let server = CappingServer::start(Capping {
            tokens: 250,
            cap: 100,
            per_page_field: field,
            total_count: false,
            ignore_page: false,
        });
        assert_eq!(walk(&server, ListTokens::new().per_page(1000)).len(), 250);
        assert_eq!(server.pages(), ["", "1", "2"]);
    }
    // Without any count, a list that ends on a page boundary ends on the
    // empty page after it.
    let server = CappingServer::start(Capping {
        tokens: 200,
        cap: 100,
        per_page_field: PerPageField::Absent,
        total_count: false,
        ignore_page: false,
    });
    assert_eq!(walk(&server, ListTokens::new().per_page(1000)).len(), 200);
    assert_eq!(server.pages(), ["", "1", "2"]);
}

#[test]
fn paginate_as_walks_a_capping_server_too() {
    let server = CappingServer::start(Capping {
        tokens: 250,
        cap: 100,
        per_page_field: PerPageField::Absent,
        total_count: true,
        ignore_page: false,
    });
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    let ids: Vec<String> = capped_client(&server)
        .paginate_as::<Id>(ListTokens::new().per_page(1000))
        .map(|t| t.unwrap().id)
        .collect();
    assert_eq!(ids.len(), 250);
    assert_eq!(server.pages(), ["", "1", "2"]);
}

#[test]
fn a_server_that_ignores_the_page_stops_at_total_count() {
    // It serves its first 100 tokens again and again: the walk ends once
    // totalCount's worth of items has gone by, not never.
    let server = CappingServer::start(Capping {
        tokens: 250,
        cap: 100,
        per_page_field: PerPageField::Cap,
        total_count: true,
        ignore_page: true,
    });
    assert_eq!(walk(&server, ListTokens::new().per_page(100)).len(), 300);
    assert_eq!(server.pages(), ["", "1", "2"]);
}
