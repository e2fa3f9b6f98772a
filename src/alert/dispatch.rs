//! Delivery on its own thread: each alert to each sink, retried with backoff until it gets
//! through. Results come back to the watch loop, which records them in the state.

use super::{Alert, AlertSink};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

pub struct Job {
    pub alert: Alert,
    /// Sinks still to deliver to.
    pub sinks: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Delivery {
    pub key: String,
    pub sink: String,
    pub result: Result<(), String>,
    pub attempt: u32,
}

pub struct Dispatcher {
    jobs: Sender<Job>,
    pub results: Receiver<Delivery>,
}

const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(60);

impl Dispatcher {
    pub fn start(sinks: Vec<Box<dyn AlertSink>>) -> Dispatcher {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (tx, results) = mpsc::channel::<Delivery>();
        std::thread::spawn(move || run(sinks, rx, tx));
        Dispatcher { jobs, results }
    }

    pub fn send(&self, job: Job) {
        let _ = self.jobs.send(job);
    }
}

struct Pending {
    alert: Alert,
    sink: usize,
    attempt: u32,
    due: Instant,
}

fn run(sinks: Vec<Box<dyn AlertSink>>, rx: Receiver<Job>, tx: Sender<Delivery>) {
    let mut queue: Vec<Pending> = Vec::new();
    loop {
        // Wait for a new job, or until the next retry is due.
        let wait = queue
            .iter()
            .map(|p| p.due)
            .min()
            .map(|d| d.saturating_duration_since(Instant::now()));
        let job = match wait {
            Some(w) => match rx.recv_timeout(w) {
                Ok(j) => Some(j),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            },
            None => match rx.recv() {
                Ok(j) => Some(j),
                Err(_) => return,
            },
        };
        if let Some(job) = job {
            for name in &job.sinks {
                if let Some(i) = sinks.iter().position(|s| s.name() == name) {
                    queue.push(Pending {
                        alert: job.alert.clone(),
                        sink: i,
                        attempt: 0,
                        due: Instant::now(),
                    });
                }
            }
        }
        let now = Instant::now();
        let (due, later): (Vec<Pending>, Vec<Pending>) =
            queue.drain(..).partition(|p| p.due <= now);
        queue = later;
        for mut p in due {
            p.attempt += 1;
            let result = sinks[p.sink].send(&p.alert).map_err(|e| format!("{e:#}"));
            let failed = result.is_err();
            let _ = tx.send(Delivery {
                key: p.alert.key.clone(),
                sink: sinks[p.sink].name().to_string(),
                result,
                attempt: p.attempt,
            });
            if failed {
                let backoff = FIRST_RETRY
                    .saturating_mul(1 << (p.attempt - 1).min(6))
                    .min(MAX_RETRY);
                p.due = Instant::now() + backoff;
                queue.push(p);
            }
        }
    }
}
