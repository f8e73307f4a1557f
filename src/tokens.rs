//! The API token actions, for every owner of tokens.
//!
//! Losant keeps API tokens for three owners, with the same five actions and
//! the same bodies:
//!
//! | owner | collection | one token |
//! | --- | --- | --- |
//! | the signed-in user (the default) | `/me/tokens` | `/me/tokens/{apiTokenId}` |
//! | an application, [`.application(id)`](ListTokens::application) | `/applications/{applicationId}/tokens` | `…/tokens/{apiTokenId}` |
//! | an instance, [`.instance(id)`](ListTokens::instance) | `/instances/{instanceId}/tokens` | `…/tokens/{apiTokenId}` |
//!
//! Each request is a value built with setters and sent with
//! [`Client::send`](crate::Client::send); its answer type is fixed by the
//! request, so a [`ListTokens`] always gives [`ApiTokens`] and a
//! [`DeleteToken`] always gives [`Success`]. An application or instance ID
//! is checked before sending: one that is not 24 hexadecimal characters
//! fails with [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming
//! `applicationId` or `instanceId`, and nothing is sent.
//!
//! ```
//! use losant_rest::tokens::{ListTokens, SortField};
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let app = "575ec8687ae143cd83dc4a97";
//! let page = client.send(ListTokens::new().application(app).sort_field(SortField::Name))?;
//! for token in &page.items {
//!     assert_eq!(token.application_id.as_deref(), Some(app));
//! }
//! # Ok(()) }
//! ```
//!
//! Every request also takes the parameters all Losant actions share:
//! `.losant_domain(..)` (the `losantdomain` header, sent only when set) and
//! `.actions(..)`, `.links(..)`, `.embedded(..)` (the `_actions`, `_links` and
//! `_embedded` query parameters, always sent, defaulting to `false`, `true`
//! and `true`).

use crate::error::Result;
use crate::request::{Method, Params, Path, Query, Request, json_body};
use crate::schema::{ApiToken, ApiTokenPatch, ApiTokenPost, ApiTokens, Success};
use crate::validate;

// The enums a list call takes, so that one `use` serves it.
pub use crate::schema::{FilterField, SortDirection, SortField};

/// Whose tokens a request acts on. Set it with `.application(id)`,
/// `.instance(id)` or `.owner(..)` on any request; the default is the
/// signed-in user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Owner {
    /// The user the access token belongs to: `/me/tokens`.
    #[default]
    Me,
    /// An application, by ID: `/applications/{applicationId}/tokens`.
    Application(String),
    /// An instance, by ID: `/instances/{instanceId}/tokens`.
    Instance(String),
}

impl Owner {
    /// The application with ID `id`.
    #[must_use]
    pub fn application(id: impl Into<String>) -> Owner {
        Owner::Application(id.into())
    }

    /// The instance with ID `id`.
    #[must_use]
    pub fn instance(id: impl Into<String>) -> Owner {
        Owner::Instance(id.into())
    }

    /// Writes the owner's token collection, such as `/me/tokens`.
    fn collection(&self, path: &mut Path<'_>) {
        match self {
            Owner::Me => path.push("/me/tokens"),
            Owner::Application(id) => path.push("/applications").segment(id).push("/tokens"),
            Owner::Instance(id) => path.push("/instances").segment(id).push("/tokens"),
        };
    }

    fn validate(&self) -> Result<()> {
        match self {
            Owner::Me => Ok(()),
            Owner::Application(id) => validate::id("applicationId", id),
            Owner::Instance(id) => validate::id("instanceId", id),
        }
    }
}

/// Adds the setters for the owner to a request struct with `owner` and
/// `params` fields, and those for the parameters every action shares
/// (`params_setters!` in lib.rs, the one macro every request uses).
macro_rules! shared_params {
    ($name:ident) => {
        impl $name {
            /// Acts on the tokens of the application `application_id` (24
            /// hexadecimal characters) instead of the signed-in user's.
            /// Defaults to the user's (`/me`).
            #[must_use]
            pub fn application(mut self, application_id: impl Into<String>) -> Self {
                self.owner = Owner::Application(application_id.into());
                self
            }

            /// Acts on the tokens of the instance `instance_id` (24
            /// hexadecimal characters) instead of the signed-in user's.
            /// Defaults to the user's (`/me`).
            #[must_use]
            pub fn instance(mut self, instance_id: impl Into<String>) -> Self {
                self.owner = Owner::Instance(instance_id.into());
                self
            }

            /// Sets whose tokens the request acts on. Defaults to
            /// [`Owner::Me`].
            #[must_use]
            pub fn owner(mut self, owner: Owner) -> Self {
                self.owner = owner;
                self
            }
        }

        params_setters!($name);
    };
}

