//! Which containers a Docker command works on: named ones, or every running container that looks like
//! Odoo (`--all`), narrowed by `docker ps`-style filters (`--filter label=K=V`, `name=...`, passed to
//! the engine as they are).
//!
//! Owns: the "looks like Odoo" predicate ([`odoo_verdict`], pure), filter parsing (pure), and
//! [`select`], which asks the engine and returns one outcome per target: one target's failure (unknown
//! name, stopped, not Odoo) never hides the others.
//! Must not: read config files or act on containers.

use super::client::Engine;
use super::error::DockerError;
use super::target::{env_value, EngineFacts, Target};
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptions};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The label that selects a container explicitly (`true`) or keeps it out of `--all` (`false`).
pub const ENABLE_LABEL: &str = "odoo-sizer.enable";

/// Why a container counts as Odoo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Evidence {
    /// `odoo-sizer.enable=true`.
    Label,
    /// `ODOO_VERSION` in its environment (the official image sets it), with its value.
    OdooVersionEnv(String),
    /// Its image name mentions Odoo.
    ImageName(String),
}

/// The predicate's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Odoo(Vec<Evidence>),
    /// Not Odoo, with the reason for the user.
    NotOdoo(String),
}

fn truthy(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// True when an image reference names Odoo: a path component of its repository (registry host, tag
/// and digest left out) contains `odoo` — `odoo:18`, `bitnami/odoo`, `acme/odoo-custom:2` — except
/// odoo-sizer's own images (`odoo-sizer`, `odoo-sizer-*`), which are never Odoo.
pub fn image_names_odoo(image: &str) -> bool {
    let reference = image.trim().to_ascii_lowercase();
    let without_digest = reference.split('@').next().unwrap_or("");
    let repository = match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => without_digest,
    };
    let mut components: Vec<&str> = repository.split('/').filter(|c| !c.is_empty()).collect();
    if components.len() > 1 {
        let first = components[0];
        if first.contains('.') || first.contains(':') || first == "localhost" {
            components.remove(0);
        }
    }
    let Some(last) = components.last() else {
        return false;
    };
    !last.starts_with("odoo-sizer") && components.iter().any(|c| c.contains("odoo"))
}

/// Does this container run Odoo? Yes when it carries `odoo-sizer.enable=true`, has `ODOO_VERSION` in
/// its environment, or its image names Odoo; `odoo-sizer.enable=false` always says no.
pub fn odoo_verdict(image: &str, env: &[String], labels: &BTreeMap<String, String>) -> Verdict {
    let label = labels.get(ENABLE_LABEL).map(String::as_str);
    if label.and_then(truthy) == Some(false) {
        return Verdict::NotOdoo(format!(
            "it carries the label {ENABLE_LABEL}={}, which keeps it out of odoo-sizer's hands",
            label.unwrap_or_default()
        ));
    }
    let mut evidence = Vec::new();
    if label.and_then(truthy) == Some(true) {
        evidence.push(Evidence::Label);
    }
    if let Some(version) = env_value(env, "ODOO_VERSION").filter(|v| !v.trim().is_empty()) {
        evidence.push(Evidence::OdooVersionEnv(version.to_string()));
    }
    if image_names_odoo(image) {
        evidence.push(Evidence::ImageName(image.to_string()));
    }
    if evidence.is_empty() {
        let image = if image.is_empty() { "(unknown)" } else { image };
        Verdict::NotOdoo(format!(
            "its image {image} does not name Odoo, its environment has no ODOO_VERSION, and it has no label \
             {ENABLE_LABEL}=true. Add that label to select it anyway"
        ))
    } else {
        Verdict::Odoo(evidence)
    }
}

/// Parses `docker ps`-style filters (`label=K=V`, `label=K`, `name=odoo`, `id=...`) into the API's
/// map. The key is everything before the first `=`; values are passed to the engine unchanged (it
/// rejects unknown keys itself).
pub fn parse_filters(filters: &[String]) -> Result<HashMap<String, Vec<String>>, DockerError> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for filter in filters {
        let bad = |reason: &str| DockerError::BadFilter {
            filter: filter.clone(),
            reason: reason.to_string(),
        };
        let (key, value) = filter.split_once('=').ok_or_else(|| bad("there is no '='"))?;
        let key = key.trim();
        if key.is_empty() {
            return Err(bad("the key before '=' is empty"));
        }
        if value.is_empty() {
            return Err(bad("the value after '=' is empty"));
        }
        map.entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.to_string());
    }
    Ok(map)
}

/// What the user asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Container names or IDs (each must exist, run, and look like Odoo).
    pub names: Vec<String>,
    /// Every running container that looks like Odoo.
    pub all: bool,
    /// `docker ps` filters; they imply `all`.
    pub filters: Vec<String>,
}

impl Selection {
    /// The same listing narrowed to one container ID (for `watch`: is the container of this event
    /// selected?).
    pub fn narrowed_to(&self, id: &str) -> Selection {
        let mut filters = self.filters.clone();
        filters.push(format!("id={id}"));
        Selection {
            names: Vec::new(),
            all: true,
            filters,
        }
    }

