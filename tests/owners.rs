//! Every owner of tokens: the signed-in user, applications and instances,
//! end to end against the fake, with the paths and queries it saw, API 1.31
//! fields, pagination that keeps the owner, and least-privilege scopes.

mod common;

use common::{builder_for, client_for};
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost, OwnerType, TokenStatus};
use losant_rest::tokens::{
    CreateToken, DeleteToken, GetToken, ListTokens, Owner, SortDirection, SortField, UpdateToken,
};
use losant_rest::{Client, Error};

const APP: &str = "575ec8687ae143cd83dc4a97";
const OTHER_APP: &str = "575ec8687ae143cd83dc4a98";
const INSTANCE: &str = "575ecf887ae143cd83dc4aa2";

fn owners() -> [(Owner, String, OwnerType); 3] {
    [
        (Owner::Me, "/me/tokens".to_owned(), OwnerType::User),
        (
            Owner::Application(APP.into()),
            format!("/applications/{APP}/tokens"),
            OwnerType::Application,
        ),
        (
            Owner::Instance(INSTANCE.into()),
            format!("/instances/{INSTANCE}/tokens"),
            OwnerType::Instance,
        ),
    ]
}

#[test]
fn every_action_for_every_owner() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for (owner, path, owner_type) in owners() {
        fake.clear_requests();
        let created = client
            .send(
                CreateToken::new(ApiTokenPost::new("bot").scope(["all.Device"]))
                    .owner(owner.clone()),
            )
            .unwrap();
        assert_eq!(created.owner_type.as_ref(), Some(&owner_type));
        assert!(created.token.is_some());
        let id = created.id.clone();
        let got = client
            .send(GetToken::new(&id).owner(owner.clone()))
            .unwrap();
        assert_eq!(got.name, "bot");
        let off = client
            .send(
                UpdateToken::new(&id, ApiTokenPatch::new().status(TokenStatus::Inactive))
                    .owner(owner.clone()),
            )
            .unwrap();
        assert_eq!(off.status, Some(TokenStatus::Inactive));
        let page = client
            .send(
                ListTokens::new()
                    .owner(owner.clone())
                    .sort_field(SortField::Name)
                    .sort_direction(SortDirection::Desc)
                    .filter("b*")
                    .per_page(10),
            )
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.owner_type.as_ref(), Some(&owner_type));
        assert!(
            client
                .send(DeleteToken::new(&id).owner(owner.clone()))
                .unwrap()
                .success
        );

        let seen: Vec<(String, String)> = fake
            .requests()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect();
        let one = format!("{path}/{id}");
        assert_eq!(
            seen,
            [
                ("POST".to_owned(), path.clone()),
                ("GET".to_owned(), one.clone()),
                ("PATCH".to_owned(), one.clone()),
                ("GET".to_owned(), path.clone()),
                ("DELETE".to_owned(), one),
            ]
        );
        let list = &fake.requests()[3];
        assert_eq!(
            list.query,
            "_actions=false&_links=true&_embedded=true&sortField=name&sortDirection=desc\
             &perPage=10&filterField=name&filter=b%2A"
        );
    }
}

#[test]
fn api_1_31_fields_name_the_owner() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let app_token = client
        .send(CreateToken::new(ApiTokenPost::new("a")).application(APP))
        .unwrap();
    assert_eq!(app_token.owner_id.as_deref(), Some(APP));
    assert_eq!(app_token.application_id.as_deref(), Some(APP));
    assert_eq!(app_token.instance_id, None);
    let page = client.send(ListTokens::new().application(APP)).unwrap();
    assert_eq!(page.application_id.as_deref(), Some(APP));
    assert_eq!(page.items[0].application_id.as_deref(), Some(APP));

    let inst_token = client
        .send(CreateToken::new(ApiTokenPost::new("i")).instance(INSTANCE))
        .unwrap();
    assert_eq!(inst_token.owner_type, Some(OwnerType::Instance));
    assert_eq!(inst_token.instance_id.as_deref(), Some(INSTANCE));
    let page = client.send(ListTokens::new().instance(INSTANCE)).unwrap();
    assert_eq!(page.instance_id.as_deref(), Some(INSTANCE));
}

#[test]
fn the_default_accept_version_suits_a_1_30_server() {
    let fake = FakeLosant::builder().api_version("1.30.0").start().unwrap();
    let client = client_for(&fake);
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("a")).application(APP))
        .unwrap();
    assert_eq!(created.owner_type, Some(OwnerType::Application));
    assert_eq!(created.application_id, None, "1.30 has no applicationId");
    // A client that insists on 1.31 is refused by it, as Losant does.
    let strict = builder_for(&fake)
        .accept_version("^1.31.0")
        .build()
        .unwrap();
    let err = strict.send(ListTokens::new()).unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.status, api.kind.as_deref()),
        (400, Some("VersionNotAllowed"))
    );
}

