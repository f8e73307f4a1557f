//! Every token of every owner in one job: the signed-in user's, every
//! application's and every instance's that the access token reaches, read
//! concurrently, each token with its owner attached, and an owner that
//! cannot be read reported rather than fatal.
//!
//! [`Client::all_tokens`] runs an [`AllTokens`] job and answers an
//! [`Inventory`]. A security review is then a few lines:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use losant_rest::owners::AllTokens;
//! # use losant_rest::fake::{FakeLosant, Owner};
//!
//! # fn main() -> losant_rest::Result<()> {
//! # let fake = FakeLosant::start();
//! # fake.seed(4);
//! # for name in ["greenhouse", "warehouse"] {
//! #     fake.seed_for(&Owner::application(fake.add_application(name)), 3);
//! # }
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let inventory = client.all_tokens(&AllTokens::new())?;
//! let (now, month) = (SystemTime::now(), Duration::from_secs(30 * 86_400));
//! for t in &inventory.tokens {
//!     let never = t.token.expires_at().is_none();
//!     let soon = t.token.expires_within(month, now);
//!     if never || soon {
//!         let owner = t.owner_name.as_deref().unwrap_or("?");
//!         println!("{owner}: {} {}", t.token.name, if never { "never expires" } else { "expires soon" });
//!     }
//! }
//! for e in &inventory.errors {
//!     eprintln!("could not read {}: {}", e.what, e.error);
//! }
//! assert_eq!(inventory.owners.len(), 3); // the user and two applications
//! assert_eq!(inventory.tokens.len(), 10);
//! # Ok(()) }
//! ```
//!
//! # How it reads
//!
//! First, at once: the user (`GET /me`, for a name), the user's tokens, and
//! the first page of the applications and instances directories (1000 a
//! page, without HAL links). Then the directories' remaining pages, at once.
//! Then every application's and instance's tokens, [`concurrency`] owners
//! at a time (8 by default), on as many threads and pooled connections. For
//! 43 owners that is 1 round for the directories and 6 for the owners.
//!
//! [`concurrency`]: AllTokens::concurrency

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::applications::ListApplications;
use crate::client::Client;
use crate::concurrent;
use crate::error::{Error, Result};
use crate::instances::ListInstances;
use crate::me::GetMe;
use crate::request::Request;
use crate::schema::{ApiToken, Applications, Instances};
use crate::tokens::{ListTokens, Owner};

/// A job that reads every token of every owner; run it with
/// [`Client::all_tokens`]. By default: the user, every application and every
/// instance, 8 owners at once, 1000 items a page.
#[derive(Debug, Clone)]
pub struct AllTokens {
    concurrency: usize,
    per_page: u32,
    me: bool,
    applications: bool,
    instances: bool,
    org_id: Option<String>,
    on_progress: Option<ProgressFn>,
}

#[derive(Clone)]
struct ProgressFn(Arc<dyn Fn(Progress) + Send + Sync>);

impl fmt::Debug for ProgressFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<fn>")
    }
}

impl Default for AllTokens {
    fn default() -> Self {
        Self::new()
    }
}

impl AllTokens {
    /// The user, every application and every instance.
    #[must_use]
    pub fn new() -> Self {
        AllTokens {
            concurrency: 8,
            per_page: 1000,
            me: true,
            applications: true,
            instances: true,
            org_id: None,
            on_progress: None,
        }
    }

    /// Sets how many requests run at once, each on its own thread and
    /// connection (0 counts as 1). Defaults to 8.
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Sets the page size of every list the job reads. Defaults to 1000.
    #[must_use]
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = n;
        self
    }

    /// Whether to read the signed-in user and the user's own tokens.
    /// Defaults to true.
    #[must_use]
    pub fn me(mut self, on: bool) -> Self {
        self.me = on;
        self
    }

    /// Whether to read every application's tokens. Defaults to true.
    #[must_use]
    pub fn applications(mut self, on: bool) -> Self {
        self.applications = on;
        self
    }

    /// Whether to read every instance's tokens. Defaults to true.
    #[must_use]
    pub fn instances(mut self, on: bool) -> Self {
        self.instances = on;
        self
    }

    /// Reads only the applications of the organization `id` (or, with
    /// `""`, only the user's own), as
    /// [`ListApplications::org_id`] does. Defaults to none: every
    /// application the user can reach.
    #[must_use]
    pub fn org_id(mut self, id: impl Into<String>) -> Self {
        self.org_id = Some(id.into());
        self
    }

    /// Calls `f` each time an owner's tokens have been read (or have
    /// failed), from whichever thread read them. Defaults to none.
    #[must_use]
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(ProgressFn(Arc::new(f)));
        self
    }
}

