//! Runs discovery on a directory and prints the proposed `warmcc.toml`:
//! `cargo run -p warmcc-build --example init -- DIR [--graph PROFILE]`.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: init DIR [--graph PROFILE]");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let found = match warmcc_build::discover(dir) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    print!("{}", found.toml);
    if args.get(1).map(String::as_str) == Some("--graph") {
        let profile = args.get(2).map_or("debug", String::as_str);
        match warmcc_build::ActionGraph::build(&found.config, dir, profile) {
            Ok(graph) => {
                for action in &graph.actions {
                    println!("{:?} {}", action.kind, action.command().join(" "));
                }
            }
            Err(e) => eprintln!("graph: {e}"),
        }
    }
}