    fn check(&self) -> Result<(), DockerError> {
        if !self.names.is_empty() && (self.all || !self.filters.is_empty()) {
            return Err(DockerError::BadSelection {
                reason: "name containers, or use --all/--filter, not both".into(),
            });
        }
        if self.names.is_empty() && !self.all && self.filters.is_empty() {
            return Err(DockerError::BadSelection {
                reason: "no container named; name one or more, or use --all (optionally with --filter)"
                    .into(),
            });
        }
        parse_filters(&self.filters).map(|_| ())
    }
}

/// A container chosen for work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selected {
    pub target: Target,
    pub evidence: Vec<Evidence>,
}

/// The outcome for one requested name (or one listed container).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The name or ID as given, or the container's name for listed ones.
    pub requested: String,
    pub result: Result<Selected, DockerError>,
}

/// `GET /containers/{name}/json` as a [`Target`]: a 404 is [`DockerError::NoSuchContainer`].
pub async fn inspect_target(engine: &Engine, name: &str, facts: &EngineFacts) -> Result<Target, DockerError> {
    let answer = engine
        .bollard()
        .inspect_container(name, None::<InspectContainerOptions>)
        .await
        .map_err(|e| match e {
            bollard::errors::Error::DockerResponseServerError { status_code: 404, .. } => {
                DockerError::NoSuchContainer {
                    name: name.to_string(),
                }
            }
            other => engine.error(&format!("inspect container {name}"), other),
        })?;
    Target::from_inspect(&answer, facts).map_err(|reason| DockerError::Transport {
        host: engine.host().to_string(),
        action: format!("inspect container {name}"),
        message: reason,
    })
}

/// Checks a target named explicitly: it must run and look like Odoo.
pub fn check_named(target: Target) -> Result<Selected, DockerError> {
    if !target.running {
        return Err(DockerError::NotRunning {
            name: target.name.clone(),
            state: target.state.clone(),
        });
    }
    match odoo_verdict(&target.image, &target.env, &target.labels) {
        Verdict::Odoo(evidence) => Ok(Selected { target, evidence }),
        Verdict::NotOdoo(why) => Err(DockerError::NotOdoo {
            name: target.name.clone(),
            why,
        }),
    }
}

