//! A progress line on stderr while big inputs are read — only when a person is watching.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Progress {
    pub bytes: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts drawing after a short delay, so quick runs print nothing.
    pub fn start(total: Option<u64>) -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let (b, d) = (bytes.clone(), done.clone());
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let mut drawn = false;
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(100));
                if start.elapsed() < Duration::from_millis(500) {
                    continue;
                }
                let read = b.load(Ordering::Relaxed);
                let mb = read as f64 / 1e6;
                let rate = mb / start.elapsed().as_secs_f64();
                let line = match total {
                    Some(t) if t > 0 => {
                        let frac = (read as f64 / t as f64).min(1.0);
                        let filled = (frac * 30.0) as usize;
                        format!(
                            "\r[{}{}] {:>5.1}%  {:.0} MB  {:.0} MB/s ",
                            "#".repeat(filled),
                            "-".repeat(30 - filled),
                            frac * 100.0,
                            mb,
                            rate
                        )
                    }
                    _ => format!("\rread {mb:.0} MB  {rate:.0} MB/s "),
                };
                let _ = std::io::stderr().write_all(line.as_bytes());
                drawn = true;
            }
            if drawn {
                let _ = std::io::stderr().write_all(b"\r\x1b[2K");
            }
        });
        Progress {
            bytes,
            done,
            handle: Some(handle),
        }
    }

    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
