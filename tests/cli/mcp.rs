//! `repodex mcp`, driven over stdio by the official Rust SDK's own MCP client (rmcp),
//! as an agent host would: the handshake, the tool list with its schemas, each tool
//! against a temporary registry and an upstream served on 127.0.0.1, errors, and what
//! a mutating call leaves in the registry.

use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use crate::servers::{HttpServer, Upstreams};
use crate::support::{allow_short_ttl, TestEnv};
use pretty_assertions::assert_eq;

const CONFIG: &str = ".minsky/config.yaml";
const CONFIG_TEXT: &str = "repository:\n  backend: github\n";

/// An agent host with `repodex mcp` started in `env`.
pub(crate) struct Agent {
    pub(crate) runtime: tokio::runtime::Runtime,
    client: Option<RunningService<RoleClient, ()>>,
    /// Every text the server answered with, to look for secrets in.
    transcript: std::cell::RefCell<String>,
}

impl Agent {
    pub(crate) fn start(env: &TestEnv) -> Agent {
        Agent::start_command(env.command(&["mcp"]))
    }

    /// An agent host that starts the server with `command` (`repodex mcp` with options
    /// of the host's configuration).
    pub(crate) fn start_command(command: std::process::Command) -> Agent {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let command = tokio::process::Command::from(command);
        let client = runtime.block_on(async {
            let transport = TokioChildProcess::new(command).expect("repodex mcp starts");
            ().serve(transport).await.expect("the MCP handshake")
        });
        Agent {
            runtime,
            client: Some(client),
            transcript: Default::default(),
        }
    }

    pub(crate) fn client(&self) -> &RunningService<RoleClient, ()> {
        self.client.as_ref().unwrap()
    }

    pub(crate) fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments are an object")
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        // A server that never answers fails the story instead of hanging it.
        let result = self
            .runtime
            .block_on(async {
                tokio::time::timeout(
                    std::time::Duration::from_secs(120),
                    self.client().call_tool(params),
                )
                .await
            })
            .unwrap_or_else(|_| panic!("{tool}: no answer"))
            .unwrap_or_else(|e| panic!("{tool}: the call itself failed: {e}"));
        self.transcript
            .borrow_mut()
            .push_str(&serde_json::to_string(&result).unwrap());
        result
    }

    /// Call `tool`; expect success and return its structured content.
    pub(crate) fn ok(&self, tool: &str, arguments: Value) -> Value {
        let result = self.call(tool, arguments);
        assert_eq!(result.is_error, Some(false), "{tool}: {result:?}");
        let structured = result
            .structured_content
            .clone()
            .expect("structured content");
        // The text content is the same document, for clients that read only text.
        let text = result.content[0]
            .as_text()
            .expect("a text block")
            .text
            .clone();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), structured);
        structured
    }

    /// Call `tool`; expect a tool error and return its one line.
    pub(crate) fn error(&self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments);
        assert_eq!(result.is_error, Some(true), "{tool}: {result:?}");
        let text = result.content[0]
            .as_text()
            .expect("a text block")
            .text
            .clone();
        assert_eq!(text.lines().count(), 1, "{text:?}");
        text
    }

    pub(crate) fn stop(mut self) {
        let client = self.client.take().unwrap();
        self.runtime.block_on(client.cancel()).unwrap();
    }
}

