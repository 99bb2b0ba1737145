//! Projects kept in memory between builds: the parsed warmcc.toml, the action graph of each
//! profile and the build log of each profile. The file watcher says when to reload: after an
//! edit of warmcc.toml, or a source file created, removed or renamed (globs may match
//! differently); without the watcher, every build reloads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use warmcc_build::{ActionGraph, Project};
use warmcc_proto::v1 as pb;

use super::executor::{CommandMemo, Durations};
use super::log::BuildLog;
use crate::mutex::lock;
use crate::watch::{Snapshot, Watcher};

/// The last build of a project.
#[derive(Clone)]
pub struct LastBuild {
    /// When it finished.
    pub finished: SystemTime,
    /// Its profile.
    pub profile: String,
    /// Its target (empty: all).
    pub target: String,
    /// How it went.
    pub summary: pb::BuildSummary,
}

/// One project in memory.
pub struct Loaded {
    /// The directory holding warmcc.toml.
    pub root: PathBuf,
    /// The parsed project and the watcher generation it was read at (0: unknown).
    project: Option<(Arc<Project>, u64)>,
    /// Action graphs by profile, for `project`.
    graphs: HashMap<String, Arc<ActionGraph>>,
    /// Build logs by profile (loaded from disk on first use).
    logs: HashMap<String, BuildLog>,
    /// Command hashes by profile.
    commands: HashMap<String, CommandMemo>,
    /// How long each output took last: kept across `clean` to schedule the next full build.
    pub durations: Durations,
    /// The compile_commands.json last written, and the graph it was made from.
    compdb: Option<(Arc<ActionGraph>, String)>,
    /// The last build, if any since the daemon started.
    pub last: Option<LastBuild>,
    /// Watch-mode clients attached now.
    pub watchers: u32,
    /// Profiles built since the daemon started.
    built: std::collections::HashSet<String>,
}

impl Loaded {
    fn new(root: PathBuf) -> Loaded {
        Loaded {
            root,
            project: None,
            graphs: HashMap::new(),
            logs: HashMap::new(),
            commands: HashMap::new(),
            durations: Default::default(),
            compdb: None,
            last: None,
            watchers: 0,
            built: Default::default(),
        }
    }

    /// The project, re-read when warmcc.toml or the set of source files may have changed
    /// since it was read (always, without a snapshot).
    pub fn project(
        &mut self,
        watcher: &Watcher,
        snap: Option<Snapshot>,
    ) -> Result<Arc<Project>, String> {
        if let (Some((p, g)), Some(_)) = (&self.project, snap) {
            let v = watcher.view();
            let ignored = [
                self.root.join(&p.config.build_dir),
                self.root.join(".warmcc"),
            ];
            let fresh = v.unchanged(&p.file, *g)
                && !v.structure_changed(*g, |path| {
                    path.starts_with(&self.root)
                        && !ignored.iter().any(|i| path.starts_with(i))
                        && may_change_sources(path)
                });
            if fresh {
                return Ok(p.clone());
            }
        }
        let project = Arc::new(
            Project::load(&self.root.join(warmcc_build::config::FILE_NAME))
                .map_err(|e| e.to_string())?,
        );
        self.project = Some((project.clone(), snap.map_or(0, |s| s.gen)));
        self.graphs.clear();
        Ok(project)
    }

    /// The action graph of `profile` for the current project.
    pub fn graph(&mut self, project: &Project, profile: &str) -> Result<Arc<ActionGraph>, String> {
        if let Some(g) = self.graphs.get(profile) {
            return Ok(g.clone());
        }
        let g = Arc::new(
            ActionGraph::build(&project.config, &project.root, profile)
                .map_err(|e| e.to_string())?,
        );
        self.graphs.insert(profile.to_string(), g.clone());
        Ok(g)
    }

