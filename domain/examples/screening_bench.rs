//! Benchmark of `domain::screening::screen` natively: three months of verifications for a
//! 100,000-recipient office (a large city), generated deterministically.
//!
//!     cargo run --release -p domain --example screening_bench -- [--recipients N] [--runs N] [--out DIR]
//!
//! With `--out DIR` it also writes `DIR/screening-input.json` (the body the browser would
//! download from `GET /api/office/screening/data`) and `DIR/screening-result.csv`, so the
//! WebAssembly half of the benchmark (scripts/bench.sh) screens the very same input and can
//! check that its CSV is byte-for-byte the same.
//!
//! The synthetic office (assumptions, not statistics): 2,000 institutions nearby (70% 医科,
//! 10% 歯科, 15% 調剤, 5% 訪問看護); each recipient has one to three regular institutions;
//! visit days per month mostly 0–4, one in fifty 5–14, one in two hundred 15–25; half the
//! clinic visits are followed by a pharmacy on the same day; one verification in ten is
//! repeated the same day; verdicts 1 (96%), 6 (3%), 2 and 4 (0.5% each); a 医療券 for every
//! regular institution each month, and a 事後委託 ticket for one 未委託 visit in four.

use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use domain::codes::QualificationValidity;
use domain::numbers::InstitutionCode;
use domain::screening::{self, InputBuilder, ScreeningInput};

/// SplitMix64: a small deterministic generator (the domain crate takes no randomness; this
/// example only needs reproducible synthetic data).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, per_thousand: u64) -> bool {
        self.below(1000) < per_thousand
    }
}

const INJURIES: &[&str] = &[
    "高血圧症",
    "2型糖尿病",
    "腰痛症",
    "慢性胃炎",
    "変形性膝関節症",
    "気管支喘息",
    "不眠症",
    "脂質異常症",
    "うつ病",
    "慢性心不全",
];

fn institutions() -> Vec<(String, u8)> {
    (0..2000u32)
        .map(|k| {
            let table = match k % 20 {
                0..=13 => 1,
                14 | 15 => 3,
                16..=18 => 4,
                _ => 6,
            };
            let body = format!("13{table}{:02}{:04}", 1 + k / 1000, k % 10_000);
            let code = InstitutionCode::from_body(&body).map_or(body, |c| c.as_str().to_string());
            (code, table)
        })
        .collect()
}

