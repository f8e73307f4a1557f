//! Routing and the five actions, for each owner: prefix, auth, version,
//! route (404/405), scopes (403), parameters and body (400), then the store.

use serde_json::{Map, Value, json};

use super::directories::Directory;
use super::server::{Request, Response, error, form_pairs, json_response, percent_decode};
use super::store::{Owner, OwnerExt, new_secret};
use super::validate::validate_body;
use super::version::{OWNER_IDS, accepts_version};
use super::{Shared, lock};

const SORT_FIELDS: &[&str] = &[
    "name",
    "status",
    "id",
    "creationDate",
    "lastUpdated",
    "expirationDate",
];

/// The five actions every owner's token resources have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    List,
    Create,
    Get,
    Update,
    Delete,
}

/// The path below the prefix (`/` for the prefix itself); `None` outside it.
pub(super) fn api_path<'a>(prefix: &str, path: &'a str) -> Option<&'a str> {
    if prefix.is_empty() {
        return Some(path);
    }
    match path.strip_prefix(prefix) {
        Some("") => Some("/"),
        Some(r) if r.starts_with('/') => Some(r),
        _ => None,
    }
}

/// The request handling after faults.
pub(super) fn process(shared: &Shared, req: &Request) -> Response {
    match route(shared, req) {
        Ok(r) | Err(r) => r,
    }
}

pub(super) fn validation(message: &str) -> Response {
    error(400, "Validation", message)
}

/// The parameters of a list (the tokens', or a directory's), checked as
/// Losant checks them.
pub(super) struct ListQuery<'q> {
    pub(super) sort_field: &'q str,
    pub(super) desc: bool,
    pub(super) page: u64,
    pub(super) per_page: u64,
    /// The field and the glob. Like Losant, a filter without a field (or a
    /// field without a filter) filters nothing.
    pub(super) filter: Option<(&'q str, &'q str)>,
}

impl<'q> ListQuery<'q> {
    pub(super) fn parse(
        query: &'q [(String, String)],
        sort_fields: &[&str],
        filter_fields: &[&str],
    ) -> Result<ListQuery<'q>, Response> {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let sort_field = param("sortField").unwrap_or("name");
        if !sort_fields.contains(&sort_field) {
            return Err(validation(&format!(
                "sortField must be one of {}",
                sort_fields.join(", ")
            )));
        }
        let desc = match param("sortDirection")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(validation("sortDirection must be one of asc, desc")),
        };
        let number = |name: &str, default: u64| match param(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| validation(&format!("{name} must be a non-negative integer"))),
        };
        let page = number("page", 0)?;
        // Losant documents no maximum; a page of nothing cannot be walked.
        let per_page = number("perPage", 100)?;
        if per_page == 0 {
            return Err(validation("perPage must be at least 1"));
        }
        let filter_field = param("filterField");
        if filter_field.is_some_and(|f| !filter_fields.contains(&f)) {
            return Err(validation(&format!(
                "filterField must be one of {}",
                filter_fields.join(", ")
            )));
        }
        let filter = filter_field.zip(param("filter"));
        Ok(ListQuery {
            sort_field,
            desc,
            page,
            per_page,
            filter,
        })
    }
}

fn method_not_allowed(allow: &str) -> Response {
    let mut r = error(
        405,
        "MethodNotAllowed",
        &format!("Method not allowed; allowed: {allow}"),
    );
    r.headers.push(("Allow".into(), allow.into()));
    r
}

/// The scopes of which an access token needs one for `action` on `owner`'s
/// tokens, as Losant's API documentation lists them.
fn accepted_scopes(owner: &Owner, action: Action) -> Vec<String> {
    let (all, collection, item) = match owner {
        Owner::Application(_) => (
            "all.Application",
            "applicationApiTokens",
            "applicationApiToken",
        ),
        Owner::Instance(_) => ("all.Instance", "instanceApiTokens", "instanceApiToken"),
        Owner::Me => ("all.User", "userApiTokens", "userApiToken"),
    };
    let read = matches!(action, Action::List | Action::Get);
    let mut broad = vec![all.to_owned()];
    if read {
        broad.push(format!("{all}.read"));
    }
    // Organization-wide tokens reach applications, not instances.
    if matches!(owner, Owner::Application(_)) {
        broad.push("all.Organization".into());
        if read {
            broad.push("all.Organization.read".into());
        }
    }
    // A user's token reaches whatever that user may reach.
    if !matches!(owner, Owner::Me) {
        broad.push("all.User".into());
        if read {
            broad.push("all.User.read".into());
        }
    }
    let (resource, verb) = match action {
        Action::List => (collection, "get"),
        Action::Create => (collection, "post"),
        Action::Get => (item, "get"),
        Action::Update => (item, "patch"),
        Action::Delete => (item, "delete"),
    };
    broad.push(format!("{resource}.*"));
    broad.push(format!("{resource}.{verb}"));
    broad
}

