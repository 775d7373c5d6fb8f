//! Parsers for the small value files of cgroup v1/v2 and /proc (pure).
//!
//! Every function returns `Err(reason)` for content the kernel would never write, so the reader can warn
//! and treat that level as "no limit" instead of aborting.

/// v1 "unlimited" values are LONG_MAX rounded down to the page size (9223372036854771712 with 4 KiB pages,
/// 9223372036854710272 with 64 KiB pages, 9223372036854775807 on 3.10 kernels): compare against a
/// threshold, never an exact value.
pub const UNLIMITED_THRESHOLD: u64 = 1 << 62;

/// The period the kernel uses when `cpu.max` holds only the quota.
pub const DEFAULT_CPU_PERIOD_US: u64 = 100_000;

/// A CPU bandwidth limit: `quota_us` of CPU time every `period_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuQuota {
    pub quota_us: u64,
    pub period_us: u64,
}

impl CpuQuota {
    pub fn cpus(&self) -> f64 {
        self.quota_us as f64 / self.period_us as f64
    }
}

fn single_token(content: &str) -> Result<&str, String> {
    let mut tokens = content.split_whitespace();
    match (tokens.next(), tokens.next()) {
        (None, _) => Err("the file is empty".into()),
        (Some(t), None) => Ok(t),
        (Some(_), Some(_)) => Err(format!("expected one value, found '{}'", content.trim())),
    }
}

fn number(token: &str) -> Result<u64, String> {
    token
        .parse::<u64>()
        .map_err(|_| format!("'{token}' is not a non-negative integer"))
}

/// v2 `cpu.max`: `"$MAX $PERIOD"`; `max` = no limit; one field → period 100000; a third field is
/// tolerated; a period of 0 is invalid.
pub fn parse_cpu_max(content: &str) -> Result<Option<CpuQuota>, String> {
    let tokens: Vec<&str> = content.split_whitespace().collect();
    let Some(first) = tokens.first() else {
        return Err("the file is empty".into());
    };
    let period_us = match tokens.get(1) {
        Some(p) => number(p)?,
        None => DEFAULT_CPU_PERIOD_US,
    };
    if *first == "max" {
        return Ok(None);
    }
    let quota_us = number(first)?;
    if period_us == 0 {
        return Err("the period is 0".into());
    }
    if quota_us == 0 {
        return Err("the quota is 0".into());
    }
    Ok(Some(CpuQuota { quota_us, period_us }))
}

/// v2 `memory.max`, `memory.high`, `memory.swap.max`: bytes, or `max` = no limit.
pub fn parse_v2_bytes(content: &str) -> Result<Option<u64>, String> {
    match single_token(content)? {
        "max" => Ok(None),
        token => {
            let value = number(token)?;
            Ok((value < UNLIMITED_THRESHOLD).then_some(value))
        }
    }
}

/// v1 `cpu.cfs_quota_us`: microseconds, `-1` (any negative) = no limit.
pub fn parse_v1_quota(content: &str) -> Result<Option<u64>, String> {
    let token = single_token(content)?;
    let value: i64 = token
        .parse()
        .map_err(|_| format!("'{token}' is not an integer"))?;
    match value {
        v if v < 0 => Ok(None),
        0 => Err("the quota is 0".into()),
        v => Ok(Some(v as u64)),
    }
}

/// v1 `cpu.cfs_period_us`: a positive number of microseconds.
pub fn parse_v1_period(content: &str) -> Result<u64, String> {
    match number(single_token(content)?)? {
        0 => Err("the period is 0".into()),
        v => Ok(v),
    }
}

/// v1 `memory.limit_in_bytes`, `memory.memsw.limit_in_bytes`: bytes; ≥ 2^62 = no limit.
pub fn parse_v1_bytes(content: &str) -> Result<Option<u64>, String> {
    let token = single_token(content)?;
    // Some kernels write -1 for "unlimited" in memsw files.
    if token == "-1" {
        return Ok(None);
    }
    let value = number(token)?;
    Ok((value < UNLIMITED_THRESHOLD).then_some(value))
}

/// A `key value` line from v1 `memory.stat` (`hierarchical_memory_limit`, `hierarchical_memsw_limit`).
/// Returns `Ok(None)` when the key is absent or holds an "unlimited" value.
pub fn parse_memory_stat(content: &str, key: &str) -> Result<Option<u64>, String> {
    for line in content.lines() {
        let mut tokens = line.split_whitespace();
        if tokens.next() == Some(key) {
            let token = tokens.next().ok_or_else(|| format!("'{key}' has no value"))?;
            let value = number(token)?;
            return Ok((value < UNLIMITED_THRESHOLD).then_some(value));
        }
    }
    Ok(None)
}

