//! The directories: `GET /applications`, `GET /instances` and `GET /me`,
//! with paging, sorting, filtering by name and (for applications) `orgId`,
//! as Losant's `directoryResources` describe them.

use serde_json::{Map, Value, json};

use super::routes::{ListQuery, glob_match, validation};
use super::server::{Request, Response, error, form_pairs, json_response};
use super::store::{Listed, Owner, USER_ID};
use super::{Shared, lock};

/// Which directory a path below the prefix names, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Directory {
    Applications,
    Instances,
    Me,
}

impl Directory {
    pub(super) fn from_path(path: &str) -> Option<Directory> {
        let path = if path.len() > 1 {
            path.strip_suffix('/').unwrap_or(path)
        } else {
            path
        };
        match path {
            "/applications" => Some(Directory::Applications),
            "/instances" => Some(Directory::Instances),
            "/me" => Some(Directory::Me),
            _ => None,
        }
    }

    /// The scopes of which the access token needs one.
    fn scopes(self) -> [&'static str; 3] {
        let own = match self {
            Directory::Applications => "applications.get",
            Directory::Instances => "instances.get",
            Directory::Me => "me.get",
        };
        ["all.User", "all.User.read", own]
    }

    fn sort_fields(self) -> &'static [&'static str] {
        match self {
            Directory::Applications => &["name", "id", "creationDate", "ownerId", "lastUpdated"],
            _ => &["name", "id", "creationDate", "lastUpdated"],
        }
    }
}

/// Answers a directory request, after auth and version checks.
pub(super) fn serve(shared: &Shared, req: &Request, dir: Directory) -> Response {
    if req.method != "GET" {
        let mut r = error(405, "MethodNotAllowed", "Method not allowed; allowed: GET");
        r.headers.push(("Allow".into(), "GET".into()));
        return r;
    }
    if let Some(scopes) = &shared.scopes {
        let accepted = dir.scopes();
        if !scopes.iter().any(|s| accepted.contains(&s.as_str())) {
            return error(
                403,
                "Forbidden",
                &format!(
                    "The access token is not authorized for this action; it needs one of \
                     the scopes {}",
                    accepted.join(", ")
                ),
            );
        }
    }
    let query = form_pairs(&req.query);
    let links = query
        .iter()
        .find(|(k, _)| k == "_links")
        .is_none_or(|(_, v)| v != "false");
    match dir {
        Directory::Me => json_response(200, &me(links)),
        _ => match list(shared, dir, &query, links) {
            Ok(r) | Err(r) => r,
        },
    }
}

fn me(links: bool) -> Value {
    let mut me = json!({
        "id": USER_ID, "userId": USER_ID,
        "email": "fake.user@example.com",
        "firstName": "Fake", "lastName": "User", "fullName": "Fake User",
        "companyName": "Fake Losant",
        "creationDate": "2016-06-13T04:00:00.000Z",
        "lastUpdated": "2016-06-13T04:00:00.000Z",
        "emailVerified": true, "twoFactorAuthEnabled": false,
        "_type": "me",
    });
    if links {
        me["_links"] = json!({"self": {"href": "/me"}});
    }
    me
}

