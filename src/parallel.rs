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
}
