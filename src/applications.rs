//! `GET /applications`: the applications the access token can reach, the
//! first directory on the way to every application's tokens.
//!
//! ```
//! use losant_rest::applications::{ApplicationSortField, ListApplications};
//! use losant_rest::schema::SortDirection;
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! fake.add_application("greenhouse");
//! fake.add_application("warehouse");
//! let page = client.send(
//!     ListApplications::new()
//!         .filter("*house")
//!         .sort_field(ApplicationSortField::Name)
//!         .sort_direction(SortDirection::Desc),
//! )?;
//! let names: Vec<&str> = page.items.iter().map(|a| a.name.as_str()).collect();
//! assert_eq!(names, ["warehouse", "greenhouse"]);
//!
//! // Every page of them.
//! let all: Vec<_> = client
//!     .paginate(ListApplications::new().per_page(1))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(all.len(), 2);
//! # Ok(()) }
//! ```

use crate::error::{Error, Result};
use crate::request::{Method, Params, Path, Query, Request};
use crate::schema::{Application, Applications};
use crate::validate;

pub use crate::schema::{ApplicationSortField, SortDirection};

/// `GET /applications`: one page of the applications the access token can
/// reach.
///
/// Scopes, any one of: `all.User`, `all.User.read`, `applications.get`.
///
/// Answers [`Applications`]. To walk every page, hand it to
/// [`Client::paginate`](crate::Client::paginate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListApplications {
    sort_field: Option<ApplicationSortField>,
    sort_direction: Option<SortDirection>,
    page: Option<u32>,
    per_page: Option<u32>,
    filter: Option<String>,
    org_id: Option<String>,
    params: Params,
}

impl ListApplications {
    /// The first page, with the server's defaults for everything.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field to sort by. Defaults to the server's, the name.
    #[must_use]
    pub fn sort_field(mut self, field: ApplicationSortField) -> Self {
        self.sort_field = Some(field);
        self
    }

    /// Sets the sort direction. Defaults to the server's, ascending.
    #[must_use]
    pub fn sort_direction(mut self, direction: SortDirection) -> Self {
        self.sort_direction = Some(direction);
        self
    }

    /// Sets the page to return, from 0. Defaults to 0.
    #[must_use]
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets how many applications a page holds. Defaults to the server's,
    /// 100. The server judges the range.
    #[must_use]
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Sets a filter on the name, a glob in which `*` matches any run of
    /// characters (`filterField=name` is sent with it). Defaults to none.
    #[must_use]
    pub fn filter(mut self, glob: impl Into<String>) -> Self {
        self.filter = Some(glob.into());
        self
    }

    /// Sets Losant's `orgId`: an organization's ID (24 hexadecimal
    /// characters) lists only that organization's applications; `""` lists
    /// only the user's own; `sandbox` is accepted too. Defaults to none:
    /// every application the user can reach.
    #[must_use]
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }
}

params_setters!(ListApplications);

impl Request for ListApplications {
    type Response = Applications;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        path.push("/applications");
    }

    fn query(&self, query: &mut Query<'_>) {
        query
            .opt(
                "sortField",
                self.sort_field.as_ref().map(ApplicationSortField::as_str),
            )
            .opt(
                "sortDirection",
                self.sort_direction.as_ref().map(SortDirection::as_str),
            )
            .opt_u32("page", self.page)
            .opt_u32("perPage", self.per_page)
            .opt("filterField", self.filter.as_ref().map(|_| "name"))
            .opt("filter", self.filter.as_deref())
            .opt("orgId", self.org_id.as_deref());
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn validate(&self) -> Result<()> {
        match self.org_id.as_deref() {
            None | Some("" | "sandbox") => Ok(()),
            Some(id) if validate::is_id(id) => Ok(()),
            Some(_) => Err(Error::invalid(
                "orgId",
                "must be 24 hexadecimal characters, \"sandbox\" or empty",
            )),
        }
    }
}

paginated_list!(ListApplications, Applications => Application);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::build_url;

    #[test]
    fn query_is_exact() {
        let q = "?_actions=false&_links=true&_embedded=true";
        assert_eq!(
            build_url("", &ListApplications::new()),
            format!("/applications{q}")
        );
        let r = ListApplications::new()
            .sort_field(ApplicationSortField::OwnerId)
            .sort_direction(SortDirection::Desc)
            .page(2)
            .per_page(1000)
            .filter("my * app")
            .org_id("")
            .links(false)
            .embedded(false);
        assert_eq!(
            build_url("", &r),
            "/applications?_actions=false&_links=false&_embedded=false\
             &sortField=ownerId&sortDirection=desc&page=2&perPage=1000\
             &filterField=name&filter=my%20%2A%20app&orgId="
        );
    }

    #[test]
    fn org_ids_are_checked() {
        for ok in ["", "sandbox", "575ecdf07ae143cd83dc4a9a"] {
            assert!(
                ListApplications::new().org_id(ok).validate().is_ok(),
                "{ok}"
            );
        }
        match ListApplications::new().org_id("acme").validate() {
            Err(Error::InvalidRequest(e)) => assert_eq!(e.field(), "orgId"),
            other => panic!("{other:?}"),
        }
    }
}
