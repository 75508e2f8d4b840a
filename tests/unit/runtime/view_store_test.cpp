// The query side's store: headers read from views, versions, tombstones, pages.
#include "pactum/runtime/view_store.hpp"

#include <gtest/gtest.h>

namespace pactum::runtime {
namespace {

std::string view(const std::string& id, const std::string& state, int version, const std::string& client = "cl-1",
                 const std::string& vendor = "ve-1") {
  return R"({"contract_id":")" + id + R"(","state":")" + state + R"(","version":)" + std::to_string(version) +
         R"(,"stream_time":"2026-01-01T00:00:00Z","client":{"id":")" + client + R"(","name":"C"},"vendor":{"id":")" +
         vendor + R"(","name":"V"},"termination":{"grounds":[]}})";
}

std::vector<std::string> ids(const view_page& page) {
  std::vector<std::string> out;
  for (const auto& v : page.views) out.push_back(v->contract_id);
  return out;
}

TEST(ViewHeader, ReadsStateVersionAndParties) {
  const auto h = read_view_header(view("C-1", "in_breach", 12, "client-9", "vendor-3"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->state, "in_breach");
  EXPECT_EQ(h->version, 12);
  EXPECT_EQ(h->client_id, "client-9");
  EXPECT_EQ(h->vendor_id, "vendor-3");
}

TEST(ViewHeader, RefusesWhatIsNotAView) {
  EXPECT_FALSE(read_view_header("not json"));
  EXPECT_FALSE(read_view_header(R"({"state":"draft","version":1})"));
  EXPECT_FALSE(read_view_header(R"([1,2,3])"));
  EXPECT_FALSE(read_view_header(R"({"state":"draft","version":1,"client":{"id":"a"})")); // truncated, no vendor
}

TEST(ViewStore, KeepsTheNewestVersionAndForgetsOnTombstones) {
  view_store store;
  EXPECT_TRUE(store.put("C-1", view("C-1", "signed", 5)));
  EXPECT_TRUE(store.put("C-1", view("C-1", "draft", 3))); // older, read late: ignored
  ASSERT_TRUE(store.find("C-1"));
  EXPECT_EQ(store.find("C-1")->header.version, 5);
  EXPECT_EQ(store.find("C-1")->text, view("C-1", "signed", 5));
  EXPECT_FALSE(store.put("C-2", "garbage"));
  EXPECT_FALSE(store.find("C-2"));
  EXPECT_TRUE(store.put("C-1", ""));
  EXPECT_FALSE(store.find("C-1"));
  EXPECT_EQ(store.size(), 0U);
}

TEST(ViewStore, PagesInIdOrderWithFilters) {
  view_store store;
  for (int i = 9; i >= 0; --i)
    store.put("C-" + std::to_string(i), view("C-" + std::to_string(i), i % 2 == 0 ? "signed" : "terminated", 1,
                                             i < 5 ? "cl-a" : "cl-b", "ve-1"));
  view_filter f;
  f.limit = 4;
  auto page = store.list(f);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"C-0", "C-1", "C-2", "C-3"}));
  ASSERT_TRUE(page.next_after);
  f.after = page.next_after;
  page = store.list(f);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"C-4", "C-5", "C-6", "C-7"}));
  f.after = page.next_after;
  page = store.list(f);
  EXPECT_EQ(ids(page), (std::vector<std::string>{"C-8", "C-9"}));
  EXPECT_FALSE(page.next_after);

  view_filter by_state;
  by_state.state = "terminated";
  EXPECT_EQ(ids(store.list(by_state)), (std::vector<std::string>{"C-1", "C-3", "C-5", "C-7", "C-9"}));
  view_filter by_party;
  by_party.parties = {"cl-b"};
  by_party.state = "signed";
  EXPECT_EQ(ids(store.list(by_party)), (std::vector<std::string>{"C-6", "C-8"}));
  by_party.parties = {"ve-1", "cl-a"}; // both must be parties
  by_party.state.reset();
  EXPECT_EQ(ids(store.list(by_party)).size(), 5U);
  by_party.parties = {"nobody"};
  EXPECT_TRUE(store.list(by_party).views.empty());

  // An exactly full last page has no next cursor.
  view_filter full;
  full.limit = 10;
  EXPECT_FALSE(store.list(full).next_after);
  EXPECT_EQ(store.count_by_state().at("terminated"), 5U);
  EXPECT_EQ(store.count_by_state().at("draft"), 0U);
}

TEST(ViewStore, ReindexesWhenThePartiesChange) {
  view_store store;
  store.put("C-1", view("C-1", "draft", 1, "old-client"));
  store.put("C-1", view("C-1", "draft", 2, "new-client"));
  view_filter f;
  f.parties = {"old-client"};
  EXPECT_TRUE(store.list(f).views.empty());
  f.parties = {"new-client"};
  EXPECT_EQ(store.list(f).views.size(), 1U);
}

} // namespace
} // namespace pactum::runtime
