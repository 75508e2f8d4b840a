// Spec sections 1 and 15 (decoding): both content modes and every decode-stage
// rejection code, with the identity a rejection carries.
#include "pactum/events/decode.hpp"
#include "pactum/events/encode.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <vector>

namespace pactum::events {
namespace {

using nlohmann::json;

json good_event() {
  return json{{"specversion", "1.0"},     {"id", "evt-1"},
              {"source", "/billing"},      {"type", "pactum.invoice.paid.v1"},
              {"subject", "C-1"},          {"time", "2026-02-01T10:00:00+01:00"},
              {"data", {{"invoice_id", "INV-1"}, {"amount", "10.50"}}}};
}

std::string code_of(const decoded& d) { return d ? "ok" : std::string(to_string(d.error().why.code)); }

std::string structured(const json& e, std::optional<std::string_view> key = std::nullopt) {
  return code_of(decode_structured(e.dump(), key));
}

// The same event in binary mode (the encoder's transcoding): ce_ headers and
// the data as value.
struct binary_record {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string value;

  explicit binary_record(const json& e) {
    auto r = structured_to_binary(e.dump());
    EXPECT_TRUE(r);
    if (!r) return;
    headers = std::move(r->headers);
    value = std::move(r->value);
  }
  void set(const std::string& key, const std::string& v) {
    for (auto& [k, val] : headers)
      if (k == key) { val = v; return; }
    headers.emplace_back(key, v);
  }
  void drop(const std::string& key) {
    std::erase_if(headers, [&](const auto& h) { return h.first == key; });
  }
  decoded decode(std::optional<std::string_view> key = std::nullopt) const {
    std::vector<record_header> h;
    for (const auto& [k, v] : headers) h.push_back({k, v});
    return decode_record(h, value, key);
  }
  std::string code(std::optional<std::string_view> key = std::nullopt) const { return code_of(decode(key)); }
};

TEST(Structured, DecodesAGoodEventIntoTypedData) {
  const auto d = decode_structured(good_event().dump(), "C-1");
  ASSERT_TRUE(d) << d.error().why.detail;
  const event& e = d.value();
  EXPECT_EQ(e.type(), event_type::invoice_paid);
  EXPECT_EQ(e.subject, "C-1");
  EXPECT_EQ(format_timestamp(e.time), "2026-02-01T09:00:00Z");
  const auto& paid = std::get<invoice_paid>(e.data);
  EXPECT_EQ(paid.invoice_id, "INV-1");
  EXPECT_EQ(paid.amount.raw(), 1050);
}

TEST(Binary, DecodesTheSameEventFromHeaders) {
  binary_record r(good_event());
  r.set("ce_expectedversion", "7");
  const auto d = r.decode("C-1");
  ASSERT_TRUE(d) << d.error().why.detail;
  EXPECT_EQ(d.value().type(), event_type::invoice_paid);
  EXPECT_EQ(d.value().expected_version, 7);
  EXPECT_EQ(std::get<invoice_paid>(d.value().data).amount.raw(), 1050);
}

TEST(Modes, ContentTypeChoosesTheMode) {
  const std::string value = good_event().dump();
  std::vector<record_header> structured_ct{{"content-type", "application/cloudevents+json; charset=utf-8"}};
  EXPECT_TRUE(decode_record(structured_ct, value));
  EXPECT_TRUE(decode_record({}, value)); // no content-type, a JSON object with specversion
  std::vector<record_header> json_ct{{"content-type", "application/json"}};
  EXPECT_EQ(code_of(decode_record(json_ct, value)), "invalid_envelope"); // binary without ce_ headers
}

// Spec section 16: the log as of T keeps the records whose envelope time is at
// or before T, whatever else is wrong with them; a record without a readable
// time is dropped.
TEST(EnvelopeTime, ReadInEitherModeEvenWhenTheRestIsInvalid) {
  const auto at = [](std::string_view text) { return format_timestamp(*parse_timestamp(text)); };
  const auto time_of = [](const std::optional<timestamp>& t) { return t ? format_timestamp(*t) : std::string("none"); };
  EXPECT_EQ(time_of(envelope_time({}, good_event().dump())), at("2026-02-01T09:00:00Z"));
  json unknown = good_event();
  unknown["type"] = "pactum.contract.sneezed.v1";
  unknown["data"] = 7;
  EXPECT_EQ(time_of(envelope_time({}, unknown.dump())), at("2026-02-01T09:00:00Z"));
  binary_record r(good_event());
  std::vector<record_header> h;
  for (const auto& [k, v] : r.headers) h.push_back({k, v});
  EXPECT_EQ(time_of(envelope_time(h, r.value)), at("2026-02-01T09:00:00Z"));
  EXPECT_EQ(time_of(envelope_time(h, "not json")), at("2026-02-01T09:00:00Z")); // binary: the time is a header

  json no_time = good_event();
  no_time.erase("time");
  json bad_time = good_event();
  bad_time["time"] = "yesterday";
  json number_time = good_event();
  number_time["time"] = 1700000000;
  for (const std::string& unreadable : {no_time.dump(), bad_time.dump(), number_time.dump(), std::string("{\"time\":"),
                                        std::string("[]")})
    EXPECT_EQ(time_of(envelope_time({}, unreadable)), "none") << unreadable;
  r.drop("ce_time");
  h.clear();
  for (const auto& [k, v] : r.headers) h.push_back({k, v});
  EXPECT_EQ(time_of(envelope_time(h, r.value)), "none");
}

TEST(TooLarge, ARecordOverSixtyFourKibIsRejectedUnread) {
  json e = good_event();
  e["data"]["note"] = std::string(70'000, 'x');
  const auto d = decode_structured(e.dump());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().why.code, rejection_code::too_large);
  EXPECT_FALSE(d.error().event_id);
  EXPECT_FALSE(d.error().contract_id);
  EXPECT_FALSE(d.error().type);

  binary_record r(good_event());
  r.value = json{{"invoice_id", "INV-1"}, {"amount", "1.00"}, {"note", std::string(1 << 20, 'y')}}.dump();
  EXPECT_EQ(r.code(), "too_large");
}

TEST(TooLarge, ExactlySixtyFourKibIsStillRead) {
  json e = good_event();
  e["data"]["note"] = "";
  const std::size_t base = e.dump().size();
  e["data"]["note"] = std::string(max_record_bytes - base, 'x');
  ASSERT_EQ(e.dump().size(), max_record_bytes);
  EXPECT_EQ(structured(e), "ok");
}

TEST(MalformedJson, BrokenTextInvalidUtf8AndNulBytes) {
  for (const std::string& bad : {std::string("{\"specversion\":"), std::string(""), std::string("{\"a\":1}}"),
                                std::string("{\"id\":\"\xff\xfe\"}"), std::string("{\"id\":\"a\0b\"}", 12),
                                std::string("\0", 1), std::string("{\"n\":1e99999}")}) {
    const auto d = decode_structured(bad);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().why.code, rejection_code::malformed_json) << bad;
    EXPECT_FALSE(d.error().event_id);
    EXPECT_FALSE(d.error().why.detail.empty());
  }
  binary_record r(good_event());
  r.value = "{\"invoice_id\":";
  EXPECT_EQ(r.code(), "malformed_json");
}

TEST(MalformedJson, NestingDeeperThanTheParserLimitIsRejectedWithASentence) {
  const std::string deep = std::string(30'000, '[') + std::string(30'000, ']');
  const auto d = decode_structured(deep);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().why.code, rejection_code::malformed_json);
  EXPECT_NE(d.error().why.detail.find("deeper than 1024"), std::string::npos) << d.error().why.detail;
  json e = good_event();
  e["data"]["nested"] = json::parse(std::string(1'000, '[') + std::string(1'000, ']'));
  EXPECT_EQ(structured(e), "ok"); // unknown members are ignored, within the limit
}

TEST(InvalidEnvelope, EachAttributeRule) {
  auto with = [](const char* name, json value) {
    json e = good_event();
    if (value.is_discarded()) e.erase(name);
    else e[name] = std::move(value);
    return structured(e);
  };
  const json absent = json(json::value_t::discarded);
  EXPECT_EQ(with("specversion", "1.1"), "invalid_envelope");
  EXPECT_EQ(with("specversion", 1.0), "invalid_envelope");
  EXPECT_EQ(with("specversion", absent), "invalid_envelope");
  EXPECT_EQ(with("id", ""), "invalid_envelope");
  EXPECT_EQ(with("id", 7), "invalid_envelope");
  EXPECT_EQ(with("id", std::string(257, 'a')), "invalid_envelope");
  EXPECT_EQ(with("id", std::string(256, 'a')), "ok");
  EXPECT_EQ(with("id", "\xc3\xa9" + std::string(255, 'a')), "ok"); // 256 code points, 257 bytes
  EXPECT_EQ(with("source", ""), "invalid_envelope");
  EXPECT_EQ(with("source", "not a uri but fine"), "ok");
  EXPECT_EQ(with("type", 3), "invalid_envelope");
  EXPECT_EQ(with("subject", "-starts-with-dash"), "invalid_envelope");
  EXPECT_EQ(with("subject", std::string(129, 'a')), "invalid_envelope");
  EXPECT_EQ(with("subject", std::string(128, 'a')), "ok");
  EXPECT_EQ(with("subject", absent), "invalid_envelope");
  EXPECT_EQ(with("time", "2026-02-01T10:00:00"), "invalid_envelope");
  EXPECT_EQ(with("time", nullptr), "invalid_envelope"); // null means absent, and time is required
  EXPECT_EQ(with("datacontenttype", "text/plain"), "invalid_envelope");
  EXPECT_EQ(with("datacontenttype", "application/json"), "ok");
  EXPECT_EQ(with("datacontenttype", nullptr), "ok");
  for (const json& bad : {json("3"), json(3.0), json(true), json(-1)})
    EXPECT_EQ(with("expectedversion", bad), "invalid_envelope") << bad.dump();
  // beyond int64 anywhere in the record (spec section 15)
  EXPECT_EQ(with("expectedversion", json(9223372036854775808ULL)), "malformed_json");
  EXPECT_EQ(with("expectedversion", 0), "ok");
  EXPECT_EQ(with("expectedversion", nullptr), "ok");
}

TEST(InvalidEnvelope, JsonThatIsNotAnObject) {
  EXPECT_EQ(code_of(decode_structured("[1,2]")), "invalid_envelope");
  EXPECT_EQ(code_of(decode_structured("\"text\"")), "invalid_envelope");
}

TEST(InvalidEnvelope, BinaryModeWithMissingOrBadHeaders) {
  for (const char* header : {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"}) {
    binary_record r(good_event());
    r.drop(header);
    EXPECT_EQ(r.code(), "invalid_envelope") << header;
  }
  binary_record r(good_event());
  r.set("ce_expectedversion", "-1");
  EXPECT_EQ(r.code(), "invalid_envelope");
  r.set("ce_expectedversion", "3x");
  EXPECT_EQ(r.code(), "invalid_envelope");
  binary_record ct(good_event());
  ct.set("content-type", "text/plain");
  EXPECT_EQ(ct.code(), "invalid_envelope");
  ct.set("content-type", "application/json");
  EXPECT_EQ(ct.code(), "ok");
  binary_record utf(good_event());
  utf.set("ce_id", "\xff\xfe");
  EXPECT_EQ(utf.code(), "invalid_envelope");
}

TEST(UnknownType, CarriesTheIdentityItCouldRead) {
  json e = good_event();
  e["type"] = "pactum.invoice.lost.v1";
  const auto d = decode_structured(e.dump());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().why.code, rejection_code::unknown_type);
  EXPECT_EQ(d.error().event_id, "evt-1");
  EXPECT_EQ(d.error().contract_id, "C-1");
  EXPECT_EQ(d.error().type, "pactum.invoice.lost.v1");
  binary_record r(e);
  EXPECT_EQ(r.code(), "unknown_type");
}

TEST(KeyMismatch, KeyMustEqualSubjectWhenPresent) {
  EXPECT_EQ(structured(good_event(), "C-2"), "key_mismatch");
  EXPECT_EQ(structured(good_event(), "C-1"), "ok");
  EXPECT_EQ(structured(good_event()), "ok"); // no key
  binary_record r(good_event());
  EXPECT_EQ(r.code("C-2"), "key_mismatch");
}

TEST(InvalidData, ShapeOfDataNamesTheMemberByPointer) {
  json e = good_event();
  e["data"]["amount"] = 10.5; // money must be a string
  const auto d = decode_structured(e.dump());
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().why.code, rejection_code::invalid_data);
  EXPECT_NE(d.error().why.detail.find("/data/amount"), std::string::npos) << d.error().why.detail;

  e = good_event();
  e.erase("data");
  EXPECT_EQ(structured(e), "invalid_data");
  e["data"] = json::array();
  EXPECT_EQ(structured(e), "invalid_data");
  e["data"] = {{"invoice_id", nullptr}, {"amount", "1.00"}}; // null = absent, and it is required
  EXPECT_EQ(structured(e), "invalid_data");

  binary_record r(good_event());
  r.value = "[]";
  EXPECT_EQ(r.code(), "invalid_data");
  r.value = R"({"invoice_id":"INV-1","amount":"1.001"})";
  EXPECT_EQ(r.code(), "invalid_data");
}

json event_of(const std::string& type, json data) {
  json e = good_event();
  e["type"] = "pactum." + type + ".v1";
  e["data"] = std::move(data);
  return e;
}

TEST(InvalidData, EveryTypesMembers) {
  const json t = "2026-01-01T00:00:00Z";
  EXPECT_EQ(structured(event_of("contract.drafted", {{"terms", "x"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("contract.drafted", {{"terms", json::object()}})), "ok"); // checked by the rules
  EXPECT_EQ(structured(event_of("contract.signed", {{"party", "lawyer"}, {"signatory", ""}})), "invalid_data");
  EXPECT_EQ(structured(event_of("contract.signed", {{"party", "client"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("contract.signed", {{"party", "client"}, {"signatory", ""}})), "ok");
  EXPECT_EQ(structured(event_of("contract.withdrawn", json::object())), "invalid_data");
  EXPECT_EQ(structured(event_of("contract.renewed", {{"end_date", "2027-02-30"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", -1}, {"metrics", json::object()}})), "invalid_data");
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1.0}, {"metrics", json::object()}})), "invalid_data");
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"x", -1}}}})), "invalid_data");
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"x", "0.1234567"}}}})), "invalid_data");
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"x", 0.1234567}}}})), "ok"); // numbers round
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"x", 1e300}}}})), "invalid_data");
  EXPECT_EQ(structured(event_of("data.incident-reported", {{"incident_id", "I"}, {"severity", "medium"}, {"records_affected", 1}, {"detected_at", t}, {"client_notified_at", t}})), "invalid_data");
  EXPECT_EQ(structured(event_of("data.incident-reported", {{"incident_id", "I"}, {"severity", "low"}, {"records_affected", 1}, {"detected_at", t}, {"client_notified_at", t}})), "ok");
  EXPECT_EQ(structured(event_of("data.incident-remediated", {{"incident_id", ""}})), "invalid_data");
  EXPECT_EQ(structured(event_of("audit.completed", {{"audit_id", "A"}, {"result", "ok"}, {"findings", 0}})), "invalid_data");
  EXPECT_EQ(structured(event_of("audit.completed", {{"audit_id", "A"}, {"result", "failed"}, {"findings", true}})), "invalid_data");
  EXPECT_EQ(structured(event_of("audit.completed", {{"audit_id", "A"}, {"result", "failed"}, {"findings", 2}, {"remediation_days", nullptr}})), "ok");
  EXPECT_EQ(structured(event_of("audit.remediated", {{"audit_id", 5}})), "invalid_data");
  EXPECT_EQ(structured(event_of("breach.notice-served", {{"notice_id", "N"}, {"by", "client"}, {"clause", "1"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("breach.cured", json::object())), "invalid_data");
  EXPECT_EQ(structured(event_of("breach.waived", {{"breach_id", "b"}, {"by", "both"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("invoice.issued", {{"invoice_id", "I"}, {"period", "2026-1"}, {"amount", "1.00"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("invoice.paid", {{"invoice_id", "I"}, {"amount", "0.00"}})), "ok"); // amount 0 is a rule check
  EXPECT_EQ(structured(event_of("force-majeure.declared", {{"fm_id", "F"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("force-majeure.ended", {{"fm_id", ""}})), "invalid_data");
  EXPECT_EQ(structured(event_of("termination.notice-served", {{"notice_id", "T"}, {"by", "vendor"}, {"ground", "anything"}, {"effective_at", "soon"}})), "invalid_data");
  EXPECT_EQ(structured(event_of("termination.notice-served", {{"notice_id", "T"}, {"by", "vendor"}, {"ground", "anything"}})), "ok");
  EXPECT_EQ(structured(event_of("termination.notice-withdrawn", json::object())), "invalid_data");
  EXPECT_EQ(structured(event_of("termination.agreed", json::object())), "invalid_data");
  EXPECT_EQ(structured(event_of("deadline.reached", {{"deadline_id", ""}})), "invalid_data");
}

// Each reader of a typed member says which of two things is wrong: the member
// is absent (or null), or its value is not of its type; an optional one may
// be absent. (Each looks its member up once.)
TEST(InvalidData, AMembersSentenceSaysAbsentOrWhatItMustBe) {
  auto detail_of = [](const json& e) {
    const auto d = decode_structured(e.dump());
    return d ? std::string("ok") : d.error().why.detail;
  };
  const json t = "2026-01-01T00:00:00Z";
  const std::string money = "must be a money string like \"1234.50\" (at most 2 decimals, at most 92233720368547758.07)";
  EXPECT_EQ(detail_of(event_of("invoice.paid", {{"invoice_id", "I"}})), "/data/amount: is required");
  EXPECT_EQ(detail_of(event_of("invoice.paid", {{"invoice_id", "I"}, {"amount", nullptr}})), "/data/amount: is required");
  EXPECT_EQ(detail_of(event_of("invoice.paid", {{"invoice_id", "I"}, {"amount", 10}})), "/data/amount: " + money);
  EXPECT_EQ(detail_of(event_of("sla.period-reported", {{"period", "2026-01"}, {"metrics", json::object()}})),
            "/data/contacts_handled: is required");
  EXPECT_EQ(detail_of(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", -1}, {"metrics", json::object()}})),
            "/data/contacts_handled: must be an integer >= 0");
  EXPECT_EQ(detail_of(event_of("audit.completed", {{"audit_id", "A"}, {"result", "failed"}, {"findings", 1}, {"remediation_days", 0}})),
            "/data/remediation_days: must be an integer from 1 to 36500");
  EXPECT_EQ(detail_of(event_of("termination.agreed", json::object())), "/data/effective_at: is required");
  EXPECT_EQ(detail_of(event_of("termination.agreed", {{"effective_at", "soon"}})),
            "/data/effective_at: must be an RFC 3339 timestamp with offset");
  EXPECT_EQ(detail_of(event_of("termination.notice-served", {{"notice_id", "T"}, {"by", "vendor"}, {"ground", "g"}, {"effective_at", 1}})),
            "/data/effective_at: must be an RFC 3339 timestamp with offset");
  EXPECT_EQ(detail_of(event_of("termination.notice-served", {{"notice_id", "T"}, {"by", "vendor"}, {"ground", "g"}, {"effective_at", t}})), "ok");
  // A member named by the producer is escaped in the pointer (RFC 6901).
  EXPECT_EQ(detail_of(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"a/b~c", -1}}}})),
            "/data/metrics/a~1b~0c: must be a number >= 0 (a string has at most 6 decimals)");
}

TEST(InvalidData, HugeNumbersAreRejectedNotWrapped) {
  // Beyond int64 is malformed_json wherever it stands (spec section 15).
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 9223372036854775808ULL}, {"metrics", json::object()}})), "malformed_json");
  EXPECT_EQ(structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 9223372036854775807LL}, {"metrics", json::object()}})), "ok");
  EXPECT_EQ(structured(event_of("invoice.paid", {{"invoice_id", "I"}, {"amount", std::string(40, '9')}})), "invalid_data");
}