fn commits(env: &TestEnv) -> usize {
    env.git(&["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap()
}

fn last_message(env: &TestEnv) -> String {
    env.git(&["log", "-1", "--format=%s"]).trim().to_string()
}

#[test]
fn an_agent_discovers_the_tools_and_reads_writes_and_clones_through_them() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(
        &env,
        "minsky",
        "trunk",
        &[(CONFIG, CONFIG_TEXT), ("README", "hi")],
    );
    let server = HttpServer::start(&upstreams);
    let url = server.url("minsky");
    env.ok(&[
        "register",
        "--no-fetch",
        "--name",
        "tool",
        &server.url("tool"),
    ]);

    let agent = Agent::start(&env);
    let info = agent.client().peer_info().expect("the server's handshake");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("repodex")
    );
    assert!(info.capabilities.tools.is_some() && info.capabilities.resources.is_some());

    // The tools, each with an input schema and an output schema; the two that commit
    // say so.
    let tools = agent
        .runtime
        .block_on(agent.client().list_all_tools())
        .unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        ["clone", "config", "list", "refresh", "register", "resolve", "show", "status"]
    );
    for tool in &tools {
        assert!(
            tool.output_schema.is_some(),
            "{} has no output schema",
            tool.name
        );
        let description = tool.description.as_deref().unwrap_or_default();
        let commits = description.contains("CHANGES THE REGISTRY");
        assert_eq!(
            commits,
            matches!(tool.name.as_ref(), "register" | "refresh"),
            "{}: {description}",
            tool.name
        );
    }
    let resolve = tools.iter().find(|t| t.name == "resolve").unwrap();
    assert_eq!(resolve.input_schema["required"], json!(["reference"]));

    // register: one commit with a readable message, and a clean registry.
    let before = commits(&env);
    let registered = agent.ok(
        "register",
        json!({"repository": url, "name": "mk", "aliases": ["m"], "tags": ["work"]}),
    );
    assert_eq!(registered["name"], "mk");
    assert_eq!(registered["url"], url);
    assert_eq!(registered["fetch"]["status"], "not-asked");
    assert_eq!(commits(&env), before + 1);
    assert_eq!(last_message(&env), "register mk");
    env.assert_plain_git_happy();

    // refresh: the remote's default branch and configuration, in one more commit.
    let refreshed = agent.ok("refresh", json!({"references": ["m"]}));
    assert_eq!(refreshed["updated"][0]["name"], "mk");
    assert_eq!(
        refreshed["updated"][0]["changes"],
        json!([
            {"change": "default-branch", "from": null, "to": "trunk"},
            {"change": "file-added", "path": CONFIG}
        ])
    );
    assert_eq!(commits(&env), before + 2);
    env.assert_plain_git_happy();

    // resolve gives what the command line gives.
    let ways = agent.ok("resolve", json!({"reference": "m"}));
    assert_eq!(ways["name"], "mk");
    assert_eq!(ways["url"], url);
    assert_eq!(
        ways["url"].as_str().unwrap(),
        env.ok(&["resolve", "m", "--print", "url"]).trim()
    );

    // list with a tag filter.
    let listed = agent.ok("list", json!({"tags": ["work"]}));
    assert_eq!(listed["matched"], 1);
    assert_eq!(listed["entries"][0]["name"], "mk");
    assert_eq!(listed["entries"][0]["default_branch"], "trunk");
    let all = agent.ok("list", json!({"limit": 1}));
    assert_eq!(
        (
            all["matched"].as_u64(),
            all["entries"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );

    // show and config, now and as of the register commit (before the refresh).
    let shown = agent.ok("show", json!({"reference": "mk"}));
    assert_eq!(shown["entry"]["default_branch"], "trunk");
    assert_eq!(shown["entry"]["aliases"], json!(["m"]));
    assert_eq!(shown["entry"]["config_files"], json!([CONFIG]));
    assert_eq!(shown["freshness"]["state"], "fresh");
    let files = agent.ok("config", json!({"reference": "mk", "path": CONFIG}));
    assert_eq!(
        files["files"],
        json!([{"path": CONFIG, "text": CONFIG_TEXT}])
    );
    let then = agent.ok("config", json!({"reference": "mk", "at": "HEAD~1"}));
    assert_eq!(then["files"], json!([]));
    let then = agent.ok("show", json!({"reference": "mk", "at": "HEAD~1"}));
    assert_eq!(then["entry"]["default_branch"], Value::Null);

    // The server holds the registry open, and sees a commit made beside it.
    env.ok(&["tag", "add", "mk", "cli"]);
    let shown = agent.ok("show", json!({"reference": "m"}));
    assert_eq!(shown["entry"]["tags"], json!(["work", "cli"]));

    // clone: a working copy from the mirror, origin the real URL, recorded; without a
    // folder, in its place under this machine's clone root.
    let cloned = agent.ok("clone", json!({"reference": "mk"}));
    let dir = env.root().join("home/src/127.0.0.1/minsky");
    assert_eq!(cloned["path"], json!(dir.canonicalize().unwrap()));
    assert_eq!(cloned["default_branch"], "trunk");
    assert_eq!(cloned["url"], url);
    assert_eq!(
        std::fs::read_to_string(dir.join(CONFIG)).unwrap(),
        CONFIG_TEXT
    );
    let origin = crate::support::git_in(&env, &dir, &["remote", "get-url", "origin"]);
    assert_eq!(origin.trim(), url);
    let shown = agent.ok("show", json!({"reference": "mk"}));
    assert_eq!(shown["local_clones"], json!([dir.canonicalize().unwrap()]));
    // status: the clone's state, as the command line's --json gives it.
    std::fs::write(dir.join("untracked.txt"), "new").unwrap();
    let status = agent.ok("status", json!({"references": ["m"]}));
    assert_eq!(status["clones"][0]["name"], "mk");
    assert_eq!(status["clones"][0]["untracked"], 1);
    assert_eq!(status["clones"][0]["attention"], true);
    let error = agent.error("status", json!({"tags": ["nosuchtag"]}));
    assert!(
        error.starts_with("no entry is tagged 'nosuchtag'"),
        "{error}"
    );

    // Resources: the cached configuration file, by URI.
    let resources = agent
        .runtime
        .block_on(agent.client().list_all_resources())
        .unwrap();
    let uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    assert_eq!(uris, ["repodex://mk/.minsky/config.yaml"]);
    let read = agent
        .runtime
        .block_on(
            agent
                .client()
                .read_resource(ReadResourceRequestParams::new(uris[0].to_string())),
        )
        .unwrap();
    let text = serde_json::to_value(&read.contents[0]).unwrap();
    assert_eq!(text["text"], CONFIG_TEXT);
    assert_eq!(text["mimeType"], "application/yaml");

    agent.stop();
    env.assert_plain_git_happy();
}

#[test]
fn read_tools_use_the_network_only_when_asked() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "tool", "main", &[(CONFIG, CONFIG_TEXT)]);
    let server = HttpServer::start(&upstreams);
    env.ok(&["register", "--name", "tool", &server.url("tool")]);
    // Every read finds the data stale.
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &format!("{settings}refresh_ttl = \"0s\"\n"),
    );
    allow_short_ttl(&env);

    let agent = Agent::start(&env);
    let connections = server.connections();
    for tool in ["resolve", "show", "config"] {
        agent.ok(tool, json!({"reference": "tool"}));
    }
    agent.ok("list", json!({}));
    assert_eq!(
        server.connections(),
        connections,
        "a read tool used the network"
    );
    let shown = agent.ok("show", json!({"reference": "tool"}));
    assert_eq!(shown["freshness"]["state"], "cached");
    assert!(
        shown["freshness"]["reason"]
            .as_str()
            .unwrap()
            .contains("refresh_if_stale"),
        "{shown}"
    );
    assert_eq!(shown["entry"]["default_branch"], "main");

    let shown = agent.ok(
        "show",
        json!({"reference": "tool", "refresh_if_stale": true}),
    );
    assert!(
        server.connections() > connections,
        "refresh_if_stale asked the remote"
    );
    assert_ne!(shown["freshness"]["state"], "cached", "{shown}");
    agent.stop();
}

