// pactumd: the Kafka microservice. Consumes contract events, applies them with
// the statemachine library and writes projections, dead letters and snapshots
// exactly once (Kafka transactions with the consumed offsets).
#include "demo.hpp"

#include "pactum/runtime/auth.hpp"
#include "pactum/runtime/http_server.hpp"
#include "pactum/runtime/kafka_properties.hpp"
#include "pactum/runtime/log.hpp"
#include "pactum/runtime/metrics.hpp"
#include "pactum/runtime/query_api.hpp"
#include "pactum/runtime/service.hpp"
#include "pactum/runtime/tools.hpp"
#include "pactum/runtime/view_store.hpp"
#include "pactum/runtime/record_store.hpp"
#include "pactum/runtime/topic_follower.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifdef PACTUM_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

// jemalloc's settings, read at start-up (MALLOC_CONF adds to them): freed pages
// are kept for reuse up to 10 s (jemalloc's default), since a backlog's
// transactions free and take again some hundreds of MiB every few seconds, and
// returned at once when the events are caught up (on_idle below); a background
// thread returns them, not the next allocation (docs/decisions.md).
#ifdef PACTUM_JEMALLOC
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's own declaration
const char* malloc_conf = "background_thread:true,dirty_decay_ms:10000,muzzy_decay_ms:0";
#endif

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_signal(int) { stop_requested.store(true); }

// Every arena's freed pages back to the system now (jemalloc's purge).
std::function<void()> memory_release() {
#ifdef PACTUM_JEMALLOC
  return [] {
    static const std::string purge_all = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
    static_cast<void>(mallctl(purge_all.c_str(), nullptr, nullptr, nullptr, 0)); // nothing to do if it fails
  };
#else
  return {};
#endif
}

// Each connection, Kafka socket and file is a descriptor: take what the hard
// limit allows, so that a burst of clients does not starve the rest.
void raise_file_limit() {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
    pactum::runtime::log_line(pactum::runtime::log_level::warn, "file_limit_not_raised", {{"error", std::strerror(errno)}});
}

std::string default_instance() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "pactum-0";
  return std::string("pactum-") + host;
}

} // namespace

