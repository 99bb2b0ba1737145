//! Orders targets: dependency cycles, a deterministic topological order, transitive deps.

use std::collections::HashMap;

use crate::config::{Target, TargetKind};
use crate::GraphError;

/// Indices of targets by name; the first of duplicate names wins.
fn index(targets: &[Target]) -> HashMap<&str, usize> {
    let mut map = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        map.entry(t.name.as_str()).or_insert(i);
    }
    map
}

/// The first dependency cycle found (in file order), as names with the first repeated at the end.
pub(crate) fn find_cycle(targets: &[Target]) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn visit(
        i: usize,
        targets: &[Target],
        index: &HashMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        marks[i] = Mark::Active;
        stack.push(i);
        for dep in &targets[i].deps {
            let Some(&j) = index.get(dep.as_str()) else {
                continue;
            };
            match marks[j] {
                Mark::Active => {
                    let start = stack.iter().position(|&k| k == j).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[start..]
                        .iter()
                        .map(|&k| targets[k].name.clone())
                        .collect();
                    cycle.push(targets[j].name.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(j, targets, index, marks, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        None
    }
    let index = index(targets);
    let mut marks = vec![Mark::New; targets.len()];
    for i in 0..targets.len() {
        if marks[i] == Mark::New {
            let mut stack = Vec::new();
            if let Some(cycle) = visit(i, targets, &index, &mut marks, &mut stack) {
                return Some(cycle);
            }
        }
    }
    None
}

/// Target indices with every target after its deps; ties keep file order.
pub(crate) fn topological(targets: &[Target]) -> Result<Vec<usize>, GraphError> {
    if let Some(cycle) = find_cycle(targets) {
        return Err(GraphError::Cycle(cycle));
    }
    let index = index(targets);
    let mut done = vec![false; targets.len()];
    let mut order = Vec::with_capacity(targets.len());
    fn visit(
        i: usize,
        targets: &[Target],
        index: &HashMap<&str, usize>,
        done: &mut [bool],
        order: &mut Vec<usize>,
    ) {
        if done[i] {
            return;
        }
        done[i] = true;
        for dep in &targets[i].deps {
            if let Some(&j) = index.get(dep.as_str()) {
                visit(j, targets, index, done, order);
            }
        }
        order.push(i);
    }
    for i in 0..targets.len() {
        visit(i, targets, &index, &mut done, &mut order);
    }
    Ok(order)
}

/// The transitive deps of target `i` (not `i` itself), each before its own deps, listed deps in
/// their written order: the order a static linker needs. With `through_shared` false the walk
/// stops at shared libraries, whose deps are already linked into them.
pub(crate) fn closure(targets: &[Target], i: usize, through_shared: bool) -> Vec<usize> {
    let index = index(targets);
    let mut seen = vec![false; targets.len()];
    let mut post = Vec::new();
    fn visit(
        i: usize,
        targets: &[Target],
        index: &HashMap<&str, usize>,
        through_shared: bool,
        seen: &mut [bool],
        post: &mut Vec<usize>,
        is_start: bool,
    ) {
        if seen[i] {
            return;
        }
        seen[i] = true;
        let descend = is_start || through_shared || targets[i].kind != TargetKind::SharedLibrary;
        if descend {
            // Visiting in reverse and reversing the post-order keeps written order among siblings.
            for dep in targets[i].deps.iter().rev() {
                if let Some(&j) = index.get(dep.as_str()) {
                    visit(j, targets, index, through_shared, seen, post, false);
                }
            }
        }
        post.push(i);
    }
    visit(
        i,
        targets,
        &index,
        through_shared,
        &mut seen,
        &mut post,
        true,
    );
    post.reverse();
    post.retain(|&k| k != i);
    post
}
