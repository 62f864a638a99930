#![allow(dead_code)] // each test binary uses a part
//! Simulated delivery sites for the control-room tests (API and browser): each has its own site
//! key, registers it with the bank, and sends signed reports over real HTTP, built with the
//! package crate exactly as a delivery server builds them.

use khaothi_package::SiteSigningKey;
use khaothi_package::result_file::{ChainHead, ChainHeads, SiteInfo};
use khaothi_package::site_report::{
    Counts, EventReport, REPORT_FORMAT, RoomReport, SIGNATURE_HEADER, SiteReport, sign_report,
};
use rand::SeedableRng;
use serde_json::{Value, json};

/// What a simulated site says about its one event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Behaviour {
    /// Sitting, answers saved (the chain grows every report).
    Fine,
    /// Sitting, answers saved, and the rooms' logs have entries.
    Incidents,
    /// The package is there, the content still locked.
    Locked,
    /// Sitting, but the chain no longer grows.
    Stuck,
    /// Reports once, then goes quiet.
    Silent,
}

pub struct SimSite {
    pub name: String,
    pub key: SiteSigningKey,
    pub behaviour: Behaviour,
    pub counter: u64,
    pub reports: u64,
}

pub const EVENT: &str = "THPT-2026-TOAN";

impl SimSite {
    pub fn new(n: usize, behaviour: Behaviour) -> Self {
        Self {
            name: format!("Điểm thi số {:03}", n + 1),
            key: SiteSigningKey::generate(&mut rand::rngs::StdRng::seed_from_u64(9000 + n as u64)),
            behaviour,
            counter: 1_000,
            reports: 0,
        }
    }

    /// Registers the site's key with the bank (as the board, through the API).
    pub async fn register(&self, http: &reqwest::Client, base: &str, board: &str) -> String {
        let res = http
            .post(format!("{base}/api/v1/sites"))
            .bearer_auth(board)
            .json(&json!({"name": self.name, "public_key": self.key.public().to_string()}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string()
    }

    /// The next report (counter + 1) of this site's behaviour.
    pub fn next_report(&mut self) -> SiteReport {
        self.counter += 1;
        self.reports += 1;
        let b = self.behaviour;
        let status = if b == Behaviour::Locked { "packaged" } else { "open" };
        let sitting = if b == Behaviour::Locked { 0 } else { 20 };
        let room = |r: u32| RoomReport {
            id: format!("P{r:02}"),
            name: format!("Phòng {r:02}"),
            counts: Counts {
                candidates: 24,
                not_started: 24 - sitting - 2 - 1,
                in_progress: sitting,
                submitted: 2,
                absent: 1,
                logged_in: sitting,
                incidents: if b == Behaviour::Incidents { 2 } else { 0 },
                ..Counts::default()
            },
        };
        let rooms: Vec<RoomReport> = (1..=3).map(room).collect();
        let mut total = Counts::default();
        rooms.iter().for_each(|r| total.add(&r.counts));
        let length = if b == Behaviour::Stuck { 500 } else { 500 + 37 * self.reports };
        let head = |length, c: &str| ChainHead { length, head: c.repeat(64) };
        SiteReport {
            format: REPORT_FORMAT.into(),
            site: SiteInfo { name: self.name.clone(), public_key: String::new() },
            node: "main".into(),
            counter: self.counter,
            sent_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            software_version: "0.1.0".into(),
            events: vec![EventReport {
                id: EVENT.into(),
                title: "Toán — THPT 2026".into(),
                status: status.into(),
                unlocked_at: (status == "open").then(|| "2026-06-27T00:30:00Z".into()),
                rooms,
                total,
            }],
            chains: ChainHeads { responses: head(length, "a"), audit: head(40, "b") },
        }
    }

    /// Signs and sends the next report; the status, the JSON answer, and what was sent.
    pub async fn report(&mut self, http: &reqwest::Client, base: &str) -> (u16, Value, Vec<u8>, String) {
        let (body, sig) = sign_report(self.next_report(), &self.key);
        let (status, answer) = send(http, base, body.clone(), Some(&sig)).await;
        (status, answer, body, sig)
    }
}

/// Posts a report body with an optional signature header.
pub async fn send(
    http: &reqwest::Client,
    base: &str,
    body: Vec<u8>,
    signature: Option<&str>,
) -> (u16, Value) {
    let mut req = http.post(format!("{base}/api/v1/site-reports")).header("content-type", "application/json");
    if let Some(s) = signature {
        req = req.header(SIGNATURE_HEADER, s);
    }
    let res = req.body(body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The 50 sites of the tests: 40 fine, 3 with incidents, 2 locked, 2 stuck, 3 silent.
pub fn fifty() -> Vec<SimSite> {
    (0..50)
        .map(|n| {
            let b = match n {
                0..40 => Behaviour::Fine,
                40..43 => Behaviour::Incidents,
                43..45 => Behaviour::Locked,
                45..47 => Behaviour::Stuck,
                _ => Behaviour::Silent,
            };
            SimSite::new(n, b)
        })
        .collect()
}

/// Runs `rounds` rounds of reports, `every` apart, all sites at once; silent sites report in the
/// first round only. Returns how many reports were accepted.
pub async fn run_rounds(
    sites: &mut [SimSite],
    base: &str,
    rounds: usize,
    every: std::time::Duration,
) -> usize {
    let mut accepted = 0;
    for round in 0..rounds {
        if round > 0 {
            tokio::time::sleep(every).await;
        }
        accepted += one_round(sites, base, round == 0).await;
    }
    accepted
}

/// Every site reports once, all at once (silent ones only with `silent_too`); each must be accepted.
pub async fn one_round(sites: &mut [SimSite], base: &str, silent_too: bool) -> usize {
    let http = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for (i, s) in sites.iter_mut().enumerate() {
        if !silent_too && s.behaviour == Behaviour::Silent {
            continue;
        }
        let (body, sig) = sign_report(s.next_report(), &s.key);
        let (http, base) = (http.clone(), base.to_string());
        set.spawn(async move { (i, send(&http, &base, body, Some(&sig)).await) });
    }
    let mut accepted = 0;
    while let Some(r) = set.join_next().await {
        let (i, (status, answer)) = r.unwrap();
        assert_eq!(status, 202, "site {i}: {answer}");
        accepted += 1;
    }
    accepted
}