/// `GET …/tokens`: one page of an owner's API tokens.
///
/// Scopes, any one of:
/// - user: `all.User`, `all.User.read`, `userApiTokens.*`, `userApiTokens.get`;
/// - application: `all.Application`, `all.Application.read`,
///   `all.Organization`, `all.Organization.read`, `all.User`,
///   `all.User.read`, `applicationApiTokens.*`, `applicationApiTokens.get`;
/// - instance: `all.Instance`, `all.Instance.read`, `all.User`,
///   `all.User.read`, `instanceApiTokens.*`, `instanceApiTokens.get`.
///
/// Answers [`ApiTokens`]. To walk every page, hand it to
/// [`Client::paginate`](crate::Client::paginate).
///
/// ```no_run
/// use losant_rest::schema::{FilterField, SortDirection, SortField};
/// use losant_rest::tokens::ListTokens;
///
/// # fn main() -> losant_rest::Result<()> {
/// let client = losant_rest::Client::from_env()?;
/// let page = client.send(
///     ListTokens::new()
///         .sort_field(SortField::CreationDate)
///         .sort_direction(SortDirection::Desc)
///         .filter_field(FilterField::Name)
///         .filter("ci-*")
///         .per_page(50),
/// )?;
/// for token in &page.items {
///     println!("{} {}", token.id, token.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTokens {
    sort_field: Option<SortField>,
    sort_direction: Option<SortDirection>,
    page: Option<u32>,
    per_page: Option<u32>,
    filter_field: Option<FilterField>,
    filter: Option<String>,
    owner: Owner,
    params: Params,
}

impl ListTokens {
    /// The first page, with Losant's default sort (by name, ascending) and
    /// page size (100).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field to sort by. Defaults to the server's, `name`.
    #[must_use]
    pub fn sort_field(mut self, field: SortField) -> Self {
        self.sort_field = Some(field);
        self
    }

    /// Sets the sort direction. Defaults to the server's, `asc`.
    #[must_use]
    pub fn sort_direction(mut self, direction: SortDirection) -> Self {
        self.sort_direction = Some(direction);
        self
    }

    /// Sets which page to return, from 0. Defaults to the server's, 0.
    #[must_use]
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets how many tokens a page holds. Defaults to the server's, 100.
    /// The server judges the range.
    #[must_use]
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Sets the field that [`filter`](Self::filter) applies to. Defaults to
    /// [`FilterField::Name`] when a filter is set: Losant ignores a filter
    /// that comes without a field, so the client never sends one alone.
    #[must_use]
    pub fn filter_field(mut self, field: FilterField) -> Self {
        self.filter_field = Some(field);
        self
    }

    /// Sets the filter, a glob in which `*` matches any run of characters,
    /// such as `ci-*`, applied to the [`filter_field`](Self::filter_field)
    /// (the name, unless set). It is sent exactly as given. Defaults to none
    /// (no filtering).
    #[must_use]
    pub fn filter(mut self, glob: impl Into<String>) -> Self {
        self.filter = Some(glob.into());
        self
    }

    /// The field sent as `filterField`: the one set, or the name when only a
    /// filter is set.
    fn effective_filter_field(&self) -> Option<&str> {
        match (&self.filter_field, &self.filter) {
            (Some(field), _) => Some(field.as_str()),
            (None, Some(_)) => Some(FilterField::Name.as_str()),
            (None, None) => None,
        }
    }
}

paginated_list!(
    /// Paging, for [`Client::paginate`](crate::Client::paginate): the trait's
    /// names leave the builder's `page(u32)` and `per_page(u32)` alone.
    ListTokens, ApiTokens => ApiToken
);

shared_params!(ListTokens);

