//! Fuzz target `cgroup_values`: every parser of cgroup v1/v2 and /proc value files
//! (`limits::values`), all fed the same text.
//!
//! Checks, for any text:
//! - a parsed CPU quota has quota > 0 and period > 0, so a finite CPU count > 0; `max` is no limit;
//! - byte limits are below the "unlimited" threshold, v1 quotas and periods are > 0, CPU lists count at
//!   least one CPU, MemTotal is > 0;
//! - every parsed value written back the way the kernel writes it parses to the same value.
//!
//! libfuzzer: -max_len=1024
#![cfg_attr(not(test), no_main)]

use odoo_sizer::limits::values::{self, CpuQuota, UNLIMITED_THRESHOLD};

fn check_bytes(parsed: Result<Option<u64>, String>, parse: fn(&str) -> Result<Option<u64>, String>) {
    if let Ok(Some(v)) = parsed {
        assert!(v < UNLIMITED_THRESHOLD, "{v} is an unlimited sentinel");
        assert_eq!(parse(&format!("{v}\n")), Ok(Some(v)), "{v} does not parse back");
    }
}

/// The whole check; `tests/fuzz_corpus.rs` replays the corpus through it.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    match values::parse_cpu_max(text) {
        Ok(Some(q)) => {
            assert!(q.quota_us > 0 && q.period_us > 0, "{q:?}");
            let cpus = q.cpus();
            assert!(cpus.is_finite() && cpus > 0.0, "{q:?} gives {cpus} CPUs");
            assert_eq!(
                values::parse_cpu_max(&format!("{} {}\n", q.quota_us, q.period_us)),
                Ok(Some(q))
            );
        }
        Ok(None) => assert_eq!(text.split_whitespace().next(), Some("max"), "{text:?}"),
        Err(why) => assert!(!why.is_empty()),
    }

    check_bytes(values::parse_v2_bytes(text), values::parse_v2_bytes);
    check_bytes(values::parse_v1_bytes(text), values::parse_v1_bytes);

    if let Ok(Some(quota)) = values::parse_v1_quota(text) {
        assert!(quota > 0 && quota <= i64::MAX as u64, "quota {quota}");
        assert_eq!(values::parse_v1_quota(&format!("{quota}\n")), Ok(Some(quota)));
        let q = CpuQuota {
            quota_us: quota,
            period_us: values::DEFAULT_CPU_PERIOD_US,
        };
        assert!(q.cpus().is_finite() && q.cpus() > 0.0);
    }
    if let Ok(period) = values::parse_v1_period(text) {
        assert!(period > 0);
        assert_eq!(values::parse_v1_period(&format!("{period}\n")), Ok(period));
    }

    let first_word = text.split_whitespace().next().unwrap_or("");
    for key in [
        "hierarchical_memory_limit",
        "hierarchical_memsw_limit",
        first_word,
    ] {
        if let Ok(Some(v)) = values::parse_memory_stat(text, key) {
            assert!(v < UNLIMITED_THRESHOLD, "{key} {v}");
            assert_eq!(
                values::parse_memory_stat(&format!("{key} {v}\nrss 0\n"), key),
                Ok(Some(v)),
                "{key} {v}"
            );
        }
    }

    if let Ok(n) = values::parse_cpu_list(text) {
        assert!(n >= 1, "{text:?} counts no CPU");
        assert_eq!(values::parse_cpu_list(&format!("0-{}\n", n - 1)), Ok(n));
    }
    if let Ok(n) = values::parse_status_cpus_allowed(text) {
        assert!(n >= 1, "{text:?} allows no CPU");
    }
    if let Ok(total) = values::parse_meminfo_total(text) {
        assert!(total > 0);
        if total % 1024 == 0 {
            let written = format!("MemTotal:       {} kB\nMemFree: 1 kB\n", total / 1024);
            assert_eq!(values::parse_meminfo_total(&written), Ok(total));
        }
    }
    assert_eq!(
        values::controllers_contain(text, "cpu"),
        text.split_whitespace().any(|c| c == "cpu")
    );
}

#[cfg(not(test))]
libfuzzer_sys::fuzz_target!(|data: &[u8]| check(data));