/// How far an [`AllTokens`] job is, as its
/// [`on_progress`](AllTokens::on_progress) callback hears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Owners whose tokens have been read, or have failed.
    pub owners_done: usize,
    /// Owners known so far: the user, then every application and instance
    /// once the directories are read.
    pub owners_total: usize,
}

/// What an [`AllTokens`] job found.
#[derive(Debug)]
#[non_exhaustive]
pub struct Inventory {
    /// Every owner whose tokens were read, in order: the user, the
    /// applications, the instances (each directory in its list order).
    pub owners: Vec<OwnerSummary>,
    /// Every token, grouped by owner in the order of `owners`, each owner's
    /// in its list order.
    pub tokens: Vec<OwnedToken>,
    /// What could not be read: a directory, or an owner's tokens (then none
    /// of that owner's tokens are in `tokens`).
    pub errors: Vec<OwnerError>,
    /// The signed-in user's ID, from `GET /me`, which [`Owner::Me`] does not
    /// carry; `None` when the user was not read or `GET /me` failed.
    pub user_id: Option<String>,
}

/// One owner whose tokens were read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OwnerSummary {
    /// The owner.
    pub owner: Owner,
    /// The user's, application's or instance's name, if known.
    pub name: Option<String>,
    /// How many tokens it has.
    pub token_count: usize,
}

/// A token and its owner.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OwnedToken {
    /// Who owns the token.
    pub owner: Owner,
    /// The owner's name, if known.
    pub owner_name: Option<String>,
    /// The token, as the owner's list gave it (never with its secret).
    pub token: ApiToken,
}

/// Something an [`AllTokens`] job could not read.
#[derive(Debug)]
#[non_exhaustive]
pub struct OwnerError {
    /// The owner whose tokens could not be read; `None` when a directory
    /// (`GET /me`, `/applications`, `/instances`) failed.
    pub owner: Option<Owner>,
    /// What failed: `GET /applications`, say, or the owner's name (its ID
    /// when it has none).
    pub what: String,
    /// Why.
    pub error: Error,
}

/// A directory the job pages through.
trait Directory: Request + Clone + Send + Sync
where
    Self::Response: Send,
{
    const PATH: &'static str;
    fn at_page(&self, page: u32) -> Self;
    /// The owners on a page, with their names; the total count and page
    /// size the server gave.
    fn owners(response: Self::Response) -> (Vec<(Owner, String)>, Option<u64>, Option<u32>);
}

impl Directory for ListApplications {
    const PATH: &'static str = "GET /applications";
    fn at_page(&self, page: u32) -> Self {
        self.clone().page(page)
    }
    fn owners(r: Applications) -> (Vec<(Owner, String)>, Option<u64>, Option<u32>) {
        let owners = r
            .items
            .into_iter()
            .map(|a| (Owner::Application(a.id), a.name))
            .collect();
        (owners, r.total_count, r.per_page)
    }
}

impl Directory for ListInstances {
    const PATH: &'static str = "GET /instances";
    fn at_page(&self, page: u32) -> Self {
        self.clone().page(page)
    }
    fn owners(r: Instances) -> (Vec<(Owner, String)>, Option<u64>, Option<u32>) {
        let owners = r
            .items
            .into_iter()
            .map(|i| (Owner::Instance(i.id), i.name))
            .collect();
        (owners, r.total_count, r.per_page)
    }
}

/// The first round's calls, run at once.
enum First {
    Me,
    MeTokens,
    Applications,
    Instances,
}

enum FirstAnswer {
    /// The user's name and ID.
    Me(Result<(Option<String>, String)>),
    MeTokens(Result<Vec<ApiToken>>),
    Applications(Result<DirectoryPage>),
    Instances(Result<DirectoryPage>),
}

/// A directory's first page, and whether more pages follow.
struct DirectoryPage {
    owners: Vec<(Owner, String)>,
    /// The pages still to read, when the total is known.
    more: Vec<u32>,
    /// Whether to keep reading page by page (no total, a full page).
    unknown_rest: bool,
}

fn first_page<D: Directory>(client: &Client, request: &D) -> Result<DirectoryPage>
where
    D::Response: Send,
{
    let (owners, total, server_per_page) = D::owners(client.send(request.at_page(0))?);
    let n = owners.len() as u64;
    let per_page = server_per_page.map_or(n, u64::from).max(1);
    let (more, unknown_rest) = match total {
        // A total that asks for more pages than any directory has (a
        // server's mistake: a page size of 1 and a huge count, say) is not
        // planned from, which would hold a page number per page in memory
        // at once: those pages are read one by one, up to a short one.
        Some(total) if total > n && n > 0 && total.div_ceil(per_page) > MAX_PLANNED_PAGES => {
            (Vec::new(), true)
        }
        Some(total) if total > n && n > 0 => {
            let pages = u32::try_from(total.div_ceil(per_page)).unwrap_or(u32::MAX);
            ((1..pages).collect(), false)
        }
        Some(_) => (Vec::new(), false),
        None => (Vec::new(), n > 0 && n >= per_page),
    };
    Ok(DirectoryPage {
        owners,
        more,
        unknown_rest,
    })
}