impl Request for ListTokens {
    type Response = ApiTokens;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        self.owner.collection(path);
    }

    fn query(&self, query: &mut Query<'_>) {
        query
            .opt("sortField", self.sort_field.as_ref().map(SortField::as_str))
            .opt(
                "sortDirection",
                self.sort_direction.as_ref().map(SortDirection::as_str),
            )
            .opt_u32("page", self.page)
            .opt_u32("perPage", self.per_page)
            .opt("filterField", self.effective_filter_field())
            .opt("filter", self.filter.as_deref());
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn validate(&self) -> Result<()> {
        self.owner.validate()
    }
}

/// `POST …/tokens`: creates a token. The answer is the only one that
/// carries the secret [`ApiToken::token`].
///
/// Scopes, any one of:
/// - user: `all.User`, `userApiTokens.*`, `userApiTokens.post` (Losant
///   refuses OAuth access tokens here whatever their scopes);
/// - application: `all.Application`, `all.Organization`, `all.User`,
///   `applicationApiTokens.*`, `applicationApiTokens.post`;
/// - instance: `all.Instance`, `all.User`, `instanceApiTokens.*`,
///   `instanceApiTokens.post`.
///
/// Answers [`ApiToken`] (HTTP 201). It is never retried once it may have
/// reached the server, so a token is never created twice by the client.
///
/// ```no_run
/// use losant_rest::schema::ApiTokenPost;
/// use losant_rest::tokens::CreateToken;
///
/// # fn main() -> losant_rest::Result<()> {
/// let client = losant_rest::Client::from_env()?;
/// let created = client.send(CreateToken::new(
///     ApiTokenPost::new("deploy bot").scope(["all.User.read"]),
/// ))?;
/// let secret = created.token.as_ref().map(|t| t.expose_secret());
/// # let _ = secret; Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateToken {
    body: ApiTokenPost,
    owner: Owner,
    params: Params,
}

impl CreateToken {
    /// Creates the token that `body` describes.
    #[must_use]
    pub fn new(body: ApiTokenPost) -> Self {
        CreateToken {
            body,
            owner: Owner::Me,
            params: Params::new(),
        }
    }
}

shared_params!(CreateToken);

impl Request for CreateToken {
    type Response = ApiToken;

    fn method(&self) -> Method {
        Method::Post
    }

    fn path(&self, path: &mut Path<'_>) {
        self.owner.collection(path);
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn body(&self) -> Result<Option<Vec<u8>>> {
        json_body(&self.body)
    }

    fn validate(&self) -> Result<()> {
        self.owner.validate()?;
        validate::post(&self.body)
    }
}

/// `GET …/tokens/{apiTokenId}`: one token (without its secret).
///
/// Scopes, any one of:
/// - user: `all.User`, `all.User.read`, `userApiToken.*`, `userApiToken.get`;
/// - application: `all.Application`, `all.Application.read`,
///   `all.Organization`, `all.Organization.read`, `all.User`,
///   `all.User.read`, `applicationApiToken.*`, `applicationApiToken.get`;
/// - instance: `all.Instance`, `all.Instance.read`, `all.User`,
///   `all.User.read`, `instanceApiToken.*`, `instanceApiToken.get`.
///
/// Answers [`ApiToken`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetToken {
    id: String,
    owner: Owner,
    params: Params,
}

impl GetToken {
    /// The token with ID `id`, which must be 24 hexadecimal characters.
    pub fn new(id: impl Into<String>) -> Self {
        GetToken {
            id: id.into(),
            owner: Owner::Me,
            params: Params::new(),
        }
    }
}

shared_params!(GetToken);

impl Request for GetToken {
    type Response = ApiToken;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        self.owner.collection(path);
        path.segment(&self.id);
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn validate(&self) -> Result<()> {
        self.owner.validate()?;
        validate::id("apiTokenId", &self.id)
    }
}

/// `PATCH …/tokens/{apiTokenId}`: changes a token's name, description,
/// roles or status.
///
/// Scopes, any one of:
/// - user: `all.User`, `userApiToken.*`, `userApiToken.patch` (no OAuth
///   access tokens);
/// - application: `all.Application`, `all.Organization`, `all.User`,
///   `applicationApiToken.*`, `applicationApiToken.patch`;
/// - instance: `all.Instance`, `all.User`, `instanceApiToken.*`,
///   `instanceApiToken.patch`.
///
/// Answers the updated [`ApiToken`]. It is never retried once it may have
/// reached the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateToken {
    id: String,
    body: ApiTokenPatch,
    owner: Owner,
    params: Params,
}

