//! The argon2 bound on sign-in, for `bench/run`: how many password checks
//! per second ODB's own argon2id (the parameters of `auth::password`) does
//! on `threads` threads, each verifying one password for `seconds`. A
//! sign-in needs one such check, so no sign-in rate can exceed this.
//! Prints `{"threads": n, "checks_per_second": x}`.
//!
//! Usage: argon2_rate [threads] [seconds]

use std::time::{Duration, Instant};

use odb::auth::password;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().map_or(Ok(2), |a| a.parse())?;
    let seconds: f64 = args.next().map_or(Ok(3.0), |a| a.parse())?;
    let phc = password::hash("correct horse battery staple")?;
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let checks: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| checks_until(&phc, until)))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let rate = checks as f64 / started.elapsed().as_secs_f64();
    println!("{{\"threads\": {threads}, \"checks_per_second\": {rate:.1}}}");
    Ok(())
}

fn checks_until(phc: &str, until: Instant) -> u64 {
    let mut checks = 0;
    while Instant::now() < until {
        if password::verify("correct horse battery staple", phc) {
            checks += 1;
        }
    }
    checks
}
