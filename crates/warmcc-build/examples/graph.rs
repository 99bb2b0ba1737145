//! Loads a project and prints its action graph as JSON lines (id, kind, deps, outputs,
//! command): `cargo run -p warmcc-build --example graph -- DIR [PROFILE]`.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(args.first().map_or(".", String::as_str));
    let profile = args.get(1).map_or("debug", String::as_str);
    let project = match warmcc_build::Project::load(dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for w in &project.warnings {
        eprintln!("{w}");
    }
    let graph = match warmcc_build::ActionGraph::build(&project.config, &project.root, profile) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for a in &graph.actions {
        let line = serde_json::json!({
            "id": a.id,
            "kind": format!("{:?}", a.kind),
            "deps": a.deps,
            "outputs": a.outputs,
            "command": a.command(),
        });
        println!("{line}");
    }
}
