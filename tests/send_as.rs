//! `Client::send_as` and `Client::paginate_as`: answers in the caller's own
//! types, over real sockets to the fake.

mod common;

use common::{MISSING_ID, setup};
use losant_rest::Error;
use losant_rest::fake::Fault;
use losant_rest::schema::ApiTokenPost;
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens};
use serde::Deserialize;

/// The three fields a script reads.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Three {
    id: String,
    name: String,
    expiration_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreePage {
    items: Vec<Three>,
    total_count: u64,
}

#[test]
fn a_page_decodes_into_the_callers_type() {
    let (fake, client) = setup();
    fake.seed(30);
    let page: ThreePage = client
        .send_as(ListTokens::new().per_page(20).links(false))
        .unwrap();
    assert_eq!(page.total_count, 30);
    assert_eq!(page.items.len(), 20);
    assert_eq!(page.items[3].name, "seeded-token-0003");
    assert_eq!(page.items[3].id.len(), 24);
    let req = &fake.requests()[0];
    assert_eq!(req.query_param("perPage").as_deref(), Some("20"));
    assert_eq!(req.query_param("_links").as_deref(), Some("false"));
}

#[test]
fn any_request_by_value_or_reference() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    let get = GetToken::new(&id);
    let one: Three = client.send_as(&get).unwrap();
    let again: Three = client.send_as(get).unwrap();
    assert_eq!(one, again);
    assert_eq!(one.id, id);
    // Into a `serde_json::Value` too: every field as sent.
    let value: serde_json::Value = client.send_as(GetToken::new(&id)).unwrap();
    assert_eq!(value["id"], id.as_str());

    let created: Three = client
        .send_as(CreateToken::new(
            ApiTokenPost::new("made").expiration_date("2030-01-01T00:00:00.000Z"),
        ))
        .unwrap();
    assert_eq!(created.name, "made");
    assert_eq!(
        created.expiration_date.as_deref(),
        Some("2030-01-01T00:00:00.000Z")
    );
}

#[test]
fn a_body_that_does_not_fit_is_a_decode_error() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    // A token is an object, not a list.
    let err = client
        .send_as::<Vec<Three>>(GetToken::new(&id))
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    // A required field that is missing.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct NeedsOwner {
        #[serde(rename = "notAField")]
        not_a_field: String,
    }
    let err = client
        .send_as::<NeedsOwner>(GetToken::new(&id))
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    let cause = std::error::Error::source(&err).map(ToString::to_string);
    assert!(
        cause.as_deref().is_some_and(|c| c.contains("notAField")),
        "{cause:?}"
    );
    // Not JSON at all, and JSON with trailing bytes.
    for body in ["<html>oops</html>", r#"{"id":"a","name":"b"} trailing"#] {
        fake.fail_next(1, Fault::status(200).with_body(body));
        let err = client.send_as::<Three>(GetToken::new(&id)).unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body}: {err:?}");
    }
}

#[test]
fn errors_are_those_of_send() {
    let (fake, client) = setup();
    let err = client
        .send_as::<Three>(GetToken::new(MISSING_ID))
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    // Refused before sending: nothing reaches the server.
    let err = client.send_as::<Three>(GetToken::new("nope")).unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(fake.request_count(), 1);
    // Retried as send retries.
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::status(503));
    let one: Three = client.send_as(GetToken::new(&id)).unwrap();
    assert_eq!(one.id, id);
    assert_eq!(fake.request_count(), 3);
}

#[test]
fn a_retried_delete_that_finds_the_token_gone_decodes_success() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    fake.fail_next(1, Fault::reset_after_processing());
    #[derive(Deserialize)]
    struct Done {
        success: bool,
    }
    let done: Done = client.send_as(DeleteToken::new(&id)).unwrap();
    assert!(done.success);
    assert_eq!(fake.request_count(), 2);
    assert_eq!(fake.token_count(), 0);
}

#[derive(Debug, Deserialize)]
struct Name {
    name: String,
}

#[test]
fn paginate_as_walks_every_page() {
    let (fake, client) = setup();
    fake.seed(250);
    let mut walk = client.paginate_as::<Name>(ListTokens::new().per_page(100));
    let names: Vec<String> = walk.by_ref().map(|t| t.unwrap().name).collect();
    assert_eq!(walk.total_count(), Some(250));
    assert_eq!(names.len(), 250);
    assert_eq!(names[0], "seeded-token-0000");
    assert_eq!(names[149], "seeded-token-0149");
    assert_eq!(names[249], "seeded-token-0249");
    let pages: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page").unwrap_or_default())
        .collect();
    assert_eq!(pages, ["", "1", "2"]);
}

#[test]
fn paginate_as_yields_a_misfit_once_then_ends() {
    let (fake, client) = setup();
    fake.seed(30);
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        name: u32,
    }
    let mut walk = client.paginate_as::<Wrong>(ListTokens::new().per_page(10));
    let err = walk.next().unwrap().unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(walk.next().is_none());
    assert_eq!(fake.request_count(), 1);

    // A page without `items` is a decode error too, not an empty walk.
    fake.fail_next(1, Fault::status(200).with_body(r#"{"totalCount":3}"#));
    let results: Vec<_> = client.paginate_as::<Name>(ListTokens::new()).collect();
    assert_eq!(results.len(), 1);
    assert!(matches!(results[0], Err(Error::Decode(_))), "{results:?}");
}