TEST(Metrics, JsonNumbersKeepTheDigitsTheProducerWrote) {
  const auto d = decode_structured(event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1},
                                                                   {"metrics", {{"a", 99.7}, {"b", "98.0"}, {"c", 0.1}, {"d", 7}, {"e", nullptr}}}}).dump());
  ASSERT_TRUE(d) << d.error().why.detail;
  const auto& m = std::get<sla_period_reported>(d.value().data).metrics;
  ASSERT_EQ(m.size(), 4U); // null means absent
  EXPECT_EQ(m[0], (std::pair<std::string, millionths>{"a", 99'700'000}));
  EXPECT_EQ(m[1].second, 98'000'000);
  EXPECT_EQ(m[2].second, 100'000);
  EXPECT_EQ(m[3].second, 7'000'000);
}

// An integer metric is its digits and six zeros, as its text would read; one
// whose millionths pass 2^63-1 is out of range, as the text "9223372036855" is.
TEST(Metrics, IntegersScaleExactlyToTheEdgeOfTheRange) {
  auto metric = [](const json& value) -> std::optional<millionths> {
    const auto d = decode_structured(
        event_of("sla.period-reported", {{"period", "2026-01"}, {"contacts_handled", 1}, {"metrics", {{"m", value}}}}).dump());
    if (!d) return std::nullopt;
    return std::get<sla_period_reported>(d.value().data).metrics.at(0).second;
  };
  EXPECT_EQ(metric(0), 0);
  EXPECT_EQ(metric(9'223'372'036'854LL), 9'223'372'036'854'000'000LL);
  EXPECT_EQ(metric(9'223'372'036'855LL), std::nullopt);
  EXPECT_EQ(metric("9223372036855"), std::nullopt);
  EXPECT_EQ(metric(9'223'372'036'854'775'807LL), std::nullopt);
  EXPECT_EQ(metric(-1), std::nullopt);
}

