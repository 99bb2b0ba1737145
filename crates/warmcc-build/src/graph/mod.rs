//! The action graph: one compile per (target, source), one archive or link per target.
//!
//! Every path in an action (arguments, inputs, outputs) is relative to [`ActionGraph::root`],
//! the directory commands run in, unless the config itself gave an absolute path. Keeping
//! paths relative keeps cache keys equal across checkouts of the same project.

mod compdb;
pub(crate) mod compile;
mod link;
pub(crate) mod order;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use compdb::compile_commands;

use crate::config::{Config, Profile, TargetKind};
use crate::lang::Language;
use crate::sources::{expand, SourceTree};
use crate::GraphError;

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionKind {
    /// Source to object file (with a depfile).
    Compile,
    /// Source to LLVM IR text (`keep_ir`).
    EmitIr,
    /// Objects to a static library.
    Archive,
    /// Objects and libraries to an executable or shared library.
    Link,
}

/// One command to run, with what it reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Index in [`ActionGraph::actions`].
    pub id: usize,
    /// What it does.
    pub kind: ActionKind,
    /// The target it belongs to.
    pub target: String,
    /// The program (compiler driver or archiver), as named in the toolchain.
    pub program: String,
    /// Everything passed after the program name.
    pub args: Vec<String>,
    /// Files read (for compiles: the source; headers come from the depfile).
    pub inputs: Vec<PathBuf>,
    /// Files written, primary output first. They must be removed before the command runs:
    /// `ar` adds to an existing archive instead of replacing it.
    pub outputs: Vec<PathBuf>,
    /// Actions that must finish first, ascending.
    pub deps: Vec<usize>,
    /// Compiles only: the source file.
    pub source: Option<PathBuf>,
    /// Compiles only: the source's language.
    pub language: Option<Language>,
    /// Compiles only: the depfile the compiler writes (also in `outputs`).
    pub depfile: Option<PathBuf>,
}

impl Action {
    /// The primary output (object, archive, executable or shared library).
    pub fn output(&self) -> &Path {
        &self.outputs[0]
    }

    /// Program followed by its arguments.
    pub fn command(&self) -> Vec<String> {
        std::iter::once(self.program.clone())
            .chain(self.args.iter().cloned())
            .collect()
    }
}

/// What a target produces and which action finishes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetOutputs {
    /// Target name.
    pub name: String,
    /// Target kind.
    pub kind: TargetKind,
    /// The archive, executable or shared library; `None` for object sets.
    pub artifact: Option<PathBuf>,
    /// The action writing `artifact`.
    pub action: Option<usize>,
    /// The target's object files, sorted by source.
    pub objects: Vec<PathBuf>,
    /// The target's compile actions.
    pub compiles: Vec<usize>,
    /// The targets it depends on directly, as written.
    pub deps: Vec<String>,
}

/// All actions of a project for one profile, in an order where deps come first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionGraph {
    /// The directory commands run in (the project root).
    pub root: PathBuf,
    /// The resolved profile.
    pub profile: Profile,
    /// Actions; each one's deps have smaller ids.
    pub actions: Vec<Action>,
    /// Per target, in dependency order.
    pub targets: Vec<TargetOutputs>,
}

impl ActionGraph {
    /// Builds the graph of `config` for `profile`, walking `root` to expand source globs.
    pub fn build(config: &Config, root: &Path, profile: &str) -> Result<ActionGraph, GraphError> {
        let tree = SourceTree::scan(root, &config.build_dir)?;
        ActionGraph::build_from(config, &tree, profile)
    }

    /// Builds the graph from an already known file tree.
    pub fn build_from(
        config: &Config,
        tree: &SourceTree,
        profile: &str,
    ) -> Result<ActionGraph, GraphError> {
        let profile = config.profile(profile)?;
        let order = order::topological(&config.targets)?;
        let pic = pic_targets(config);
        let layout = Layout::new(config, &profile);
        let mut actions: Vec<Action> = Vec::new();
        let mut outputs: Vec<Option<TargetOutputs>> = vec![None; config.targets.len()];
        for &i in &order {
            let target = &config.targets[i];
            let sources = expand(tree, target)?.files;
            let mut compiles = Vec::new();
            let mut objects = Vec::new();
            for source in &sources {
                let unit = compile::Unit {
                    config,
                    profile: &profile,
                    layout: &layout,
                    index: i,
                    source,
                    pic: pic.contains(&i),
                };
                let action = unit.compile(actions.len());
                objects.push(action.output().to_path_buf());
                compiles.push(action.id);
                actions.push(action);
                if profile.keep_ir {
                    if let Some(action) = unit.emit_ir(actions.len()) {
                        actions.push(action);
                    }
                }
            }
            let mut done = TargetOutputs {
                name: target.name.clone(),
                kind: target.kind,
                artifact: None,
                action: None,
                objects,
                compiles,
                deps: target.deps.clone(),
            };
            let finish = link::Finish {
                config,
                profile: &profile,
                layout: &layout,
                index: i,
                outputs: &outputs,
            };
            if let Some(action) = finish.action(&done, actions.len()) {
                done.artifact = Some(action.output().to_path_buf());
                done.action = Some(action.id);
                actions.push(action);
            }
            outputs[i] = Some(done);
        }
        let targets = order.iter().filter_map(|&i| outputs[i].take()).collect();
        Ok(ActionGraph {
            root: tree.root().to_path_buf(),
            profile,
            actions,
            targets,
        })
    }

    /// The outputs of target `name`.
    pub fn target(&self, name: &str) -> Option<&TargetOutputs> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// Ids of every action needed to build target `name` and the targets it depends on,
    /// ascending.
    pub fn needed(&self, name: &str) -> Result<Vec<usize>, GraphError> {
        let mut targets = vec![name.to_string()];
        let mut stack: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < targets.len() {
            let target = self
                .target(&targets[i])
                .ok_or_else(|| GraphError::UnknownTarget(targets[i].clone()))?;
            for dep in &target.deps {
                if !targets.contains(dep) {
                    targets.push(dep.clone());
                }
            }
            i += 1;
        }
        // Every action of those targets (compiles, IR, archive, link) and what they wait on.
        stack.extend(
            self.actions
                .iter()
                .filter(|a| targets.contains(&a.target))
                .map(|a| a.id),
        );
        let mut seen = BTreeSet::new();
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(&self.actions[id].deps);
            }
        }
        Ok(seen.into_iter().collect())
    }
}

/// Where a profile's outputs go.
pub(crate) struct Layout {
    /// `<build_dir>/<profile>`.
    pub base: PathBuf,
}

impl Layout {
    fn new(config: &Config, profile: &Profile) -> Layout {
        Layout {
            base: Path::new(&config.build_dir).join(&profile.name),
        }
    }
}

/// Targets whose objects end up in a shared library and so need `-fPIC`.
fn pic_targets(config: &Config) -> BTreeSet<usize> {
    let mut pic = BTreeSet::new();
    for (i, t) in config.targets.iter().enumerate() {
        if t.kind == TargetKind::SharedLibrary {
            pic.insert(i);
            pic.extend(
                order::closure(&config.targets, i, false)
                    .into_iter()
                    .filter(|&j| config.targets[j].kind != TargetKind::SharedLibrary),
            );
        }
    }
    pic
}
