//! Every token action, parameter, header and encoding, over real HTTP
//! against the fake server.

mod common;

use common::{MISSING_ID, run_in_child, setup};
use losant_rest::fake::FakeLosant;
use losant_rest::schema::{
    ApiTokenPatch, ApiTokenPost, CreatorType, FilterField, OrgRole, OwnerType, ResourceRole,
    ResourceRoleKind, Role, SortDirection, SortField, TokenStatus,
};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
use losant_rest::{Client, Error};
use serde_json::{Value, json};

const DEFAULT_QUERY: &str = "_actions=false&_links=true&_embedded=true";

fn body_json(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("request body is JSON")
}

#[test]
fn create_returns_the_secret_once_and_sends_an_exact_body() {
    let (fake, client) = setup();
    let created = client
        .send(CreateToken::new(
            ApiTokenPost::new("deploy bot")
                .description("used by CI")
                .scope(["all.User.read", "userApiTokens.get"])
                .expiration_date("2030-01-01T00:00:00.000Z")
                .default_role(Role::View)
                .org_roles([OrgRole::new("sandbox", Role::Edit).application_role(
                    ResourceRole::new("5a5a5a5a5a5a5a5a5a5a5a5a", ResourceRoleKind::Collaborate),
                )])
                .status(TokenStatus::Active),
        ))
        .unwrap();
    let secret = created.token.as_ref().expect("create carries the secret");
    assert!(!secret.expose_secret().is_empty());
    assert_eq!(created.name, "deploy bot");
    assert_eq!(created.description.as_deref(), Some("used by CI"));
    assert_eq!(created.scope, ["all.User.read", "userApiTokens.get"]);
    assert_eq!(
        created.expiration_date.as_deref(),
        Some("2030-01-01T00:00:00.000Z")
    );
    assert_eq!(created.default_role, Some(Role::View));
    assert_eq!(created.org_roles.len(), 1);
    assert_eq!(
        created.org_roles[0].application_roles[0].role,
        ResourceRoleKind::Collaborate
    );
    assert_eq!(created.owner_type, Some(OwnerType::User));
    assert_eq!(created.creator_type, Some(CreatorType::User));
    assert_eq!(created.status, Some(TokenStatus::Active));
    assert_eq!(created.api_token_id.as_deref(), Some(created.id.as_str()));

    let seen = fake.requests();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/me/tokens")
    );
    assert_eq!(req.query, DEFAULT_QUERY);
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        body_json(&req.body),
        json!({
            "name": "deploy bot",
            "description": "used by CI",
            "expirationDate": "2030-01-01T00:00:00.000Z",
            "defaultRole": "view",
            "orgRoles": [{"orgId": "sandbox", "role": "edit", "applicationRoles": [
                {"resourceId": "5a5a5a5a5a5a5a5a5a5a5a5a", "role": "collaborate"}]}],
            "scope": ["all.User.read", "userApiTokens.get"],
            "status": "active",
        })
    );

    // Later reads never carry the secret.
    let again = client.send(GetToken::new(&created.id)).unwrap();
    assert!(again.token.is_none());
    assert_eq!(again.name, "deploy bot");
    let listed = client.send(ListTokens::new()).unwrap();
    assert!(listed.items.iter().all(|t| t.token.is_none()));
}

#[test]
fn unset_fields_are_left_out_of_bodies() {
    let (fake, client) = setup();
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("bare")))
        .unwrap();
    assert_eq!(body_json(&fake.requests()[0].body), json!({"name": "bare"}));
    client
        .send(UpdateToken::new(
            &created.id,
            ApiTokenPatch::new().name("renamed"),
        ))
        .unwrap();
    assert_eq!(
        body_json(&fake.requests()[1].body),
        json!({"name": "renamed"})
    );
}

