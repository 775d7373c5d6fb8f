//! compose-examples/kubernetes/: the manifests are valid Kubernetes objects (schemas of every Kubernetes
//! version kubernetes-validate ships, strict), they hang together (names, ports, mounts), and they hand
//! odoo-sizer its limits in the form it reads: the kubelet's Downward API values and dependent-variable
//! expansion are reproduced here and fed to the real binary.
//!
//! Needs the validators venv (`make validators`, run by `make test`): tests/python/k8s_validate.py both
//! validates and parses the YAML (PyYAML comes with kubernetes-validate).

#[path = "common/validators.rs"]
mod validators;

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DIR: &str = "compose-examples/kubernetes";
const MANIFESTS: [&str; 5] = [
    "configmap.yaml",
    "deployment.yaml",
    "pvc.yaml",
    "secret.yaml",
    "service.yaml",
];
const BIN: &str = env!("CARGO_BIN_EXE_odoo-sizer");

fn manifest_dir() -> PathBuf {
    validators::repo().join(DIR)
}

/// Every YAML file of the directory; the list is pinned so that a new file is not left unchecked.
fn manifests() -> Vec<PathBuf> {
    let mut found: Vec<String> = std::fs::read_dir(manifest_dir())
        .expect("compose-examples/kubernetes exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .collect();
    found.sort();
    assert_eq!(
        found, MANIFESTS,
        "the manifests of {DIR} changed: update MANIFESTS (and the checks) in this test"
    );
    found.iter().map(|n| manifest_dir().join(n)).collect()
}

/// Runs tests/python/k8s_validate.py ARGS FILES with the venv's Python; `None` when the venv is missing
/// (test skipped, unless required).
fn k8s_validate(args: &[&str], files: &[PathBuf]) -> Option<Output> {
    let python = validators::venv_tool("python")?;
    let script = validators::repo().join("tests/python/k8s_validate.py");
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .args(files)
        .output()
        .expect("run k8s_validate.py");
    Some(out)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The objects of all manifests (parsed by PyYAML, validated against the newest schemas on the way).
fn objects() -> Option<Vec<Value>> {
    let out = k8s_validate(&["--versions", "latest", "--dump"], &manifests())?;
    assert!(
        out.status.success(),
        "k8s_validate.py failed:\n{}",
        text(&out.stderr)
    );
    let dump: Value = serde_json::from_slice(&out.stdout).expect("--dump prints JSON");
    let mut all = Vec::new();
    for path in manifests() {
        let docs = dump[path.to_str().unwrap()]
            .as_array()
            .unwrap_or_else(|| panic!("{} missing from the dump", path.display()));
        all.extend(docs.iter().cloned());
    }
    Some(all)
}

fn object<'a>(all: &'a [Value], kind: &str) -> &'a Value {
    let mut of_kind = all.iter().filter(|o| o["kind"] == kind);
    let first = of_kind.next().unwrap_or_else(|| panic!("no {kind} in {DIR}"));
    assert!(of_kind.next().is_none(), "more than one {kind} in {DIR}");
    first
}

fn odoo_container(all: &[Value]) -> &Value {
    let containers = object(all, "Deployment")["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    containers
        .iter()
        .find(|c| c["name"] == "odoo")
        .expect("a container named odoo")
}

fn env_list(container: &Value) -> &Vec<Value> {
    container["env"].as_array().expect("env")
}

fn env_entry<'a>(container: &'a Value, name: &str) -> (usize, &'a Value) {
    env_list(container)
        .iter()
        .enumerate()
        .find(|(_, e)| e["name"] == name)
        .unwrap_or_else(|| panic!("no env {name} in the odoo container"))
}

// ---- Kubernetes semantics reproduced for the check ----------------------------------------------

