//! The project sections of `warmcc status` and `warmcc stats`.

use std::path::Path;
use std::time::UNIX_EPOCH;

use warmcc_proto::v1 as pb;

use crate::state::State;
use crate::stats::Counters;

/// How many dirty files `status` lists per project.
const MAX_DIRTY: usize = 20;

/// Every project built since the daemon started: targets, last build, dirty files. A project
/// being built right now is reported without its dirty files (its log is in use).
pub fn project_status(st: &State) -> Vec<pb::ProjectStatus> {
    st.projects
        .all()
        .iter()
        .filter_map(|l| {
            let l = l.try_lock().ok()?;
            let root = l.root.clone();
            let mut s = pb::ProjectStatus {
                root: root.display().to_string(),
                watching: l.watchers > 0,
                file_watcher: st.watcher.active(),
                ..Default::default()
            };
            if let Some(p) = l.loaded_project() {
                s.name = p.config.name.clone();
                s.targets = p
                    .config
                    .targets
                    .iter()
                    .map(|t| format!("{} ({})", t.name, t.kind.as_str()))
                    .collect();
            }
            if let Some(last) = &l.last {
                s.last_profile = last.profile.clone();
                s.last_target = last.target.clone();
                s.last_build_unix_ms = last
                    .finished
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                s.last_summary = Some(last.summary.clone());
                if let Some(log) = l.log(&last.profile) {
                    let dirty = log.dirty(&|p: &Path| super::executor::content_hash(st, p));
                    s.dirty_more = dirty.len().saturating_sub(MAX_DIRTY) as u32;
                    s.dirty = dirty
                        .iter()
                        .take(MAX_DIRTY)
                        .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
                        .collect();
                }
            }
            Some(s)
        })
        .collect()
}

/// The per-project counters, as the stats service reports them.
pub fn project_stats(c: &Counters) -> Vec<pb::ProjectStats> {
    c.projects
        .iter()
        .map(|(root, p)| pb::ProjectStats {
            root: root.clone(),
            name: p.name.clone(),
            builds: p.builds,
            failed_builds: p.failed_builds,
            actions_run: p.actions_run,
            cache_hits: p.cache_hits,
            up_to_date: p.up_to_date,
            compile_ms: p.compile_ms,
            saved_ms: p.saved_ms,
            last_build_unix_s: p.last_build_unix_s,
        })
        .collect()
}