TEST(Encoder, StructuredAndBinaryDecodeToTheSameEvent) {
  const envelope e{"evt-9", "/billing", invoice_paid::type_name, "C-7", "2026-02-01T09:00:00.5Z", 3};
  const std::string data = R"({"invoice_id":"INV-\"1\"","amount":"10.50"})";
  const std::string text = encode_structured(e, data);
  EXPECT_EQ(text, R"({"specversion":"1.0","id":"evt-9","source":"/billing","type":"pactum.invoice.paid.v1",)"
                  R"("subject":"C-7","time":"2026-02-01T09:00:00.5Z","expectedversion":3,"data":)" + data + "}");
  const auto structured = decode_structured(text, "C-7");
  ASSERT_TRUE(structured) << structured.error().why.detail;
  const auto b = encode_binary(e, data);
  std::vector<record_header> h;
  for (const auto& [k, v] : b.headers) h.push_back({k, v});
  const auto binary = decode_record(h, b.value, "C-7");
  ASSERT_TRUE(binary) << binary.error().why.detail;
  for (const auto* d : {&structured.value(), &binary.value()}) {
    EXPECT_EQ(d->id, "evt-9");
    EXPECT_EQ(d->expected_version, 3);
    EXPECT_EQ(std::get<invoice_paid>(d->data).invoice_id, "INV-\"1\"");
  }
}