/// The owner, the token id (for the item routes) and the raw owner id
/// segment, from a path below the prefix.
fn parse_route(shared: &Shared, path: &str) -> Option<(Owner, Option<String>)> {
    let path = if path.len() > 1 {
        path.strip_suffix('/').unwrap_or(path)
    } else {
        path
    };
    let segments: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    let (owner, rest) = match segments.as_slice() {
        ["me", rest @ ..] => (Owner::Me, rest),
        ["applications", id, rest @ ..] => (Owner::application(percent_decode(id)), rest),
        ["instances", id, rest @ ..] if shared.api_version >= OWNER_IDS => {
            (Owner::instance(percent_decode(id)), rest)
        }
        _ => return None,
    };
    match rest {
        ["tokens"] => Some((owner, None)),
        ["tokens", id] => Some((owner, Some(percent_decode(id)))),
        _ => None,
    }
}

/// The bearer token (401) and `Accept-Version` (400) checks, which every
/// route makes first.
fn authenticate(shared: &Shared, req: &Request) -> Result<(), Response> {
    let auth = req.header("authorization").unwrap_or("");
    let bearer = auth
        .split_once(' ')
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if !bearer.is_some_and(|t| shared.tokens.iter().any(|a| a == t)) {
        return Err(error(401, "Unauthorized", "Invalid access token"));
    }
    if let Some(v) = req.header("accept-version") {
        if accepts_version(v, shared.api_version) != Some(true) {
            let [major, minor, patch] = shared.api_version;
            return Err(error(
                400,
                "VersionNotAllowed",
                &format!(
                    "Version {v:?} is not allowed; this server serves API versions \
                     1.0.0 to {major}.{minor}.{patch}"
                ),
            ));
        }
    }
    Ok(())
}

fn route(shared: &Shared, req: &Request) -> Result<Response, Response> {
    let not_found = || error(404, "NotFound", &format!("Path {} was not found", req.path));
    let rest = api_path(&shared.prefix, &req.path).ok_or_else(not_found)?;
    authenticate(shared, req)?;
    if let Some(dir) = Directory::from_path(rest) {
        return Ok(super::directories::serve(shared, req, dir));
    }
    let (owner, token_id) = parse_route(shared, rest).ok_or_else(not_found)?;
    let action = match (&token_id, req.method.as_str()) {
        (None, "GET") => Action::List,
        (None, "POST") => Action::Create,
        (None, _) => return Err(method_not_allowed("GET, POST")),
        (Some(_), "GET") => Action::Get,
        (Some(_), "PATCH") => Action::Update,
        (Some(_), "DELETE") => Action::Delete,
        (Some(_), _) => return Err(method_not_allowed("GET, PATCH, DELETE")),
    };
    if let Some(scopes) = &shared.scopes {
        let accepted = accepted_scopes(&owner, action);
        if !scopes.iter().any(|s| accepted.contains(s)) {
            return Err(error(
                403,
                "Forbidden",
                &format!(
                    "The access token is not authorized for this action; it needs one of \
                     the scopes {}",
                    accepted.join(", ")
                ),
            ));
        }
    }
    match &owner {
        Owner::Application(id) if !crate::validate::is_id(id) => {
            return Err(validation(&format!(
                "applicationId must match pattern ^[A-Fa-f\\d]{{24}}$, got {id:?}"
            )));
        }
        Owner::Instance(id) if !crate::validate::is_id(id) => {
            return Err(validation(&format!(
                "instanceId must match pattern ^[A-Fa-f\\d]{{24}}$, got {id:?}"
            )));
        }
        _ => {}
    }
    let owner = owner.normalized();
    let query = form_pairs(&req.query);
    let links = hal_links(&query)?;
    let Some(id) = token_id else {
        return if action == Action::List {
            list(shared, &owner, &query, links)
        } else {
            create(shared, &owner, req, links)
        };
    };
    if !crate::validate::is_id(&id) {
        return Err(validation(&format!(
            "apiTokenId must match pattern ^[A-Fa-f\\d]{{24}}$, got {id:?}"
        )));
    }
    let patch = if action == Action::Update {
        let body = json_body(req)?;
        validate_body(&body, false).map_err(|m| validation(&m))?;
        Some(body)
    } else {
        None
    };
    let token_not_found = || error(404, "NotFound", "API Token was not found");
    let mut store = lock(&shared.store);
    if action == Action::Delete {
        return if store.remove(&owner, &id) {
            Ok(json_response(200, &json!({"success": true})))
        } else {
            Err(token_not_found())
        };
    }
    let now = patch.is_some().then(|| store.now());
    let token = store.get_mut(&owner, &id).ok_or_else(token_not_found)?;
    if let (Some(body), Some(now)) = (patch, now) {
        token.extend(body);
        token.insert("lastUpdated".into(), json!(now));
    }
    Ok(json_response(200, &render_token(token, links)))
}