#[test]
fn every_request_carries_the_headers() {
    let (fake, client) = setup();
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("h")))
        .unwrap();
    client.send(GetToken::new(&created.id)).unwrap();
    client.send(ListTokens::new()).unwrap();
    client
        .send(UpdateToken::new(&created.id, ApiTokenPatch::new()))
        .unwrap();
    client.send(DeleteToken::new(&created.id)).unwrap();

    let seen = fake.requests();
    assert_eq!(seen.len(), 5);
    let auth = format!("Bearer {}", fake.access_token());
    for req in &seen {
        assert_eq!(req.header("accept"), Some("application/json"), "{req:?}");
        assert_eq!(req.header("accept-version"), Some("^1.30.0"));
        assert_eq!(req.header("authorization"), Some(auth.as_str()));
        let ua = req.header("user-agent").unwrap();
        assert!(
            ua.starts_with(concat!("losant-rest/", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
        assert_eq!(req.header("losantdomain"), None);
        assert_eq!(req.query, DEFAULT_QUERY);
        let has_body = matches!(req.method.as_str(), "POST" | "PATCH");
        assert_eq!(req.header("content-type").is_some(), has_body, "{req:?}");
        assert_eq!(!req.body.is_empty(), has_body);
    }
    let methods: Vec<_> = seen.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "GET", "GET", "PATCH", "DELETE"]);
    let path = format!("/me/tokens/{}", created.id);
    assert_eq!(seen[1].path, path);
    assert_eq!(seen[2].path, "/me/tokens");
    assert_eq!(seen[3].path, path);
    assert_eq!(seen[4].path, path);
}

#[test]
fn shared_parameters_reach_the_server_on_every_action() {
    let (fake, client) = setup();
    let id = fake.seed(1).remove(0);
    let domain = "example.com";
    client
        .send(ListTokens::new().losant_domain(domain).actions(true))
        .unwrap();
    client
        .send(GetToken::new(&id).losant_domain(domain).links(false))
        .unwrap();
    client
        .send(
            UpdateToken::new(&id, ApiTokenPatch::new())
                .losant_domain(domain)
                .embedded(false),
        )
        .unwrap();
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("d")).losant_domain(domain))
        .unwrap();
    client
        .send(
            DeleteToken::new(&created.id)
                .losant_domain(domain)
                .actions(true)
                .links(false)
                .embedded(false),
        )
        .unwrap();
    let seen = fake.requests();
    for req in &seen {
        assert_eq!(req.header("losantdomain"), Some(domain));
    }
    assert_eq!(seen[0].query, "_actions=true&_links=true&_embedded=true");
    assert_eq!(seen[1].query, "_actions=false&_links=false&_embedded=true");
    assert_eq!(seen[2].query, "_actions=false&_links=true&_embedded=false");
    assert_eq!(seen[3].query, DEFAULT_QUERY);
    assert_eq!(seen[4].query, "_actions=true&_links=false&_embedded=false");
}

#[test]
fn list_sends_every_parameter_and_the_server_honours_them() {
    let (fake, client) = setup();
    fake.seed(30);
    let page = client
        .send(
            ListTokens::new()
                .sort_field(SortField::Name)
                .sort_direction(SortDirection::Desc)
                .filter_field(FilterField::Name)
                .filter("seeded-token-001*")
                .page(1)
                .per_page(4),
        )
        .unwrap();
    let req = &fake.requests()[0];
    assert_eq!(
        req.query,
        format!(
            "{DEFAULT_QUERY}&sortField=name&sortDirection=desc&page=1&perPage=4\
             &filterField=name&filter=seeded-token-001%2A"
        )
    );
    assert_eq!(page.total_count, Some(10));
    assert_eq!(
        (page.count, page.page, page.per_page),
        (Some(4), Some(1), Some(4))
    );
    let names: Vec<_> = page.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "seeded-token-0015",
            "seeded-token-0014",
            "seeded-token-0013",
            "seeded-token-0012"
        ]
    );
    assert_eq!(page.sort_field, Some(SortField::Name));
    assert_eq!(page.sort_direction, Some(SortDirection::Desc));
    assert_eq!(page.filter_field, Some(FilterField::Name));
    assert_eq!(page.filter.as_deref(), Some("seeded-token-001*"));
}

