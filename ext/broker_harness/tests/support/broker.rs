//! A tansu broker run as a child process on a free loopback port, killed when dropped.

use std::env;
use std::ffi::OsString;
use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The tansu release this harness is written against.
pub const TANSU_VERSION: &str = "0.6.0";

/// What a developer without tansu is told to do.
pub const INSTALL_HINT: &str = "install it with `script/install-tansu` (runs `cargo install \
     tansu --version 0.6.0 --locked --features dynostore`), or set TANSU to the binary's path";

/// How long a starting broker may take to accept connections and create a topic.
const STARTUP_LIMIT: Duration = Duration::from_secs(30);

/// Picking a free port races with other processes; a broker that cannot bind is retried.
const START_ATTEMPTS: usize = 3;

/// A running tansu broker with in-memory storage; dropping it kills the process.
pub struct TansuBroker {
    child: Child,
    port: u16,
    binary: PathBuf,
    log_path: PathBuf,
}

impl TansuBroker {
    /// Starts a broker on a free loopback port and waits until it accepts connections.
    ///
    /// Panics, saying how to install tansu, when the binary cannot be found. The child is also
    /// killed when the thread that started it ends (`PR_SET_PDEATHSIG`), which covers a test
    /// process that exits without unwinding (the hang watchdog), so start brokers from the
    /// thread that owns them.
    pub fn start() -> Self {
        let binary = locate_tansu(&TansuLookup::from_environment()).unwrap_or_else(|problem| {
            panic!("{problem}");
        });
        check_version(&binary);
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(&binary) {
                Ok(broker) => return broker,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("tansu broker did not start:\n{}", failures.join("\n---\n"));
    }

    /// One attempt: spawn on a fresh port and wait for it to answer.
    fn try_start(binary: &Path) -> Result<Self, String> {
        let port = free_loopback_port()?;
        let log_path = env::temp_dir().join(format!(
            "karafka-native-tansu-{}-{port}.log",
            std::process::id()
        ));
        let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let log_for_stderr = log.try_clone().map_err(|e| e.to_string())?;
        let url = format!("tcp://127.0.0.1:{port}");
        let mut command = Command::new(binary);
        command
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr);
        // SAFETY: the closure runs in the forked child before exec; it only calls prctl, which
        // is async-signal-safe, and allocates nothing.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        let mut broker = Self {
            child,
            port,
            binary: binary.to_path_buf(),
            log_path,
        };
        broker.wait_until_answering()?;
        Ok(broker)
    }

    /// Waits until the broker accepts TCP connections; an error when it exits or takes too long.
    fn wait_until_answering(&mut self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let started = Instant::now();
        while started.elapsed() < STARTUP_LIMIT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "tansu exited with {status} on port {}:\n{}",
                    self.port,
                    self.log()
                ));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "tansu did not accept connections on port {} within {STARTUP_LIMIT:?}:\n{}",
            self.port,
            self.log()
        ))
    }

    /// The `bootstrap.servers` value for clients of this broker.
    pub fn bootstrap_servers(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The loopback port the broker listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates `name` with `partitions` partitions (an existing topic is accepted), retrying
    /// while the broker warms up.
    pub fn create_topic(&self, name: &str, partitions: u32) {
        let started = Instant::now();
        loop {
            let output = self.run_topic_create(name, partitions);
            // tansu logs its errors to stdout.
            let said = String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr);
            if output.status.success() || said.contains("already exists") {
                return;
            }
            assert!(
                started.elapsed() < STARTUP_LIMIT,
                "tansu topic create {name} failed ({}):\n{said}\nbroker log:\n{}",
                output.status,
                self.log()
            );
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// Runs `tansu topic create` against this broker.
    fn run_topic_create(&self, name: &str, partitions: u32) -> Output {
        Command::new(&self.binary)
            .args(["topic", "create", "--broker"])
            .arg(format!("tcp://127.0.0.1:{}", self.port))
            .args(["--partitions", &partitions.to_string(), name])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.binary.display()))
    }

    /// The broker's output so far (for failure messages).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_else(|e| format!("(no log: {e})"))
    }
}

impl Drop for TansuBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.log_path);
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_loopback_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| e.to_string())
}

/// Where to look for tansu: the environment's `TANSU`, `PATH`, `CARGO_HOME` and `HOME`.
pub struct TansuLookup {
    /// The `TANSU` override: used alone when set.
    pub tansu: Option<OsString>,
    /// The `PATH` value.
    pub path: Option<OsString>,
    /// The `CARGO_HOME` value (its `bin` is searched).
    pub cargo_home: Option<OsString>,
    /// The `HOME` value (`~/.cargo/bin` is searched).
    pub home: Option<OsString>,
}

impl TansuLookup {
    /// The lookup this process's environment asks for.
    pub fn from_environment() -> Self {
        Self {
            tansu: env::var_os("TANSU").filter(|value| !value.is_empty()),
            path: env::var_os("PATH"),
            cargo_home: env::var_os("CARGO_HOME"),
            home: env::var_os("HOME"),
        }
    }
}

/// Finds the tansu binary: `TANSU` when set, else the first of `PATH`, `$CARGO_HOME/bin` and
/// `~/.cargo/bin`. The error says how to install it.
pub fn locate_tansu(lookup: &TansuLookup) -> Result<PathBuf, String> {
    if let Some(path) = &lookup.tansu {
        let path = PathBuf::from(path);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!(
                "TANSU={} is not an executable file; {INSTALL_HINT}",
                path.display()
            ))
        };
    }
    let on_path = lookup
        .path
        .iter()
        .flat_map(env::split_paths)
        .map(|dir| dir.join("tansu"));
    let cargo_bins = [
        lookup.cargo_home.as_ref().map(PathBuf::from),
        lookup
            .home
            .as_ref()
            .map(|home| Path::new(home).join(".cargo")),
    ]
    .into_iter()
    .flatten()
    .map(|cargo_home| cargo_home.join("bin").join("tansu"));
    on_path
        .chain(cargo_bins)
        .find(|candidate| is_executable(candidate))
        .ok_or_else(|| {
            format!(
                "the tansu broker binary is missing (looked at env TANSU, PATH and \
                 ~/.cargo/bin); {INSTALL_HINT}"
            )
        })
}

/// True for an existing regular file with an execute bit.
fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Fails unless `binary` is tansu 0.6.0; only warns when the binary came from `TANSU`.
fn check_version(binary: &Path) {
    let reported = Command::new(binary)
        .arg("--version")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("(cannot run: {e})"));
    let expected = format!("tansu {TANSU_VERSION}");
    if reported == expected {
        return;
    }
    let problem = format!(
        "{} reports {reported:?}, expected {expected:?}",
        binary.display()
    );
    if env::var_os("TANSU").is_some() {
        eprintln!("warning: {problem} (TANSU override, going on)");
    } else {
        panic!("{problem}; {INSTALL_HINT}");
    }
}
