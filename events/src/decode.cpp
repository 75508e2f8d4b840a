#include "pactum/events/decode.hpp"

#include "field_reader.hpp"
#include "pactum/events/encode.hpp"
#include "versions.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <new>
#include <vector>

namespace pactum::events {
namespace {

using detail::element;
using detail::field_reader;

decode_failure failure(rejection_code code, std::string detail) {
  return decode_failure{rejection{code, std::move(detail)}, std::nullopt, std::nullopt, std::nullopt};
}

std::size_t code_points(std::string_view s) {
  // The parser has already checked UTF-8; count the bytes that start a code point.
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Section 17: `lines` of pactum.invoice.issued.v2, in kind order; each kind at
// most once; they add up to the amount.
std::optional<std::vector<invoice_line>> invoice_lines(field_reader& r, cents amount) {
  const auto found = r.find("lines");
  if (!found) return std::nullopt; // not itemised
  if (!found->is_array() || found->get_array().value_unsafe().size() == 0) {
    r.fail("lines", "must be a non-empty array of {kind, amount} objects");
    return std::nullopt;
  }
  std::vector<invoice_line> lines;
  std::array<bool, invoice_line_kind_names.size()> seen{};
  std::size_t i = 0;
  field_reader list = r.member(*found, "lines");
  const simdjson::dom::array items = found->get_array().value_unsafe();
  for (const element item : items) {
    const std::size_t index = i++;
    if (!item.is_object()) {
      list.fail(index, "must be an object {kind, amount}");
      return std::nullopt;
    }
    field_reader line = list.item(item, index);
    const std::string kind_name = line.text("kind");
    const auto kind = std::find(invoice_line_kind_names.begin(), invoice_line_kind_names.end(), kind_name);
    if (!line.failed() && kind == invoice_line_kind_names.end())
      line.fail("kind", "must be one of base, contacts, credit, bonus, other");
    const cents line_amount = line.money("amount");
    if (line.failed()) return std::nullopt;
    const auto k = static_cast<std::size_t>(kind - invoice_line_kind_names.begin());
    if (seen[k]) {
      line.fail("kind", "\"" + kind_name + "\" appears more than once");
      return std::nullopt;
    }
    seen[k] = true;
    lines.push_back({static_cast<invoice_line_kind>(k), line_amount});
  }
  std::sort(lines.begin(), lines.end(), [](const invoice_line& a, const invoice_line& b) { return a.kind < b.kind; });
  cents total;
  for (const auto& l : lines) total = l.kind == invoice_line_kind::credit ? total - l.amount : total + l.amount;
  if (total != amount) {
    r.fail("lines", "the lines add up to " + format_money(total) + " (base + contacts + bonus + other - credit), not the amount " +
                        format_money(amount));
    return std::nullopt;
  }
  return lines;
}

// The terms object as compact text, and checked as the rules will check it
// (parse_terms of that text reads the same values): checked once, here.
checked_terms read_checked_terms(field_reader& r) {
  const auto terms = r.object("terms");
  if (!terms) return {};
  return {simdjson::minify(*terms), std::make_shared<const result<contract_terms>>(detail::read_terms(*terms))};
}

// The event's data members by type (spec section 6 and the decoding part of 15).
event_data decode_data(event_type type, field_reader& r) {
  switch (type) {
  case event_type::contract_drafted: return contract_drafted{read_checked_terms(r)};
  case event_type::terms_amended: return terms_amended{read_checked_terms(r)};
  case event_type::contract_signed: {
    const party by = r.who("party");
    return contract_signed{by, r.text("signatory")};
  }
  case event_type::contract_withdrawn: return contract_withdrawn{r.text("reason")};
  case event_type::contract_renewed: return contract_renewed{r.day("end_date")};
  case event_type::sla_period_reported: {
    sla_period_reported p{r.month("period"), r.integer("contacts_handled", 0), {}};
    if (const auto metrics = r.object("metrics")) {
      field_reader m = r.member(*metrics, "metrics");
      const simdjson::dom::object members = metrics->get_object().value_unsafe();
      p.metrics.reserve(members.size());
      for (const auto [key, value] : members) {
        if (value.is_null()) continue; // null means absent
        p.metrics.emplace_back(std::string(key), m.metric(key));
      }
      std::sort(p.metrics.begin(), p.metrics.end());
    }
    return p;
  }
  case event_type::incident_reported: {
    incident_reported i{};
    i.incident_id = r.id("incident_id");
    i.level = r.level("severity");
    i.records_affected = r.integer("records_affected", 0);
    i.detected_at = r.time("detected_at");
    i.client_notified_at = r.time("client_notified_at");
    return i;
  }
  case event_type::incident_remediated: return incident_remediated{r.id("incident_id")};
  case event_type::audit_completed: {
    audit_completed a{};
    a.audit_id = r.id("audit_id");
    const std::string result = r.text("result");
    if (!r.failed() && result != "passed" && result != "failed") r.fail("result", "must be \"passed\" or \"failed\"");
    a.passed = result == "passed";
    a.findings = r.integer("findings", 0);
    a.remediation_days = r.optional_integer("remediation_days", 1, detail::max_days);
    return a;
  }
  case event_type::audit_remediated: return audit_remediated{r.id("audit_id")};
  case event_type::breach_notice_served: {
    breach_notice_served n{};
    n.notice_id = r.id("notice_id");
    n.by = r.who("by");
    n.clause = r.text("clause");
    n.description = r.text("description");
    return n;
  }
  case event_type::breach_cured: return breach_cured{r.id("breach_id")};
  case event_type::breach_waived: {
    std::string id = r.id("breach_id");
    return breach_waived{std::move(id), r.who("by")};
  }
  case event_type::invoice_issued: {
    invoice_issued i{};
    i.invoice_id = r.id("invoice_id");
    i.month = r.month("period");
    i.amount = r.money("amount");
    if (!r.failed()) i.lines = invoice_lines(r, i.amount);
    return i;
  }
  case event_type::invoice_paid: {
    std::string id = r.id("invoice_id");
    return invoice_paid{std::move(id), r.money("amount")};
  }
  case event_type::force_majeure_declared: {
    std::string id = r.id("fm_id");
    return force_majeure_declared{std::move(id), r.who("by")};
  }
  case event_type::force_majeure_ended: return force_majeure_ended{r.id("fm_id")};
  case event_type::termination_notice_served: {
    termination_notice_served n{};
    n.notice_id = r.id("notice_id");
    n.by = r.who("by");
    n.ground = r.text("ground");
    n.effective_at = r.optional_time("effective_at");
    return n;
  }
  case event_type::termination_notice_withdrawn: return termination_notice_withdrawn{r.id("notice_id")};
  case event_type::termination_agreed: return termination_agreed{r.time("effective_at")};
  case event_type::deadline_reached: return deadline_reached{r.id("deadline_id")};
  }
  return {};
}

// One envelope attribute as it arrived: a JSON member or a ce_ header.
struct attribute {
  std::optional<std::string_view> text; // set when it is a string
  std::optional<std::int64_t> integer;  // set when it is an integer
};

struct attributes {
  std::optional<attribute> specversion, id, source, type, subject, time, datacontenttype, expectedversion;
};

std::optional<std::string> string_of(const std::optional<attribute>& a) {
  if (a && a->text) return std::string(*a->text);
  return std::nullopt;
}

std::optional<std::string_view> text_of(const std::optional<attribute>& a) { return a ? a->text : std::nullopt; }

// Checks the attributes in table order, then the type, the key and the data.
decoded decode_event(const attributes& a, std::optional<element> data, std::optional<std::string_view> key, bool binary) {
  // A failure carries what the envelope had; built only on failure (the type's
  // name is longer than a string holds inline: a copy is an allocation).
  auto failed = [&a](rejection why) {
    return decoded{decode_failure{std::move(why), string_of(a.id), string_of(a.subject), string_of(a.type)}};
  };
  auto reject = [&failed](rejection_code code, std::string detail) { return failed(rejection{code, std::move(detail)}); };
  const std::string_view where = binary ? "header ce_" : "/";
  auto attr = [where](std::string_view name) { return std::string(where) + std::string(name); };

  if (text_of(a.specversion) != "1.0")
    return reject(rejection_code::invalid_envelope, attr("specversion") + ": must be the string \"1.0\"");
  const auto id = text_of(a.id);
  if (!id || id->empty() || code_points(*id) > 256)
    return reject(rejection_code::invalid_envelope, attr("id") + ": must be a non-empty string of at most 256 characters");
  const auto source = text_of(a.source);
  if (!source || source->empty()) return reject(rejection_code::invalid_envelope, attr("source") + ": must be a non-empty string");
  const auto type_name = text_of(a.type);
  if (!type_name) return reject(rejection_code::invalid_envelope, attr("type") + ": must be a string");
  const auto subject = text_of(a.subject);
  if (!subject || !valid_contract_id(*subject))
    return reject(rejection_code::invalid_envelope,
                  attr("subject") + ": must be a contract id matching ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
  const auto time_text = text_of(a.time);
  const auto time = time_text ? parse_timestamp(*time_text) : std::nullopt;
  if (!time) return reject(rejection_code::invalid_envelope, attr("time") + ": must be an RFC 3339 timestamp with offset");
  if (a.datacontenttype && text_of(a.datacontenttype) != "application/json")
    return reject(rejection_code::invalid_envelope, (binary ? std::string("header content-type") : attr("datacontenttype")) +
                                                        ": must be \"application/json\" when present");
  if (a.expectedversion && (!a.expectedversion->integer || *a.expectedversion->integer < 0))
    return reject(rejection_code::invalid_envelope, attr("expectedversion") + ": must be an integer >= 0");
  const auto type = parse_event_type(*type_name);
  const detail::older_decoder* older = type ? nullptr : detail::find_older_version(*type_name);
  if (!type && older == nullptr)
    return reject(rejection_code::unknown_type, attr("type") + ": \"" + std::string(*type_name) + "\" is not a pactum event type");
  if (key && *key != *subject)
    return reject(rejection_code::key_mismatch,
                  "the Kafka key \"" + std::string(*key) + "\" differs from subject \"" + std::string(*subject) + "\"");
  if (!data || !data->is_object())
    return reject(rejection_code::invalid_data, binary ? "the record value (data) must be a JSON object" : "/data: must be an object");

  std::optional<rejection> error;
  field_reader reader(*data, "/data", rejection_code::invalid_data, error);
  // An older version is upcast to the latest here, before any rule sees it.
  event_data payload = older != nullptr ? older->decode(reader) : decode_data(*type, reader);
  if (error) return failed(std::move(*error));
  std::optional<std::int64_t> expected;
  if (a.expectedversion) expected = a.expectedversion->integer;
  const std::string_view written = older != nullptr ? older->version.type_name : to_string(*type);
  return event{std::string(*id), std::string(*source), std::string(*subject), *time, expected, std::move(payload), written};
}

// Nesting allowed in a record: the record's own object or array is level 1
// (spec section 15). The parser is given more room, so that the one rule and
// its sentence are ours.
constexpr std::size_t max_nesting = 1'024;

// The decoder's parser: reused, so a record costs no allocation to parse.
simdjson::dom::parser& record_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p(max_record_bytes);
    if (p.allocate(max_record_bytes, 2 * max_nesting) != simdjson::SUCCESS) throw std::bad_alloc();
    return p;
  }();
  return parser;
}

// Duplicate member names in one object (spec section 15: parsers disagree on
// which one wins, so pactum takes neither). Small objects compare pairwise.
std::optional<std::string_view> duplicate_member(simdjson::dom::object object) {
  thread_local std::vector<std::string_view> names;
  names.clear();
  for (const auto field : object) names.push_back(field.key);
  if (names.size() <= 8) {
    for (std::size_t i = 1; i < names.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (names[i] == names[j]) return names[i];
    return std::nullopt;
  }
  std::sort(names.begin(), names.end());
  const auto dup = std::adjacent_find(names.begin(), names.end());
  if (dup == names.end()) return std::nullopt;
  return *dup;
}

// What the parser accepts and a record may not hold, anywhere, even in a member
// pactum ignores: nesting beyond max_nesting, duplicate member names, integers
// beyond int64 (the parser keeps 2^63..2^64-1 as unsigned).
bool within_json_limits(element root, std::string& why) {
  struct frame {
    element value;
    std::size_t level;
  };
  thread_local std::vector<frame> stack;
  stack.clear();
  stack.push_back({root, 1});
  while (!stack.empty()) {
    const frame f = stack.back();
    stack.pop_back();
    switch (f.value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      if (f.level > max_nesting) break;
      const simdjson::dom::object object = f.value.get_object().value_unsafe();
      if (const auto name = duplicate_member(object)) {
        why = "the record has the member name \"" + std::string(*name) +
              "\" twice in one object (duplicate names are not accepted)";
        return false;
      }
      for (const auto field : object) stack.push_back({field.value, f.level + 1});
      continue;
    }
    case simdjson::dom::element_type::ARRAY: {
      if (f.level > max_nesting) break;
      const simdjson::dom::array array = f.value.get_array().value_unsafe();
      for (const element item : array) stack.push_back({item, f.level + 1});
      continue;
    }
    case simdjson::dom::element_type::UINT64:
      why = "the record has an integer beyond the 64-bit signed range (-2^63..2^63-1)";
      return false;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::STRING:
    case simdjson::dom::element_type::BOOL:
    case simdjson::dom::element_type::NULL_VALUE: continue;
    }
    why = "the record nests arrays and objects deeper than " + std::to_string(max_nesting) + " levels";
    return false;
  }
  return true;
}

// One forward pass over the parsed record's tape (simdjson's DOM layout: a word
// per value, its type in the top byte; a number's value in the word after it;
// a string's payload an offset into the string buffer, where a 32-bit length
// precedes the bytes): true when nothing within_json_limits rejects is there.
// False when something may be (deep nesting, an unsigned integer, a repeated
// name): within_json_limits then decides, in its own order, with its sentences.
bool plainly_within_limits(const simdjson::dom::document& document) {
  constexpr std::uint64_t payload_bits = (std::uint64_t{1} << 56) - 1;
  const std::uint64_t* tape = document.tape.get();
  const std::uint8_t* strings = document.string_buf.get();
  struct container {
    bool object;
    bool key_next;          // an object's next element is a member name
    std::uint32_t names_at; // where its names start in `names`
  };
  // A member name as its length and its first, middle and last bytes in one
  // word, and where its bytes are: names compare by the word first, and most
  // different names differ there ("type" and "time" by the middle byte).
  struct name {
    std::uint64_t sketch;
    const std::uint8_t* bytes;
    [[nodiscard]] std::uint32_t length() const { return static_cast<std::uint32_t>(sketch); }
    bool operator==(const name& other) const {
      return sketch == other.sketch && (length() <= 3 || std::memcmp(bytes, other.bytes, length()) == 0);
    }
  };
  thread_local std::vector<container> enclosing_buffer; // the containers around `open`
  thread_local std::vector<name> names_buffer;
  auto& enclosing = enclosing_buffer;
  auto& names = names_buffer;
  enclosing.clear();
  names.clear();
  container open{false, false, 0}; // the innermost open container (none yet: the record's top level)
  const std::size_t end = tape[0] & payload_bits; // the root's closing word
  for (std::size_t i = 1; i < end; ++i) {
    const std::uint64_t word = tape[i];
    const auto type = static_cast<char>(word >> 56);
    if (type == '}' || type == ']') {
      if (type == '}') {
        const auto first = names.begin() + open.names_at;
        if (names.end() - first > 16) return false; // compared pairwise, a small object only
        for (auto a = first; a != names.end(); ++a)
          if (std::find(first, a, *a) != a) return false;
        names.erase(first, names.end());
      }
      open = enclosing.back();
      enclosing.pop_back();
      continue;
    }
    if (open.object) {
      open.key_next = !open.key_next;
      if (!open.key_next) { // this word is a member name
        std::uint32_t length = 0;
        std::memcpy(&length, strings + (word & payload_bits), sizeof length);
        const std::uint8_t* bytes = strings + (word & payload_bits) + sizeof length;
        std::uint64_t sketch = length;
        if (length > 0)
          sketch |= std::uint64_t{bytes[0]} << 32 | std::uint64_t{bytes[length / 2]} << 40 |
                    std::uint64_t{bytes[length - 1]} << 48;
        names.push_back({sketch, bytes});
        continue;
      }
    }
    switch (type) {
    case '{':
    case '[':
      if (enclosing.size() + 1 > max_nesting) return false;
      enclosing.push_back(open);
      open = {type == '{', true, static_cast<std::uint32_t>(names.size())};
      break;
    case 'l':
    case 'd': ++i; break; // the value's word
    case 'u': return false;
    default: break; // a string, true, false, null
    }
  }
  return true;
}

static_assert(record_padding >= simdjson::SIMDJSON_PADDING);

// `padded`: `text` is followed by record_padding readable bytes (the parser
// then reads it in place; otherwise it copies it into a padded buffer first).
std::optional<element> parse_json(std::string_view text, std::string& why, bool padded = false) {
  element doc;
  const auto error = record_parser().parse(text.data(), text.size(), !padded).get(doc);
  if (error == simdjson::DEPTH_ERROR) {
    why = "the record nests arrays and objects deeper than " + std::to_string(max_nesting) + " levels";
    return std::nullopt;
  }
  if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
    why = "the record has a number that is malformed or beyond range (integers must fit in 64 bits, others in binary64)";
    return std::nullopt;
  }
  if (error != simdjson::SUCCESS) {
    why = std::string("the record is not well-formed UTF-8 JSON (") + simdjson::error_message(error) + ")";
    return std::nullopt;
  }
  if (!plainly_within_limits(record_parser().doc) && !within_json_limits(doc, why)) return std::nullopt;
  return doc;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1Fu; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0Fu; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07u; }
    else return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    // overlong forms, surrogates and beyond U+10FFFF
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

} // namespace

