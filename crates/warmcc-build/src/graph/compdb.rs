//! `compile_commands.json` in the standard (Clang JSON compilation database) format.

use serde::Serialize;

use super::{ActionGraph, ActionKind};

#[derive(Serialize)]
struct Entry<'a> {
    directory: String,
    file: String,
    arguments: Vec<String>,
    output: &'a str,
}

/// Renders the compile actions of `graph` as a `compile_commands.json` document.
pub fn compile_commands(graph: &ActionGraph) -> String {
    // Tools read `directory` without knowing our cwd, so it must be absolute.
    let root = std::path::absolute(&graph.root).unwrap_or_else(|_| graph.root.clone());
    let directory = root.to_string_lossy().into_owned();
    let outputs: Vec<String> = graph
        .actions
        .iter()
        .map(|a| a.output().to_string_lossy().into_owned())
        .collect();
    let entries: Vec<Entry> = graph
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Compile)
        .filter_map(|a| {
            let source = a.source.as_ref()?;
            Some(Entry {
                directory: directory.clone(),
                file: root.join(source).to_string_lossy().into_owned(),
                arguments: a.command(),
                output: &outputs[a.id],
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}
