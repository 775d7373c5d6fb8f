//! Throughput of `Document::parse` (target: at least 100 MB/s in release builds), measured in thread CPU
//! time. The assertions only run in optimised builds: `cargo test --release --test conf_perf -- --nocapture`.

use odoo_sizer::conf::Document;

/// CPU time of this thread in seconds: unlike wall time, it does not count waiting for a busy machine.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// A large realistic file: doc blocks, commented defaults, unique keys, continuation lines, CRLF mixed in.
fn big_file(target: usize) -> Vec<u8> {
    let mut out = b"[options]\n".to_vec();
    let mut i = 0usize;
    while out.len() < target {
        out.extend_from_slice(
            format!(
                "; option_{i}:\n;   Documentation of option {i}, which does something useful.\n; option_{i} = 0\n\
                 option_{i} = /mnt/extra-addons/{i},/usr/lib/python3/dist-packages/odoo/addons\n\
                 Limit_{i} : {i} ; inline comment\r\n\n    continued_{i}\n"
            )
            .as_bytes(),
        );
        if i % 1000 == 999 {
            out.extend_from_slice(format!("[section_{i}]\n").as_bytes());
        }
        i += 1;
    }
    out
}

fn doc_check(doc: Document) -> Document {
    assert!(doc.issues().is_empty(), "{:?}", doc.issues().first());
    assert!(doc.line_count() > 1000, "{} lines", doc.line_count());
    doc
}

#[test]
fn parse_throughput() {
    let data = big_file(if cfg!(debug_assertions) { 2 << 20 } else { 32 << 20 });
    // Warm up, then take the best of a few runs.
    let mut best = f64::MAX;
    for _ in 0..4 {
        let start = cpu_seconds();
        let doc = Document::parse(&data);
        let secs = cpu_seconds() - start;
        drop(doc_check(doc));
        best = best.min(secs);
    }
    let mb_per_s = data.len() as f64 / best / 1e6;
    println!(
        "parse: {:.1} MB in {:.3} s = {mb_per_s:.0} MB/s",
        data.len() as f64 / 1e6,
        best
    );
    if !cfg!(debug_assertions) {
        assert!(
            mb_per_s >= 100.0,
            "parse throughput {mb_per_s:.0} MB/s is below 100 MB/s"
        );
    }
}

#[test]
fn parse_is_linear() {
    // Doubling the input must not much more than double the time (no quadratic path), release builds only.
    if cfg!(debug_assertions) {
        return;
    }
    let time = |n: usize| {
        let data = big_file(n);
        let start = cpu_seconds();
        let doc = Document::parse(&data);
        let secs = cpu_seconds() - start;
        assert!(doc.line_count() > 0);
        secs / data.len() as f64
    };
    let small = (0..3).map(|_| time(4 << 20)).fold(f64::MAX, f64::min);
    let large = (0..3).map(|_| time(16 << 20)).fold(f64::MAX, f64::min);
    assert!(
        large < small * 3.0,
        "per-byte time grew from {small:e} to {large:e}"
    );
}

#[test]
fn duplicate_keys_are_linear() {
    // Every duplicate is reported with the line of the key's first entry: finding that line must not scan
    // the entries before it (release builds only). N distinct keys, then the last one N times more.
    if cfg!(debug_assertions) {
        return;
    }
    let time = |keys: usize| {
        let mut data = b"[other]\n".to_vec();
        for i in 0..keys {
            data.extend_from_slice(format!("other_{i} = {i}\n").as_bytes());
        }
        data.extend_from_slice(b"[s]\n");
        for i in 0..keys {
            data.extend_from_slice(format!("key_{i} = {i}\n").as_bytes());
        }
        for i in 0..keys {
            data.extend_from_slice(format!("key_{} = {i}\n", keys - 1).as_bytes());
        }
        let start = cpu_seconds();
        let doc = Document::parse(&data);
        let secs = cpu_seconds() - start;
        assert_eq!(
            doc.issues().len(),
            keys,
            "one duplicate-key issue per repeated line"
        );
        secs / data.len() as f64
    };
    let small = (0..3).map(|_| time(20_000)).fold(f64::MAX, f64::min);
    let large = (0..3).map(|_| time(80_000)).fold(f64::MAX, f64::min);
    assert!(
        large < small * 3.0,
        "per-byte time grew from {small:e} to {large:e}"
    );
}
