//! The swarm as several processes (`khaothi loadtest --processes N`): one process can hold about
//! as many sockets as its open-file limit allows, and one tokio runtime's scheduling shows up in
//! the latencies it measures. Each worker process gets its [`WorkerSpec`] in a file, runs it, and
//! prints its [`WorkerResult`] as the last line of its output; the results are merged here.

use std::path::{Path, PathBuf};

use crate::worker::{WorkerResult, WorkerSpec};

/// How to start a worker process: `program args… <spec file>`, printing its result as JSON.
#[derive(Debug, Clone)]
pub struct WorkerLauncher {
    pub program: PathBuf,
    pub args: Vec<String>,
}

/// Runs one process per spec (the spec files in `dir`) and merges their results.
pub async fn run_processes(
    launcher: &WorkerLauncher,
    specs: Vec<WorkerSpec>,
    dir: &Path,
) -> Result<WorkerResult, String> {
    let mut children = Vec::with_capacity(specs.len());
    for (k, spec) in specs.iter().enumerate() {
        let path = dir.join(format!("worker-{k}.json"));
        std::fs::write(&path, serde_json::to_vec(spec).map_err(|e| e.to_string())?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let child = tokio::process::Command::new(&launcher.program)
            .args(&launcher.args)
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("starting worker {k} ({}): {e}", launcher.program.display()))?;
        children.push(child);
    }
    let mut merged = WorkerResult::default();
    for (k, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().await.map_err(|e| format!("worker {k}: {e}"))?;
        if !out.status.success() {
            return Err(format!("worker {k} failed ({})", out.status));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
        let result: WorkerResult =
            serde_json::from_str(last).map_err(|e| format!("worker {k}: its result is not JSON: {e}"))?;
        merged.merge(result);
    }
    Ok(merged)
}

/// A worker process's body: reads the spec file, runs it, and returns the result line to print.
pub async fn worker_main(spec_path: &Path) -> Result<String, String> {
    let text = std::fs::read(spec_path).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let spec: WorkerSpec = serde_json::from_slice(&text).map_err(|e| format!("worker spec: {e}"))?;
    let result = crate::worker::run_worker(spec).await;
    serde_json::to_string(&result).map_err(|e| e.to_string())
}
