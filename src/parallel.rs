//! Work over many items spread on this machine's cores, for the few places where one
//! command reads thousands of independent things (a scan's working copies, a catalog
//! rebuild's entry files).

/// `work(state, item)` for every item, results in the items' order, on up to every
/// core: one thread per `per_thread` items (rounded up, so each takes an equal run of
/// at least half that many), each with its own `state` made by `state()` on the
/// calling thread (a handle on a repository, say). Fewer than `per_thread` items are
/// done on the calling thread.
pub(crate) fn map<T: Sync, S: Send, R: Send>(
    items: &[T],
    per_thread: usize,
    state: impl Fn() -> S,
    work: impl Fn(&S, &T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len() / per_thread.max(1) + 1);
    if threads <= 1 {
        let state = state();
        return items.iter().map(|item| work(&state, item)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let state = state();
                scope.spawn(move || {
                    part.iter()
                        .map(|item| work(&state, item))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    })
}

/// `work(item)` for every item, up to `jobs` at once, results in the items' order: for
/// work that waits (processes, the network, the disk) rather than computes, where the
/// user says how many at once. Each thread takes the next item when it is done with
/// one, so a slow item holds up no other.
pub fn each<T: Sync, R: Send>(items: &[T], jobs: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let result = work(item);
                *results[i].lock().expect("a worker does not panic") = Some(result);
            });
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .expect("a worker does not panic")
                .expect("every item ran")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order_on_one_thread_or_many() {
        let items: Vec<usize> = (0..10_000).collect();
        for per_thread in [1, 100, 20_000] {
            let doubled = super::map(&items, per_thread, || 2, |k, i| i * k);
            assert_eq!(doubled.len(), items.len());
            assert!(doubled.iter().enumerate().all(|(i, d)| *d == i * 2));
        }
        assert!(super::map(&[] as &[u8], 16, || (), |_, b| *b).is_empty());
    }

    #[test]
    fn each_keeps_the_items_order_and_runs_at_most_jobs_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<usize> = (0..50).collect();
        let doubled = super::each(&items, 3, |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::yield_now();
            running.fetch_sub(1, Ordering::SeqCst);
            i * 2
        });
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
        assert!(super::each(&[] as &[u8], 4, |b| *b).is_empty());
    }
}
