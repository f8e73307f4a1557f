//! Walking every page of a list, lazily.

use std::fmt;

use crate::client::Client;
use crate::error::Result;
use crate::request::Request;
use crate::schema::{ApiToken, ApiTokens};
use crate::tokens::ListTokens;

/// A list request that can be walked page by page with
/// [`Client::paginate`].
pub trait Paginated: Request {
    /// What each page holds.
    type Item;

    /// The page this request asks for, from 0.
    fn page(&self) -> u32;

    /// Asks for another page, keeping every other parameter.
    fn set_page(&mut self, page: u32);

    /// The page size this request asks for, if it says.
    fn per_page(&self) -> Option<u32>;

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
    /// The page size the server used, if it said.
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

impl Paginated for ListTokens {
    type Item = ApiToken;

    fn page(&self) -> u32 {
        self.page_number()
    }

    fn set_page(&mut self, page: u32) {
        ListTokens::set_page(self, page);
    }

    fn per_page(&self) -> Option<u32> {
        self.per_page_size()
    }

    fn into_page(response: ApiTokens) -> Page<ApiToken> {
        Page::new(response.items, response.total_count, response.per_page)
    }
}

/// The iterator [`Client::paginate`] returns: every item, as
/// `Result<Item>`, one page in memory at a time.
///
/// It is lazy (nothing is sent until the first `next`) and fused: once it
/// has returned `None`, or an error, it returns `None` for ever.
#[must_use = "an iterator does nothing until it is iterated"]
pub struct Paginate<R: Paginated> {
    client: Client,
    /// The request for the next page; `None` once the walk is over.
    next: Option<R>,
    items: std::vec::IntoIter<R::Item>,
    total_count: Option<u64>,
}

impl<R: Paginated> Paginate<R> {
    pub(crate) fn new(client: Client, request: R) -> Self {
        Paginate {
            client,
            next: Some(request),
            items: Vec::new().into_iter(),
            total_count: None,
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
        let mut request = self.next.take()?;
        // Free the used-up page before the next one arrives, so that only one
        // page is ever held.
        self.items = Vec::new().into_iter();
        let page = request.page();
        let response = match self.client.send(&request) {
            Ok(response) => response,
            // Yield the error once; `next` stays `None`, so the walk ends.
            Err(e) => return Some(Err(e)),
        };
        let Page {
            items,
            total_count,
            per_page,
        } = R::into_page(response);
        if total_count.is_some() {
            self.total_count = total_count;
        }
        let count = items.len() as u64;
        // When neither side says the page size, a full page's length is the
        // best guess, so that `totalCount` can still end the walk.
        let per_page = per_page
            .or(request.per_page())
            .map(u64::from)
            .or((count > 0).then_some(count));
        // Saturating: the counts come from the server.
        let seen = per_page.map(|pp| u64::from(page).saturating_mul(pp).saturating_add(count));
        let done = count == 0
            || matches!((seen, total_count), (Some(seen), Some(total)) if seen >= total)
            || matches!(per_page, Some(pp) if count < pp)
            || page == u32::MAX;
        if !done {
            request.set_page(page + 1);
            self.next = Some(request);
        }
        self.items = items.into_iter();
        Some(Ok(()))
    }
}

impl<R: Paginated> Iterator for Paginate<R> {
    type Item = Result<R::Item>;

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

impl<R: Paginated> std::iter::FusedIterator for Paginate<R> {}

impl<R: Paginated + fmt::Debug> fmt::Debug for Paginate<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginate")
            .field("next", &self.next)
            .field("buffered", &self.items.len())
            .field("total_count", &self.total_count)
            .finish_non_exhaustive()
    }
}