#[test]
fn errors_are_the_command_lines_one_line_and_change_nothing() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "--no-fetch",
        "https://github.com/edobry/minsky.git",
    ]);
    let agent = Agent::start(&env);
    let head = env.head();

    // The same words as the command line's error, after its `repodex: error: `.
    let cli = env.fails(3, &["resolve", "mnisky"]);
    let error = agent.error("resolve", json!({"reference": "mnisky"}));
    assert_eq!(format!("repodex: error: {error}"), cli);

    let cli = env.fails(
        2,
        &["register", "--no-fetch", "git@github.com:edobry/minsky"],
    );
    let error = agent.error(
        "register",
        json!({"repository": "git@github.com:edobry/minsky"}),
    );
    assert_eq!(format!("repodex: error: {error}"), cli);
    assert!(
        error.contains("already registered as 'edobry/minsky'"),
        "{error}"
    );

    let error = agent.error(
        "config",
        json!({"reference": "minsky", "path": "nope.yaml"}),
    );
    assert!(error.contains("nope.yaml"), "{error}");
    let error = agent.error("show", json!({"referenc": "minsky"}));
    assert!(error.contains("unknown field `referenc`"), "{error}");
    let error = agent.error("refresh", json!({}));
    assert!(error.contains("give either references or all"), "{error}");
    // Offline (this environment), refresh says so and asks nothing.
    let error = agent.error("refresh", json!({"all": true}));
    assert!(error.contains("offline"), "{error}");
    let error = agent.error("list", json!({"pattern": "[a"}));
    assert!(error.contains("not a valid glob"), "{error}");

    assert_eq!(env.head(), head, "a refused call moved HEAD");
    env.assert_plain_git_happy();
    agent.stop();
}

#[test]
fn a_secret_in_a_url_goes_to_the_vault_and_never_into_an_answer() {
    let env = TestEnv::new();
    let secret = "ghp_mcpSECRETtoken0123456789";
    let agent = Agent::start(&env);
    let registered = agent.ok(
        "register",
        json!({"repository": format!("https://{secret}@github.com/acme/private.git")}),
    );
    assert_eq!(registered["name"], "acme/private");
    assert_eq!(registered["url"], "https://github.com/acme/private.git");
    assert!(registered["secret_stored_in"].is_string(), "{registered}");
    agent.ok("list", json!({}));
    agent.ok("show", json!({"reference": "private"}));
    agent.ok("resolve", json!({"reference": "acme/private"}));
    agent.error(
        "register",
        json!({"repository": format!("https://{secret}@github.com/acme/private.git")}),
    );
    assert!(
        !agent.transcript.borrow().contains(secret),
        "an answer held the secret"
    );
    agent.stop();
    env.assert_secret_absent(secret);
}
