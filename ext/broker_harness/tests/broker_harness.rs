//! The broker harness itself: finding tansu (and failing with an install hint when it is
//! missing), and stopping the broker when its owner is done, also when the owner panics.

#[path = "support/broker.rs"]
mod broker;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use broker::{locate_tansu, TansuBroker, TansuLookup};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "karafka-native-harness-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes an executable stand-in for tansu at `path`.
fn fake_tansu(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, "#!/bin/sh\necho tansu 0.6.0\n").unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A lookup that sees nothing unless told.
fn empty_lookup() -> TansuLookup {
    TansuLookup {
        tansu: None,
        path: None,
        cargo_home: None,
        home: None,
    }
}

/// True when something accepts connections on the loopback `port`.
fn answers(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
}

#[test]
fn a_missing_binary_fails_with_the_install_hint() {
    let dir = scratch("missing");
    let lookup = TansuLookup {
        path: Some(dir.join("bin").into_os_string()),
        home: Some(dir.clone().into_os_string()),
        ..empty_lookup()
    };
    let problem = locate_tansu(&lookup).unwrap_err();
    assert!(problem.contains("script/install-tansu"), "{problem}");

    let lookup = TansuLookup {
        tansu: Some(dir.join("nowhere").into_os_string()),
        ..empty_lookup()
    };
    let problem = locate_tansu(&lookup).unwrap_err();
    assert!(problem.contains("TANSU="), "{problem}");
    assert!(problem.contains("script/install-tansu"), "{problem}");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tansu_is_found_in_path_then_cargo_bin_unless_overridden() {
    let dir = scratch("found");
    let in_cargo_bin = dir.join("home/.cargo/bin/tansu");
    let on_path = dir.join("path/tansu");
    let override_binary = dir.join("elsewhere/tansu");
    for binary in [&in_cargo_bin, &on_path, &override_binary] {
        fake_tansu(binary);
    }
    let home_only = TansuLookup {
        home: Some(dir.join("home").into_os_string()),
        ..empty_lookup()
    };
    assert_eq!(locate_tansu(&home_only).unwrap(), in_cargo_bin);

    let with_path = TansuLookup {
        path: Some(dir.join("path").into_os_string()),
        ..home_only
    };
    assert_eq!(locate_tansu(&with_path).unwrap(), on_path);

    let overridden = TansuLookup {
        tansu: Some(override_binary.clone().into_os_string()),
        ..with_path
    };
    assert_eq!(locate_tansu(&overridden).unwrap(), override_binary);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_broker_creates_topics_and_stops_when_dropped() {
    let broker = TansuBroker::start();
    let port = broker.port();
    assert_eq!(broker.bootstrap_servers(), format!("127.0.0.1:{port}"));
    broker.create_topic("harness-topic", 3);
    broker.create_topic("harness-topic", 3);
    assert!(answers(port));
    assert!(broker.log().contains("listening on"), "{}", broker.log());
    drop(broker);
    assert!(!answers(port), "the broker still answers after drop");
}

#[test]
fn the_broker_stops_when_its_owner_panics() {
    let (port_sender, port_receiver) = std::sync::mpsc::channel();
    let owner = thread::Builder::new()
        .name("owner that panics on purpose".to_owned())
        .spawn(move || {
            let broker = TansuBroker::start();
            port_sender.send(broker.port()).unwrap();
            panic!("a failing test (on purpose: its broker must stop)");
        })
        .unwrap();
    assert!(owner.join().is_err());
    let port = port_receiver.recv().unwrap();
    assert!(!answers(port), "the broker outlived its panicking owner");
}
