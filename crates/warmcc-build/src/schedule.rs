//! Runs an action graph in dependency order on N threads, through an [`Executor`] that knows
//! how to run one action (this crate does not: compiles go through the daemon's engine).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::graph::{Action, ActionGraph};

/// How one action ended.
#[derive(Debug, Clone, Default)]
pub struct Done {
    /// It succeeded (or was already up to date).
    pub ok: bool,
    /// Its outputs were already up to date; nothing ran.
    pub up_to_date: bool,
    /// Its result came from the cache.
    pub cache_hit: bool,
    /// What the tool printed (diagnostics), if anything.
    pub output: String,
    /// Tool time a cache hit did not spend (as the original run measured it).
    pub saved: Duration,
}

/// Runs single actions.
pub trait Executor: Sync {
    /// Runs (or skips, or answers from a cache) one action whose dependencies have finished.
    fn run(&self, action: &Action) -> Done;

    /// How long `action` is expected to take, in any unit shared by all actions (the
    /// scheduler starts the action with the longest expected path to the end of the build
    /// first, so that no long compile is left to run alone at the end).
    fn estimate(&self, _action: &Action) -> u64 {
        1
    }
}

/// What the scheduler reports as it goes.
pub enum Event<'a> {
    /// An action finished (`worker` is the thread that ran it, from 0).
    Finished {
        /// The action.
        action: &'a Action,
        /// How it ended.
        done: &'a Done,
        /// When it started, from the start of the build.
        start: Duration,
        /// How long it took.
        took: Duration,
        /// The worker thread.
        worker: usize,
        /// Actions finished so far, this one included, and the total.
        progress: (usize, usize),
    },
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Actions that ran.
    pub ran: usize,
    /// Actions that were already up to date.
    pub up_to_date: usize,
    /// Actions answered from the cache.
    pub cache_hits: usize,
    /// Actions that failed.
    pub failed: Vec<usize>,
    /// Actions not run because something they need failed (or the build stopped).
    pub not_run: usize,
    /// Wall time.
    pub wall: Duration,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Ready,
    Running,
    Done,
    Failed,
    Skipped,
}

struct Shared {
    state: Vec<State>,
    missing: Vec<usize>,
    /// Ready actions, the longest expected path to the end of the build first.
    ready: BinaryHeap<(u64, Reverse<usize>)>,
    running: usize,
    finished: usize,
    stop: bool,
    summary: Summary,
}

/// Runs `which` (indices into the graph, with all their dependencies included) on `jobs`
/// threads. With `keep_going`, a failure only skips what depends on it; otherwise no new
/// action starts after the first failure.
pub fn run(
    graph: &ActionGraph,
    which: &[usize],
    jobs: usize,
    keep_going: bool,
    exec: &dyn Executor,
    on_event: &(dyn Fn(Event) + Sync),
) -> Summary {
    let n = graph.actions.len();
    let wanted: std::collections::HashSet<usize> = which.iter().copied().collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut missing = vec![0usize; n];
    let mut state = vec![State::Skipped; n];
    for &i in which {
        state[i] = State::Waiting;
        for &d in &graph.actions[i].deps {
            if wanted.contains(&d) {
                dependents[d].push(i);
                missing[i] += 1;
            }
        }
    }
    let weight = critical_paths(graph, which, &dependents, exec);
    let mut ready = BinaryHeap::new();
    for &i in which {
        if missing[i] == 0 {
            state[i] = State::Ready;
            ready.push((weight[i], Reverse(i)));
        }
    }
    let total = which.len();
    let started = Instant::now();
    let shared = Mutex::new(Shared {
        state,
        missing,
        ready,
        running: 0,
        finished: 0,
        stop: false,
        summary: Summary::default(),
    });
    let wake = Condvar::new();
    std::thread::scope(|scope| {
        for worker in 0..jobs.max(1) {
            let (shared, wake, dependents, weight) = (&shared, &wake, &dependents, &weight);
            scope.spawn(move || loop {
                let next = {
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    loop {
                        if s.stop && s.running == 0 {
                            break None;
                        }
                        if !s.stop {
                            if let Some((_, Reverse(i))) = s.ready.pop() {
                                s.state[i] = State::Running;
                                s.running += 1;
                                break Some(i);
                            }
                        }
                        if s.running == 0 && s.ready.is_empty() {
                            break None;
                        }
                        s = wake.wait(s).unwrap_or_else(|p| p.into_inner());
                    }
                };
                let Some(i) = next else {
                    wake.notify_all();
                    return;
                };
                let action = &graph.actions[i];
                let t = started.elapsed();
                let done = exec.run(action);
                let took = started.elapsed() - t;
                let progress = {
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    s.running -= 1;
                    s.finished += 1;
                    if done.ok {
                        s.state[i] = State::Done;
                        if done.up_to_date {
                            s.summary.up_to_date += 1;
                        } else {
                            s.summary.ran += 1;
                        }
                        if done.cache_hit {
                            s.summary.cache_hits += 1;
                        }
                        for &d in &dependents[i] {
                            s.missing[d] -= 1;
                            if s.missing[d] == 0 && s.state[d] == State::Waiting {
                                s.state[d] = State::Ready;
                                s.ready.push((weight[d], Reverse(d)));
                            }
                        }
                    } else {
                        s.state[i] = State::Failed;
                        s.summary.ran += 1;
                        s.summary.failed.push(i);
                        if keep_going {
                            skip_dependents(&mut s, dependents, i);
                        } else {
                            s.stop = true;
                        }
                    }
                    (s.finished, total)
                };
                on_event(Event::Finished {
                    action,
                    done: &done,
                    start: t,
                    took,
                    worker,
                    progress,
                });
                wake.notify_all();
            });
        }
    });
    let mut s = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    s.summary.not_run = which
        .iter()
        .filter(|&&i| matches!(s.state[i], State::Waiting | State::Ready | State::Skipped))
        .count();
    s.summary.failed.sort_unstable();
    s.summary.wall = started.elapsed();
    s.summary
}

