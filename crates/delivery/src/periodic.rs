//! The server's periodic tasks (the heartbeat, the side checkpoint, the sweep, the proctors'
//! seat fan-out) share one loop.

use std::time::Duration;

use tokio::sync::watch;

/// Spawns a task that runs `tick` every `period` until `stop` turns true; a tick that overruns
/// its period delays the next one rather than bunching them.
pub fn every<F, T>(period: Duration, mut stop: watch::Receiver<bool>, mut tick: F)
where
    F: FnMut() -> T + Send + 'static,
    T: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut t = tokio::time::interval(period);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = t.tick() => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            tick().await;
        }
    });
}
