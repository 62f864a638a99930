//! Clients of the delivery server, kept out of the server library (issue 11 §7): the server
//! serves; these speak to it from outside, over HTTP and websockets, as a board, a candidate or a
//! swarm of candidates would.
//!
//! - [`board`]: the board's HTTP client ([`BoardClient`]) and the event set-up over the API;
//! - [`candidate`]: a candidate's websocket ([`CandidateSocket`]), recording what it was sent;
//! - [`adaptive`]: adaptive events (a simulated pool, its package, `khaothi loadtest --adaptive`);
//! - [`failure`]: why a candidate of the swarm failed, counted by reason in the report;
//! - [`demo`]: the demo package and event (`khaothi demo`, the load test, delivery's tests);
//! - [`swarm`]: `khaothi loadtest`, many candidates answering at once, every ack checked against
//!   the results; [`worker`] one process's share of the candidates, [`processes`] the swarm as
//!   several processes, [`histogram`] the latency histograms they merge.
//!
//! The demo set-up lives here rather than in the CLI because the load test and delivery's tests
//! build its package too, and it speaks to the server only through [`BoardClient`].

pub mod adaptive;
pub mod board;
pub mod candidate;
pub mod demo;
pub mod failure;
pub mod histogram;
pub mod processes;
pub mod swarm;
pub mod worker;

pub use board::{BoardClient, ClientError, EventSetup};
pub use candidate::{CandidateSocket, some_answer};
pub use swarm::{LoadtestOptions, Report};