bool valid_contract_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  auto alnum = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id[0])) return false;
  return std::all_of(id.begin() + 1, id.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == ':' || c == '-'; });
}

namespace {

decoded decode_structured_text(std::string_view value, std::optional<std::string_view> key, bool padded) {
  if (value.size() > max_record_bytes)
    return failure(rejection_code::too_large, "the record is " + std::to_string(value.size()) +
                                                  " bytes, more than the limit of 65536");
  std::string why;
  const auto doc = parse_json(value, why, padded);
  if (!doc) return failure(rejection_code::malformed_json, why);
  if (!doc->is_object()) return failure(rejection_code::invalid_envelope, "/: a structured CloudEvent must be a JSON object");
  // One pass over the members (a name appears at most once: parse_json saw to
  // that); null means absent.
  attributes a;
  std::optional<element> data;
  const simdjson::dom::object members = doc->get_object().value_unsafe();
  for (const auto [name, member] : members) {
    if (member.is_null()) continue;
    // The attribute `name` is, told by its length, then compared with a
    // literal (a compare the compiler writes out: no call).
    std::optional<attribute>* slot = nullptr;
    switch (name.size()) {
    case 2: slot = name == "id" ? &a.id : nullptr; break;
    case 4:
      if (name == "data") data = member;
      slot = name == "type" ? &a.type : name == "time" ? &a.time : nullptr;
      break;
    case 6: slot = name == "source" ? &a.source : nullptr; break;
    case 7: slot = name == "subject" ? &a.subject : nullptr; break;
    case 11: slot = name == "specversion" ? &a.specversion : nullptr; break;
    case 15:
      slot = name == "expectedversion" ? &a.expectedversion : name == "datacontenttype" ? &a.datacontenttype : nullptr;
      break;
    default: break;
    }
    if (slot != nullptr) *slot = attribute{detail::string_value(member), detail::integer_value(member)};
  }
  return decode_event(a, data, key, false);
}

} // namespace

