//! Many requests at once on a bounded number of threads.
//!
//! A [`Client`](crate::Client) is `Sync`: threads that share one keep a
//! connection each in its pool, so `n` threads cost at most `n` connections
//! and, once warm, no new handshakes. [`map`] runs a closure over many items
//! on at most `concurrency` threads; [`Client::send_all`](crate::Client::send_all)
//! is the same for requests.
//!
//! ```
//! use losant_rest::concurrent;
//! use losant_rest::fake::{FakeLosant, Owner};
//! use losant_rest::tokens::ListTokens;
//!
//! # fn main() -> losant_rest::Result<()> {
//! let fake = FakeLosant::start();
//! # let client = losant_rest::Client::builder().access_token(fake.access_token()).base_url(fake.url()).build()?;
//! let apps: Vec<String> = (0..10).map(|i| fake.add_application(&format!("app {i}"))).collect();
//! for app in &apps {
//!     fake.seed_for(&Owner::application(app), 2);
//! }
//! // Every application's tokens, four at a time; results in input order.
//! let pages = concurrent::map(&apps, 4, |app| client.send(ListTokens::new().application(app)));
//! for (app, page) in apps.iter().zip(pages) {
//!     assert_eq!(page?.application_id.as_deref(), Some(app.as_str()));
//! }
//! assert!(fake.connection_count() <= 4);
//! # Ok(()) }
//! ```

use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

/// Calls `f` on every item, on at most `concurrency` threads at once (0
/// counts as 1), and returns the results in the order of the items.
///
/// Each thread takes the next item as soon as it is done with one, so a
/// slow item holds up only its own thread. `f` returning an error for one
/// item does not stop the others: each result is in its place. The threads
/// are scoped, so `f` may borrow (a client, say); no more than
/// `min(concurrency, items)` are started, and none with one item or
/// `concurrency` 1: then `f` runs on the calling thread.
///
/// # Panics
///
/// If `f` panics, no further items are started, the threads are joined, and
/// the first panic is resumed on the calling thread with its own payload.
pub fn map<I, T, R, F>(items: I, concurrency: usize, f: F) -> Vec<R>
where
    I: IntoIterator<Item = T>,
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let items: Vec<T> = items.into_iter().collect();
    let n = items.len();
    let threads = concurrency.max(1).min(n);
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    let stop = AtomicBool::new(false);
    let worker = || {
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((i, item)) = next else { return };
            // Stops the others before the panic unwinds this thread.
            let guard = StopOnPanic(&stop);
            let r = f(item);
            std::mem::forget(guard);
            results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(r);
        }
    };
    let mut panicked = None;
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads).map(|_| s.spawn(worker)).collect();
        for h in handles {
            if let Err(payload) = h.join() {
                panicked.get_or_insert(payload);
            }
        }
    });
    if let Some(payload) = panicked {
        panic::resume_unwind(payload);
    }
    results
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        // Every slot was filled: no thread panicked and the queue ran dry.
        .map(|r| r.unwrap_or_else(|| unreachable!("every item has a result")))
        .collect()
}

/// Sets the flag when dropped during a panic's unwinding.
struct StopOnPanic<'a>(&'a AtomicBool);

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let out = map(0..100u64, 7, |i| {
            thread::sleep(Duration::from_micros((100 - i) * 20));
            i * 2
        });
        assert_eq!(out, (0..100).map(|i| i * 2).collect::<Vec<_>>());
        assert!(map(Vec::<u8>::new(), 4, |x| x).is_empty());
        assert_eq!(map([1], 0, |x| x + 1), [2]);
    }

    #[test]
    fn never_more_threads_than_asked() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let ids = Mutex::new(HashSet::new());
        map(0..64, 3, |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            ids.lock().unwrap().insert(thread::current().id());
            thread::sleep(Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert!(ids.lock().unwrap().len() <= 3);
    }

    #[test]
    fn errors_do_not_hide_each_other() {
        let out = map(0..10, 4, |i| if i % 3 == 0 { Err(i) } else { Ok(i) });
        let errors: Vec<i32> = out.iter().filter_map(|r| r.err()).collect();
        assert_eq!(errors, [0, 3, 6, 9]);
        assert_eq!(out[4], Ok(4));
    }

    #[test]
    fn a_panic_reaches_the_caller_with_its_payload() {
        let started = AtomicUsize::new(0);
        let caught = panic::catch_unwind(|| {
            map(0..1000, 4, |i| {
                started.fetch_add(1, Ordering::SeqCst);
                assert!(i != 5, "item five is bad");
                thread::sleep(Duration::from_millis(1));
            })
        })
        .unwrap_err();
        let message = caught
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| caught.downcast_ref::<&str>().copied());
        assert_eq!(message, Some("item five is bad"));
        // The others stopped taking items.
        assert!(started.load(Ordering::SeqCst) < 1000);
    }
}