/// Each action's expected time plus the longest expected path through what depends on it.
/// Dependents have larger ids than what they depend on, so one pass from the highest id
/// sees every dependent before its dependency.
fn critical_paths(
    graph: &ActionGraph,
    which: &[usize],
    dependents: &[Vec<usize>],
    exec: &dyn Executor,
) -> Vec<u64> {
    let mut order = which.to_vec();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let mut weight = vec![0u64; graph.actions.len()];
    for i in order {
        let after = dependents[i].iter().map(|&d| weight[d]).max().unwrap_or(0);
        weight[i] = exec.estimate(&graph.actions[i]) + after;
    }
    weight
}

fn skip_dependents(s: &mut Shared, dependents: &[Vec<usize>], failed: usize) {
    let mut stack = vec![failed];
    while let Some(i) = stack.pop() {
        for &d in &dependents[i] {
            if s.state[d] == State::Waiting {
                s.state[d] = State::Skipped;
                stack.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Fake {
        fail: Option<String>,
        slow: Option<String>,
        calls: AtomicUsize,
        order: Mutex<Vec<String>>,
    }

    impl Executor for Fake {
        fn run(&self, a: &Action) -> Done {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let out = a.output().display().to_string();
            self.order.lock().unwrap().push(out.clone());
            let ok = self.fail.as_deref().is_none_or(|f| !out.contains(f));
            Done {
                ok,
                ..Done::default()
            }
        }

        fn estimate(&self, a: &Action) -> u64 {
            let slow = self.slow.as_deref();
            if slow.is_some_and(|s| a.output().display().to_string().contains(s)) {
                100
            } else {
                1
            }
        }
    }

    fn graph(dir: &Path) -> ActionGraph {
        for f in ["lib/a.c", "lib/b.c", "app/main.c", "tool/main.c"] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "int x;").unwrap();
        }
        let text = r#"
name = "t"
[[target]]
name = "core"
kind = "static-library"
sources = ["lib/*.c"]
[[target]]
name = "app"
kind = "executable"
sources = ["app/main.c"]
deps = ["core"]
[[target]]
name = "tool"
kind = "executable"
sources = ["tool/main.c"]
"#;
        let cfg = parse(text, &dir.join("warmcc.toml")).unwrap().config;
        ActionGraph::build(&cfg, dir, "debug").unwrap()
    }

    #[test]
    fn dependencies_run_first_and_all_actions_run_once() {
        let dir = tempfile::tempdir().unwrap();
        let g = graph(dir.path());
        let all: Vec<usize> = (0..g.actions.len()).collect();
        let fake = Fake::default();
        let s = run(&g, &all, 3, false, &fake, &|_| {});
        assert_eq!(fake.calls.load(Ordering::SeqCst), g.actions.len());
        assert!(s.failed.is_empty() && s.not_run == 0);
        let order = fake.order.lock().unwrap().clone();
        let pos = |needle: &str| order.iter().position(|o| o.contains(needle)).unwrap();
        for a in &g.actions {
            for &d in &a.deps {
                let (dp, ap) = (
                    pos(&g.actions[d].output().display().to_string()),
                    pos(&a.output().display().to_string()),
                );
                assert!(dp < ap, "{order:?}");
            }
        }
    }

    #[test]
    fn keep_going_skips_only_dependents() {
        let dir = tempfile::tempdir().unwrap();
        let g = graph(dir.path());
        let all: Vec<usize> = (0..g.actions.len()).collect();
        let fake = Fake {
            fail: Some("a.c".into()),
            ..Fake::default()
        };
        let s = run(&g, &all, 1, true, &fake, &|_| {});
        assert_eq!(s.failed.len(), 1);
        let order = fake.order.lock().unwrap().clone();
        assert!(
            order.iter().any(|o| o.contains("tool")),
            "the unrelated target still builds: {order:?}"
        );
        assert!(
            !order
                .iter()
                .any(|o| o.ends_with("/app") || o.ends_with("libcore.a")),
            "{order:?}"
        );
        assert!(s.not_run >= 2, "{s:?}");

        let fake = Fake {
            fail: Some("a.c".into()),
            ..Fake::default()
        };
        let s = run(&g, &all, 1, false, &fake, &|_| {});
        assert_eq!(s.failed.len(), 1);
        assert!(
            fake.calls.load(Ordering::SeqCst) < g.actions.len(),
            "no new action after the failure"
        );
    }

    #[test]
    fn the_longest_expected_path_starts_first() {
        let dir = tempfile::tempdir().unwrap();
        let g = graph(dir.path());
        let all: Vec<usize> = (0..g.actions.len()).collect();
        let first = |fake: &Fake| {
            run(&g, &all, 1, false, fake, &|_| {});
            fake.order.lock().unwrap()[0].clone()
        };
        // Equal estimates: a library source leads the longest chain (compile, archive, link).
        let lead = first(&Fake::default());
        assert!(lead.contains("lib/"), "{lead}");
        // A compile expected to be slow goes first, although the manifest lists it last.
        let slow = Fake {
            slow: Some("tool/main".into()),
            ..Fake::default()
        };
        let lead = first(&slow);
        assert!(lead.contains("tool/main"), "{lead}");
    }
}