fn render(shared: &Shared, dir: Directory, item: &Listed, links: bool) -> Map<String, Value> {
    let store = lock(&shared.store);
    let (owner, path) = match dir {
        Directory::Applications => (Owner::application(&item.id), "applications"),
        _ => (Owner::instance(&item.id), "instances"),
    };
    let token_count = store.tokens(&owner).len();
    drop(store);
    let mut m = Map::new();
    m.insert("id".into(), json!(item.id));
    let id_key = if dir == Directory::Applications {
        "applicationId"
    } else {
        "instanceId"
    };
    m.insert(id_key.into(), json!(item.id));
    m.insert("name".into(), json!(item.name));
    m.insert("creationDate".into(), json!(item.created));
    m.insert("lastUpdated".into(), json!(item.created));
    if dir == Directory::Applications {
        let (owner_id, owner_type) = match &item.org {
            Some((org, _)) => (org.as_str(), "organization"),
            None => (USER_ID, "user"),
        };
        m.insert("ownerId".into(), json!(owner_id));
        m.insert("ownerType".into(), json!(owner_type));
        if let Some((_, org_name)) = &item.org {
            m.insert("organizationName".into(), json!(org_name));
        }
        m.insert("description".into(), json!(""));
        m.insert("summary".into(), json!({"apiTokenCount": token_count}));
        m.insert("_type".into(), json!("application"));
    } else {
        m.insert("allowAuditLogging".into(), json!(false));
        m.insert("_type".into(), json!("instance"));
    }
    if links {
        m.insert(
            "_links".into(),
            json!({"self": {"href": format!("/{path}/{}", item.id)}}),
        );
    }
    m
}

/// `orgId`: absent, every application (`None`); blank or `sandbox`, the
/// user's own (`Some(None)`); an ID, that organization's.
#[allow(clippy::option_option)] // the three cases of Losant's parameter
fn org_filter(query: &[(String, String)]) -> Result<Option<Option<String>>, Response> {
    match query
        .iter()
        .find(|(k, _)| k == "orgId")
        .map(|(_, v)| v.trim())
    {
        None => Ok(None),
        Some("" | "sandbox") => Ok(Some(None)),
        Some(id) if crate::validate::is_id(id) => Ok(Some(Some(id.to_ascii_lowercase()))),
        Some(_) => Err(validation("orgId must match pattern ^([A-Fa-f\\d]{24}|)$")),
    }
}

fn list(
    shared: &Shared,
    dir: Directory,
    query: &[(String, String)],
    links: bool,
) -> Result<Response, Response> {
    let ListQuery {
        sort_field,
        desc,
        page,
        per_page,
        filter,
    } = ListQuery::parse(query, dir.sort_fields(), &["name"])?;
    let filter = filter.map(|(_, glob)| glob);
    let org = if dir == Directory::Applications {
        org_filter(query)?
    } else {
        None
    };
    let listed: Vec<Listed> = {
        let store = lock(&shared.store);
        match dir {
            Directory::Applications => store.applications.clone(),
            _ => store.instances.clone(),
        }
    };
    let mut rows: Vec<Map<String, Value>> = listed
        .iter()
        .filter(|l| match &org {
            None => true,
            Some(None) => l.org.is_none(),
            Some(Some(id)) => l
                .org
                .as_ref()
                .is_some_and(|(o, _)| o.eq_ignore_ascii_case(id)),
        })
        .filter(|l| filter.is_none_or(|p| glob_match(p, &l.name)))
        .map(|l| render(shared, dir, l, links))
        .collect();
    let key = |m: &Map<String, Value>, f: &str| m.get(f).and_then(Value::as_str).map(str::to_owned);
    rows.sort_by(|a, b| {
        let o = key(a, sort_field).cmp(&key(b, sort_field));
        if desc { o.reverse() } else { o }.then_with(|| key(a, "id").cmp(&key(b, "id")))
    });
    let total = rows.len();
    let skip = usize::try_from(page.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows
        .into_iter()
        .skip(skip)
        .take(take)
        .map(Value::Object)
        .collect();
    let (kind, path) = match dir {
        Directory::Applications => ("applications", "/applications"),
        _ => ("instances", "/instances"),
    };
    let mut out = json!({
        "items": items, "count": items.len(), "totalCount": total, "perPage": per_page,
        "page": page, "sortField": sort_field,
        "sortDirection": if desc { "desc" } else { "asc" },
        "_type": kind,
    });
    if let Some(p) = filter {
        out["filterField"] = json!("name");
        out["filter"] = json!(p);
    }
    if links {
        out["_links"] = json!({"self": {"href": path}});
    }
    Ok(json_response(200, &out))
}
