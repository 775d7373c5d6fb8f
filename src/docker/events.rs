//! The engine's container events (`start`, `update`, `die`, `destroy`) for `watch`.
//!
//! The stream yields [`ContainerEvent`]s; when the engine closes it or the connection breaks, it yields
//! one final [`DockerError::EventsDisconnected`] and ends: reconnecting (and resyncing, since events may
//! have been missed) is the caller's job. Only `label` filters are passed to the engine (they mean the
//! same in both APIs; `name` is a regular expression for `docker ps` but an exact name for events):
//! the caller still applies the full selection to each event's container.
//! Owns: the event filters and the pure conversion of engine messages. Must not: act on events.

use super::client::Engine;
use super::error::DockerError;
use super::select::parse_filters;
use bollard::models::{EventMessage, EventMessageTypeEnum};
use bollard::query_parameters::EventsOptions;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The container actions `watch` reacts to.
pub const WATCHED_ACTIONS: &[&str] = &["start", "update", "die", "destroy"];

/// What happened to the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Start,
    /// `docker update`: its limits may have changed.
    Update,
    Die,
    Destroy,
    Other(String),
}

/// One container event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerEvent {
    pub action: Action,
    pub id: String,
    /// The container's name (`name` attribute), when the engine gives it.
    pub name: Option<String>,
    pub image: Option<String>,
    /// Nanoseconds since the epoch.
    pub time_nanos: Option<i64>,
    /// Every attribute (labels, exit code, changed limits...).
    pub attributes: BTreeMap<String, String>,
}

/// The events API's filters: container events of the watched actions, plus the user's `label=`
/// filters.
pub fn event_filters(user_filters: &[String]) -> Result<HashMap<String, Vec<String>>, DockerError> {
    let parsed = parse_filters(user_filters)?;
    let mut filters: HashMap<String, Vec<String>> = HashMap::new();
    filters.insert("type".into(), vec!["container".into()]);
    filters.insert(
        "event".into(),
        WATCHED_ACTIONS.iter().map(|a| a.to_string()).collect(),
    );
    if let Some(labels) = parsed.get("label") {
        filters.insert("label".into(), labels.clone());
    }
    Ok(filters)
}

/// An engine message as a container event; `None` for other types or a message without an actor ID.
pub fn container_event(message: &EventMessage) -> Option<ContainerEvent> {
    if message.typ != Some(EventMessageTypeEnum::CONTAINER) {
        return None;
    }
    let actor = message.actor.as_ref()?;
    let id = actor.id.clone().filter(|i| !i.is_empty())?;
    let attributes: BTreeMap<String, String> =
        actor.attributes.clone().unwrap_or_default().into_iter().collect();
    let raw = message.action.as_deref().unwrap_or_default();
    // some engines suffix actions (`exec_start: sh`); only the word before ':' counts
    let word = raw.split(':').next().unwrap_or_default().trim();
    let action = match word {
        "start" => Action::Start,
        "update" => Action::Update,
        "die" => Action::Die,
        "destroy" => Action::Destroy,
        _ => Action::Other(raw.to_string()),
    };
    Some(ContainerEvent {
        action,
        id,
        name: attributes.get("name").cloned(),
        image: attributes.get("image").cloned(),
        time_nanos: message.time_nano,
        attributes,
    })
}

/// Subscribes to container events (from `since`, a Unix timestamp, when given; else from now).
pub fn container_events(
    engine: &Engine,
    user_filters: &[String],
    since: Option<i64>,
) -> Result<impl Stream<Item = Result<ContainerEvent, DockerError>> + 'static, DockerError> {
    let options = EventsOptions {
        since: since.map(|s| s.to_string()),
        until: None,
        filters: Some(event_filters(user_filters)?),
    };
    let inner = Box::pin(engine.bollard().events(Some(options)));
    let engine = engine.clone();
    Ok(futures_util::stream::unfold(
        Some((inner, engine)),
        |state| async move {
            let (mut inner, engine) = state?;
            loop {
                match inner.next().await {
                    Some(Ok(message)) => {
                        if let Some(event) = container_event(&message) {
                            return Some((Ok(event), Some((inner, engine))));
                        }
                    }
                    Some(Err(e)) => {
                        let error = match engine.error("stream its events", e) {
                            DockerError::Transport { host, message, .. } => DockerError::EventsDisconnected {
                                host,
                                reason: message,
                            },
                            other => other,
                        };
                        return Some((Err(error), None));
                    }
                    None => {
                        let error = DockerError::EventsDisconnected {
                            host: engine.host().to_string(),
                            reason: "the engine closed the stream".into(),
                        };
                        return Some((Err(error), None));
                    }
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_keep_labels_only() {
        let f = event_filters(&["label=odoo-sizer.enable=true".into(), "name=prod".into()]).unwrap();
        assert_eq!(f["type"], vec!["container"]);
        assert_eq!(f["event"], vec!["start", "update", "die", "destroy"]);
        assert_eq!(f["label"], vec!["odoo-sizer.enable=true"]);
        assert!(!f.contains_key("name"));
        assert!(event_filters(&["bad".into()]).is_err());
    }

    #[test]
    fn messages() {
        let m: EventMessage = serde_json::from_value(json!({
            "Type": "container", "Action": "update",
            "Actor": {"ID": "abc", "Attributes": {"name": "odoo1", "image": "odoo:18", "cpuquota": "200000"}},
            "scope": "local", "time": 1700000000, "timeNano": 1700000000123456789i64
        }))
        .unwrap();
        let e = container_event(&m).unwrap();
        assert_eq!(e.action, Action::Update);
        assert_eq!(e.id, "abc");
        assert_eq!(e.name.as_deref(), Some("odoo1"));
        assert_eq!(e.image.as_deref(), Some("odoo:18"));
        assert_eq!(e.time_nanos, Some(1700000000123456789));
        assert_eq!(e.attributes["cpuquota"], "200000");

        let m: EventMessage = serde_json::from_value(
            json!({"Type": "container", "Action": "exec_start: sh", "Actor": {"ID": "abc"}}),
        )
        .unwrap();
        assert_eq!(
            container_event(&m).unwrap().action,
            Action::Other("exec_start: sh".into())
        );
        let m: EventMessage =
            serde_json::from_value(json!({"Type": "image", "Action": "pull", "Actor": {"ID": "x"}})).unwrap();
        assert_eq!(container_event(&m), None);
        let m: EventMessage = serde_json::from_value(json!({"Type": "container", "Action": "die"})).unwrap();
        assert_eq!(container_event(&m), None);
    }
}