impl UpdateToken {
    /// Applies `body` to the token with ID `id`.
    pub fn new(id: impl Into<String>, body: ApiTokenPatch) -> Self {
        UpdateToken {
            id: id.into(),
            body,
            owner: Owner::Me,
            params: Params::new(),
        }
    }
}

shared_params!(UpdateToken);

impl Request for UpdateToken {
    type Response = ApiToken;

    fn method(&self) -> Method {
        Method::Patch
    }

    fn path(&self, path: &mut Path<'_>) {
        self.owner.collection(path);
        path.segment(&self.id);
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn body(&self) -> Result<Option<Vec<u8>>> {
        json_body(&self.body)
    }

    fn validate(&self) -> Result<()> {
        self.owner.validate()?;
        validate::id("apiTokenId", &self.id)?;
        validate::patch(&self.body)
    }
}

/// `DELETE …/tokens/{apiTokenId}`: deletes a token.
///
/// Scopes, any one of:
/// - user: `all.User`, `userApiToken.*`, `userApiToken.delete` (no OAuth
///   access tokens);
/// - application: `all.Application`, `all.Organization`, `all.User`,
///   `applicationApiToken.*`, `applicationApiToken.delete`;
/// - instance: `all.Instance`, `all.User`, `instanceApiToken.*`,
///   `instanceApiToken.delete`.
///
/// Answers [`Success`]. A delete is safe to repeat, so it is retried on
/// transient failures. If an attempt may have been carried out without its
/// answer arriving (a dropped connection, a 502 or a 504) and the retry
/// answers 404, that attempt deleted the token, so the call succeeds with
/// `Success { success: true }`. Any other 404 is an
/// [`Error::Api`](crate::Error::Api): the token did not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteToken {
    id: String,
    owner: Owner,
    params: Params,
}

impl DeleteToken {
    /// Deletes the token with ID `id`.
    pub fn new(id: impl Into<String>) -> Self {
        DeleteToken {
            id: id.into(),
            owner: Owner::Me,
            params: Params::new(),
        }
    }
}

shared_params!(DeleteToken);

impl Request for DeleteToken {
    type Response = Success;

    fn method(&self) -> Method {
        Method::Delete
    }

