//! Property tests: the parsers of untrusted text never panic, and parse what they print.

use odoo_sizer::limits::{mountinfo, proc_cgroup, quantity, values};
use proptest::prelude::*;

/// Text made of the characters these files are made of, plus anything at all.
fn cgroupish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-z:/,=. \\-\\\\\n]{0,200}",
        any::<String>(),
        "([0-9]{1,3} [0-9]{1,3} [0-9]:[0-9]{1,2} /[a-z/\\\\0-9]{0,20} /[a-z/]{0,20} [a-z,]{0,10}( [a-z:0-9]{1,8}){0,3} - cgroup2? [a-z]{0,6} [a-z, ]{0,20}\n){0,5}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mountinfo_never_panics(text in cgroupish()) {
        let (mounts, bad) = mountinfo::parse(&text);
        prop_assert!(mounts.len() + bad.len() <= text.lines().count());
    }

    #[test]
    fn proc_cgroup_never_panics(text in cgroupish()) {
        let (lines, bad) = proc_cgroup::parse(&text);
        prop_assert!(lines.len() + bad.len() <= text.lines().count());
        for line in lines {
            prop_assert!(line.path.starts_with('/'));
        }
    }

    #[test]
    fn value_parsers_never_panic(text in cgroupish()) {
        let _ = values::parse_cpu_max(&text);
        let _ = values::parse_v2_bytes(&text);
        let _ = values::parse_v1_bytes(&text);
        let _ = values::parse_v1_quota(&text);
        let _ = values::parse_v1_period(&text);
        let _ = values::parse_cpu_list(&text);
        let _ = values::parse_memory_stat(&text, "hierarchical_memory_limit");
        let _ = values::parse_meminfo_total(&text);
        let _ = values::parse_status_cpus_allowed(&text);
    }

    #[test]
    fn quantity_parsers_never_panic(text in prop_oneof!["[0-9.kKmMgGtTpPiIbB ]{0,30}", any::<String>()]) {
        if let Ok(cpus) = quantity::parse_cpus(&text) {
            prop_assert!(cpus > 0.0 && cpus.is_finite());
        }
        if let Ok(bytes) = quantity::parse_memory(&text) {
            prop_assert!(bytes > 0);
        }
    }

    #[test]
    fn memory_sizes_round_trip(mib in 1u64..(1 << 30)) {
        prop_assert_eq!(quantity::parse_memory(&format!("{mib}m")), Ok(mib << 20));
        prop_assert_eq!(quantity::parse_memory(&format!("{mib}Mi")), Ok(mib << 20));
        prop_assert_eq!(quantity::parse_memory(&(mib << 20).to_string()), Ok(mib << 20));
    }

    #[test]
    fn millicores_match_decimals(milli in 1u32..10_000_000) {
        let from_milli = quantity::parse_cpus(&format!("{milli}m")).unwrap_or(-1.0);
        let from_decimal = quantity::parse_cpus(&format!("{}.{:03}", milli / 1000, milli % 1000)).unwrap_or(-2.0);
        prop_assert!((from_milli - from_decimal).abs() < 1e-9);
    }

    #[test]
    fn escaped_mount_points_decode(name in "[a-z ]{1,12}") {
        let escaped = name.replace(' ', "\\040");
        let line = format!("40 31 0:40 /{escaped} /sys/fs/cgroup/{escaped} rw - cgroup2 cgroup2 rw");
        let mount = mountinfo::parse_line(&line);
        prop_assert!(mount.is_some());
        if let Some(mount) = mount {
            prop_assert_eq!(mount.root, format!("/{name}"));
        }
    }
}
