//! Properties of `lint` on generated odoo.conf files (the conf tests' generator, biased to the cases
//! Python handles surprisingly): it never panics, every Python exception is reported as an error, findings
//! are sorted and on real lines, container rules appear only with the limits they need, and secret values
//! injected anywhere never appear in a message or a fix.

#[path = "conf_support.rs"]
mod support;

use odoo_sizer::conf::Document;
use odoo_sizer::lint::{lint, Context, Needs, Severity};
use odoo_sizer::odoo::OdooVersion;
use proptest::prelude::*;

fn version() -> impl Strategy<Value = OdooVersion> {
    proptest::sample::select(OdooVersion::ALL.to_vec())
}

fn context() -> impl Strategy<Value = Context> {
    (
        version(),
        proptest::option::of(prop_oneof![Just(0.5), Just(1.0), Just(2.0), Just(16.0)]),
        proptest::option::of(prop_oneof![
            Just(256u64 << 20),
            Just(2u64 << 30),
            Just(64u64 << 30)
        ]),
        proptest::option::of(prop_oneof![Just(1u32), Just(100), Just(10_000)]),
    )
        .prop_map(|(version, cpus, memory_bytes, pg_max_connections)| Context {
            cpus,
            memory_bytes,
            pg_max_connections,
            ..Context::new(version)
        })
}

/// A secret assignment whose value (and continuation text) are unique tokens.
fn secret_lines() -> impl Strategy<Value = (Vec<u8>, Vec<String>)> {
    (
        support::pick(&[
            "admin_passwd",
            "db_password",
            "SMTP_PASSWORD",
            "api_token",
            "my_secret",
            "x-token",
        ]),
        support::pick(&[" = ", "=", ": ", " : "]),
        "[a-z0-9]{6,10}",
        // After whitespace and `;`/`#`: an inline comment to configparser's readers, but maybe part of
        // the password (`{}` is a second token).
        support::pick(&["", " ; note", " # 1", ";x", " ; {}", " #{}", ";{}"]),
        "[a-z0-9]{6,10}",
        proptest::option::of(("[a-z0-9]{6,10}", support::pick(&["", " = v", ": v"]))),
    )
        .prop_map(|(key, delim, token, suffix, in_comment, continuation)| {
            let value = format!("Zq{token}");
            let mut tokens = vec![value.clone()];
            let suffix = if suffix.contains("{}") {
                let hidden = format!("Zq{in_comment}");
                tokens.push(hidden.clone());
                suffix.replace("{}", &hidden)
            } else {
                suffix
            };
            let mut text = format!("{key}{delim}{value}{suffix}\n");
            if let Some((more, tail)) = continuation {
                let more = format!("Zq{more}");
                text.push_str(&format!("    {more}{tail}\n"));
                tokens.push(more);
            }
            (text.into_bytes(), tokens)
        })
}

/// A generated file with secret assignments spliced in at line boundaries.
fn file_with_secrets() -> impl Strategy<Value = (Vec<u8>, Vec<String>)> {
    (
        support::ini_file(),
        proptest::collection::vec((secret_lines(), any::<prop::sample::Index>()), 1..4),
    )
        .prop_map(|(base, secrets)| {
            let mut lines: Vec<Vec<u8>> = base
                .split_inclusive(|&b| b == b'\n')
                .map(|l| {
                    let mut l = l.to_vec();
                    if l.last() != Some(&b'\n') {
                        l.push(b'\n');
                    }
                    l
                })
                .collect();
            let mut tokens = Vec::new();
            for ((text, mut t), at) in secrets {
                let at = at.index(lines.len() + 1);
                lines.insert(at, text);
                tokens.append(&mut t);
            }
            (lines.concat(), tokens)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn lint_is_total_and_consistent(bytes in support::ini_file(), ctx in context()) {
        let doc = Document::parse(&bytes);
        let report = lint(&doc, &ctx);
        let mut previous = (false, None, None);
        for f in &report.findings {
            if let Some(line) = f.line {
                prop_assert!(line >= 1 && line <= doc.line_count(), "{f:?}");
            }
            prop_assert!(ctx.has(f.rule.needs()), "{f:?} without what it needs");
            prop_assert!(!f.message.is_empty() && !f.fix.is_empty());
            let key = (f.line.is_none(), f.line, Some(f.rule));
            prop_assert!(previous <= key, "not sorted: {:?}", report.findings);
            previous = key;
        }
        for rule in &report.skipped {
            prop_assert!(!ctx.has(rule.needs()));
            prop_assert!(rule.needs() != Needs::File);
        }
        // Whatever Python refuses, lint reports as an error (so the exit status is 1).
        prop_assert_eq!(report.python_error.clone(), doc.python_error().map(|e| e.to_string()));
        if report.python_error.is_some() {
            prop_assert!(report.findings.iter().any(|f| f.severity == Severity::Error));
        }
        prop_assert_eq!(report.has_errors(), report.errors() > 0);
    }

    #[test]
    fn secret_values_never_appear((bytes, tokens) in file_with_secrets(), ctx in context()) {
        let doc = Document::parse(&bytes);
        let report = lint(&doc, &ctx);
        for f in &report.findings {
            for token in &tokens {
                prop_assert!(
                    !f.message.contains(token.as_str()) && !f.fix.contains(token.as_str()),
                    "{token} in {f:?} for {:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }
}
