//! A precise one-shot timer for claimed tasks, on a dedicated OS thread.
//!
//! tokio's timer wheel has millisecond granularity and rounds deadlines up, which alone
//! would cost up to a millisecond of lateness per task. A thread parked on a condvar with
//! the exact remaining time wakes within tens of microseconds. Due items are handed to
//! the async side through an unbounded channel, in deadline order. A wake-up never fires
//! an item early: the thread re-checks the clock after every wait.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

struct Entry<T> {
    at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct State<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    seq: u64,
    stopped: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    changed: Condvar,
}

/// Handle to the timer thread; dropping it (or calling [`Timer::stop`]) ends the thread.
pub struct Timer<T: Send + 'static> {
    shared: Arc<Shared<T>>,
}

impl<T: Send + 'static> Timer<T> {
    /// Starts the thread; items are sent to `fired` when their instant has passed.
    pub fn start(fired: UnboundedSender<T>) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                heap: BinaryHeap::new(),
                seq: 0,
                stopped: false,
            }),
            changed: Condvar::new(),
        });
        let thread_shared = shared.clone();
        std::thread::Builder::new()
            .name("taskshed-timer".into())
            .spawn(move || run(thread_shared, fired))
            .expect("spawning the timer thread");
        Self { shared }
    }

    /// Fires `items` at `at` (at once if `at` has passed).
    pub fn schedule_all(&self, items: impl IntoIterator<Item = (Instant, T)>) {
        let mut state = lock(&self.shared.state);
        let mut earliest_changed = false;
        for (at, item) in items {
            let earliest = state.heap.peek().map(|Reverse(e)| e.at);
            earliest_changed |= earliest.is_none_or(|e| at < e);
            state.seq += 1;
            let seq = state.seq;
            state.heap.push(Reverse(Entry { at, seq, item }));
        }
        drop(state);
        if earliest_changed {
            self.shared.changed.notify_one();
        }
    }

    /// Removes every pending item, returning them (for shutdown hand-back).
    pub fn drain(&self) -> Vec<T> {
        let mut state = lock(&self.shared.state);
        std::mem::take(&mut state.heap)
            .into_iter()
            .map(|Reverse(e)| e.item)
            .collect()
    }

    pub fn stop(&self) {
        lock(&self.shared.state).stopped = true;
        self.shared.changed.notify_one();
    }
}

impl<T: Send + 'static> Drop for Timer<T> {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn run<T>(shared: Arc<Shared<T>>, fired: UnboundedSender<T>) {
    let mut state = lock(&shared.state);
    loop {
        if state.stopped || fired.is_closed() {
            return;
        }
        let now = Instant::now();
        let next = state.heap.peek().map(|Reverse(e)| e.at);
        match next {
            Some(at) if at <= now => {
                while state.heap.peek().is_some_and(|Reverse(e)| e.at <= now) {
                    if let Some(Reverse(entry)) = state.heap.pop() {
                        if fired.send(entry.item).is_err() {
                            return;
                        }
                    }
                }
            }
            Some(at) => {
                state = shared
                    .changed
                    .wait_timeout(state, at - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            None => {
                state = shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn fires_in_order_and_never_early() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let timer = Timer::start(tx);
        let start = Instant::now();
        let deadlines: Vec<Instant> = [30u64, 10, 20, 0]
            .iter()
            .map(|ms| start + Duration::from_millis(*ms))
            .collect();
        timer.schedule_all(deadlines.iter().map(|at| (*at, *at)));
        let mut previous = start;
        for _ in 0..4 {
            let at = rx.recv().await.unwrap();
            let now = Instant::now();
            assert!(now >= at, "fired early");
            assert!(at >= previous, "out of order");
            previous = at;
        }
        timer.stop();
    }

    #[test]
    fn drain_returns_pending_items() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let timer = Timer::start(tx);
        let later = Instant::now() + Duration::from_secs(60);
        timer.schedule_all([(later, 1), (later, 2)]);
        let mut drained = timer.drain();
        drained.sort();
        assert_eq!(drained, vec![1, 2]);
    }
}