fn generate(recipients: u32, month: (i32, u32)) -> ScreeningInput {
    let office = "12131017";
    let mut rng = Rng(20_240_301);
    let insts = institutions();
    let by_table = |t: u8| -> Vec<usize> {
        insts
            .iter()
            .enumerate()
            .filter(|(_, i)| i.1 == t)
            .map(|(k, _)| k)
            .collect()
    };
    let (clinics, dentists, pharmacies, nursing) =
        (by_table(1), by_table(3), by_table(4), by_table(6));
    let mut b = InputBuilder::for_month(office, month);
    for (k, (code, table)) in insts.iter().enumerate() {
        b.institution(code, &format!("医療機関{k}（点数表{table}）"));
    }
    // (first day, last day) of M−2, M−1, M.
    let months: Vec<(NaiveDate, NaiveDate)> = (-2..=0)
        .filter_map(|d| {
            let (y, m) = screening::shift_month(month, d);
            let (ny, nm) = screening::shift_month(month, d + 1);
            let first = NaiveDate::from_ymd_opt(y, m, 1)?;
            Some((first, NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()?))
        })
        .collect();
    let pick = |rng: &mut Rng, list: &[usize]| list[rng.below(list.len() as u64) as usize];
    for r in 0..recipients {
        let number = domain::numbers::RecipientNumber::from_body(&format!("{:06}", r))
            .map_or_else(|_| format!("{r:07}"), |n| n.as_str().to_string());
        b.recipient(&number, "被保護者　太郎");
        let clinic = pick(&mut rng, &clinics);
        let mut regular = vec![clinic];
        if rng.chance(300) {
            regular.push(pick(&mut rng, &dentists));
        }
        if rng.chance(100) {
            regular.push(pick(&mut rng, &nursing));
        }
        let pharmacy = pick(&mut rng, &pharmacies);
        regular.push(pharmacy);
        let heavy = rng.chance(5);
        let medium = rng.chance(20);
        for (first, last) in &months {
            let len = last.day();
            for &inst in &regular {
                let code = &insts[inst].0;
                let injuries = [INJURIES[rng.below(INJURIES.len() as u64) as usize]];
                let names: &[&str] = if inst == pharmacy { &[] } else { &injuries };
                b.ticket(&number, code, *first, *last, names);
            }
            let days = if heavy {
                15 + rng.below(11)
            } else if medium {
                5 + rng.below(10)
            } else {
                rng.below(5)
            };
            for _ in 0..days {
                let day = *first + chrono::Duration::days(rng.below(u64::from(len)) as i64);
                let inst = if rng.chance(850) {
                    clinic
                } else {
                    regular[rng.below(regular.len() as u64) as usize]
                };
                let verdict = match rng.below(1000) {
                    0..=4 => QualificationValidity::Invalid,
                    5..=9 => QualificationValidity::NotFound,
                    10..=39 => QualificationValidity::ValidUnregistered,
                    _ => QualificationValidity::Valid,
                };
                // An unentrusted visit is at another clinic, the office may entrust it afterwards.
                let code = if verdict == QualificationValidity::ValidUnregistered {
                    let other = &insts[pick(&mut rng, &clinics)].0;
                    if rng.chance(250) {
                        b.ticket(&number, other, day, day, &["急性胃腸炎"]);
                    }
                    other.clone()
                } else {
                    insts[inst].0.clone()
                };
                b.verification(&number, &code, day, verdict);
                if rng.chance(100) {
                    b.verification(&number, &code, day, verdict);
                }
                if insts[inst].1 == 1 && rng.chance(500) {
                    b.verification(&number, &insts[pharmacy].0, day, verdict);
                }
            }
        }
    }
    b.build()
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|k| args.get(k + 1).cloned())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let recipients: u32 = arg(&args, "--recipients").map_or(Ok(100_000), |s| s.parse())?;
    let runs: usize = arg(&args, "--runs").map_or(Ok(5), |s| s.parse())?;
    let month = (2026, 10);

    let started = Instant::now();
    let whole = generate(recipients, month);
    let generated = started.elapsed();
    // What the server sends: only what the month's screening reads.
    let started = Instant::now();
    let input = screening::prune(&whole, month);
    let pruning = started.elapsed();
    let json = serde_json::to_string(&input)?;
    let started = Instant::now();
    let parsed: ScreeningInput = serde_json::from_str(&json)?;
    let parse = started.elapsed();
    assert_eq!(parsed, input);

    let mut times = Vec::with_capacity(runs);
    let mut result = screening::screen(&input, month);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        result = screening::screen(&input, month);
        times.push(started.elapsed());
    }
    let best = times.iter().min().copied().unwrap_or_default();
    let median = median(times);
    assert_eq!(
        screening::screen(&whole, month),
        result,
        "pruning changes nothing"
    );
    let csv = screening::to_csv(&result);
    if let Some(dir) = arg(&args, "--out") {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(format!("{dir}/screening-input.json"), &json)?;
        std::fs::write(format!("{dir}/screening-result.csv"), &csv)?;
    }
    let s = &result.summary;
    println!(
        "| Input | {} recipients, {} institutions, {} verifications, {} tickets (M−2..M of {}) |",
        input.recipients.len(),
        input.institutions.len(),
        input.verifications.len(),
        input.tickets.len(),
        result.month
    );
    println!(
        "| Input JSON (`/api/office/screening/data` body) | {:.1} MB, parsed natively in {} |",
        json.len() as f64 / 1e6,
        ms(parse)
    );
    println!(
        "| `screen` natively | median {}, best {} over {} runs |",
        ms(median),
        ms(best),
        runs.max(1)
    );
    println!("| Result | 頻回受診候補 {}, 短期集中 {}, 未委託受診 {} ({} dates), 多数医療機関 {}; CSV {} lines |", s.frequent, s.short_intensive, s.unentrusted, s.unentrusted_dates, s.many_institutions, csv.lines().count());
    eprintln!(
        "(generated {} verifications and {} tickets in {}, pruned in {})",
        whole.verifications.len(),
        whole.tickets.len(),
        ms(generated),
        ms(pruning)
    );
    Ok(())
}
