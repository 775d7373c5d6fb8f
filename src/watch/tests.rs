use super::*;

fn change(key: &str, action: &'static str, old: Option<&str>, new: Option<&str>) -> ChangeReport {
    ChangeReport {
        key: key.into(),
        line: 3,
        action,
        old: old.map(str::to_string),
        new: new.map(str::to_string),
        reason: None,
    }
}

fn current(origin: Origin) -> Ordered<Current> {
    Ordered(vec![(
        "workers".to_string(),
        Current {
            file: Some("2".into()),
            effective: Some("2".into()),
            origin,
        },
    )])
}

#[test]
fn ttin_only_when_workers_alone_change_between_prefork_values() {
    let file = current(Origin::File);
    let up = [change("workers", "updated", Some("2"), Some("5"))];
    assert_eq!(
        live_action(Mode::Ttin, &up, &file).0,
        Live::Workers {
            signal: Signal::Ttin,
            count: 3
        }
    );
    let down = [change("workers", "updated", Some("4"), Some("2"))];
    let (live, why) = live_action(Mode::Ttin, &down, &file);
    assert_eq!(
        live,
        Live::Workers {
            signal: Signal::Ttou,
            count: 2
        }
    );
    assert_eq!((live.signal().name(), live.count()), ("SIGTTOU", 2));
    assert!(why.contains("4 -> 2"), "{why}");

    // reload mode never signals workers
    assert_eq!(live_action(Mode::Reload, &up, &file).0, Live::Reload);
    // memory limits changed too
    let both = [
        change("workers", "updated", Some("2"), Some("4")),
        change("limit_memory_soft", "updated", Some("1"), Some("2")),
    ];
    let (live, why) = live_action(Mode::Ttin, &both, &file);
    assert_eq!(live, Live::Reload);
    assert!(why.contains("limit_memory_soft"), "{why}");
    // threaded <-> prefork
    for (old, new) in [("0", "2"), ("2", "0")] {
        let c = [change("workers", "updated", Some(old), Some(new))];
        assert_eq!(
            live_action(Mode::Ttin, &c, &file).0,
            Live::Reload,
            "{old} -> {new}"
        );
    }
    // a key that was not set before
    let added = [change("workers", "added", None, Some("2"))];
    assert_eq!(live_action(Mode::Ttin, &added, &file).0, Live::Reload);
    let uncommented = [change("workers", "uncommented", None, Some("2"))];
    assert_eq!(live_action(Mode::Ttin, &uncommented, &file).0, Live::Reload);
    // Odoo takes workers from its command line: the file's value is not what runs
    let cli = current(Origin::CommandLine("--workers".into()));
    assert_eq!(live_action(Mode::Ttin, &up, &cli).0, Live::Reload);
    // nothing about workers
    let other = [change("max_cron_threads", "updated", Some("2"), Some("1"))];
    assert_eq!(live_action(Mode::Ttin, &other, &file).0, Live::Reload);
    assert_eq!(live_action(Mode::Ttin, &[], &file).0, Live::Reload);
}

#[test]
fn debouncing_folds_bursts_and_caps_the_wait() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut d = Debouncer::new(ms(100));
    assert!(d.is_empty() && d.next_due().is_none());
    d.schedule("a", Trigger::Start, t0);
    d.schedule("a", Trigger::Update, t0 + ms(50));
    d.schedule("b", Trigger::Resync, t0 + ms(10));
    assert_eq!(d.next_due(), Some(t0 + ms(110)));
    assert!(d.take_due(t0 + ms(100)).is_empty());
    assert_eq!(d.take_due(t0 + ms(110)), vec![("b".to_string(), Trigger::Resync)]);
    assert_eq!(d.take_due(t0 + ms(150)), vec![("a".to_string(), Trigger::Update)]);
    assert!(d.is_empty());

    // an event every 50 ms: still due 4 x delay after the first
    for i in 0..20u64 {
        d.schedule("c", Trigger::Update, t0 + ms(50 * i));
    }
    assert_eq!(d.next_due(), Some(t0 + ms(400)));
    // a start after an update stays an update; a resync never hides an event
    d.schedule("c", Trigger::Start, t0);
    d.schedule("c", Trigger::Resync, t0);
    assert_eq!(d.take_due(t0 + ms(400)), vec![("c".to_string(), Trigger::Update)]);

    d.schedule("e", Trigger::Start, t0);
    assert!(d.cancel("e"));
    assert!(!d.cancel("e"));
    assert!(d.is_empty());
}

#[test]
fn backoff_doubles_up_to_the_cap_and_resets() {
    let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(4));
    let seen: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
    assert_eq!(seen, vec![500, 1000, 2000, 4000, 4000, 4000]);
    b.reset();
    assert_eq!(b.next_delay(), Duration::from_millis(500));
}

#[test]
fn decisions_read_well_and_serialize_every_field() {
    let mut d = Decision::new(Outcome::Applied, "odoo1", "abc123", Some(Trigger::Update));
    d.cpus = Some(2.0);
    d.memory_bytes = Some(2 << 30);
    d.changes = vec![
        change("workers", "updated", Some("0"), Some("2")),
        change("gevent_port", "added", None, Some("8072")),
    ];
    d.signal = Some("SIGHUP");
    d.signals = 1;
    d.reason = "--mode reload".into();
    assert_eq!(
        d.message(),
        "odoo1 (update): applied [workers 0 -> 2, gevent_port = 8072 (added)] for 2 CPUs / 2 GiB, sent SIGHUP (--mode reload)"
    );
    assert_eq!(d.level(), log::Level::Info);
    let f = d.fields();
    for key in [
        "event",
        "decision",
        "container",
        "id",
        "trigger",
        "reason",
        "cpus",
        "memory_bytes",
        "changes",
        "signal",
        "signals",
        "dry_run",
        "error",
    ] {
        assert!(f.contains_key(key), "{key}: {f:?}");
    }
    assert_eq!(f["event"], "decision");
    assert_eq!(f["decision"], "applied");
    assert_eq!(f["trigger"], "update");
    assert_eq!(f["changes"][0]["key"], "workers");
    assert_eq!(f["changes"][0]["new"], "2");

    let mut dry = d.clone();
    dry.decision = Outcome::WouldApply;
    dry.dry_run = true;
    dry.signal = Some("SIGTTIN");
    dry.signals = 2;
    let text = dry.message();
    assert!(
        text.contains("would apply")
            && text.contains("would send SIGTTIN x2")
            && text.ends_with("[dry run: nothing written]"),
        "{text}"
    );
    assert_eq!(dry.fields()["decision"], "would_apply");

    let mut failed = Decision::new(Outcome::Failed, "odoo2", "def", Some(Trigger::Start));
    failed.error = Some("odoo2: /etc/odoo/odoo.conf is refused".into());
    assert_eq!(failed.level(), log::Level::Warn);
    assert!(failed
        .message()
        .ends_with(": odoo2: /etc/odoo/odoo.conf is refused"));
    let quiet = Decision::new(Outcome::Unchanged, "odoo3", "x", Some(Trigger::Resync));
    assert_eq!(quiet.level(), log::Level::Debug);
    let loud = Decision::new(Outcome::Unchanged, "odoo3", "x", Some(Trigger::Start));
    assert_eq!(loud.level(), log::Level::Info);
    assert_eq!(
        Decision::new(Outcome::Ignored, "web", "y", None).level(),
        log::Level::Debug
    );
}
