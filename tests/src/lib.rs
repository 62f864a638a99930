//! The harness of the end-to-end tests: the real `khaothi` binary as delivery nodes (each its own
//! process) and as the bank, Debian's nginx in front with the configuration from `deploy/`, and
//! the secrets the nodes share. Tests talk to them only over the network, as candidates, proctors and the board
//! would; they may read the shared database to check what was stored.
//!
//! The binary is `target/<profile>/khaothi` beside the test executable: `cargo build -p khaothi`
//! first (scripts/test-all.sh does).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use khaothi_package::BoardSigningKey;

/// The `khaothi` binary of this build (target/<profile>/khaothi).
pub fn khaothi_binary() -> PathBuf {
    // target/<profile>/deps/<test>-… → target/<profile>/khaothi
    let exe = std::env::current_exe().expect("the test's path");
    let bin = exe.parent().and_then(Path::parent).expect("target/<profile>").join("khaothi");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p khaothi` first (scripts/test-all.sh does)",
        bin.display()
    );
    bin
}

/// Peak resident memory (MB, `VmHWM`) of a process on this machine (Linux).
pub fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

/// A free TCP port on the loopback interface (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// What every node of one site shares: the board's key, the login-code and token secrets, the
/// first board account's password.
pub struct Shared {
    pub board_key: BoardSigningKey,
    pub code_secret: String,
    pub jwt_secret: String,
    pub board_password: String,
}

impl Shared {
    pub fn generate() -> Self {
        use rand::Rng;
        let hex =
            |n: usize| (0..n).map(|_| format!("{:02x}", rand::rng().random::<u8>())).collect::<String>();
        Self {
            board_key: BoardSigningKey::generate(&mut rand::rng()),
            code_secret: hex(32),
            jwt_secret: hex(32),
            board_password: format!("e2e-{}", hex(8)),
        }
    }
}

/// One `khaothi delivery serve` process.
pub struct Node {
    child: Option<Child>,
    /// `None`: a server running alone (no `node` setting).
    pub name: Option<String>,
    pub port: u16,
    pub log: PathBuf,
}

impl Node {
    /// Starts a node on `database_url` (PostgreSQL for several nodes; SQLite in `dir` when
    /// `None`), data in `dir`; returns once `/readyz` answers 200.
    pub async fn start(name: Option<&str>, database_url: Option<&str>, dir: &Path, shared: &Shared) -> Self {
        Self::start_with(name, database_url, dir, shared, &[]).await
    }

    /// [`Node::start`] with more `KHAOTHI__DELIVERY__…` variables (`env`, set last, so they
    /// override the shared ones: e.g. the bank's board key, `BANK_URL`, `SITE_KEY`).
    pub async fn start_with(
        name: Option<&str>,
        database_url: Option<&str>,
        dir: &Path,
        shared: &Shared,
        env: &[(&str, String)],
    ) -> Self {
        std::fs::create_dir_all(dir).expect("the node's data directory");
        let port = free_port();
        let log = dir.join("node.log");
        let mut cmd = Command::new(khaothi_binary());
        cmd.args(["delivery", "serve"])
            .env("KHAOTHI__DELIVERY__LISTEN", format!("127.0.0.1:{port}"))
            .env("KHAOTHI__DELIVERY__DATA_DIR", dir)
            .env("KHAOTHI__DELIVERY__BOARD_PUBLIC_KEY", shared.board_key.public().to_string())
            .env("KHAOTHI__DELIVERY__CODE_SECRET", &shared.code_secret)
            .env("KHAOTHI__DELIVERY__JWT_SECRET", &shared.jwt_secret)
            .env("KHAOTHI__DELIVERY__INITIAL_BOARD_PASSWORD", &shared.board_password)
            .env("KHAOTHI__DELIVERY__HEARTBEAT_SECONDS", "1")
            .env("KHAOTHI__DELIVERY__NODE_DEAD_AFTER_SECONDS", "3")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("the node's log"));
        if let Some(url) = database_url {
            cmd.env("KHAOTHI__DELIVERY__DATABASE_URL", url);
        }
        if let Some(n) = name {
            cmd.env("KHAOTHI__DELIVERY__NODE", n);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("khaothi delivery serve starts");
        let node = Self { child: Some(child), name: name.map(str::to_string), port, log };
        node.wait_ready().await;
        node
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    /// The process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    async fn wait_ready(&self) {
        if !ready(&self.url()).await {
            panic!("node {:?} not ready in 60 s; its log:\n{}", self.name, self.log_text());
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown code runs (a crash, a power cut of the machine).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Whether `{url}/readyz` answers 200 within 60 s.
async fn ready(url: &str) -> bool {
    let http = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await
            && r.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// One `khaothi bank serve` process on SQLite in its own data directory; the first admin
/// account (`admin`) has the password given. The board key is the bank's own (generated into
/// `<dir>/board.key`; `GET /api/v1/board-key` tells delivery servers which key to pin).
pub struct Bank {
    child: Option<Child>,
    pub port: u16,
    pub log: PathBuf,
}

impl Bank {
    /// Starts the bank; returns once `/readyz` answers 200.
    pub async fn start(dir: &Path, admin_password: &str) -> Self {
        std::fs::create_dir_all(dir).expect("the bank's data directory");
        let port = free_port();
        let log = dir.join("bank.log");
        let child = Command::new(khaothi_binary())
            .args(["bank", "serve"])
            .env("KHAOTHI__BANK__LISTEN", format!("127.0.0.1:{port}"))
            .env("KHAOTHI__BANK__DATA_DIR", dir)
            .env("KHAOTHI__BANK__INITIAL_ADMIN_PASSWORD", admin_password)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("the bank's log"))
            .spawn()
            .expect("khaothi bank serve starts");
        let bank = Self { child: Some(child), port, log };
        if !ready(&bank.url()).await {
            panic!("the bank is not ready in 60 s; its log:\n{}", bank.log_text());
        }
        bank
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Bank {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A delivery site's signing key, as `khaothi delivery site-key --data-dir DIR` makes it (once,
/// into `DIR/site.key`): the secret text (for `KHAOTHI__DELIVERY__SITE_KEY` on every node of a
/// site) and the public key the printed line names (what the bank registers).
pub fn site_key(dir: &Path) -> (String, String) {
    std::fs::create_dir_all(dir).expect("the site key's directory");
    let out = Command::new(khaothi_binary())
        .args(["delivery", "site-key", "--data-dir"])
        .arg(dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("khaothi delivery site-key runs");
    assert!(out.status.success(), "site-key failed: {}", String::from_utf8_lossy(&out.stderr));
    let public = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let secret = std::fs::read_to_string(dir.join("site.key")).expect("site.key written").trim().to_string();
    (secret, public)
}

/// Debian's nginx, run without root privileges needed (its own prefix, no daemon), with a site
/// configuration from `deploy/` whose upstream, ports and certificate are replaced.
pub struct Nginx {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Nginx {
    /// Runs `deploy/<conf>` in front of `upstreams` (ports on 127.0.0.1): the upstream's `server`
    /// lines become these ports, the TLS server listens on a free loopback port without TLS (the
    /// tests' clients speak plain HTTP and websockets; TLS is `nginx -t`-checked by
    /// scripts/check-deploy.sh), the redirecting server on another.
    pub async fn start(conf: &Path, upstreams: &[u16], dir: &Path) -> Self {
        let text = std::fs::read_to_string(conf).expect("the nginx configuration");
        let port = free_port();
        let site = adapt(&text, upstreams, port, free_port(), dir);
        std::fs::create_dir_all(dir.join("logs")).expect("nginx's prefix");
        write_cert(dir);
        std::fs::write(dir.join("site.conf"), site).expect("site.conf");
        let main = format!(
            "pid {d}/nginx.pid;\nerror_log {d}/logs/error.log warn;\nevents {{ worker_connections 4096; }}\nhttp {{\n  include /etc/nginx/mime.types;\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  include {d}/site.conf;\n}}\n",
            d = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), main).expect("nginx.conf");
        let child = Command::new("nginx")
            .args([
                "-p",
                &dir.display().to_string(),
                "-c",
                "nginx.conf",
                "-g",
                "daemon off; worker_processes 1;",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx starts (Debian's nginx package)");
        let n = Self { child, port, dir: dir.to_path_buf() };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "nginx did not listen: {}", n.error_log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        n
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("logs/error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The site configuration with this run's upstream ports, listening ports and certificate.
pub fn adapt(text: &str, upstreams: &[u16], port: u16, redirect_port: u16, dir: &Path) -> String {
    let mut out = String::new();
    let mut servers = upstreams.iter();
    for line in text.lines() {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        if t.starts_with("server ") && t.contains(":8090") {
            if let Some(p) = servers.next() {
                let rest = t.split_once(' ').map(|(_, r)| r).unwrap_or_default();
                let params = rest.split_once(' ').map(|(_, r)| r).unwrap_or(";");
                out.push_str(&format!("{indent}server 127.0.0.1:{p} {params}\n"));
            }
            continue;
        }
        if t.starts_with("listen ") && t.contains("443") {
            out.push_str(&format!("{indent}listen 127.0.0.1:{port};\n"));
            continue;
        }
        if t.starts_with("listen ") && t.contains("80") {
            out.push_str(&format!("{indent}listen 127.0.0.1:{redirect_port};\n"));
            continue;
        }
        if t.starts_with("ssl_certificate") {
            let file = if t.starts_with("ssl_certificate_key") { "privkey.pem" } else { "fullchain.pem" };
            let key = t.split_whitespace().next().unwrap_or_default();
            out.push_str(&format!("{indent}{key} {};\n", dir.join(file).display()));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(servers.next().is_none(), "the configuration's upstream has fewer servers than nodes");
    out
}

/// A throwaway certificate at the paths [`adapt`] names (as scripts/check-deploy.sh makes one).
fn write_cert(dir: &Path) {
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=khaothi-e2e", "-days", "1"])
        .arg("-keyout")
        .arg(dir.join("privkey.pem"))
        .arg("-out")
        .arg(dir.join("fullchain.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "openssl could not make a throwaway certificate");
}
