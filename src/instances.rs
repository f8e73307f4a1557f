//! `GET /instances`: the instances the access token can reach, the
//! directory on the way to every instance's tokens.
//!
//! ```
//! use losant_rest::instances::{InstanceSortField, ListInstances};
//! use losant_rest::schema::SortDirection;
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = losant_rest::fake::FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! fake.add_instance("greenhouse");
//! fake.add_instance("warehouse");
//! let page = client.send(
//!     ListInstances::new()
//!         .filter("*house")
//!         .sort_field(InstanceSortField::Name)
//!         .sort_direction(SortDirection::Desc),
//! )?;
//! let names: Vec<&str> = page.items.iter().map(|a| a.name.as_str()).collect();
//! assert_eq!(names, ["warehouse", "greenhouse"]);
//!
//! // Every page of them.
//! let all: Vec<_> = client
//!     .paginate(ListInstances::new().per_page(1))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(all.len(), 2);
//! # Ok(()) }
//! ```

use crate::request::{Method, Params, Path, Query, Request};
use crate::schema::{Instance, Instances};

pub use crate::schema::{InstanceSortField, SortDirection};

/// `GET /instances`: one page of the instances the access token can
/// reach.
///
/// Scopes, any one of: `all.User`, `all.User.read`, `instances.get`.
///
/// Answers [`Instances`]. To walk every page, hand it to
/// [`Client::paginate`](crate::Client::paginate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListInstances {
    sort_field: Option<InstanceSortField>,
    sort_direction: Option<SortDirection>,
    page: Option<u32>,
    per_page: Option<u32>,
    filter: Option<String>,
    params: Params,
}

impl ListInstances {
    /// The first page, with the server's defaults for everything.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field to sort by. Defaults to the server's, the name.
    #[must_use]
    pub fn sort_field(mut self, field: InstanceSortField) -> Self {
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

    /// Sets how many instances a page holds. Defaults to the server's,
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
}

params_setters!(ListInstances);

impl Request for ListInstances {
    type Response = Instances;

    fn method(&self) -> Method {
        Method::Get
    }

    fn path(&self, path: &mut Path<'_>) {
        path.push("/instances");
    }

    fn query(&self, query: &mut Query<'_>) {
        query
            .opt(
                "sortField",
                self.sort_field.as_ref().map(InstanceSortField::as_str),
            )
            .opt(
                "sortDirection",
                self.sort_direction.as_ref().map(SortDirection::as_str),
            )
            .opt_u32("page", self.page)
            .opt_u32("perPage", self.per_page)
            .opt("filterField", self.filter.as_ref().map(|_| "name"))
            .opt("filter", self.filter.as_deref());
    }

    fn params(&self) -> &Params {
        &self.params
    }
}

paginated_list!(ListInstances, Instances => Instance);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::build_url;

    #[test]
    fn query_is_exact() {
        let q = "?_actions=false&_links=true&_embedded=true";
        assert_eq!(
            build_url("", &ListInstances::new()),
            format!("/instances{q}")
        );
        let r = ListInstances::new()
            .sort_field(InstanceSortField::LastUpdated)
            .sort_direction(SortDirection::Desc)
            .page(2)
            .per_page(1000)
            .filter("my * app")
            .links(false)
            .embedded(false);
        assert_eq!(
            build_url("", &r),
            "/instances?_actions=false&_links=false&_embedded=false\
             &sortField=lastUpdated&sortDirection=desc&page=2&perPage=1000\
             &filterField=name&filter=my%20%2A%20app"
        );
    }
}