TEST(Encoder, TypeNamesComeFromTheDataTypesInEnumOrder) {
  EXPECT_EQ(to_string(event_type::contract_drafted), contract_drafted::type_name);
  EXPECT_EQ(to_string(event_type::deadline_reached), "pactum.deadline.reached.v1");
  EXPECT_EQ(parse_event_type(sla_period_reported::type_name), event_type::sla_period_reported);
  EXPECT_EQ(binary_header_name("datacontenttype"), "content-type");
  EXPECT_EQ(binary_header_name("id"), "ce_id");
}

TEST(Encoder, EveryTypeNameIsFoundAndNothingElse) {
  for (std::size_t t = 0; t < event_type_count; ++t) {
    const std::string name(event_type_names[t]);
    EXPECT_EQ(parse_event_type(name), static_cast<event_type>(t)) << name;
    std::string other = name; // one letter changed, one letter more, one fewer
    other[other.size() / 2] ^= 0x20;
    EXPECT_EQ(parse_event_type(other), std::nullopt) << other;
    EXPECT_EQ(parse_event_type(name + "1"), std::nullopt) << name;
    EXPECT_EQ(parse_event_type(std::string_view(name).substr(1)), std::nullopt) << name;
  }
  for (const std::string_view name : {"", "pactum.", "pactum.contract.drafted.v2", "pactum.contract.gossip.v1"})
    EXPECT_EQ(parse_event_type(name), std::nullopt) << name;
}