    fn path(&self, path: &mut Path<'_>) {
        self.owner.collection(path);
        path.segment(&self.id);
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn validate(&self) -> Result<()> {
        self.owner.validate()?;
        validate::id("apiTokenId", &self.id)
    }

    fn response_when_gone(&self) -> Option<Success> {
        Some(Success::TRUE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::build_url;

    const ID: &str = "575ec7417ae143cd83dc4a95";

    #[test]
    fn list_query_is_exact() {
        let r = ListTokens::new()
            .sort_field(SortField::CreationDate)
            .sort_direction(SortDirection::Desc)
            .page(2)
            .per_page(50)
            .filter_field(FilterField::Name)
            .filter("my*token & co=1/2?#%é");
        assert_eq!(
            build_url("https://x", &r),
            "https://x/me/tokens?_actions=false&_links=true&_embedded=true\
             &sortField=creationDate&sortDirection=desc&page=2&perPage=50\
             &filterField=name&filter=my%2Atoken%20%26%20co%3D1%2F2%3F%23%25%C3%A9"
        );
        assert_eq!(
            build_url("https://x", &ListTokens::new()),
            "https://x/me/tokens?_actions=false&_links=true&_embedded=true"
        );
    }

    #[test]
    fn shared_params_change_the_query() {
        let r = GetToken::new(ID).actions(true).links(false).embedded(false);
        assert_eq!(
            build_url("http://h/p", &r),
            format!("http://h/p/me/tokens/{ID}?_actions=true&_links=false&_embedded=false")
        );
        let r = DeleteToken::new(ID).losant_domain("example.com");
        assert_eq!(r.params().losant_domain.as_deref(), Some("example.com"));
    }

    #[test]
    fn methods_bodies_and_retry_safety() {
        let c = CreateToken::new(ApiTokenPost::new("n"));
        assert_eq!((c.method(), c.retry_safe()), (Method::Post, false));
        assert_eq!(c.body().unwrap().unwrap(), br#"{"name":"n"}"#);
        let u = UpdateToken::new(ID, ApiTokenPatch::new());
        assert_eq!((u.method(), u.retry_safe()), (Method::Patch, false));
        assert_eq!(u.body().unwrap().unwrap(), b"{}");
        let d = DeleteToken::new(ID);
        assert_eq!((d.method(), d.retry_safe()), (Method::Delete, true));
        assert!(d.body().unwrap().is_none());
        assert_eq!(d.response_when_gone(), Some(Success { success: true }));
        assert!(GetToken::new(ID).response_when_gone().is_none());
    }

    #[test]
    fn every_request_goes_to_its_owner() {
        const APP: &str = "575ec8687ae143cd83dc4a97";
        const INST: &str = "575ecf887ae143cd83dc4aa2";
        let q = "?_actions=false&_links=true&_embedded=true";
        let owners = [
            (Owner::Me, "/me/tokens".to_owned()),
            (
                Owner::Application(APP.into()),
                format!("/applications/{APP}/tokens"),
            ),
            (
                Owner::Instance(INST.into()),
                format!("/instances/{INST}/tokens"),
            ),
        ];
        for (owner, collection) in owners {
            let one = format!("{collection}/{ID}{q}");
            let all = format!("{collection}{q}");
            let list = ListTokens::new().owner(owner.clone());
            assert_eq!(build_url("", &list), all);
            assert!(list.validate().is_ok());
            let create = CreateToken::new(ApiTokenPost::new("n")).owner(owner.clone());
            assert_eq!(build_url("", &create), all);
            let get = GetToken::new(ID).owner(owner.clone());
            assert_eq!(build_url("", &get), one);
            let update = UpdateToken::new(ID, ApiTokenPatch::new()).owner(owner.clone());
            assert_eq!(build_url("", &update), one);
            let delete = DeleteToken::new(ID).owner(owner);
            assert_eq!(build_url("", &delete), one);
        }
        assert_eq!(
            ListTokens::new().application(APP),
            ListTokens::new().owner(Owner::Application(APP.into()))
        );
        assert_eq!(
            GetToken::new(ID).instance(INST),
            GetToken::new(ID).owner(Owner::Instance(INST.into()))
        );
    }

    #[test]
    fn owner_ids_are_checked_before_anything_else() {
        let field = |r: Result<()>| match r {
            Err(crate::Error::InvalidRequest(e)) => e.field().to_owned(),
            other => panic!("expected InvalidRequest, got {other:?}"),
        };
        assert_eq!(
            field(ListTokens::new().application("x").validate()),
            "applicationId"
        );
        assert_eq!(
            field(DeleteToken::new("bad").instance("y").validate()),
            "instanceId"
        );
        assert_eq!(
            field(
                CreateToken::new(ApiTokenPost::new(""))
                    .application("z")
                    .validate()
            ),
            "applicationId"
        );
    }

    #[test]
    fn a_filter_without_a_field_filters_by_name() {
        let q = "?_actions=false&_links=true&_embedded=true";
        assert_eq!(
            build_url("", &ListTokens::new().filter("ci-*")),
            format!("/me/tokens{q}&filterField=name&filter=ci-%2A")
        );
        assert_eq!(
            build_url(
                "",
                &ListTokens::new()
                    .filter("inactive")
                    .filter_field(FilterField::Status)
            ),
            format!("/me/tokens{q}&filterField=status&filter=inactive")
        );
        // A field without a filter is sent as set: the server ignores it.
        assert_eq!(
            build_url("", &ListTokens::new().filter_field(FilterField::Status)),
            format!("/me/tokens{q}&filterField=status")
        );
    }

    #[test]
    fn ids_are_checked() {
        assert!(GetToken::new("nope").validate().is_err());
        assert!(
            UpdateToken::new("../x", ApiTokenPatch::new())
                .validate()
                .is_err()
        );
        assert!(DeleteToken::new(ID.to_uppercase()).validate().is_ok());
    }
}