/// The most pages of a directory planned from its total and read at once:
/// 10 million applications at the default 1000 a page.
const MAX_PLANNED_PAGES: u64 = 10_000;

/// Every owner of a directory: the first page's, then the rest at once.
fn rest_of<D: Directory>(
    client: &Client,
    request: &D,
    first: DirectoryPage,
    concurrency: usize,
) -> Result<Vec<(Owner, String)>>
where
    D::Response: Send,
{
    let mut owners = first.owners;
    let pages = concurrent::map(first.more, concurrency, |page| {
        client.send(request.at_page(page)).map(D::owners)
    });
    for page in pages {
        owners.extend(page?.0);
    }
    if first.unknown_rest {
        // No total to plan with (or one too large to believe): page by
        // page until a short or empty page.
        let mut page = 1;
        loop {
            let (items, _, per_page) = D::owners(client.send(request.at_page(page))?);
            let full = per_page.is_some_and(|pp| items.len() as u64 >= u64::from(pp));
            let empty = items.is_empty();
            owners.extend(items);
            if empty || !full || page == u32::MAX {
                break;
            }
            page += 1;
        }
    }
    Ok(owners)
}

/// Whether an error means every other call will fail too.
fn fatal(e: &Error) -> bool {
    e.is_unauthorized() || matches!(e, Error::Config(_))
}

fn tokens_of(client: &Client, job: &AllTokens, owner: &Owner) -> Result<Vec<ApiToken>> {
    let list = ListTokens::new()
        .owner(owner.clone())
        .per_page(job.per_page)
        .links(false)
        .embedded(false);
    client.paginate(list).collect()
}

