// pactumctl: the offline tools. `validate` decodes records, `replay` runs the
// whole domain over a log and prints the read model, `generate` writes a
// realistic deterministic log.
#include "pactum/events/decode.hpp"
#include "pactum/generator/generator.hpp"
#include "pactum/runtime/kafka_properties.hpp"
#include "pactum/runtime/tools.hpp"
#include "pactum/statemachine/diagram.hpp"
#include "pactum/statemachine/explain.hpp"
#include "pactum/statemachine/replay.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <fstream>
#include <iostream>

namespace {

namespace ev = pactum::events;

constexpr std::int64_t progress_every = 500'000;

// Calls `each(offset, record)` for every LF-separated record; an empty line is a
// record and a final LF does not start one (spec section 15). False if unreadable.
template <class Each>
bool for_each_record(const std::string& path, Each&& each) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return false;
    in = &file;
  }
  std::string record;
  std::int64_t offset = 0;
  while (std::getline(*in, record)) each(offset++, record);
  return true;
}

int validate(const std::string& path) {
  bool all_ok = true;
  const bool read = for_each_record(path, [&](std::int64_t, const std::string& record) {
    const auto decoded = ev::decode_structured(record);
    if (decoded) {
      std::cout << "ok " << decoded.value().type_as_written << ' ' << decoded.value().subject << '\n';
    } else {
      all_ok = false;
      std::cout << ev::to_string(decoded.error().why.code) << ' ' << decoded.error().why.detail << '\n';
    }
  });
  if (!read) {
    std::cerr << "pactumctl validate: cannot read " << path << '\n';
    return 2;
  }
  return all_ok ? 0 : 1;
}

// `--as-of T` (spec section 16): the log reduced to the records whose envelope
// time is at or before T, replayed with `--now T`. Offsets stay the log's.
int replay(const std::string& path, const std::string& now, const std::string& as_of, const std::string& only) {
  if (!now.empty() && !as_of.empty()) {
    std::cerr << "pactumctl replay: --as-of T already replays with --now T; give one of them\n";
    return 2;
  }
  std::optional<ev::timestamp> until;
  if (!now.empty() || !as_of.empty()) {
    until = ev::parse_timestamp(as_of.empty() ? now : as_of);
    if (!until) {
      std::cerr << "pactumctl replay: " << (as_of.empty() ? "--now" : "--as-of")
                << " must be an RFC 3339 timestamp with offset\n";
      return 2;
    }
  }
  pactum::statemachine::replay_session session;
  // The records go to the session in batches (replay_session::batch_records).
  pactum::statemachine::record_batch pending;
  auto feed_pending = [&] {
    session.feed(pending.records());
    pending.clear();
  };
  const bool read = for_each_record(path, [&](std::int64_t offset, const std::string& record) {
    if ((offset + 1) % progress_every == 0) std::cerr << "replay: " << offset + 1 << " records\n";
    if (!as_of.empty()) {
      const auto time = ev::envelope_time({}, record);
      if (!time || *time > *until) return;
    }
    pending.add(offset, record);
    if (pending.size() == pactum::statemachine::replay_session::batch_records) feed_pending();
  });
  if (!read) {
    std::cerr << "pactumctl replay: cannot read " << path << '\n';
    return 2;
  }
  feed_pending();
  if (until) session.advance_to(*until);
  std::cout << session.render(only.empty() ? std::nullopt : std::optional<std::string>(only)) << '\n';
  return 0;
}

// Spec section 16's explanation of one contract's view (as of T when given),
// for a person (or JSON). The contract's records are those whose subject is
// the contract (a log file has no Kafka keys).
int explain(const std::string& path, const std::string& contract, const std::string& as_of, bool json) {
  std::optional<ev::timestamp> until;
  if (!as_of.empty()) {
    until = ev::parse_timestamp(as_of);
    if (!until) {
      std::cerr << "pactumctl explain: --as-of must be an RFC 3339 timestamp with offset\n";
      return 2;
    }
  }
  pactum::statemachine::explanation_builder builder(contract);
  const bool read = for_each_record(path, [&](std::int64_t offset, const std::string& record) {
    if (until) {
      const auto time = ev::envelope_time({}, record);
      if (!time || *time > *until) return;
    }
    auto decoded = ev::decode_structured(record);
    const bool mine = decoded ? decoded.value().subject == contract : decoded.error().contract_id == contract;
    if (mine) static_cast<void>(builder.feed(offset, std::move(decoded)));
  });
  if (!read) {
    std::cerr << "pactumctl explain: cannot read " << path << '\n';
    return 2;
  }
  if (until) builder.advance_to(*until);
  const auto out = json ? builder.render_json(until) : builder.render_text(until);
  if (!out) {
    std::cerr << "pactumctl explain: no contract " << contract << (until ? " as of " + as_of : std::string()) << " in " << path << '\n';
    return 1;
  }
  std::cout << *out << (json ? "\n" : "");
  return 0;
}

