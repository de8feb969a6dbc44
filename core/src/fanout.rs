//! Runs a call's independent requests at most `max_in_flight` at a time on scoped threads,
//! keeping results in input order. A panic in one item is caught and reported for that item
//! alone, so that the others' results (and the message ids in them) are never lost.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// An item whose work panicked; carries the panic's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Panicked(pub String);

impl Panicked {
    fn from_payload(payload: Box<dyn std::any::Any + Send>) -> Self {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        Panicked(text)
    }

    /// The `internal` error a panic becomes where no partial result can be kept.
    pub(crate) fn into_error(self) -> crate::error::Error {
        crate::error::Error::internal(format!("vibergate failed unexpectedly (a bug): {}", self.0))
    }
}

/// Runs `f`, turning a panic into [`Panicked`].
pub(crate) fn guard<R>(f: impl FnOnce() -> R) -> Result<R, Panicked> {
    catch_unwind(AssertUnwindSafe(f)).map_err(Panicked::from_payload)
}

/// Applies `f` to every item with at most `max_in_flight` running at once; results keep the
/// order of `items`, and an item whose `f` panicked is `Err(Panicked)`.
pub(crate) fn map_ordered<T, R, F>(
    items: Vec<T>,
    max_in_flight: usize,
    f: F,
) -> Vec<Result<R, Panicked>>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    let n = items.len();
    let workers = max_in_flight.max(1).min(n);
    if workers <= 1 {
        return items.into_iter().map(|item| guard(|| f(item))).collect();
    }
    let queue: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let results: Vec<Mutex<Option<Result<R, Panicked>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let (Some(slot), Some(result)) = (queue.get(i), results.get(i)) else {
            break;
        };
        let item = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(item) = item {
            let r = guard(|| f(item));
            *result.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        }
    };
    std::thread::scope(|scope| {
        // The calling thread works too, so a system that refuses new threads (a process
        // limit) slows the call down instead of failing it after some requests went out.
        for _ in 1..workers {
            if std::thread::Builder::new()
                .spawn_scoped(scope, work)
                .is_err()
            {
                break;
            }
        }
        work();
    });
    results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| Err(Panicked("the item was never run".to_owned())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_bounds_concurrency() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = map_ordered((0..50).collect(), 4, |i: usize| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        let out: Vec<usize> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(out, (0..50).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 4);
    }

    #[test]
    fn a_panic_is_kept_to_its_own_item() {
        for workers in [1, 4] {
            let out = map_ordered((0..10).collect(), workers, |i: usize| {
                if i == 3 {
                    panic!("item three");
                }
                i
            });
            assert_eq!(out.len(), 10);
            assert_eq!(out[3], Err(Panicked("item three".to_owned())));
            for (i, r) in out.iter().enumerate().filter(|(i, _)| *i != 3) {
                assert_eq!(r, &Ok(i));
            }
        }
    }

    #[test]
    fn empty_input() {
        let out = map_ordered(Vec::<u8>::new(), 4, |x| x);
        assert!(out.is_empty());
    }
}
