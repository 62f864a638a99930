//! A service's example server as a child process, as the browser and process tests run it: the
//! binary `cargo test` built beside the test, started with its settings in the environment, ready
//! once it printed `listening <address>`.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A free TCP port on the loopback interface (bound, then released), for a server that must come
/// back on the same port after a restart.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("bound").port()
}

/// `target/<profile>/examples/<name>`, built beside the running test binary; a missing one fails
/// the test naming the command that builds it (`cargo test` builds a package's examples, `cargo
/// test --test …` does not).
pub fn example_binary(package: &str, name: &str) -> PathBuf {
    // target/<profile>/deps/<test binary> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps");
    let bin = profile.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: `cargo test -p {package}` builds it, or run `cargo build -p {package} --example {name}` first",
        bin.display()
    );
    bin
}

/// Spawns `command` with its standard output piped and waits for its first line, `listening
/// <address>`; then keeps reading the output on a thread so the server never blocks on a full
/// pipe. The child and the address (`127.0.0.1:port`).
pub fn spawn_listening(command: &mut Command, what: &str) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} starts: {e}"));
    let mut out = std::io::BufReader::new(child.stdout.take().expect("a piped stdout"));
    let mut line = String::new();
    out.read_line(&mut line).unwrap_or_else(|e| panic!("{what}'s first line: {e}"));
    let Some(addr) = line.trim().strip_prefix("listening ").map(str::to_string) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{what} said {line:?}, not `listening <address>`");
    };
    std::thread::spawn(move || for _ in out.lines() {});
    (child, addr)
}