// Replay groups a batch by the subject read off the record, before decoding:
// it must be the top-level member, or nothing.
TEST(StructuredSubject, TheTopLevelMemberOrNothing) {
  auto subject = [](std::string_view record) { return structured_subject(record).value_or("<none>"); };
  EXPECT_EQ(subject(good_event().dump()), "C-1");
  EXPECT_EQ(subject(R"({"subject":"C-1"})"), "C-1");
  EXPECT_EQ(subject("{ \"id\" : \"x\" ,\n \"subject\"\t:\r \"C-2\" }"), "C-2");
  // a "subject" nested in another member, or inside a string, is not it
  EXPECT_EQ(subject(R"({"data":{"subject":"X"},"subject":"C-3"})"), "C-3");
  EXPECT_EQ(subject(R"({"id":"\"subject\":\"X\"","subject":"C-4"})"), "C-4");
  EXPECT_EQ(subject(R"({"a":[1,{"subject":"X"},"]}"],"n":-1.5e3,"t":true,"subject":"C-5"})"), "C-5");
  EXPECT_EQ(subject(R"({"id":"a\\","subject":"C-6"})"), "C-6"); // an escaped backslash ends the string
  EXPECT_EQ(subject(R"({"id":"a\\\"\\","subject":"C-7"})"), "C-7"); // a\, an escaped quote, a\: odd and even runs
  // escapes: the scan cannot tell what they spell, so it does not say
  EXPECT_EQ(subject(R"({"sub\u006aect":"C-8"})"), "<none>");
  EXPECT_EQ(subject(R"({"subject":"C-\u0039"})"), "<none>");
  // not a string, absent, not an object, not JSON
  EXPECT_EQ(subject(R"({"subject":9})"), "<none>");
  EXPECT_EQ(subject(R"({"subject":null})"), "<none>");
  EXPECT_EQ(subject(R"({"id":"x"})"), "<none>");
  EXPECT_EQ(subject(R"(["subject","C-1"])"), "<none>");
  EXPECT_EQ(subject(R"({"subject":"C-1)"), "<none>");
  EXPECT_EQ(subject(""), "<none>");
  // a repeated subject: the first, and the record does not decode
  const std::string twice = R"({"specversion":"1.0","id":"e","source":"/s","type":"pactum.invoice.paid.v1","subject":"A",)"
                            R"("subject":"B","time":"2026-02-01T10:00:00Z","data":{"invoice_id":"I","amount":"1.00"}})";
  EXPECT_EQ(subject(twice), "A");
  EXPECT_FALSE(decode_structured(twice));
}

