//! The statistics decorator's core on JSON values: the documented semantics, and bad input
//! leaving the kept state as it was.

use karafka_native_core::decorator::{json, BadKind, Decorator};
use serde_json::{json, Value};

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn adds_deltas_and_freeze_durations_in_karafka_cores_order() {
    let mut decorator = Decorator::new(&[], &[], 1_000);
    let mut first = json!({"a": 5, "f": 1.5, "s": "x", "n": {"b": 1}});
    json::decorate(&mut decorator, &mut first, 2_000).unwrap();
    assert_eq!(
        keys(&first),
        ["a", "f", "s", "n", "a_fd", "a_d", "f_fd", "f_d"]
    );
    assert_eq!(first["a_fd"], json!(0));
    assert_eq!(first["n"], json!({"b": 1, "b_fd": 0, "b_d": 0}));

    let mut second = json!({"a": 5, "f": 2.0, "s": "x", "n": {"b": 4}});
    json::decorate(&mut decorator, &mut second, 3_500).unwrap();
    assert_eq!(second["a_fd"], json!(1_500));
    assert_eq!(second["a_d"], json!(0));
    assert_eq!(second["f_d"], json!(0.5));
    assert_eq!(second["n"]["b_d"], json!(3));

    let mut third = json!({"a": 5, "n": {"b": 4}, "new": 9});
    json::decorate(&mut decorator, &mut third, 4_000).unwrap();
    assert_eq!(third["a_fd"], json!(2_000));
    assert_eq!(third["n"]["b_fd"], json!(500));
    assert_eq!((&third["new_fd"], &third["new_d"]), (&json!(0), &json!(0)));
}

#[test]
fn only_keys_decorate_the_known_levels() {
    let mut decorator = Decorator::new(&[], &[b"lag"], 0);
    let mut stats = json!({
        "lag": 1,
        "brokers": {"b": {"lag": 2, "window": {"lag": 3}}},
        "topics": {"t": {"lag": 4, "partitions": {"0": {"lag": 5, "x": 6}}}},
        "cgrp": {"lag": 7},
        "custom": {"lag": 8, "deep": {"lag": 9}}
    });
    json::decorate(&mut decorator, &mut stats, 10).unwrap();
    assert_eq!(stats["lag_d"], json!(0));
    assert_eq!(
        keys(&stats["brokers"]["b"]),
        ["lag", "window", "lag_fd", "lag_d"]
    );
    assert_eq!(keys(&stats["brokers"]["b"]["window"]), ["lag"]);
    assert_eq!(
        keys(&stats["topics"]["t"]["partitions"]["0"]),
        ["lag", "x", "lag_fd", "lag_d"]
    );
    assert_eq!(keys(&stats["cgrp"]), ["lag", "lag_fd", "lag_d"]);
    assert_eq!(keys(&stats["custom"]["deep"]), ["lag", "lag_fd", "lag_d"]);
}

#[test]
fn bad_input_leaves_the_kept_state_as_it_was() {
    let mut decorator = Decorator::new(&[], &[], 0);
    json::decorate(&mut decorator, &mut json!({"a": 1, "s": "x"}), 100).unwrap();
    let before = decorator.kept().counts();
    let error = json::decorate(&mut decorator, &mut json!({"a": 2, "s": 3}), 200).unwrap_err();
    assert_eq!(error.kind, BadKind::Type);
    assert!(
        error.message.contains("statistics[\"s\"] is 3"),
        "{}",
        error.message
    );
    assert_eq!(decorator.kept().counts(), before);
    let mut next = json!({"a": 1, "s": "x"});
    json::decorate(&mut decorator, &mut next, 300).unwrap();
    assert_eq!(next["a_fd"], json!(200));
}
