//! The directories (`GET /applications`, `/instances`, `/me`) against the
//! fake over real sockets: every page, filters, sorting, `orgId`, scopes.

mod common;

use common::{builder_for, client_for};
use losant_rest::applications::{ApplicationSortField, ListApplications};
use losant_rest::fake::FakeLosant;
use losant_rest::instances::{InstanceSortField, ListInstances};
use losant_rest::me::GetMe;
use losant_rest::schema::{ApplicationOwnerType, SortDirection};

const ORG: &str = "575ecdf07ae143cd83dc4a9a";

fn names<'a>(items: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    items.into_iter().map(String::as_str).collect()
}

#[test]
fn paginate_walks_every_page_of_applications() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let mut ids: Vec<String> = (0..25)
        .map(|i| fake.add_application(&format!("app {i:02}")))
        .collect();
    let walked: Vec<_> = client
        .paginate(ListApplications::new().per_page(10))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(walked.len(), 25);
    let pages: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(pages, [None, Some("1".into()), Some("2".into())]);
    // In name order, which is the order they were added.
    let mut got: Vec<String> = walked.iter().map(|a| a.id.clone()).collect();
    assert_eq!(got, ids);
    got.sort();
    ids.sort();
    assert_eq!(got, ids);
    let first = &walked[0];
    assert_eq!(first.name, "app 00");
    assert_eq!(first.owner_type, Some(ApplicationOwnerType::User));
    assert!(first.creation_date.is_some() && first.last_updated.is_some());
    assert_eq!(first.application_id.as_deref(), Some(first.id.as_str()));
}

#[test]
fn one_page_of_applications_and_its_counts() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for i in 0..5 {
        fake.add_application(&format!("app {i}"));
    }
    let page = client
        .send(ListApplications::new().page(1).per_page(2))
        .unwrap();
    assert_eq!(
        names(page.items.iter().map(|a| &a.name)),
        ["app 2", "app 3"]
    );
    assert_eq!(
        (page.count, page.total_count, page.per_page, page.page),
        (Some(2), Some(5), Some(2), Some(1))
    );
    assert_eq!(page.sort_field, Some(ApplicationSortField::Name));
}

#[test]
fn applications_filter_by_name_and_sort() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for name in ["warehouse", "Greenhouse", "fleet", "house boat"] {
        fake.add_application(name);
    }
    let page = client
        .send(
            ListApplications::new()
                .filter("*house")
                .sort_direction(SortDirection::Desc),
        )
        .unwrap();
    assert_eq!(
        names(page.items.iter().map(|a| &a.name)),
        ["warehouse", "Greenhouse"]
    );
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.query_param("filterField").as_deref(), Some("name"));
    assert_eq!(sent.query_param("filter").as_deref(), Some("*house"));
    assert_eq!(page.filter.as_deref(), Some("*house"));

    // By creation date, newest first: the reverse of the order added.
    let page = client
        .send(
            ListApplications::new()
                .sort_field(ApplicationSortField::CreationDate)
                .sort_direction(SortDirection::Desc),
        )
        .unwrap();
    assert_eq!(
        names(page.items.iter().map(|a| &a.name)),
        ["house boat", "fleet", "Greenhouse", "warehouse"]
    );
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        sent.query_param("sortField").as_deref(),
        Some("creationDate")
    );
    assert_eq!(sent.query_param("sortDirection").as_deref(), Some("desc"));
}