decoded decode_structured(std::string_view value, std::optional<std::string_view> key) {
  return decode_structured_text(value, key, false);
}

decoded decode_padded_structured(std::string_view value) { return decode_structured_text(value, std::nullopt, true); }

decoded decode_binary(std::span<const record_header> headers, std::string_view value,
                      std::optional<std::string_view> key) {
  std::size_t size = value.size();
  for (const auto& h : headers) size += h.key.size() + (h.value ? h.value->size() : 0);
  if (size > max_record_bytes)
    return failure(rejection_code::too_large,
                   "the record is " + std::to_string(size) + " bytes, more than the limit of 65536");
  std::string why;
  const auto data = parse_json(value, why);
  if (!data) return failure(rejection_code::malformed_json, why);

  attributes a;
  // The encoder's names (encode.hpp), so writer and reader cannot disagree.
  static const std::array<std::string, 8> header{
      binary_header_name("specversion"), binary_header_name("id"),   binary_header_name("source"),
      binary_header_name("type"),        binary_header_name("subject"), binary_header_name("time"),
      binary_header_name("datacontenttype"), binary_header_name("expectedversion")};
  const std::array<std::pair<std::string_view, std::optional<attribute>*>, 8> names{{
      {header[0], &a.specversion}, {header[1], &a.id}, {header[2], &a.source}, {header[3], &a.type},
      {header[4], &a.subject}, {header[5], &a.time}, {header[6], &a.datacontenttype},
      {header[7], &a.expectedversion}}};
  for (const auto& h : headers) {
    for (const auto& [name, slot] : names) {
      // A header that is not UTF-8 text counts as absent (and so fails its check).
      if (h.key != name || !h.value || !valid_utf8(*h.value)) continue;
      *slot = attribute{*h.value, std::nullopt};
    }
  }
  // Header values are text: for ce_expectedversion, decimal digits stand for the integer.
  if (a.expectedversion) {
    const std::string_view text = *a.expectedversion->text;
    std::int64_t v = -1;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && r.ec == std::errc{} && r.ptr == text.data() + text.size()) a.expectedversion->integer = v;
  }
  return decode_event(a, data, key, true);
}