#[test]
fn list_sorts_on_every_field_in_both_directions() {
    let (fake, client) = setup();
    fake.seed(12);
    for field in [
        SortField::Name,
        SortField::Status,
        SortField::Id,
        SortField::CreationDate,
        SortField::LastUpdated,
        SortField::ExpirationDate,
    ] {
        let asc = client
            .send(
                ListTokens::new()
                    .sort_field(field.clone())
                    .sort_direction(SortDirection::Asc),
            )
            .unwrap();
        let desc = client
            .send(
                ListTokens::new()
                    .sort_field(field.clone())
                    .sort_direction(SortDirection::Desc),
            )
            .unwrap();
        assert_eq!(asc.items.len(), 12, "{field}");
        assert_eq!(desc.items.len(), 12, "{field}");
        let key = |t: &losant_rest::schema::ApiToken| -> String {
            match field {
                SortField::Name => t.name.clone(),
                SortField::Status => t
                    .status
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                SortField::Id => t.id.clone(),
                SortField::CreationDate => t.creation_date.clone().unwrap_or_default(),
                SortField::LastUpdated => t.last_updated.clone().unwrap_or_default(),
                _ => t.expiration_date.clone().unwrap_or_default(),
            }
        };
        let keys: Vec<_> = asc.items.iter().map(key).collect();
        assert!(
            keys.windows(2).all(|w| w[0] <= w[1]),
            "{field} asc: {keys:?}"
        );
        let keys: Vec<_> = desc.items.iter().map(key).collect();
        assert!(
            keys.windows(2).all(|w| w[0] >= w[1]),
            "{field} desc: {keys:?}"
        );
    }
}

#[test]
fn list_filters_on_status() {
    let (fake, client) = setup();
    fake.seed(9);
    let page = client
        .send(
            ListTokens::new()
                .filter_field(FilterField::Status)
                .filter("inactive"),
        )
        .unwrap();
    assert_eq!(page.items.len(), 3);
    assert!(
        page.items
            .iter()
            .all(|t| t.status == Some(TokenStatus::Inactive))
    );
}

#[test]
fn filters_are_percent_encoded_exactly() {
    let (fake, client) = setup();
    let tricky = "my*token & co=1/2?#%é+ \"quoted\" 🦀";
    client
        .send(
            ListTokens::new()
                .filter_field(FilterField::Name)
                .filter(tricky),
        )
        .unwrap();
    let req = &fake.requests()[0];
    assert_eq!(req.query_param("filter").as_deref(), Some(tricky));
    assert_eq!(req.query_param("filterField").as_deref(), Some("name"));
    // Nothing in the value was taken as query syntax.
    assert_eq!(req.query_pairs().len(), 5);
}

