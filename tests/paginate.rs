//! `Client::paginate`: lazy, one page at a time, stopping on `totalCount`.

mod common;

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
        u64::MAX,
        u64::MAX
    );
    fake.fail_next(1, Fault::status(200).with_body(body));
    assert_eq!(client.paginate(ListTokens::new().page(3)).count(), 1);
    assert_eq!(fake.request_count(), 1);
}
