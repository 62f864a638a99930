//! `khaothi loadtest`: a websocket swarm of candidates against a delivery server (its own on a
//! fresh database by default), in this process or several (`--processes`). The last line of
//! output is the JSON report.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use khaothi_domain::ItemRecord;
use khaothi_loadtest::processes::{WorkerLauncher, worker_main};
use khaothi_loadtest::swarm::{LoadtestOptions, run as run_swarm};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long, default_value_t = 1000)]
    pub candidates: usize,
    /// Seconds of answering.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// Mean seconds between one candidate's answers (10 000 candidates at 2 s = 5 000 answers/s).
    #[arg(long, default_value_t = 2.0)]
    pub answer_interval: f64,
    /// Fraction of candidates that drop and resume per minute (0.01 = 1 %).
    #[arg(long, default_value_t = 0.01)]
    pub disconnect_rate: f64,
    /// Target delivery server; without it a server is started on a fresh SQLite database.
    #[arg(long)]
    pub url: Option<String>,
    #[arg(long, default_value = "board")]
    pub user: String,
    #[arg(long, env = "KHAOTHI_PASSWORD", default_value = "khaothi-demo")]
    pub password: String,
    /// With --url: the board's secret key file matching the server's pinned public key.
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// Items to build the package from (default: item-bank-samples/items.jsonl).
    #[arg(long, default_value = "item-bank-samples/items.jsonl")]
    pub items: PathBuf,
    #[arg(long, default_value_t = 200)]
    pub login_concurrency: usize,
    /// With --url: the server's process id here, to report its resident memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Run the candidates in this many processes (one process holds at most its open-file limit
    /// of sockets); their histograms are merged into the one report.
    #[arg(long, default_value_t = 1)]
    pub processes: usize,
    /// Ask for the content as JSON text messages instead of compressed binary frames.
    #[arg(long)]
    pub plain_content: bool,
    /// Inflate, hash and parse every login's content. Without it a candidate whose content frames
    /// are byte for byte those another candidate of the process verified (same content hash)
    /// takes that content without parsing it again.
    #[arg(long)]
    pub verify_content: bool,
    /// The server at --url is the bare ack-after-fsync server (the `bare_ack_server` example of
    /// khaothi-loadtest): no board, no package.
    #[arg(long, requires = "url")]
    pub bare: bool,
    /// A reconnect storm this many seconds after the start: every candidate drops its socket at
    /// once and resumes (the report's `storm_back_ms`, `storm_bytes_mean`).
    #[arg(long)]
    pub storm_at: Option<f64>,
    /// An adaptive event instead (issue 20): a simulated calibrated pool of --pool-items items,
    /// each candidate answering the question shown; reports ack-plus-next-item latency.
    #[arg(long)]
    pub adaptive: bool,
    /// --adaptive: items in the simulated pool.
    #[arg(long, default_value_t = 1000)]
    pub pool_items: usize,
    /// --adaptive: test length (items).
    #[arg(long, default_value_t = 30)]
    pub length: u32,
    /// --adaptive: randomesque-k (1 = always the most informative item).
    #[arg(long, default_value_t = 5)]
    pub randomesque: u32,
    /// --adaptive: content balancing by shadow tests (a blueprint over the pool's topics and
    /// levels; a MILP at every step).
    #[arg(long)]
    pub shadow_tests: bool,
    /// Internal: run one worker process of a `--processes` swarm from its spec file.
    #[arg(long, hide = true)]
    pub worker: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(spec) = &args.worker {
        let line = crate::runtime()?.block_on(worker_main(spec)).map_err(anyhow::Error::msg)?;
        println!("{line}");
        return Ok(());
    }
    if args.adaptive {
        return adaptive(&args);
    }
    let text =
        std::fs::read_to_string(&args.items).with_context(|| format!("reading {}", args.items.display()))?;
    let items = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| ItemRecord::from_json_line(l).ok()?.into_item().ok().map(|x| x.0))
        .collect();
    let signing_key = match &args.signing_key {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?),
        None => None,
    };
    let opts = LoadtestOptions {
        candidates: args.candidates,
        duration: Duration::from_secs(args.duration),
        answer_interval: Duration::from_secs_f64(args.answer_interval),
        disconnect_rate: args.disconnect_rate,
        url: args.url,
        board_user: args.user,
        board_password: args.password,
        signing_key,
        items,
        login_concurrency: args.login_concurrency,
        server_pid: args.server_pid,
        processes: args.processes,
        launcher: Some(WorkerLauncher {
            program: std::env::current_exe().context("the path of this program")?,
            args: vec!["loadtest".into(), "--worker".into()],
        }),
        deflate: !args.plain_content,
        verify_content: args.verify_content,
        bare: args.bare,
        storm_at: args.storm_at.map(Duration::from_secs_f64),
    };
    let report = crate::runtime()?.block_on(run_swarm(opts)).map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// `khaothi loadtest --adaptive`: a simulated pool, MFI + randomesque (and shadow tests when
/// asked), against the server at --url (with --signing-key) or its own; the last line is the
/// JSON report.
fn adaptive(args: &Args) -> anyhow::Result<()> {
    use khaothi_loadtest::adaptive::{AdaptiveLoadOptions, run_adaptive, simulated_blueprint};
    anyhow::ensure!(
        args.url.is_none() || args.signing_key.is_some(),
        "--adaptive --url needs --signing-key (the board key the server pins: the package is signed with it)"
    );
    anyhow::ensure!(args.processes == 1, "--adaptive runs its candidates in one process");
    let signing_key = match &args.signing_key {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?),
        None => None,
    };
    let mut design = khaothi_cat::Design::fixed_length(args.length);
    design.randomesque = args.randomesque;
    if args.shadow_tests {
        design.blueprint = Some(simulated_blueprint(args.length).map_err(anyhow::Error::msg)?);
    }
    let opts = AdaptiveLoadOptions {
        candidates: args.candidates,
        duration: Duration::from_secs(args.duration),
        answer_interval: Duration::from_secs_f64(args.answer_interval),
        pool_items: args.pool_items,
        design,
        login_concurrency: args.login_concurrency,
        url: args.url.clone(),
        board_user: args.user.clone(),
        board_password: args.password.clone(),
        signing_key,
    };
    let report = crate::runtime()?.block_on(run_adaptive(opts)).map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