// The subject after members of every length, a scalar among them, an escape
// before it, and the record's own decoded subject alike; none in a text cut
// short or in a subject written with an escape.
TEST(StructuredSubject, AtAnyPlaceInTheText) {
  for (std::size_t pad = 0; pad <= 140; ++pad) {
    for (const bool scalar : {false, true}) {
      for (const bool escape : {false, true}) {
        const std::string id = (escape ? std::string(R"(e\")") : std::string("e")) + std::string(pad, 'x');
        const std::string subject = "C-" + std::to_string(pad);
        const std::string record = R"({"specversion":"1.0","id":")" + id + R"(","source":"/s",)" +
                                   (scalar ? R"("expectedversion":7,)" : "") +
                                   R"("type":"pactum.invoice.paid.v1","subject":")" + subject +
                                   R"(","time":"2026-02-01T10:00:00Z","data":{"invoice_id":"I","amount":"1.00"}})";
        ASSERT_EQ(structured_subject(record).value_or("<none>"), subject) << record;
        const decoded d = decode_structured(record);
        ASSERT_TRUE(d) << record;
        EXPECT_EQ(d.value().subject, subject);
        // cut short before the subject's closing quote: no subject
        const std::string cut = record.substr(0, record.find(subject) + subject.size());
        EXPECT_EQ(structured_subject(cut), std::nullopt) << cut;
        // an escape in the subject itself: the scan cannot tell it
        std::string escaped = record;
        escaped.insert(record.find(subject) + 1, R"(\u002d)");
        EXPECT_EQ(structured_subject(escaped), std::nullopt) << escaped;
      }
    }
  }
}