int main(int argc, char** argv) {
  pactum::runtime::service_config config;
  config.transactional_id = default_instance();
  std::vector<std::string> properties;
  bool embedded = false;
  bool demo = false;
  int demo_contracts = 50;
  bool no_create = false;
  pactum::runtime::http_server_config http;
  std::string tokens_path;
  int liveness_window_ms = 30'000;

  CLI::App app{"pactumd - contract events in, exactly-once projections out"};
  app.add_option("--brokers", config.brokers, "Kafka bootstrap servers")->envname("PACTUM_BROKERS");
  app.add_option("--group", config.group_id, "consumer group id")->envname("PACTUM_GROUP_ID")->capture_default_str();
  app.add_option("--transactional-id", config.transactional_id,
                 "transactional id, stable per instance (default: pactum-<hostname>)")
      ->envname("PACTUM_TRANSACTIONAL_ID");
  app.add_option("--events-topic", config.topics.events)->envname("PACTUM_EVENTS_TOPIC")->capture_default_str();
  app.add_option("--views-topic", config.topics.views)->envname("PACTUM_VIEWS_TOPIC")->capture_default_str();
  app.add_option("--termination-topic", config.topics.termination)->envname("PACTUM_TERMINATION_TOPIC")->capture_default_str();
  app.add_option("--liability-topic", config.topics.liability)->envname("PACTUM_LIABILITY_TOPIC")->capture_default_str();
  app.add_option("--dlq-topic", config.topics.dead_letters)->envname("PACTUM_DLQ_TOPIC")->capture_default_str();
  app.add_option("--snapshots-topic", config.topics.snapshots)->envname("PACTUM_SNAPSHOTS_TOPIC")->capture_default_str();
  app.add_option("--commit-interval-ms", config.commit_interval_ms, "commit a transaction at least this often")
      ->envname("PACTUM_COMMIT_INTERVAL_MS")->capture_default_str()->check(CLI::Range(1, 600'000));
  app.add_option("--commit-max-events", config.commit_max_events, "or after this many events")
      ->envname("PACTUM_COMMIT_MAX_EVENTS")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--backlog-commit-interval-ms", config.backlog_commit_interval_ms,
                 "on a backlog (more than --commit-max-events records still to read), commit this often instead: a "
                 "contract several events reach in that time gets one view")
      ->envname("PACTUM_BACKLOG_COMMIT_INTERVAL_MS")->capture_default_str()->check(CLI::Range(1, 60'000));
  app.add_option("--backlog-commit-max-events", config.backlog_commit_max_events, "or after this many events")
      ->envname("PACTUM_BACKLOG_COMMIT_MAX_EVENTS")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--commit-max-contracts", config.commit_max_contracts,
                 "any transaction also commits once it changed this many contracts (they stay in memory until it "
                 "commits: the bound on a transaction's memory)")
      ->envname("PACTUM_COMMIT_MAX_CONTRACTS")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--deadline-poll-ms", config.deadline_poll_ms, "how often due deadlines are looked for")
      ->envname("PACTUM_DEADLINE_POLL_MS")->capture_default_str();
  app.add_option("--snapshot-interval-ms", config.snapshot_interval_ms, "write snapshots at most this often")
      ->envname("PACTUM_SNAPSHOT_INTERVAL_MS")->capture_default_str()->check(CLI::Range(1, 3'600'000));
  std::string kafka_config_path;
  app.add_option("-X,--kafka", properties,
                 "a librdkafka property key=value (repeatable; tuning). Secrets belong in --kafka-config or "
                 "PACTUM_KAFKA_<PROPERTY> variables, never on the command line");
  app.add_option("--kafka-config", kafka_config_path,
                 "a file of librdkafka properties in Java properties syntax (e.g. a mounted Secret with "
                 "sasl.password). Also: PACTUM_KAFKA_SASL_PASSWORD=... is sasl.password. Precedence: file, "
                 "environment, -X")
      ->envname("PACTUM_KAFKA_CONFIG");
  app.add_flag("--no-create-topics", no_create, "do not create missing topics")->envname("PACTUM_NO_CREATE_TOPICS");
  app.add_option("--partitions", config.partitions, "partitions of topics pactumd creates")->capture_default_str();
  app.add_option("--replication-factor", config.replication_factor, "replication of topics pactumd creates")->capture_default_str();
  app.add_option("--http-address", http.address, "address the HTTP API listens on")
      ->envname("PACTUM_HTTP_ADDRESS")->capture_default_str();
  app.add_option("--http-port", http.port, "port of the HTTP API, /v1 (0: any free port)")
      ->envname("PACTUM_HTTP_PORT")->capture_default_str();
  pactum::runtime::http_server_config admin;
  admin.port = 8081;
  admin.port_flag = "--admin-port";
  admin.threads = 1;
  admin.max_connections = 64;
  app.add_option("--admin-address", admin.address, "address of the admin listener")
      ->envname("PACTUM_ADMIN_ADDRESS")->capture_default_str();
  app.add_option("--admin-port", admin.port,
                 "port of /healthz, /readyz and /metrics, apart from the API and its connection cap (0: any free port)")
      ->envname("PACTUM_ADMIN_PORT")->capture_default_str();
  app.add_option("--http-threads", http.threads, "threads serving HTTP")
      ->envname("PACTUM_HTTP_THREADS")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--http-max-connections", http.max_connections, "open connections beyond which requests get 503")
      ->envname("PACTUM_HTTP_MAX_CONNECTIONS")->capture_default_str()->check(CLI::Range(1, 100'000));
  app.add_option("--api-tokens", tokens_path,
                 "file of `<token> <role>` lines (role admin or party:<id>); re-read when it changes. "
                 "Without it, /v1 answers 401 to everyone")
      ->envname("PACTUM_API_TOKENS_FILE");
  app.add_option("--liveness-window-ms", liveness_window_ms, "/healthz fails when the poll loop made no progress for this long")
      ->envname("PACTUM_LIVENESS_WINDOW_MS")->capture_default_str()->check(CLI::Range(1'000, 3'600'000));
  std::string log_level_name = "info";
  app.add_option("--log-level", log_level_name, "debug (also one line per dead letter), info, warn or error")
      ->envname("PACTUM_LOG_LEVEL")->capture_default_str()->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  pactum::runtime::view_store_options store;
  app.add_option("--state-dir", store.directory,
                 "local state (RocksDB): the contracts and the views, each with the offsets it reflects, so a "
                 "restart reads only the topics' tails; empty: a private temporary directory, removed at exit")
      ->envname("PACTUM_STATE_DIR");
  app.add_option("--state-cache-mb", store.cache_mb,
                 "the local stores' block cache, shared half and half by the contracts and the views (their "
                 "memtables add a quarter)")
      ->envname("PACTUM_STATE_CACHE_MB")->capture_default_str()->check(CLI::Range(16, 65'536));
  app.add_option("--state-cache-contracts", config.cache_contracts,
                 "contracts each owned partition keeps in memory; the others are read from the local store when needed")
      ->envname("PACTUM_STATE_CACHE_CONTRACTS")->capture_default_str()->check(CLI::Range(16, 10'000'000));
  bool evidence = true;
  app.add_flag("--evidence,!--no-evidence", evidence,
               "keep every contract's records (a follower of the events topic) for the timeline and as_of "
               "(spec section 16); --no-evidence answers those with 501")
      ->envname("PACTUM_EVIDENCE")->capture_default_str();
  app.add_flag("--embedded", embedded, "run on an in-process mock Kafka cluster (demo only: not a faithful broker)");
  app.add_flag("--demo", demo, "with --embedded: feed a generated stream and print where to look");
  app.add_option("--demo-contracts", demo_contracts, "contracts in the demo stream")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  pactum::runtime::set_log_level(pactum::runtime::parse_log_level(log_level_name).value_or(pactum::runtime::log_level::info));

  try {
    if (!kafka_config_path.empty()) config.kafka_properties = pactum::runtime::read_kafka_config_file(kafka_config_path);
  } catch (const std::exception& e) {
    std::cerr << "pactumd: " << e.what() << '\n';
    return 2;
  }
  for (auto& p : pactum::runtime::kafka_properties_from_environment(environ)) config.kafka_properties.push_back(std::move(p));
  for (const auto& p : properties) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) {
      std::cerr << "pactumd: -X takes key=value, got " << p << '\n';
      return 2;
    }
    config.kafka_properties.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  config.create_topics = !no_create;
  raise_file_limit();

  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  std::optional<pactum::runtime::embedded_cluster> cluster;
  std::optional<pactum::pactumd::demo_token_file> demo_tokens;
  std::optional<pactum::runtime::view_store> views_holder;
  std::optional<pactum::runtime::record_store> records_holder;
  try {
    store.cache_mb /= 2;
    config.state.cache_mb = store.cache_mb;
    // The records are read for one contract at a time: the smallest cache.
    pactum::runtime::local_db_options records{.directory = {}, .cache_mb = 8};
    if (!store.directory.empty()) {
      const std::filesystem::path top(store.directory);
      config.state.directory = (top / "contracts").string();
      store.directory = (top / "views").string();
      records.directory = (top / "records").string();
    }
    views_holder.emplace(store);
    if (evidence) records_holder.emplace(records);
  } catch (const std::exception& e) {
    std::cerr << "pactumd: " << e.what() << '\n';
    return 2;
  }
  pactum::runtime::view_store& views = *views_holder;
  pactum::runtime::service_health health(std::chrono::milliseconds{liveness_window_ms});
  pactum::runtime::service_metrics metrics;
  try {
    if (demo && !embedded) {
      std::cerr << "pactumd: --demo needs --embedded\n";
      return 2;
    }
    if (embedded) {
      const auto& t = config.topics;
      cluster.emplace(config.partitions,
                      std::vector<std::string>{t.events, t.views, t.termination, t.liability, t.dead_letters, t.snapshots});
      config.brokers = cluster->bootstrap();
      config.create_topics = false;
      std::cout << "pactumd: embedded Kafka (librdkafka mock cluster) at " << config.brokers << std::endl;
    }
    if (demo && tokens_path.empty()) {
      // A throw-away admin token so the API can be tried at once; never in production.
      demo_tokens.emplace();
      tokens_path = demo_tokens->path();
    }
    std::optional<pactum::runtime::token_file> tokens;
    if (!tokens_path.empty()) tokens.emplace(tokens_path, [&metrics] { metrics.record_token_reload_error(); });
    else
      pactum::runtime::log_line(pactum::runtime::log_level::warn, "no_api_tokens",
                                {{"detail", "no --api-tokens file: /v1 answers 401 to every request"}});
    const pactum::runtime::query_api api(
        views, records_holder ? &*records_holder : nullptr, [&tokens] { return tokens ? tokens->current() : nullptr; },
        health, metrics);
    pactum::runtime::http_server server(http, [&api](const pactum::runtime::http_request& r) { return api.handle(r); });
    pactum::runtime::log_line(pactum::runtime::log_level::info, "http_listening",
                              {{"address", http.address}, {"port", std::to_string(server.port())}});
    pactum::runtime::http_server admin_server(admin,
                                              [&api](const pactum::runtime::http_request& r) { return api.handle_admin(r); });
    pactum::runtime::log_line(pactum::runtime::log_level::info, "admin_listening",
                              {{"address", admin.address}, {"port", std::to_string(admin_server.port())}});
    pactum::runtime::topic_follower follower(
        {config.brokers, config.topics.views, config.group_id + "-views", config.kafka_properties, 2000},
        pactum::runtime::views_sink(views), &health);
    std::optional<pactum::runtime::topic_follower> records_follower;
    if (records_holder)
      records_follower.emplace(
          pactum::runtime::follower_config{config.brokers, config.topics.events, config.group_id + "-records",
                                           config.kafka_properties, 2000},
          pactum::runtime::records_sink(*records_holder), nullptr);
    std::optional<pactum::pactumd::demo_feeder> feeder;
    if (demo)
      feeder.emplace(config,
                     pactum::pactumd::demo_options{demo_contracts, demo_tokens ? demo_tokens->token() : std::string("<your token>"),
                                                   server.port(), admin_server.port()},
                     views, follower, health, stop_requested);
    const int code = pactum::runtime::run_service(config, stop_requested, {.health = &health, .metrics = &metrics, .on_commit = {}, .on_idle = memory_release()});
    stop_requested.store(true);
    return code;
  } catch (const std::exception& e) {
    pactum::runtime::log_line(pactum::runtime::log_level::error, "startup_failed", {{"error", e.what()}});
    stop_requested.store(true);
    return 1;
  }
}
