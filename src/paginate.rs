//! Walking every page of a list, lazily: the [`Paginated`] trait a list
//! request implements, and the iterator [`Client::paginate`] and
//! [`Client::paginate_as`] return.
//!
//! # How a list implements [`Paginated`]
//!
//! A list request with `page: Option<u32>` and `per_page: Option<u32>`
//! fields, a `page(u32)` builder method and an answer with `items`,
//! `total_count` and `per_page` needs four one-line methods:
//!
//! ```
//! use losant_rest::paginate::{Page, Paginated};
//! use losant_rest::request::{Method, Path, Query, Request};
//!
//! #[derive(Debug, Clone, Default)]
//! struct ListThings { page: Option<u32>, per_page: Option<u32> }
//!
//! impl ListThings {
//!     fn page(mut self, page: u32) -> Self { self.page = Some(page); self }
//! }
//!
//! #[derive(serde::Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct Things { items: Vec<String>, total_count: Option<u64>, per_page: Option<u32> }
//!
//! impl Request for ListThings {
//!     type Response = Things;
//!     fn method(&self) -> Method { Method::Get }
//!     fn path(&self, path: &mut Path<'_>) { path.push("/things"); }
//!     fn query(&self, query: &mut Query<'_>) {
//!         query.opt_u32("page", self.page);
//!         query.opt_u32("perPage", self.per_page);
//!     }
//! }
//!
//! impl Paginated for ListThings {
//!     type Item = String;
//!     fn current_page(&self) -> u32 { self.page.unwrap_or(0) }
//!     fn requested_per_page(&self) -> Option<u32> { self.per_page }
//!     fn with_page(self, page: u32) -> Self { self.page(page) }
//!     fn into_page(answer: Things) -> Page<String> {
//!         Page::new(answer.items, answer.total_count, answer.per_page)
//!     }
//! }
//! ```

use std::fmt;
use std::iter::FusedIterator;

use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::decode::{self, ItemsPage};
use crate::error::Result;
use crate::request::Request;

/// A list request that can be walked page by page with
/// [`Client::paginate`] and [`Client::paginate_as`].
///
/// The method names leave the request's own builder methods (`page(u32)`,
/// `per_page(u32)`) alone, so both can be called on a concrete request
/// without naming the trait. The [module documentation](self) shows a whole
/// implementation.
pub trait Paginated: Request + Sized {
    /// What each page holds.
    type Item;

    /// The page this request asks for, from 0; 0 when unset.
    fn current_page(&self) -> u32;

    /// The page size this request asks for, if it says. The walk uses it
    /// only as a hint for memory: servers may serve fewer per page.
    fn requested_per_page(&self) -> Option<u32>;

    /// The same request for another page, every other parameter kept.
    #[must_use]
    fn with_page(self, page: u32) -> Self;

    /// Splits an answer into its items and the counts that tell whether more
    /// pages follow.
    fn into_page(response: Self::Response) -> Page<Self::Item>;
}

/// One page's items and counts, as [`Paginated::into_page`] gives them.
#[derive(Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on the page.
    pub items: Vec<T>,
    /// The number of items over all pages, if the server said.
    pub total_count: Option<u64>,
    /// The page size the server said it used, if it said.
    pub per_page: Option<u32>,
}

impl<T> Page<T> {
    /// A page of `items`.
    #[must_use]
    pub fn new(items: Vec<T>, total_count: Option<u64>, per_page: Option<u32>) -> Self {
        Page {
            items,
            total_count,
            per_page,
        }
    }
}

/// How one page of the walk is fetched and decoded.
type Fetch<R, T> = fn(&Client, &R) -> Result<Page<T>>;