    /// Takes the build log of a profile out (the build owns it while it runs).
    pub fn take_log(&mut self, profile: &str, file: &Path) -> BuildLog {
        self.logs
            .remove(profile)
            .unwrap_or_else(|| BuildLog::load(file))
    }

    /// Puts a build log back.
    pub fn put_log(&mut self, profile: &str, log: BuildLog) {
        self.logs.insert(profile.to_string(), log);
    }

    /// Takes the command hashes of a profile's `graph` out for a build.
    pub fn take_commands(&mut self, profile: &str, graph: &Arc<ActionGraph>) -> CommandMemo {
        CommandMemo::for_graph(self.commands.remove(profile), graph)
    }

    /// Puts command hashes back.
    pub fn put_commands(&mut self, profile: &str, memo: CommandMemo) {
        self.commands.insert(profile.to_string(), memo);
    }

    /// The build log of a profile, if it is in memory.
    pub fn log(&self, profile: &str) -> Option<&BuildLog> {
        self.logs.get(profile)
    }

    /// Writes compile_commands.json for `graph` when it differs from what was last written
    /// or is gone (made anew only when the graph is).
    pub fn write_compdb(&mut self, graph: &Arc<ActionGraph>) -> std::io::Result<()> {
        let file = self.root.join("compile_commands.json");
        let same_graph = self
            .compdb
            .as_ref()
            .is_some_and(|(g, _)| Arc::ptr_eq(g, graph));
        let exists = file.exists();
        if same_graph && exists {
            return Ok(());
        }
        let text = warmcc_build::compile_commands(graph);
        if self.compdb.as_ref().is_none_or(|(_, t)| *t != text) || !exists {
            crate::fsutil::write_atomic(&file, text.as_bytes())?;
        }
        self.compdb = Some((graph.clone(), text));
        Ok(())
    }

    /// Whether this is the first build of `profile` since the daemon started (true once).
    pub fn first_build_of(&mut self, profile: &str) -> bool {
        self.built.insert(profile.to_string())
    }

    /// The project as last read, if any.
    pub fn loaded_project(&self) -> Option<&Arc<Project>> {
        self.project.as_ref().map(|(p, _)| p)
    }
}

/// Whether creating, removing or renaming `path` can change what a source glob matches:
/// C/C++/assembly sources, directories (no extension), warmcc.toml and ignore files.
fn may_change_sources(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    if name == warmcc_build::config::FILE_NAME || name == ".gitignore" || name == ".ignore" {
        return true;
    }
    if name.starts_with('.') || name.ends_with('~') {
        return false;
    }
    path.extension().is_none() || warmcc_build::Language::of(path).is_some()
}

/// Every project built since the daemon started, by root.
#[derive(Default)]
pub struct Projects {
    map: Mutex<HashMap<PathBuf, Arc<Mutex<Loaded>>>>,
}

impl Projects {
    /// The project at `root`, created empty on first use.
    pub fn get(&self, root: &Path) -> Arc<Mutex<Loaded>> {
        let mut map = lock(&self.map);
        map.entry(root.to_path_buf())
            .or_insert_with(|| Arc::new(Mutex::new(Loaded::new(root.to_path_buf()))))
            .clone()
    }

    /// All projects, sorted by root.
    pub fn all(&self) -> Vec<Arc<Mutex<Loaded>>> {
        let map = lock(&self.map);
        let mut v: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.into_iter().map(|(_, v)| v).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::may_change_sources;
    use std::path::Path;

    #[test]
    fn which_paths_can_change_globs() {
        for p in [
            "src/a.c",
            "src/b.cc",
            "src/new_dir",
            "warmcc.toml",
            "x/.gitignore",
        ] {
            assert!(may_change_sources(Path::new(p)), "{p}");
        }
        for p in [
            "src/a.h",
            ".a.c.swp",
            "compile_commands.json",
            ".x.o.warmcc-1-2",
            "a.c~",
        ] {
            assert!(!may_change_sources(Path::new(p)), "{p}");
        }
    }
}