#[test]
fn patch_and_delete_change_the_server_state() {
    let (fake, client) = setup();
    let created = client
        .send(CreateToken::new(ApiTokenPost::new("life")))
        .unwrap();
    let off = client
        .send(UpdateToken::new(
            &created.id,
            ApiTokenPatch::new()
                .status(TokenStatus::Inactive)
                .description("off"),
        ))
        .unwrap();
    assert_eq!(off.status, Some(TokenStatus::Inactive));
    assert_eq!(fake.token(&created.id).unwrap()["status"], "inactive");
    assert_eq!(
        body_json(&fake.requests()[1].body),
        json!({"description": "off", "status": "inactive"})
    );

    let ok = client.send(DeleteToken::new(&created.id)).unwrap();
    assert!(ok.success);
    assert_eq!(fake.token_count(), 0);
    let err = client.send(GetToken::new(&created.id)).unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!((api.status, api.kind.as_deref()), (404, Some("NotFound")));
    // A first-attempt 404 on delete is an error: that token never existed.
    let err = client.send(DeleteToken::new(MISSING_ID)).unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[test]
fn invalid_requests_never_reach_the_network() {
    let (fake, client) = setup();
    let too_long = "x".repeat(256);
    let cases: Vec<(Error, &str)> = vec![
        (
            client.send(GetToken::new("nope")).unwrap_err(),
            "apiTokenId",
        ),
        (
            client
                .send(DeleteToken::new("575ec7417ae143cd83dc4a9z"))
                .unwrap_err(),
            "apiTokenId",
        ),
        (
            client
                .send(UpdateToken::new("../me", ApiTokenPatch::new()))
                .unwrap_err(),
            "apiTokenId",
        ),
        (
            client
                .send(CreateToken::new(ApiTokenPost::new("")))
                .unwrap_err(),
            "name",
        ),
        (
            client
                .send(CreateToken::new(ApiTokenPost::new(too_long)))
                .unwrap_err(),
            "name",
        ),
        (
            client
                .send(CreateToken::new(ApiTokenPost::new("n").scope(["a", "a"])))
                .unwrap_err(),
            "scope[1]",
        ),
        (
            client
                .send(UpdateToken::new(
                    MISSING_ID,
                    ApiTokenPatch::new().org_roles([OrgRole::new("org", Role::View)]),
                ))
                .unwrap_err(),
            "orgRoles[0].orgId",
        ),
        (
            client
                .send(ListTokens::new().application("not-an-application"))
                .unwrap_err(),
            "applicationId",
        ),
        (
            client
                .send(GetToken::new(MISSING_ID).instance(&MISSING_ID[1..]))
                .unwrap_err(),
            "instanceId",
        ),
        (
            client
                .send(DeleteToken::new(MISSING_ID).application("../../me/tokens/x"))
                .unwrap_err(),
            "applicationId",
        ),
    ];
    for (err, field) in cases {
        match &err {
            Error::InvalidRequest(e) => assert_eq!(e.field(), field, "{err}"),
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
        assert!(err.to_string().contains(field), "{err}");
        assert_eq!(err.status(), None);
    }
    assert_eq!(fake.request_count(), 0);
}

#[test]
fn limits_the_schemas_leave_open_are_left_to_the_server() {
    let (fake, client) = setup();
    let err = client.send(ListTokens::new().per_page(0)).unwrap_err();
    assert_eq!(err.status(), Some(400));
    let err = client
        .send(ListTokens::new().sort_field(SortField::Unknown("bogus".into())))
        .unwrap_err();
    assert_eq!(err.api().unwrap().kind.as_deref(), Some("Validation"));
    assert_eq!(fake.request_count(), 2);
}

#[test]
fn unknown_fields_and_enum_values_decode() {
    let (fake, client) = setup();
    let id = fake.insert(json!({
        "name": "from the future",
        "status": "suspended",
        "ownerType": "organization",
        "creatorType": "robot",
        "defaultRole": "superuser",
        "creationDate": "2016-06-13T04:00:00.000Z",
        "orgRoles": [{"orgId": "sandbox", "role": "owner", "dashboardRoles": [
            {"resourceId": "5a5a5a5a5a5a5a5a5a5a5a5a", "role": "edit"}]}],
        "newField": {"nested": [1, 2, 3]},
        "_embedded": {"x": null},
    }));
    let token = client.send(GetToken::new(&id)).unwrap();
    assert_eq!(token.status, Some(TokenStatus::Unknown("suspended".into())));
    assert_eq!(
        token.owner_type.as_ref().map(OwnerType::as_str),
        Some("organization")
    );
    assert_eq!(
        token.creator_type,
        Some(CreatorType::Unknown("robot".into()))
    );
    assert_eq!(
        token
            .default_role
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("superuser")
    );
    assert_eq!(token.org_roles[0].role, Role::Unknown("owner".into()));
    assert_eq!(token.org_roles[0].dashboard_roles[0].role.as_str(), "edit");
    // Dates stay exactly as the server sent them.
    assert_eq!(
        token.creation_date.as_deref(),
        Some("2016-06-13T04:00:00.000Z")
    );
}

#[test]
fn base_url_with_prefix_and_trailing_slash() {
    let fake = FakeLosant::builder()
        .path_prefix("/losant")
        .start()
        .expect("fake");
    assert!(fake.url().ends_with("/losant"));
    for base in [fake.url(), format!("{}/", fake.url())] {
        let client = Client::builder()
            .access_token(fake.access_token())
            .base_url(&base)
            .build()
            .unwrap();
        client.send(ListTokens::new()).unwrap();
    }
    let paths: Vec<_> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/losant/me/tokens", "/losant/me/tokens"]);
}

#[test]
fn accept_version_and_user_agent_are_configurable() {
    let fake = FakeLosant::start();
    let client = Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .accept_version("^1.31.0")
        .user_agent("my-script/2")
        .build()
        .unwrap();
    client.send(ListTokens::new()).unwrap();
    let req = &fake.requests()[0];
    assert_eq!(req.header("accept-version"), Some("^1.31.0"));
    assert_eq!(req.header("user-agent"), Some("my-script/2"));
}

#[test]
fn clones_and_other_tokens_share_one_connection() {
    let fake = FakeLosant::builder()
        .access_token("first-token")
        .access_token("second-token")
        .start()
        .unwrap();
    let client = Client::builder()
        .access_token("first-token")
        .base_url(fake.url())
        .build()
        .unwrap();
    let clone = client.clone();
    let other = client.with_access_token("second-token");
    for _ in 0..5 {
        client.send(ListTokens::new()).unwrap();
        clone.send(ListTokens::new()).unwrap();
        other.send(ListTokens::new()).unwrap();
    }
    assert_eq!(fake.request_count(), 15);
    assert_eq!(fake.connection_count(), 1);
    let auths: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(auths[2], "Bearer second-token");
    assert_eq!(auths[0], "Bearer first-token");
    // A token the server does not know is refused.
    let stranger = client.with_access_token("third-token");
    assert_eq!(
        stranger.send(ListTokens::new()).unwrap_err().status(),
        Some(401)
    );
}

#[test]
fn a_client_shared_across_threads_works() {
    let (fake, client) = setup();
    fake.seed(5);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..25 {
                    assert_eq!(client.send(ListTokens::new()).unwrap().items.len(), 5);
                }
            });
        }
    });
    assert_eq!(fake.request_count(), 100);
    assert!(fake.connection_count() <= 4);
}