/// Resolves the selection. `Err` only when the engine cannot be used at all (or the selection is
/// malformed); otherwise one [`Outcome`] per named container (in the given order, duplicates of the same
/// container dropped), or one per listed container that runs and looks like Odoo (others are skipped).
pub async fn select(
    engine: &Engine,
    selection: &Selection,
    concurrency: usize,
) -> Result<Vec<Outcome>, DockerError> {
    selection.check()?;
    let facts = engine.facts().await?;
    if !selection.names.is_empty() {
        let outcomes = super::map_bounded(selection.names.clone(), concurrency, |name| {
            let facts = &facts;
            async move {
                let result = inspect_target(engine, &name, facts).await.and_then(check_named);
                Outcome {
                    requested: name,
                    result,
                }
            }
        })
        .await;
        let mut seen = std::collections::HashSet::new();
        return Ok(outcomes
            .into_iter()
            .filter(|o| match &o.result {
                Ok(s) => seen.insert(s.target.id.clone()),
                Err(_) => true,
            })
            .collect());
    }

    let options = ListContainersOptions {
        all: false,
        filters: Some(parse_filters(&selection.filters)?),
        ..Default::default()
    };
    let listed = engine
        .bollard()
        .list_containers(Some(options))
        .await
        .map_err(|e| engine.error("list containers", e))?;
    let ids: Vec<String> = listed.into_iter().filter_map(|c| c.id).collect();
    let outcomes = super::map_bounded(ids, concurrency, |id| {
        let facts = &facts;
        async move { (id.clone(), inspect_target(engine, &id, facts).await) }
    })
    .await;
    let mut selected = Vec::new();
    for (id, result) in outcomes {
        match result {
            // gone between the listing and the inspection
            Err(DockerError::NoSuchContainer { .. }) => {
                log::debug!("container {id} disappeared while selecting")
            }
            Err(e) => selected.push(Outcome {
                requested: id,
                result: Err(e),
            }),
            Ok(target) if !target.running => log::debug!("skipping {}: {}", target.name, target.state),
            Ok(target) => match odoo_verdict(&target.image, &target.env, &target.labels) {
                Verdict::Odoo(evidence) => selected.push(Outcome {
                    requested: target.name.clone(),
                    result: Ok(Selected { target, evidence }),
                }),
                Verdict::NotOdoo(why) => log::debug!("skipping {}: {why}", target.name),
            },
        }
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn env(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn image_names() {
        for yes in [
            "odoo",
            "odoo:18",
            "odoo:18.0-20250101",
            "docker.io/library/odoo:17",
            "bitnami/odoo:latest",
            "acme/odoo-custom:2",
            "registry.example.com:5000/team/odoo17@sha256:abcd",
            "localhost/ODOO",
            "odoo-sizer-test/odoo:dev",
        ] {
            assert!(image_names_odoo(yes), "{yes}");
        }
        for no in [
            "",
            "postgres:16",
            "odoo-sizer",
            "odoo-sizer:1.0",
            "ghcr.io/acme/odoo-sizer:latest",
            "odoo-sizer-test:dev",
            "odoo-sizer-test-odoo:dev",
            "odoo.example.com/nginx:1",
            "nginx:odoo",
            "sha256:4f0dd1c0ab",
        ] {
            assert!(!image_names_odoo(no), "{no}");
        }
    }

    #[test]
    fn predicate() {
        let none = BTreeMap::new();
        assert_eq!(
            odoo_verdict("odoo:18", &env(&["ODOO_VERSION=18.0"]), &none),
            Verdict::Odoo(vec![
                Evidence::OdooVersionEnv("18.0".into()),
                Evidence::ImageName("odoo:18".into())
            ])
        );
        assert_eq!(
            odoo_verdict("odoo-sizer-test-odoo:dev", &env(&["ODOO_VERSION=18.0"]), &none),
            Verdict::Odoo(vec![Evidence::OdooVersionEnv("18.0".into())])
        );
        assert_eq!(
            odoo_verdict("busybox", &[], &labels(&[(ENABLE_LABEL, "true")])),
            Verdict::Odoo(vec![Evidence::Label])
        );
        match odoo_verdict(
            "busybox",
            &env(&["ODOO_VERSION="]),
            &labels(&[(ENABLE_LABEL, "maybe")]),
        ) {
            Verdict::NotOdoo(why) => {
                assert!(
                    why.contains("busybox")
                        && why.contains("ODOO_VERSION")
                        && why.contains("odoo-sizer.enable=true"),
                    "{why}"
                )
            }
            v => panic!("{v:?}"),
        }
        match odoo_verdict(
            "odoo:18",
            &env(&["ODOO_VERSION=18.0"]),
            &labels(&[(ENABLE_LABEL, "False")]),
        ) {
            Verdict::NotOdoo(why) => assert!(why.contains("odoo-sizer.enable=False"), "{why}"),
            v => panic!("{v:?}"),
        }
        assert!(matches!(odoo_verdict("", &[], &none), Verdict::NotOdoo(w) if w.contains("(unknown)")));
    }

    #[test]
    fn filters() {
        let f = parse_filters(&env(&[
            "label=odoo-sizer.enable=true",
            "label=tier",
            "name=prod",
            "Name=x",
        ]))
        .unwrap();
        assert_eq!(f["label"], vec!["odoo-sizer.enable=true", "tier"]);
        assert_eq!(f["name"], vec!["prod", "x"]);
        for (bad, reason) in [("label", "no '='"), ("=x", "key"), ("label=", "value")] {
            let e = parse_filters(&env(&[bad])).unwrap_err();
            assert!(
                e.to_string().contains(reason) && e.to_string().contains(bad),
                "{e}"
            );
        }
    }

    #[test]
    fn selection_shapes() {
        let named = Selection {
            names: vec!["a".into()],
            ..Default::default()
        };
        assert!(named.check().is_ok());
        assert!(Selection {
            all: true,
            ..Default::default()
        }
        .check()
        .is_ok());
        assert!(Selection {
            filters: vec!["label=a=b".into()],
            ..Default::default()
        }
        .check()
        .is_ok());
        assert!(Selection::default().check().is_err());
        assert!(Selection {
            names: vec!["a".into()],
            all: true,
            ..Default::default()
        }
        .check()
        .is_err());
        assert!(Selection {
            filters: vec!["oops".into()],
            all: true,
            ..Default::default()
        }
        .check()
        .is_err());
        let n = Selection {
            filters: vec!["label=x".into()],
            ..Default::default()
        }
        .narrowed_to("abc");
        assert_eq!(n.filters, vec!["label=x", "id=abc"]);
        assert!(n.all);
    }

    #[test]
    fn named_checks() {
        use serde_json::json;
        let facts = EngineFacts {
            ncpu: Some(2),
            mem_total: Some(1 << 30),
            ..Default::default()
        };
        let make = |state: serde_json::Value, env: serde_json::Value| {
            let c: bollard::models::ContainerInspectResponse = serde_json::from_value(json!({
                "Id": "abc", "Name": "/web", "Path": "odoo", "Args": [],
                "State": state, "Config": {"Image": "busybox", "Env": env}
            }))
            .unwrap();
            Target::from_inspect(&c, &facts).unwrap()
        };
        let running = json!({"Status": "running", "Running": true});
        assert!(check_named(make(running.clone(), json!(["ODOO_VERSION=17.0"]))).is_ok());
        let e = check_named(make(
            json!({"Status": "exited", "Running": false}),
            json!(["ODOO_VERSION=17.0"]),
        ))
        .unwrap_err();
        assert_eq!(
            e,
            DockerError::NotRunning {
                name: "web".into(),
                state: "exited".into()
            }
        );
        assert!(e.to_string().contains("start it first"));
        let e = check_named(make(running, json!([]))).unwrap_err();
        assert!(
            matches!(e, DockerError::NotOdoo { ref name, .. } if name == "web"),
            "{e:?}"
        );
    }
}