int generate(const pactum::generator::options& opts, const std::string& out_path) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!out_path.empty()) {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "pactumctl generate: cannot write " << out_path << '\n';
      return 2;
    }
    out = &file;
  }
  pactum::generator::generate(opts, [out](std::string_view line) {
    out->write(line.data(), static_cast<std::streamsize>(line.size()));
    out->put('\n');
  });
  out->flush();
  return *out ? 0 : 2;
}

// PACTUM_KAFKA_<PROPERTY> variables first (secrets stay off the command
// line, as for pactumd), then -X.
pactum::runtime::kafka_properties parse_properties(const std::vector<std::string>& raw) {
  pactum::runtime::kafka_properties out = pactum::runtime::kafka_properties_from_environment(environ);
  for (const auto& p : raw) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) throw CLI::ValidationError("-X", "takes key=value, got " + p);
    out.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  return out;
}

int produce(const std::string& path, const pactum::runtime::produce_options& options) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      std::cerr << "pactumctl produce: cannot read " << path << '\n';
      return 2;
    }
    in = &file;
  }
  const long long sent = pactum::runtime::produce_records(options, [in](std::string& line) {
    return static_cast<bool>(std::getline(*in, line));
  });
  if (sent < 0) {
    std::cerr << "pactumctl produce: not every record was acknowledged\n";
    return 1;
  }
  std::cerr << "pactumctl produce: " << sent << " records to " << options.topic << '\n';
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"pactumctl - offline tools for pactum contract event logs"};
  app.require_subcommand(1);

  std::string validate_path;
  auto* validate_cmd = app.add_subcommand(
      "validate", "Decode each line of a .jsonl file on its own; print 'ok' or the rejection code and sentence per line");
  validate_cmd->add_option("file", validate_path, "structured-mode CloudEvents, one per line ('-' for stdin)")->required();

  std::string replay_path;
  std::string now;
  std::string as_of;
  std::string only;
  auto* replay_cmd = app.add_subcommand("replay", "Apply a log with the domain rules and print the read model (spec section 13)");
  replay_cmd->add_option("file", replay_path, "structured-mode CloudEvents, one per line ('-' for stdin)")->required();
  replay_cmd->add_option("--now", now, "fire every deadline due at or before this RFC 3339 time at the end");
  replay_cmd->add_option("--as-of", as_of,
                         "the read model as of this RFC 3339 instant (spec section 16): only the records whose time is at "
                         "or before it, then its deadlines");
  replay_cmd->add_option("--contract", only, "print only this contract and its rejections");

  std::string out;
  std::string explain_path;
  std::string explain_contract;
  std::string explain_as_of;
  bool explain_json = false;
  auto* explain_cmd = app.add_subcommand(
      "explain", "Explain every figure of a contract's view: the records and terms it came from, in one sentence each (spec section 16)");
  explain_cmd->add_option("file", explain_path, "structured-mode CloudEvents, one per line ('-' for stdin)")->required();
  explain_cmd->add_option("--contract", explain_contract, "the contract")->required();
  explain_cmd->add_option("--as-of", explain_as_of, "as of this RFC 3339 instant (as `replay --as-of`)");
  explain_cmd->add_flag("--json", explain_json, "the API's JSON instead of text");

  auto* generate_cmd = app.add_subcommand("generate", "Write a realistic, deterministic event log");
  pactum::generator::options gen;
  generate_cmd->add_option("--seed", gen.seed, "random seed")->required();
  generate_cmd->add_option("--contracts", gen.contracts, "number of contracts")->required()->check(CLI::Range(1, 10'000'000));
  generate_cmd->add_option("--bad-per-mille", gen.bad_per_mille, "bad or edge records per 1000 good ones")
      ->capture_default_str()->check(CLI::Range(0, 1000));
  generate_cmd->add_option("--v2-per-mille", gen.v2_per_mille,
                           "invoices issued as pactum.invoice.issued.v2 (itemised) per 1000; 0: the v1-only logs of "
                           "earlier versions, byte for byte")
      ->capture_default_str()->check(CLI::Range(0, 1000));
  generate_cmd->add_option("--out", out, "file to write (default: stdout)");

  std::string diagram_format = "dot";
  auto* diagram_cmd = app.add_subcommand(
      "diagram", "Draw the contract lifecycle from the Boost.MSM transition tables (Graphviz dot or Mermaid)");
  diagram_cmd->add_option("--format", diagram_format, "dot or mermaid")
      ->capture_default_str()->check(CLI::IsMember({"dot", "mermaid"}));

  std::string produce_path;
  pactum::runtime::produce_options produce_opts;
  std::vector<std::string> produce_props;
  auto* produce_cmd = app.add_subcommand("produce", "Produce a .jsonl file to Kafka, one record per line, key = subject");
  produce_cmd->add_option("file", produce_path, "structured-mode CloudEvents, one per line ('-' for stdin)")->required();
  produce_cmd->add_option("--brokers", produce_opts.brokers, "Kafka bootstrap servers")->required()->envname("PACTUM_BROKERS");
  produce_cmd->add_option("--topic", produce_opts.topic, "topic")->capture_default_str();
  produce_cmd->add_flag("--binary", produce_opts.binary, "binary content mode: ce_* headers, data as the value");
  produce_cmd->add_flag("--raw", produce_opts.raw,
                        "lines are records as `tail` prints them: {key, value or value_base64, headers}, sent unchanged");
  produce_cmd->add_option("--rate", produce_opts.rate, "records per second (default: as fast as possible)");
  produce_cmd->add_option("-X,--kafka", produce_props, "a librdkafka property key=value (repeatable)");

  pactum::runtime::tail_options tail_opts;
  std::vector<std::string> tail_props;
  pactum::runtime::tail_options offsets_opts;
  std::vector<std::string> offsets_props;
  auto* offsets_cmd = app.add_subcommand(
      "end-offsets",
      "Print each partition's read_committed and read_uncommitted end offsets, one JSON object per line: "
      "{partition, read_committed_end, read_uncommitted_end[, committed]}. The two ends differ while a transaction "
      "is open. With --group, `committed` is the group's next offset to consume, or \"none\" where the group has "
      "never committed on that partition (nothing consumed there yet, e.g. an empty partition): "
      "lag = read_committed_end - committed; none with read_committed_end 0 means nothing to commit");
  offsets_cmd->add_option("topic", offsets_opts.topic, "topic")->required();
  offsets_cmd->add_option("--brokers", offsets_opts.brokers, "Kafka bootstrap servers")->required()->envname("PACTUM_BROKERS");
  offsets_cmd->add_option("--group", offsets_opts.group, "also print this consumer group's committed offsets");
  offsets_cmd->add_option("-X,--kafka", offsets_props, "a librdkafka property key=value (repeatable)");
  auto* tail_cmd = app.add_subcommand("tail", "Print a topic's committed records (read_committed) as JSON lines");
  tail_cmd->add_option("topic", tail_opts.topic, "topic")->required();
  tail_cmd->add_option("--brokers", tail_opts.brokers, "Kafka bootstrap servers")->required()->envname("PACTUM_BROKERS");
  tail_cmd->add_flag("--follow", tail_opts.follow, "keep reading at the end");
  tail_cmd->add_flag("--received", tail_opts.received,
                     "add `received`: when each record was read, this machine's clock in ms since the epoch");
  tail_cmd->add_option("-X,--kafka", tail_props, "a librdkafka property key=value (repeatable)");

  CLI11_PARSE(app, argc, argv);
  std::ios::sync_with_stdio(false);
  if (*validate_cmd) return validate(validate_path);
  if (*replay_cmd) return replay(replay_path, now, as_of, only);
  if (*explain_cmd) return explain(explain_path, explain_contract, explain_as_of, explain_json);
  if (*generate_cmd) return generate(gen, out);
  if (*diagram_cmd) {
    std::cout << pactum::statemachine::lifecycle_diagram(diagram_format == "dot" ? pactum::statemachine::diagram_format::dot
                                                                                 : pactum::statemachine::diagram_format::mermaid);
    return 0;
  }
  try {
    if (*produce_cmd) {
      produce_opts.properties = parse_properties(produce_props);
      return produce(produce_path, produce_opts);
    }
    if (*offsets_cmd) {
      offsets_opts.properties = parse_properties(offsets_props);
      return pactum::runtime::end_offsets(offsets_opts, std::cout);
    }
    if (*tail_cmd) {
      tail_opts.properties = parse_properties(tail_props);
      return pactum::runtime::tail_topic(tail_opts, std::cout);
    }
  } catch (const std::exception& e) {
    std::cerr << "pactumctl: " << e.what() << '\n';
    return 2;
  }
  return 2;
}