#[test]
fn from_env_reads_token_and_url() {
    let fake = FakeLosant::start();
    run_in_child(
        "child_from_env_with_token_and_url",
        &[
            ("LOSANT_API_TOKEN", fake.access_token()),
            ("LOSANT_API_URL", &fake.url()),
        ],
    );
    assert_eq!(fake.request_count(), 1);
    run_in_child("child_from_env_without_token", &[]);
    run_in_child(
        "child_from_env_with_blank_token",
        &[("LOSANT_API_TOKEN", " \t ")],
    );
}

#[test]
#[ignore = "run by from_env_reads_token_and_url in a child process"]
fn child_from_env_with_token_and_url() {
    let client = Client::from_env().unwrap();
    assert_eq!(
        Some(client.base_url()),
        std::env::var("LOSANT_API_URL").ok().as_deref()
    );
    client.send(ListTokens::new()).unwrap();
}

#[test]
#[ignore = "run by from_env_reads_token_and_url in a child process"]
fn child_from_env_without_token() {
    assert!(matches!(Client::from_env(), Err(Error::Config(_))));
}

#[test]
#[ignore = "run by from_env_reads_token_and_url in a child process"]
fn child_from_env_with_blank_token() {
    let err = Client::from_env().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn client_and_errors_have_the_promised_traits() {
    fn client<T: Clone + Send + Sync + std::fmt::Debug>() {}
    fn error<T: std::error::Error + Send + Sync + 'static>() {}
    client::<Client>();
    error::<Error>();
}

/// A request of the user's own, with a header of its own.
struct ListWithHeader(&'static str, &'static str);

impl losant_rest::Request for ListWithHeader {
    type Response = losant_rest::schema::ApiTokens;
    fn method(&self) -> losant_rest::request::Method {
        losant_rest::request::Method::Get
    }
    fn path(&self, path: &mut losant_rest::request::Path<'_>) {
        path.push("/me/tokens");
    }
    fn headers(&self, headers: &mut losant_rest::request::Headers<'_>) {
        headers.insert(self.0, self.1);
    }
}

#[test]
fn custom_requests_send_their_own_headers_but_cannot_replace_the_token() {
    let (fake, client) = setup();
    client
        .send(ListWithHeader("x-request-id", "abc-123"))
        .unwrap();
    let req = &fake.requests()[0];
    assert_eq!(req.header("x-request-id"), Some("abc-123"));
    assert_eq!(req.query, DEFAULT_QUERY);

    for (name, value, field) in [
        ("authorization", "Bearer other", "headers"),
        ("Content-Length", "5", "headers"),
        ("bad name", "v", "headers"),
        ("x-ok", "line\nbreak", "headers"),
    ] {
        match client.send(ListWithHeader(name, value)) {
            Err(Error::InvalidRequest(e)) => assert_eq!(e.field(), field, "{name}"),
            other => panic!("{name}: expected InvalidRequest, got {other:?}"),
        }
    }
    match client.send(ListTokens::new().losant_domain("a\r\nb")) {
        Err(Error::InvalidRequest(e)) => assert_eq!(e.field(), "losantdomain"),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert_eq!(fake.request_count(), 1);
}