// A value followed by the parser's padding decodes in place, to what
// decode_structured gives: the same event, or the same rejection.
TEST(PaddedDecoding, GivesWhatDecodingACopyGives) {
  json drafted = good_event();
  drafted["type"] = "pactum.contract.drafted.v1";
  drafted["data"] = {{"terms", {{"currency", "EUR"}, {"fees", {{"monthly_base", "1.50"}}}}}};
  json deep = good_event();
  deep["data"]["x"] = json::parse(std::string(1'100, '[') + std::string(1'100, ']'));
  const std::vector<std::string> records{
      good_event().dump(), drafted.dump(), deep.dump(), R"({"specversion":"1.0")", "[1,2]", "{}", "not json",
      R"({"specversion":"1.0","id":"e","id":"f"})", good_event().dump().substr(0, 40)};
  for (const auto& record : records) {
    // The record inside a larger buffer: another record's bytes after it, then padding.
    const std::string buffer = record + R"({"subject":"next"})" + std::string(record_padding, '\xff');
    const decoded copied = decode_structured(record);
    const decoded in_place = decode_padded_structured(std::string_view(buffer).substr(0, record.size()));
    ASSERT_EQ(code_of(in_place), code_of(copied)) << record;
    if (copied) {
      EXPECT_EQ(in_place.value().id, copied.value().id);
      EXPECT_EQ(in_place.value().subject, copied.value().subject);
      EXPECT_EQ(in_place.value().time, copied.value().time);
      EXPECT_EQ(in_place.value().type(), copied.value().type());
      if (const auto* terms = std::get_if<contract_drafted>(&copied.value().data)) {
        EXPECT_EQ(std::get<contract_drafted>(in_place.value().data).terms, terms->terms);
      }
    } else {
      EXPECT_EQ(in_place.error().why.detail, copied.error().why.detail) << record;
    }
  }
}

// A draft's terms are kept as compact text (snapshots, the store and explain
// read them back): simdjson::minify's bytes, whatever the producer wrote.
TEST(TermsText, IsWhatSimdjsonsMinifyWrites) {
  const std::vector<std::string> terms{
      R"({})",
      R"({ "currency" : "EUR" , "fees" : { "monthly_base" : "1.50" } , "list" : [ ] , "empty" : { } })",
      R"({"escapes":"\"q\" \\ \/ \b\f\n\r\t \u0001\u001f\u007f \u00e9\u20ac\ud83d\ude00 caf\u00e9","raw":"é€😀"})",
      R"({"k\u0065y":1,"\"":2,"\\":3,"\n":4})",
      R"({"n":[0,-0,1,-1,9223372036854775807,-9223372036854775808,1.5,2.50,60.0,1e2,1E-7,-0.0,0.1,123456.789e3,5e-324,1.7976931348623157e308]})",
      R"({"b":[true,false,null],"deep":[[[[[[[[[[[[[[[[[[[[{"x":[1,{"y":"z"}]}]]]]]]]]]]]]]]]]]]]]})",
  };
  for (const auto& text : terms) {
    json record = good_event();
    record["type"] = "pactum.contract.drafted.v1";
    record["data"] = json::object();
    std::string raw = record.dump();
    raw.replace(raw.find(R"("data":{})"), 9, R"("data":{"terms":)" + text + "}");
    const decoded d = decode_structured(raw);
    ASSERT_TRUE(d) << d.error().why.detail << "\n" << raw;
    simdjson::dom::parser parser;
    simdjson::dom::element parsed;
    ASSERT_EQ(parser.parse(text).get(parsed), simdjson::SUCCESS) << text;
    EXPECT_EQ(std::get<contract_drafted>(d.value().data).terms, simdjson::minify(parsed)) << text;
  }
}

} // namespace
} // namespace pactum::events