/// A Kubernetes quantity (`1500m`, `3Gi`, `"1"`, `2`, `0.5`) in thousandths of its unit, rounded up as
/// Kubernetes rounds quantities to milli precision. Exponent forms (`1e3`) are not used here: refused.
fn quantity_milli(q: &Value) -> u128 {
    let s = match q {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not a quantity: {other}"),
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let unit: u128 = match suffix {
        "m" => 1,
        "" => 1000,
        "k" => 1000 * 1000,
        "M" => 1000u128.pow(3),
        "G" => 1000u128.pow(4),
        "T" => 1000u128.pow(5),
        "Ki" => 1000 << 10,
        "Mi" => 1000 << 20,
        "Gi" => 1000 << 30,
        "Ti" => 1000 << 40,
        _ => panic!("quantity {s:?}: suffix {suffix:?} not handled by this test"),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let mantissa: u128 = format!("{int}{frac}")
        .parse()
        .unwrap_or_else(|_| panic!("quantity {s:?}: bad number"));
    (mantissa * unit).div_ceil(10u128.pow(frac.len() as u32))
}

/// What the kubelet puts in an env var for `resourceFieldRef` (pkg/api/v1/resource
/// ExtractContainerResourceValue): CPU `ceil(milli(limit) / milli(divisor))`, memory
/// `ceil(value(limit) / value(divisor))`; the divisor defaults to 1.
fn downward_value(container: &Value, field_ref: &Value) -> String {
    let resource = field_ref["resource"].as_str().expect("resourceFieldRef.resource");
    let (section, name) = resource.split_once('.').expect("limits.x or requests.x");
    let quantity = &container["resources"][section][name];
    assert!(
        !quantity.is_null(),
        "{resource} is not set on the container: the Downward API would report the node's allocatable"
    );
    let divisor = match &field_ref["divisor"] {
        Value::Null => Value::String("1".into()),
        d => d.clone(),
    };
    let value = match name {
        "cpu" => quantity_milli(quantity).div_ceil(quantity_milli(&divisor)),
        "memory" => quantity_milli(quantity)
            .div_ceil(1000)
            .div_ceil(quantity_milli(&divisor).div_ceil(1000)),
        other => panic!("resourceFieldRef {other} not handled by this test"),
    };
    value.to_string()
}

/// Kubernetes' `$(VAR)` expansion of an env value (third_party/forked/golang/expansion): `$(NAME)` of a
/// variable defined EARLIER in the list is replaced, `$$` is an escaped `$`, anything else stays as is.
fn expand(value: &str, earlier: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(close) = after.strip_prefix('(').and_then(|a| a.find(')')) {
            let name = &after[1..=close];
            match earlier.get(name) {
                Some(v) => out.push_str(v),
                None => out.push_str(&rest[at..at + 3 + close]),
            }
            rest = &after[close + 2..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The odoo container's environment as the kubelet would set it (values from Secrets left out).
fn container_env(container: &Value) -> Vec<(String, String)> {
    let mut seen = HashMap::new();
    let mut env = Vec::new();
    for entry in env_list(container) {
        let name = entry["name"].as_str().expect("env name").to_string();
        let value = if let Some(v) = entry["value"].as_str() {
            expand(v, &seen)
        } else if let Some(field) = entry["valueFrom"].get("resourceFieldRef") {
            downward_value(container, field)
        } else {
            continue;
        };
        seen.insert(name.clone(), value.clone());
        env.push((name, value));
    }
    env
}

fn odoo_sizer(args: &[&str], env: &[(String, String)]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run odoo-sizer")
}

/// `odoo-sizer SUB --help`, or `None` when the binary has no such subcommand.
fn help(sub: &str) -> Option<String> {
    let out = odoo_sizer(&[sub, "--help"], &[]);
    out.status.success().then(|| text(&out.stdout))
}

/// Whether `help` documents FLAG (`--output` in `-o, --output <PATH>`, `--wait-db[=<SECONDS>]`, ...).
fn documents_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(at, _)| {
        let before = help[..at].chars().last();
        let after = help[at + flag.len()..].chars().next();
        matches!(before, Some(' ' | '\n' | ','))
            && !matches!(after, Some(c) if c.is_alphanumeric() || c == '-')
    })
}

// ---- the tests ---------------------------------------------------------------------------------

#[test]
fn manifests_are_valid_for_every_shipped_kubernetes_version() {
    let Some(out) = k8s_validate(&["--versions", "all"], &manifests()) else {
        return;
    };
    let report = text(&out.stderr);
    eprintln!("{report}");
    assert!(out.status.success(), "invalid manifests in {DIR}:\n{report}");
    assert!(
        report.contains("65 object validations") && report.contains("0 problem(s)"),
        "expected 5 objects × 13 Kubernetes versions: {report}"
    );
}

/// The gate can fail: each way of breaking the Deployment is refused, with the problem named.
#[test]
fn the_validator_refuses_broken_manifests() {
    let good = std::fs::read_to_string(manifest_dir().join("deployment.yaml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        // a misspelt field: only strict validation sees it
        (
            "readinessProbe:",
            "readinesProbe:",
            "'readinesProbe' was unexpected",
        ),
        (
            "containerPort: 8069",
            "containerPort: \"8069\"",
            "is not of type 'integer'",
        ),
        (
            "kind: Deployment",
            "kind: Deploymnet",
            "Couldn't find schema for kind Deploymnet",
        ),
        (
            "apiVersion: apps/v1",
            "apiVersion: apps/v2",
            "Couldn't find schema",
        ),
        // a key given twice: Kubernetes' strict decoding refuses it, PyYAML alone would not
        (
            "  replicas: 1\n",
            "  replicas: 1\n  replicas: 2\n",
            "found duplicate key 'replicas'",
        ),
        (
            "resource: limits.cpu",
            "resource: [limits.cpu]",
            "is not of type 'string'",
        ),
    ];
    for (from, to, expect) in cases {
        assert!(good.contains(from), "deployment.yaml no longer has {from:?}");
        let broken = tmp.path().join("deployment.yaml");
        std::fs::write(&broken, good.replacen(from, to, 1)).unwrap();
        let Some(out) = k8s_validate(&["--versions", "oldest,latest"], &[broken]) else {
            return;
        };
        let report = text(&out.stderr);
        assert!(
            !out.status.success() && report.contains(expect),
            "{from:?} -> {to:?}: expected a failure mentioning {expect:?}, got {:?}:\n{report}",
            out.status
        );
    }
}

/// The Downward API and the dependent variable give odoo-sizer exactly the container's limits: the
/// kubelet's values are computed from the manifest and passed to the real binary.
#[test]
fn the_pod_limits_reach_odoo_sizer_as_it_reads_them() {
    let Some(all) = objects() else { return };
    let odoo = odoo_container(&all);

    let (milli_at, milli) = env_entry(odoo, "LIMITS_CPU_MILLI");
    let field = &milli["valueFrom"]["resourceFieldRef"];
    assert_eq!(field["resource"], "limits.cpu", "{milli}");
    assert_eq!(field["divisor"], "1m", "{milli}: millicores, not ceil(CPUs)");
    let (cpus_at, cpus) = env_entry(odoo, "ODOO_SIZER_CPUS");
    assert_eq!(cpus["value"], "$(LIMITS_CPU_MILLI)m", "{cpus}");
    assert!(
        milli_at < cpus_at,
        "LIMITS_CPU_MILLI must come before ODOO_SIZER_CPUS: Kubernetes only expands earlier variables"
    );
    let (_, memory) = env_entry(odoo, "ODOO_SIZER_MEMORY");
    let field = &memory["valueFrom"]["resourceFieldRef"];
    assert_eq!(field["resource"], "limits.memory", "{memory}");
    assert!(
        matches!(field["divisor"].as_str(), None | Some("1")),
        "{memory}: bytes"
    );

    let limits = &odoo["resources"]["limits"];
    let want_cpus = quantity_milli(&limits["cpu"]) as f64 / 1000.0;
    let want_bytes = (quantity_milli(&limits["memory"]) / 1000) as u64;
    assert_eq!((want_cpus, want_bytes), (1.5, 3 << 30), "the documented limits");
    for (what, request) in odoo["resources"]["requests"].as_object().expect("requests") {
        assert!(
            quantity_milli(request) <= quantity_milli(&limits[what]),
            "requests.{what} above limits.{what}"
        );
    }

    let env = container_env(odoo);
    eprintln!("the odoo container's environment, as the kubelet sets it: {env:?}");
    assert!(
        env.contains(&("LIMITS_CPU_MILLI".into(), "1500".into())),
        "{env:?}"
    );
    assert!(
        env.contains(&("ODOO_SIZER_CPUS".into(), "1500m".into())),
        "{env:?}"
    );
    assert!(
        env.contains(&("ODOO_SIZER_MEMORY".into(), "3221225472".into())),
        "{env:?}"
    );

    let out = odoo_sizer(&["detect", "--format", "json"], &env);
    assert!(out.status.success(), "detect: {}", text(&out.stderr));
    let detected: Value = serde_json::from_slice(&out.stdout).expect("detect JSON");
    assert_eq!(
        detected["cpu"]["effective_cpus"].as_f64(),
        Some(want_cpus),
        "{detected:#}"
    );
    assert_eq!(detected["cpu"]["source"], "ODOO_SIZER_CPUS", "{detected:#}");
    assert_eq!(
        detected["memory"]["effective_bytes"].as_u64(),
        Some(want_bytes),
        "{detected:#}"
    );
    assert_eq!(detected["memory"]["source"], "ODOO_SIZER_MEMORY", "{detected:#}");

    // Why the `m`: the bare Downward API number would be read as 1500 CPUs.
    let bare = [("ODOO_SIZER_CPUS".to_string(), "1500".to_string())];
    let out = odoo_sizer(&["detect", "--format", "json"], &bare);
    let detected: Value = serde_json::from_slice(&out.stdout).expect("detect JSON");
    assert_eq!(
        detected["cpu"]["effective_cpus"].as_f64(),
        Some(1500.0),
        "{detected:#}"
    );
}

/// The container's command is `odoo-sizer init [flags] -- /entrypoint.sh odoo`, every flag and every
/// ODOO_SIZER_* variable exists in the binary, and the paths it uses are mounted the right way.
#[test]
fn the_init_command_uses_what_odoo_sizer_has() {
    let Some(all) = objects() else { return };
    let odoo = odoo_container(&all);
    let command: Vec<&str> = odoo["command"]
        .as_array()
        .expect("command")
        .iter()
        .map(|v| v.as_str().expect("string"))
        .collect();
    assert_eq!(command[..2], ["odoo-sizer", "init"], "{command:?}");
    let dashes = command
        .iter()
        .position(|a| *a == "--")
        .expect("`--` before the command");
    assert_eq!(command[dashes + 1..], ["/entrypoint.sh"], "{command:?}");
    assert_eq!(odoo["args"], serde_json::json!(["odoo"]), "the official CMD");

    // Flags (and their values) between `init` and `--`.
    let mut flags = Vec::new();
    let mut options: HashMap<&str, &str> = HashMap::new();
    let mut words = command[2..dashes].iter().peekable();
    while let Some(word) = words.next() {
        assert!(word.starts_with("--"), "{word:?}: not a long flag in {command:?}");
        let (flag, value) = match word.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (*word, words.next_if(|w| !w.starts_with('-')).copied()),
        };
        flags.push(flag);
        if let Some(v) = value {
            options.insert(flag, v);
        }
    }
    let env_names: Vec<&str> = env_list(odoo)
        .iter()
        .filter_map(|e| e["name"].as_str())
        .filter(|n| n.starts_with("ODOO_SIZER_"))
        .collect();

    let help = match help("init") {
        Some(h) => h,
        None => {
            eprintln!(
                "NOTE: this odoo-sizer has no `init` yet: the flags {flags:?} and variables \
                 {env_names:?} are checked against `apply --help` (the options init shares with apply); \
                 init-only flags would fail here until init is merged"
            );
            help("apply").expect("odoo-sizer apply --help")
        }
    };
    for flag in &flags {
        assert!(
            documents_flag(&help, flag),
            "{flag} is not an option of odoo-sizer:\n{help}"
        );
    }
    for name in &env_names {
        assert!(
            help.contains(&format!("[env: {name}=")),
            "{name} is not read by odoo-sizer:\n{help}"
        );
    }
    assert!(documents_flag(&help, "--output") && !documents_flag(&help, "--outputs"));

    // Mounts: the ConfigMap read-only where ODOO_RC points by default; --output on a writable emptyDir.
    let pod = &object(&all, "Deployment")["spec"]["template"]["spec"];
    let volume = |mount_path: &str| -> (&Value, &Value) {
        let mount = odoo["volumeMounts"]
            .as_array()
            .expect("volumeMounts")
            .iter()
            .find(|m| m["mountPath"] == mount_path)
            .unwrap_or_else(|| panic!("nothing mounted at {mount_path}"));
        let volume = pod["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap_or_else(|| panic!("no volume {}", mount["name"]));
        (mount, volume)
    };
    let (mount, config) = volume("/etc/odoo");
    assert_eq!(mount["readOnly"], true, "{mount}");
    let configmap = object(&all, "ConfigMap");
    assert_eq!(config["configMap"]["name"], configmap["metadata"]["name"]);
    let output = Path::new(
        options
            .get("--output")
            .expect("--output: the ConfigMap is read-only"),
    );
    let (mount, sized) = volume(output.parent().unwrap().to_str().unwrap());
    assert!(
        mount["readOnly"] != true && sized.get("emptyDir").is_some(),
        "{mount} {sized}"
    );

    // The ConfigMap's odoo.conf is one odoo-sizer sizes (not refused), comments and keys kept.
    let conf = configmap["data"]["odoo.conf"].as_str().expect("data.odoo.conf");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("odoo.conf"), conf).unwrap();
    let env = container_env(odoo);
    let src = tmp.path().join("odoo.conf");
    let dst = tmp.path().join("sized.conf");
    let out = odoo_sizer(
        &[
            "apply",
            "--odoo-version",
            "18",
            "--config",
            src.to_str().unwrap(),
            "--output",
            dst.to_str().unwrap(),
        ],
        &env,
    );
    assert!(
        out.status.success(),
        "apply refused the ConfigMap's odoo.conf: {}",
        text(&out.stderr)
    );
    let sized = std::fs::read_to_string(&dst).unwrap();
    assert!(
        sized.contains("\nworkers = 3\n"),
        "1.5 CPUs: 3 HTTP workers:\n{sized}"
    );
    for line in conf.lines().filter(|l| {
        !l.starts_with("; workers") && !l.starts_with("; max_cron") && !l.starts_with("; limit_memory")
    }) {
        assert!(sized.lines().any(|s| s == line), "{line:?} lost:\n{sized}");
    }
}

/// Names and ports that must agree across the files.
#[test]
fn the_objects_refer_to_each_other() {
    let Some(all) = objects() else { return };
    let deployment = object(&all, "Deployment");
    let pod = &deployment["spec"]["template"];
    let odoo = odoo_container(&all);

    let selector = deployment["spec"]["selector"]["matchLabels"].as_object().unwrap();
    for (k, v) in selector {
        assert_eq!(&pod["metadata"]["labels"][k], v, "Deployment selector {k}");
    }
    let service = object(&all, "Service");
    for (k, v) in service["spec"]["selector"].as_object().expect("Service selector") {
        assert_eq!(&pod["metadata"]["labels"][k], v, "Service selector {k}");
    }
    let ports = odoo["ports"].as_array().expect("ports");
    let port_of = |name: &Value| -> u64 {
        if let Some(n) = name.as_u64() {
            return n;
        }
        ports
            .iter()
            .find(|p| &p["name"] == name)
            .unwrap_or_else(|| panic!("no container port named {name}"))["containerPort"]
            .as_u64()
            .unwrap()
    };
    let service_ports: Vec<u64> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| port_of(&p["targetPort"]))
        .collect();
    assert_eq!(
        service_ports,
        [8069, 8072],
        "HTTP and the gevent (websocket) port"
    );
    assert_eq!(port_of(&odoo["readinessProbe"]["httpGet"]["port"]), 8069);

    let secret = object(&all, "Secret");
    for entry in env_list(odoo) {
        if let Some(r) = entry["valueFrom"].get("secretKeyRef") {
            assert_eq!(r["name"], secret["metadata"]["name"], "{entry}");
            let key = r["key"].as_str().unwrap();
            assert!(secret["stringData"].get(key).is_some(), "{key} not in the Secret");
        }
    }
    let names: Vec<&str> = env_list(odoo).iter().filter_map(|e| e["name"].as_str()).collect();
    for name in ["HOST", "USER", "PASSWORD"] {
        assert!(
            names.contains(&name),
            "{name}: the official entrypoint's database settings"
        );
    }
    let claims: Vec<&Value> = pod["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.get("persistentVolumeClaim"))
        .collect();
    assert_eq!(claims.len(), 1);
    assert_eq!(
        claims[0]["claimName"],
        object(&all, "PersistentVolumeClaim")["metadata"]["name"]
    );

    // As the official image: its odoo user, never root.
    let security = &pod["spec"]["securityContext"];
    assert_eq!(security["runAsNonRoot"], true, "{security}");
    assert!(
        security["runAsUser"].as_u64().is_some_and(|u| u > 0),
        "{security}"
    );
    assert_eq!(odoo["securityContext"]["allowPrivilegeEscalation"], false);
}