#[test]
fn org_id_picks_whose_applications() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    fake.add_application("mine");
    let org_app = fake.add_organization_application(ORG, "Acme", "theirs");
    let list = |r: ListApplications| -> Vec<String> {
        let page = client.send(r).unwrap();
        page.items.into_iter().map(|a| a.name).collect()
    };
    assert_eq!(list(ListApplications::new()), ["mine", "theirs"]);
    assert_eq!(list(ListApplications::new().org_id(ORG)), ["theirs"]);
    assert_eq!(
        fake.requests()
            .pop()
            .unwrap()
            .query_param("orgId")
            .as_deref(),
        Some(ORG)
    );
    assert_eq!(list(ListApplications::new().org_id("")), ["mine"]);
    let sent = fake.requests().pop().unwrap();
    assert!(sent.query.ends_with("&orgId="), "{}", sent.query);
    assert_eq!(list(ListApplications::new().org_id("sandbox")), ["mine"]);

    let page = client.send(ListApplications::new().org_id(ORG)).unwrap();
    let app = &page.items[0];
    assert_eq!(app.id, org_app);
    assert_eq!(app.owner_id.as_deref(), Some(ORG));
    assert_eq!(app.owner_type, Some(ApplicationOwnerType::Organization));
    assert_eq!(app.organization_name.as_deref(), Some("Acme"));

    // A malformed orgId is refused before anything is sent.
    fake.clear_requests();
    let err = client
        .send(ListApplications::new().org_id("acme"))
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    assert_eq!(fake.request_count(), 0);
}

#[test]
fn instances_page_sort_and_filter() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let ids: Vec<String> = ["east", "west", "north"]
        .iter()
        .map(|n| fake.add_instance(n))
        .collect();
    let all: Vec<_> = client
        .paginate(ListInstances::new().per_page(2))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        names(all.iter().map(|i| &i.name)),
        ["east", "north", "west"]
    );
    assert_eq!(fake.request_count(), 2);
    assert_eq!(all[0].id, ids[0]);
    assert_eq!(all[0].instance_id.as_deref(), Some(ids[0].as_str()));

    let page = client
        .send(
            ListInstances::new()
                .sort_field(InstanceSortField::Id)
                .sort_direction(SortDirection::Desc)
                .filter("*t"),
        )
        .unwrap();
    let mut expected = vec![ids[0].clone(), ids[1].clone()];
    expected.sort();
    expected.reverse();
    let got: Vec<String> = page.items.into_iter().map(|i| i.id).collect();
    assert_eq!(got, expected);
}

#[test]
fn me_is_the_signed_in_user() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let me = client.send(GetMe::new()).unwrap();
    assert_eq!(me.id.len(), 24);
    assert_eq!(me.email.as_deref(), Some("fake.user@example.com"));
    assert_eq!(me.first_name.as_deref(), Some("Fake"));
    assert_eq!(me.last_name.as_deref(), Some("User"));
    assert_eq!(me.display_name().as_deref(), Some("Fake User"));
    let sent = fake.requests().pop().unwrap();
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/me"));
    assert_eq!(sent.query, "_actions=false&_links=true&_embedded=true");
}

#[test]
fn each_directory_needs_its_scope() {
    let fake = FakeLosant::builder()
        .scopes(["applications.get"])
        .start()
        .unwrap();
    let client = client_for(&fake);
    fake.add_application("a");
    assert_eq!(client.send(ListApplications::new()).unwrap().items.len(), 1);
    assert!(
        client
            .send(ListInstances::new())
            .unwrap_err()
            .is_forbidden()
    );
    assert!(client.send(GetMe::new()).unwrap_err().is_forbidden());

    for scope in ["all.User", "all.User.read"] {
        let fake = FakeLosant::builder().scopes([scope]).start().unwrap();
        let client = builder_for(&fake).build().unwrap();
        assert!(client.send(ListApplications::new()).is_ok(), "{scope}");
        assert!(client.send(ListInstances::new()).is_ok(), "{scope}");
        assert!(client.send(GetMe::new()).is_ok(), "{scope}");
    }
}

#[test]
fn a_directory_answers_only_get() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let err = client
        .send(losant_rest::request::RawRequest::new(
            losant_rest::request::Method::Post,
            "/applications",
        ))
        .unwrap_err();
    assert_eq!(err.status(), Some(405));
}