/// A CPU list such as `0-3,8,10-11` (cpuset files, `Cpus_allowed_list`) → number of CPUs.
pub fn parse_cpu_list(content: &str) -> Result<u32, String> {
    let text = content.trim();
    if text.is_empty() {
        return Err("the CPU list is empty".into());
    }
    let mut count: u64 = 0;
    for part in text.split(',') {
        let part = part.trim();
        let parse = |s: &str| {
            s.parse::<u32>()
                .map_err(|_| format!("'{part}' is not a CPU number or range"))
        };
        let (first, last) = match part.split_once('-') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => {
                let n = parse(part)?;
                (n, n)
            }
        };
        if last < first {
            return Err(format!("the range '{part}' is reversed"));
        }
        count += u64::from(last - first) + 1;
    }
    u32::try_from(count).map_err(|_| "the CPU list is too large".into())
}

/// `Cpus_allowed_list` from `/proc/self/status` → number of CPUs.
pub fn parse_status_cpus_allowed(content: &str) -> Result<u32, String> {
    let line = content
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .ok_or("no Cpus_allowed_list line")?;
    parse_cpu_list(line)
}

/// `MemTotal` from `/proc/meminfo` (written in kB, meaning KiB) → bytes.
pub fn parse_meminfo_total(content: &str) -> Result<u64, String> {
    let rest = content
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .ok_or("no MemTotal line")?;
    let mut tokens = rest.split_whitespace();
    let value = number(tokens.next().ok_or("MemTotal has no value")?)?;
    let unit = tokens.next().unwrap_or("kB");
    let multiplier = match unit {
        "kB" => 1024,
        "B" => 1,
        other => return Err(format!("unknown MemTotal unit '{other}'")),
    };
    match value.checked_mul(multiplier) {
        Some(0) => Err("MemTotal is 0".into()),
        Some(bytes) => Ok(bytes),
        None => Err("MemTotal is too large".into()),
    }
}

/// v2 `cgroup.controllers`: does the hierarchy offer `controller`?
pub fn controllers_contain(content: &str, controller: &str) -> bool {
    content.split_whitespace().any(|c| c == controller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_max_forms() {
        assert_eq!(parse_cpu_max("max 100000\n"), Ok(None));
        assert_eq!(parse_cpu_max("max"), Ok(None));
        let q = parse_cpu_max("150000 100000\n").unwrap().unwrap();
        assert_eq!(q.cpus(), 1.5);
        let one = parse_cpu_max("50000").unwrap().unwrap();
        assert_eq!(one.period_us, 100_000);
        assert_eq!(parse_cpu_max("200000 100000 extra").unwrap().unwrap().cpus(), 2.0);
        assert!(parse_cpu_max("100000 0").is_err());
        assert!(parse_cpu_max("").is_err());
        assert!(parse_cpu_max("lots 100000").is_err());
        assert!(parse_cpu_max("-1 100000").is_err());
    }

    #[test]
    fn v1_sentinels_by_threshold() {
        for unlimited in [
            "9223372036854771712",
            "9223372036854710272",
            "9223372036854775807",
            "-1",
        ] {
            assert_eq!(parse_v1_bytes(unlimited), Ok(None), "{unlimited}");
        }
        assert_eq!(parse_v1_bytes("1073741824\n"), Ok(Some(1 << 30)));
        assert!(parse_v1_bytes("").is_err());
        assert!(parse_v1_bytes("12 34").is_err());
        assert_eq!(parse_v1_quota("-1"), Ok(None));
        assert_eq!(parse_v1_quota("150000"), Ok(Some(150_000)));
        assert!(parse_v1_quota("0").is_err());
        assert!(parse_v1_period("0").is_err());
    }

    #[test]
    fn memory_stat_keys() {
        let stat =
            "cache 0\nhierarchical_memory_limit 536870912\nhierarchical_memsw_limit 9223372036854771712\n";
        assert_eq!(
            parse_memory_stat(stat, "hierarchical_memory_limit"),
            Ok(Some(512 << 20))
        );
        assert_eq!(parse_memory_stat(stat, "hierarchical_memsw_limit"), Ok(None));
        assert_eq!(parse_memory_stat(stat, "absent"), Ok(None));
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0-3,8,10-11\n"), Ok(7));
        assert_eq!(parse_cpu_list("0"), Ok(1));
        assert!(parse_cpu_list("").is_err());
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("a").is_err());
        assert_eq!(
            parse_status_cpus_allowed("Name:\tx\nCpus_allowed_list:\t0-1\n"),
            Ok(2)
        );
    }

    #[test]
    fn meminfo() {
        assert_eq!(
            parse_meminfo_total("MemTotal:       16384000 kB\nMemFree: 1 kB\n"),
            Ok(16_384_000 * 1024)
        );
        assert!(parse_meminfo_total("MemFree: 1 kB").is_err());
    }
}
