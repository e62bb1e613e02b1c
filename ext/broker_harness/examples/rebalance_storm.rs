//! Rebalance storm demo: starts a tansu broker, lets consumers of two consumer groups join,
//! leave and die every 1 to 3 s while their librdkafka rebalance callbacks update one shared
//! `AssignmentsCore<String>`, and prints after every rebalance whether the core's snapshot
//! equals what librdkafka says each consumer holds.
//!
//! Run: `cargo run --release --example rebalance_storm -- [--seconds N] [--strategy S|all]
//! [--seed N] [--trace] [--evidence]`, or with env `STORM_SECONDS`, `STORM_STRATEGY`,
//! `STORM_SEED`, `STORM_TRACE=1`, `STORM_EVIDENCE=1`. Strategies: range (default), roundrobin,
//! cooperative-sticky, all. `--evidence` lists the broker-side faults one by one (tracker
//! faults are always listed).
//! Needs tansu 0.6.0 (`script/install-tansu`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::env;
use std::process::ExitCode;
use std::time::Duration;

use support::assignment_strategy::AssignmentStrategy;
use support::broker::TansuBroker;
use support::random::seed_from_clock;
use support::storm::{run_storm, StormPlan, DEFAULT_STORM_DURATION};
use support::storm_report::{table_header, StormTally};
use support::watchdog::Watchdog;

/// Time a storm may take beyond its length before the watchdog calls it a hang.
const STORM_SLACK: Duration = Duration::from_secs(240);

/// What the command line and environment ask for.
struct Options {
    strategies: Vec<AssignmentStrategy>,
    duration: Duration,
    seed: u64,
    trace: bool,
    evidence: bool,
}

impl Options {
    /// Reads env first, then lets arguments override it.
    fn parse() -> Result<Self, String> {
        let mut strategy = env::var("STORM_STRATEGY").unwrap_or_else(|_| "range".to_owned());
        let mut seconds = env::var("STORM_SECONDS").ok();
        let mut seed = env::var("STORM_SEED").ok();
        let flag = |name| env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
        let mut trace = flag("STORM_TRACE");
        let mut evidence = flag("STORM_EVIDENCE");
        let mut args = env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--strategy" => strategy = value()?,
                "--seconds" => seconds = Some(value()?),
                "--seed" => seed = Some(value()?),
                "--trace" => trace = true,
                "--evidence" => evidence = true,
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        let strategies = if strategy == "all" {
            AssignmentStrategy::ALL.to_vec()
        } else {
            vec![strategy.parse()?]
        };
        let duration = match seconds {
            Some(s) => Duration::from_secs(s.parse().map_err(|_| format!("bad seconds {s:?}"))?),
            None => DEFAULT_STORM_DURATION,
        };
        let seed = match seed {
            Some(s) => s.parse().map_err(|_| format!("bad seed {s:?}"))?,
            None => seed_from_clock(),
        };
        Ok(Self {
            strategies,
            duration,
            seed,
            trace,
            evidence,
        })
    }
}

fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("rebalance_storm: {problem}");
            return ExitCode::from(2);
        }
    };
    let watchdog = Watchdog::start();
    let broker = TansuBroker::start();
    println!(
        "tansu {} on 127.0.0.1:{}; storm of {:?} per strategy; STORM_SEED={}",
        support::broker::TANSU_VERSION,
        broker.port(),
        options.duration,
        options.seed
    );

    let mut total = StormTally::default();
    for strategy in &options.strategies {
        let mut plan = StormPlan::standard(*strategy, options.duration, options.seed);
        plan.trace = options.trace;
        let _storm = watchdog.arm(format!("the {strategy} storm"), plan.duration + STORM_SLACK);
        println!("\n== {strategy}: groups {}", group_names(&plan));
        println!("{}", table_header());
        let tally = run_storm(&broker, &plan, &watchdog, &|row| println!("{row}"));
        if !tally.tracker_evidence.is_empty() {
            println!("{strategy} TRACKER FAULTS:\n{}", tally.tracker_report());
        }
        if options.evidence && !tally.broker_evidence.is_empty() {
            println!(
                "{strategy} broker-side evidence:\n{}",
                tally.broker_report()
            );
        } else if !tally.broker_evidence.is_empty() {
            println!(
                "({} checks found broker-side faults; --evidence lists them)",
                tally.broker_evidence.len()
            );
        }
        println!("{}", tally.tally_line(strategy.librdkafka_name()));
        total.add(tally);
    }
    println!("{}", total.broker_line());
    println!("{}", total.summary_line());
    if total.is_clean(false) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The plan's consumer groups with their size bounds, for the heading.
fn group_names(plan: &StormPlan) -> String {
    let groups: Vec<String> = plan
        .groups
        .iter()
        .map(|g| {
            let kills = if g.kills > 0 {
                format!(", {} kill", g.kills)
            } else {
                String::new()
            };
            format!("{} ({}..={} consumers{kills})", g.name, g.min, g.max)
        })
        .collect();
    groups.join(", ")
}