/// What the first round found, sorted out of its answers.
struct FirstRound {
    me_id: Option<String>,
    me_name: Option<String>,
    me_tokens: Option<Result<Vec<ApiToken>>>,
    app_page: Option<DirectoryPage>,
    inst_page: Option<DirectoryPage>,
    errors: Vec<(&'static str, Error)>,
    any_ok: bool,
}

impl FirstRound {
    /// Sorts the answers; a fatal error ends the job.
    fn sort(answers: Vec<FirstAnswer>) -> Result<FirstRound> {
        let mut errors: Vec<(&'static str, Error)> = Vec::new();
        let mut any_ok = false;
        let (mut me_id, mut me_name, mut me_tokens) = (None, None, None);
        let (mut app_page, mut inst_page) = (None, None);
        for answer in answers {
            let (result, what): (Result<()>, &'static str) = match answer {
                FirstAnswer::Me(r) => (
                    r.map(|(name, id)| {
                        me_id = Some(id).filter(|id| !id.is_empty());
                        me_name = name;
                    }),
                    "GET /me",
                ),
                FirstAnswer::MeTokens(r) => {
                    // The user's own tokens: an owner, reported as one.
                    match r {
                        Ok(tokens) => {
                            any_ok = true;
                            me_tokens = Some(Ok(tokens));
                        }
                        Err(e) if fatal(&e) => return Err(e),
                        Err(e) => me_tokens = Some(Err(e)),
                    }
                    continue;
                }
                FirstAnswer::Applications(r) => {
                    (r.map(|p| app_page = Some(p)), ListApplications::PATH)
                }
                FirstAnswer::Instances(r) => (r.map(|p| inst_page = Some(p)), ListInstances::PATH),
            };
            match result {
                Ok(()) => any_ok = true,
                Err(e) if fatal(&e) => return Err(e),
                Err(e) => errors.push((what, e)),
            }
        }
        Ok(FirstRound {
            me_id,
            me_name,
            me_tokens,
            app_page,
            inst_page,
            errors,
            any_ok,
        })
    }
}

pub(crate) fn run(client: &Client, job: &AllTokens) -> Result<Inventory> {
    let per_page = job.per_page;
    let mut applications = ListApplications::new()
        .per_page(per_page)
        .links(false)
        .embedded(false);
    if let Some(org) = &job.org_id {
        applications = applications.org_id(org.clone());
    }
    let instances = ListInstances::new()
        .per_page(per_page)
        .links(false)
        .embedded(false);
    let done = AtomicUsize::new(0);
    let total = AtomicUsize::new(usize::from(job.me));
    let progress = |finished: bool| {
        let owners_done = if finished {
            done.fetch_add(1, Ordering::SeqCst) + 1
        } else {
            done.load(Ordering::SeqCst)
        };
        if let Some(f) = &job.on_progress {
            (f.0)(Progress {
                owners_done,
                owners_total: total.load(Ordering::SeqCst),
            });
        }
    };

    // Round 1: the user, the user's tokens and the directories' first pages.
    let mut first = Vec::new();
    if job.me {
        first.extend([First::Me, First::MeTokens]);
    }
    if job.applications {
        first.push(First::Applications);
    }
    if job.instances {
        first.push(First::Instances);
    }
    let answers = concurrent::map(first, job.concurrency, |task| match task {
        First::Me => FirstAnswer::Me(
            client
                .send(GetMe::new().links(false).embedded(false))
                .map(|me| (me.display_name(), me.id)),
        ),
        First::MeTokens => {
            let r = tokens_of(client, job, &Owner::Me);
            progress(true);
            FirstAnswer::MeTokens(r)
        }
        First::Applications => FirstAnswer::Applications(first_page(client, &applications)),
        First::Instances => FirstAnswer::Instances(first_page(client, &instances)),
    });

    let FirstRound {
        me_id,
        me_name,
        me_tokens,
        app_page,
        inst_page,
        mut errors,
        any_ok,
    } = FirstRound::sort(answers)?;
    if !any_ok {
        // Nothing at all could be read: the job failed, with its first error.
        if let Some(Err(e)) = me_tokens {
            return Err(e);
        }
        if let Some((_, e)) = errors.into_iter().next() {
            return Err(e);
        }
        return Ok(Inventory::empty(None, Vec::new()));
    }

    // Round 2: the directories' other pages (only past `per_page` owners),
    // one directory after the other to stay within `concurrency`.
    let mut others: Vec<(Owner, String)> = Vec::new();
    let apps = app_page.map(|p| {
        (
            ListApplications::PATH,
            rest_of(client, &applications, p, job.concurrency),
        )
    });
    let insts = inst_page.map(|p| {
        (
            ListInstances::PATH,
            rest_of(client, &instances, p, job.concurrency),
        )
    });
    for (what, r) in apps.into_iter().chain(insts) {
        match r {
            Ok(owners) => others.extend(owners),
            Err(e) if fatal(&e) => return Err(e),
            Err(e) => errors.push((what, e)),
        }
    }
    total.fetch_add(others.len(), Ordering::SeqCst);
    progress(false);

    // Round 3: every application's and instance's tokens.
    let read = concurrent::map(&others, job.concurrency, |(owner, _)| {
        let r = tokens_of(client, job, owner);
        progress(true);
        r
    });

    assemble(errors, (me_id, me_name), me_tokens, others, read)
}

/// The inventory, in order: the directories' errors, then the user (with
/// the ID and name `GET /me` gave), the applications and the instances.
fn assemble(
    errors: Vec<(&'static str, Error)>,
    (user_id, me_name): (Option<String>, Option<String>),
    me_tokens: Option<Result<Vec<ApiToken>>>,
    others: Vec<(Owner, String)>,
    read: Vec<Result<Vec<ApiToken>>>,
) -> Result<Inventory> {
    let errors = errors
        .into_iter()
        .map(|(what, error)| OwnerError {
            owner: None,
            what: what.to_owned(),
            error,
        })
        .collect();
    let mut inventory = Inventory::empty(user_id, errors);
    match me_tokens {
        None => {}
        Some(Ok(tokens)) => inventory.add(Owner::Me, me_name, tokens),
        Some(Err(error)) => inventory.errors.push(OwnerError {
            owner: Some(Owner::Me),
            what: me_name.unwrap_or_else(|| "GET /me/tokens".to_owned()),
            error,
        }),
    }
    for ((owner, name), result) in others.into_iter().zip(read) {
        match result {
            Ok(tokens) => inventory.add(owner, Some(name), tokens),
            Err(e) if fatal(&e) => return Err(e),
            Err(error) => {
                let what = if name.is_empty() {
                    owner_id(&owner).to_owned()
                } else {
                    name
                };
                inventory.errors.push(OwnerError {
                    owner: Some(owner),
                    what,
                    error,
                });
            }
        }
    }
    Ok(inventory)
}

fn owner_id(owner: &Owner) -> &str {
    match owner {
        Owner::Application(id) | Owner::Instance(id) => id,
        Owner::Me => "the user",
    }
}

impl Inventory {
    fn empty(user_id: Option<String>, errors: Vec<OwnerError>) -> Inventory {
        Inventory {
            owners: Vec::new(),
            tokens: Vec::new(),
            errors,
            user_id,
        }
    }

    fn add(&mut self, owner: Owner, name: Option<String>, tokens: Vec<ApiToken>) {
        let token_count = tokens.len();
        self.tokens
            .extend(tokens.into_iter().map(|token| OwnedToken {
                owner: owner.clone(),
                owner_name: name.clone(),
                token,
            }));
        self.owners.push(OwnerSummary {
            owner,
            name,
            token_count,
        });
    }
}