/// The iterator [`Client::paginate`] and [`Client::paginate_as`] return:
/// every item, as `Result<T>`, one page in memory at a time.
///
/// It is lazy (nothing is sent until the first `next`) and fused: once it
/// has returned `None`, or an error, it returns `None` for ever.
///
/// # When the walk ends
///
/// The server may serve fewer items per page than were asked for (a server
/// that caps `perPage` at 100 when 1000 were asked, whether or not its answer
/// says so), so the walk counts in pages of the size actually served, the
/// largest page seen so far. It ends
/// - when `page × served + count` reaches the server's `totalCount`;
/// - on an empty page;
/// - on a short page: after the first page, one shorter than the pages
///   served before it; on the first page, one shorter than the `perPage`
///   the server says it used, when the server gives no `totalCount`;
/// - after page `u32::MAX`, so a server that never stops serving full pages
///   cannot keep the walk going for ever.
#[must_use = "an iterator does nothing until it is iterated"]
pub struct Paginate<R: Paginated, T = <R as Paginated>::Item> {
    client: Client,
    /// The request for the next page; `None` once the walk is over.
    next: Option<R>,
    fetch: Fetch<R, T>,
    items: std::vec::IntoIter<T>,
    total_count: Option<u64>,
    /// The largest page served so far: the size the server pages by.
    served: u64,
}

impl<R: Paginated> Paginate<R> {
    pub(crate) fn new(client: Client, request: R) -> Self {
        Paginate::with_fetch(client, request, typed::<R>)
    }
}

impl<R: Paginated, T: DeserializeOwned> Paginate<R, T> {
    pub(crate) fn new_as(client: Client, request: R) -> Self {
        Paginate::with_fetch(client, request, items_as::<R, T>)
    }
}

/// A page as the request's own answer type.
fn typed<R: Paginated>(client: &Client, request: &R) -> Result<Page<R::Item>> {
    client.send(request).map(R::into_page)
}

/// A page whose items are decoded as `T`, the vector sized from the request.
fn items_as<R: Paginated, T: DeserializeOwned>(client: &Client, request: &R) -> Result<Page<T>> {
    let hint = request.requested_per_page();
    decode::send_seeded(client, request, |len| ItemsPage::<T>::seed(hint, len))
        .map(ItemsPage::into_page)
}

impl<R: Paginated, T> Paginate<R, T> {
    fn with_fetch(client: Client, request: R, fetch: Fetch<R, T>) -> Self {
        Paginate {
            client,
            next: Some(request),
            fetch,
            items: Vec::new().into_iter(),
            total_count: None,
            served: 0,
        }
    }

    /// The number of items over all pages, as the server said in the last
    /// page it sent; `None` before the first page arrives or when the server
    /// did not say.
    #[must_use]
    pub fn total_count(&self) -> Option<u64> {
        self.total_count
    }

    fn fetch(&mut self) -> Option<Result<()>> {
        let request = self.next.take()?;
        // Free the used-up page before the next one arrives, so that only one
        // page is ever held.
        self.items = Vec::new().into_iter();
        let page = request.current_page();
        let Page {
            items,
            total_count,
            per_page,
        } = match (self.fetch)(&self.client, &request) {
            Ok(page) => page,
            // Yield the error once; `next` stays `None`, so the walk ends.
            Err(e) => return Some(Err(e)),
        };
        if total_count.is_some() {
            self.total_count = total_count;
        }
        let first = self.served == 0;
        let count = items.len() as u64;
        let short = if first {
            // Only the server's own word says its first page is short: it
            // may serve fewer than were asked for.
            total_count.is_none() && per_page.is_some_and(|pp| count < u64::from(pp))
        } else {
            count < self.served
        };
        self.served = self.served.max(count);
        // Saturating: the counts come from the server.
        let seen = u64::from(page)
            .saturating_mul(self.served)
            .saturating_add(count);
        let done = count == 0
            || short
            || total_count.is_some_and(|total| seen >= total)
            || page == u32::MAX;
        if !done {
            self.next = Some(request.with_page(page + 1));
        }
        self.items = items.into_iter();
        Some(Ok(()))
    }
}

impl<R: Paginated, T> Iterator for Paginate<R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.items.next() {
                return Some(Ok(item));
            }
            match self.fetch()? {
                Ok(()) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<R: Paginated, T> FusedIterator for Paginate<R, T> {}

impl<R: Paginated + fmt::Debug, T> fmt::Debug for Paginate<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginate")
            .field("next", &self.next)
            .field("buffered", &self.items.len())
            .field("total_count", &self.total_count)
            .field("served", &self.served)
            .finish_non_exhaustive()
    }
}