/// Checks `_actions`, `_links` and `_embedded`; whether to send `_links`.
fn hal_links(query: &[(String, String)]) -> Result<bool, Response> {
    let mut links = true;
    for name in ["_actions", "_links", "_embedded"] {
        match query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
        {
            None | Some("true") => {}
            Some("false") => links = links && name != "_links",
            Some(v) => {
                return Err(validation(&format!(
                    "{name} must be true or false, got {v:?}"
                )));
            }
        }
    }
    Ok(links)
}

fn render_token(t: &Map<String, Value>, links: bool) -> Value {
    let mut t = t.clone();
    t.remove("token");
    if !links {
        t.remove("_links");
    }
    Value::Object(t)
}

fn json_body(req: &Request) -> Result<Map<String, Value>, Response> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let ct = req
        .header("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ct.contains("application/json") {
        return Err(validation("Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(validation("body must be a JSON object")),
        Err(e) => Err(validation(&format!("body is not valid JSON: {e}"))),
    }
}

fn create(
    shared: &Shared,
    owner: &Owner,
    req: &Request,
    links: bool,
) -> Result<Response, Response> {
    let body = json_body(req)?;
    validate_body(&body, true).map_err(|m| validation(&m))?;
    let t = lock(&shared.store).create(owner, body, shared.owner_ids());
    let mut out = render_token(&t, links);
    out["token"] = json!(new_secret(
        t.get("id").and_then(Value::as_str).unwrap_or("")
    ));
    Ok(json_response(201, &out))
}

fn list(
    shared: &Shared,
    owner: &Owner,
    query: &[(String, String)],
    links: bool,
) -> Result<Response, Response> {
    let ListQuery {
        sort_field,
        desc,
        page,
        per_page,
        filter,
    } = ListQuery::parse(query, SORT_FIELDS, &["name", "status"])?;
    let store = lock(&shared.store);
    let key = |t: &Map<String, Value>, field: &str| match t.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => Some(v.to_string()),
    };
    let mut rows: Vec<(Option<String>, String, &Map<String, Value>)> = store
        .tokens(owner)
        .iter()
        .filter(|t| filter.is_none_or(|(f, p)| key(t, f).is_some_and(|v| glob_match(p, &v))))
        .map(|t| (key(t, sort_field), key(t, "id").unwrap_or_default(), t))
        .collect();
    rows.sort_by(|a, b| {
        let o = a.0.cmp(&b.0);
        if desc { o.reverse() } else { o }.then_with(|| a.1.cmp(&b.1))
    });
    let total = rows.len();
    let skip = usize::try_from(page.saturating_mul(per_page)).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(usize::MAX);
    let items: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(take)
        .map(|r| render_token(r.2, links))
        .collect();
    drop(store);
    let mut out = json!({
        "items": items, "count": items.len(), "totalCount": total, "perPage": per_page, "page": page,
        "sortField": sort_field, "sortDirection": if desc { "desc" } else { "asc" },
        "_type": "apiTokens",
    });
    if let Value::Object(m) = &mut out {
        owner.describe(m, shared.owner_ids());
    }
    if let Some((f, p)) = filter {
        out["filterField"] = json!(f);
        out["filter"] = json!(p);
    }
    if links {
        out["_links"] = json!({"self": {"href": owner.collection_path()}});
    }
    Ok(json_response(200, &out))
}

/// Anchored, case-insensitive glob where `*` matches any run of characters.
pub(super) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::{Action, accepted_scopes};
    use crate::fake::Owner;

    #[test]
    fn scopes_follow_losants_documentation() {
        let app = Owner::application("575ec8687ae143cd83dc4a97");
        let list = accepted_scopes(&app, Action::List);
        for s in [
            "all.Application",
            "all.Application.read",
            "all.Organization",
            "all.Organization.read",
            "all.User",
            "all.User.read",
            "applicationApiTokens.*",
            "applicationApiTokens.get",
        ] {
            assert!(list.iter().any(|x| x == s), "{s}");
        }
        assert_eq!(list.len(), 8);
        let delete = accepted_scopes(&Owner::Me, Action::Delete);
        assert_eq!(
            delete,
            ["all.User", "userApiToken.*", "userApiToken.delete"]
        );
        let create = accepted_scopes(&Owner::instance("575ec7417ae143cd83dc4a96"), Action::Create);
        assert_eq!(
            create,
            [
                "all.Instance",
                "all.User",
                "instanceApiTokens.*",
                "instanceApiTokens.post"
            ]
        );
    }
}