namespace {

// The Kafka protocol binding's choice of content mode.
bool binary_mode(std::span<const record_header> headers) {
  std::optional<std::string_view> content_type;
  bool has_ce = false;
  for (const auto& h : headers) {
    if (h.key == "content-type") content_type = h.value;
    if (h.key.starts_with("ce_")) has_ce = true;
  }
  if (content_type && content_type->starts_with("application/cloudevents+json")) return false;
  return content_type || has_ce;
}

} // namespace

decoded decode_record(std::span<const record_header> headers, std::string_view value,
                      std::optional<std::string_view> key) {
  return binary_mode(headers) ? decode_binary(headers, value, key) : decode_structured(value, key);
}

std::optional<std::string_view> structured_subject(std::string_view value) {
  std::size_t at = 0;
  const std::size_t n = value.size();
  auto skip_space = [&] {
    while (at < n && (value[at] == ' ' || value[at] == '\t' || value[at] == '\n' || value[at] == '\r')) ++at;
  };
  // A string starting at `at` (its opening quote): its text when written
  // without escapes; `escaped` says it had some. `at` ends past the closing quote.
  auto string_at = [&](bool& escaped) -> std::optional<std::string_view> {
    const std::size_t start = ++at;
    escaped = false;
    while (at < n) {
      const void* quote = std::memchr(value.data() + at, '"', n - at);
      if (quote == nullptr) return std::nullopt; // unterminated
      const auto end = static_cast<std::size_t>(static_cast<const char*>(quote) - value.data());
      // An escaped quote is preceded by an odd run of backslashes.
      std::size_t backslashes = 0;
      while (end - backslashes > start && value[end - backslashes - 1] == '\\') ++backslashes;
      if (std::memchr(value.data() + at, '\\', end - at) != nullptr) escaped = true;
      at = end + 1;
      if (backslashes % 2 == 0) return value.substr(start, end - start);
    }
    return std::nullopt;
  };
  // Past one value of any kind (nested objects and arrays whole).
  auto skip_value = [&]() -> bool {
    std::size_t depth = 0;
    bool escaped = false;
    while (at < n) {
      const char c = value[at];
      if (c == '"') {
        if (!string_at(escaped)) return false;
        if (depth == 0) return true;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (depth == 0) return true; // the end of the enclosing object: a scalar ended
        if (--depth == 0) {
          ++at;
          return true;
        }
      } else if (depth == 0 && c == ',') {
        return true;
      }
      ++at;
    }
    return false;
  };
  skip_space();
  if (at >= n || value[at] != '{') return std::nullopt;
  ++at;
  while (true) {
    skip_space();
    if (at >= n || value[at] != '"') return std::nullopt; // an empty object, or not JSON
    bool escaped = false;
    const auto name = string_at(escaped);
    if (!name || escaped) return std::nullopt;
    skip_space();
    if (at >= n || value[at] != ':') return std::nullopt;
    ++at;
    skip_space();
    if (*name == "subject") {
      if (at >= n || value[at] != '"') return std::nullopt;
      const auto subject = string_at(escaped);
      if (!subject || escaped) return std::nullopt;
      return subject;
    }
    if (!skip_value()) return std::nullopt;
    skip_space();
    if (at >= n || value[at] != ',') return std::nullopt;
    ++at;
  }
}

std::optional<timestamp> envelope_time(std::span<const record_header> headers, std::string_view value) {
  if (binary_mode(headers)) {
    const std::string name = binary_header_name("time");
    for (const auto& h : headers)
      if (h.key == name && h.value) return parse_timestamp(*h.value);
    return std::nullopt;
  }
  std::string why;
  const auto doc = parse_json(value, why);
  element time;
  if (!doc || !doc->is_object() || doc->at_key("time").get(time) != simdjson::SUCCESS) return std::nullopt;
  const auto text = detail::string_value(time);
  return text ? parse_timestamp(*text) : std::nullopt;
}

} // namespace pactum::events