#[test]
fn owners_never_see_each_others_tokens() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let mine = fake.seed(2);
    let apps = fake.seed_for(&Owner::application(APP), 3);
    fake.seed_for(&Owner::application(OTHER_APP), 4);
    let inst = fake.seed_for(&Owner::instance(INSTANCE), 5);

    let count = |r: ListTokens| client.send(r.per_page(100)).unwrap().items.len();
    assert_eq!(count(ListTokens::new()), 2);
    assert_eq!(count(ListTokens::new().application(APP)), 3);
    assert_eq!(count(ListTokens::new().application(OTHER_APP)), 4);
    assert_eq!(count(ListTokens::new().instance(INSTANCE)), 5);

    // A token is found only under its own owner.
    assert!(
        client
            .send(GetToken::new(&apps[0]).application(APP))
            .is_ok()
    );
    for request in [
        GetToken::new(&apps[0]),
        GetToken::new(&apps[0]).application(OTHER_APP),
        GetToken::new(&apps[0]).instance(INSTANCE),
        GetToken::new(&mine[0]).application(APP),
        GetToken::new(&inst[0]).application(APP),
    ] {
        assert!(client.send(&request).unwrap_err().is_not_found());
    }
    // Deleting under the wrong owner leaves the token alone.
    assert!(
        client
            .send(DeleteToken::new(&apps[0]).application(OTHER_APP))
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(fake.token_count_for(&Owner::application(APP)), 3);
}

#[test]
fn a_malformed_owner_id_sends_nothing() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let id = "575ec7417ae143cd83dc4a95";
    let errors = [
        client
            .send(ListTokens::new().application("my-app"))
            .unwrap_err(),
        client
            .send(CreateToken::new(ApiTokenPost::new("n")).application(&APP[..23]))
            .unwrap_err(),
        client
            .send(GetToken::new(id).instance("../me"))
            .unwrap_err(),
        client
            .send(UpdateToken::new(id, ApiTokenPatch::new()).instance(""))
            .unwrap_err(),
        client
            .send(DeleteToken::new(id).application(format!("{APP}0")))
            .unwrap_err(),
    ];
    let fields: Vec<String> = errors
        .iter()
        .map(|e| match e {
            Error::InvalidRequest(e) => e.field().to_owned(),
            other => panic!("expected InvalidRequest, got {other:?}"),
        })
        .collect();
    assert_eq!(
        fields,
        [
            "applicationId",
            "applicationId",
            "instanceId",
            "instanceId",
            "applicationId"
        ]
    );
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connection_count(), 0);
}

#[test]
fn paginating_an_applications_250_tokens_keeps_the_owner() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    fake.seed(7);
    fake.seed_for(&Owner::application(APP), 250);
    let mut pages = client.paginate(ListTokens::new().application(APP).per_page(100));
    assert_eq!(
        pages.total_count(),
        None,
        "nothing is sent before the first item"
    );
    let mut n = 0;
    for token in pages.by_ref() {
        assert_eq!(token.unwrap().application_id.as_deref(), Some(APP));
        n += 1;
    }
    assert_eq!(n, 250);
    assert_eq!(pages.total_count(), Some(250));
    assert!(pages.next().is_none(), "fused");
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec![format!("/applications/{APP}/tokens"); 3]);
    let pages_asked: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(
        pages_asked,
        [None, Some("1".to_owned()), Some("2".to_owned())]
    );
}

#[test]
fn a_read_only_token_gets_403_for_writes() {
    let fake = FakeLosant::builder()
        .scopes(["all.User.read"])
        .start()
        .unwrap();
    let client = client_for(&fake);
    fake.seed(1);
    assert_eq!(client.send(ListTokens::new()).unwrap().items.len(), 1);
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("n")))
        .unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
    assert_eq!(err.api().unwrap().kind.as_deref(), Some("Forbidden"));
    assert_eq!(fake.request_count(), 2, "a 403 is not retried");
    assert_eq!(fake.token_count(), 1);
    // all.User.read covers the user's tokens and reads of applications', not
    // writes to them.
    assert!(client.send(ListTokens::new().application(APP)).is_ok());
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("n")).application(APP))
        .unwrap_err();
    assert!(err.is_forbidden());
}

#[test]
fn an_application_scoped_token_cannot_touch_user_tokens() {
    let fake = FakeLosant::builder()
        .scopes(["applicationApiTokens.*", "applicationApiToken.*"])
        .start()
        .unwrap();
    let client = client_for(&fake);
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("gw")).application(APP))
        .unwrap();
    assert!(
        client
            .send(DeleteToken::new(&created.id).application(APP))
            .unwrap()
            .success
    );
    assert!(client.send(ListTokens::new()).unwrap_err().is_forbidden());
    assert!(
        client
            .send(ListTokens::new().instance(INSTANCE))
            .unwrap_err()
            .is_forbidden()
    );
}

#[test]
fn a_lost_create_answer_creates_one_application_token() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    fake.fail_matching(
        "POST",
        "/applications/*/tokens",
        1,
        Fault::reset_after_processing(),
    );
    let err = client
        .send(CreateToken::new(ApiTokenPost::new("once")).application(APP))
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(fake.token_count_for(&Owner::application(APP)), 1);
    assert_eq!(fake.request_count(), 1, "a POST is never sent twice");
}

#[test]
fn a_request_can_be_sent_again_by_reference() {
    let fake = FakeLosant::start();
    let client: Client = client_for(&fake);
    fake.seed_for(&Owner::application(APP), 2);
    let list = ListTokens::new().application(APP);
    let first = client.send(&list).unwrap();
    let second = client.send(&list).unwrap();
    assert_eq!(first, second);
    assert_eq!(first.items.len(), 2);
}
