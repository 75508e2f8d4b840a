// The query side's store: headers read from views, versions, tombstones, pages.
#include "pactum/runtime/view_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

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

// The follower's batches: put_all leaves the store exactly as put() of each
// record in turn, whatever the order of versions, states, parties, tombstones
// and records that are not views.
TEST(ViewStore, ABatchLeavesWhatOnePutAtATimeLeaves) {
  std::uint64_t seed = 7;
  const auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  const std::array<std::string, 3> states{"draft", "signed", "terminated"};
  for (int round = 0; round < 40; ++round) {
    view_store one_by_one;
    view_store batched;
    std::vector<std::pair<std::string, std::string>> log;
    for (int i = 0; i < 60; ++i) {
      const std::string id = "C-" + std::to_string(next(6));
      const auto kind = next(10);
      const std::string value = kind == 0   ? std::string()       // a tombstone
                                : kind == 1 ? std::string("junk") // not a view
                                            : view(id, states[next(3)], static_cast<int>(next(8)),
                                                   "cl-" + std::to_string(next(3)), "ve-1");
      log.emplace_back(id, value);
    }
    for (const auto& [id, value] : log) one_by_one.put(id, value);
    std::size_t not_views = 0;
    for (std::size_t from = 0; from < log.size();) {
      const std::size_t size = 1 + next(25); // batches of 1 to 25 records
      std::vector<view_record> batch;
      for (std::size_t i = from; i < std::min(log.size(), from + size); ++i) batch.push_back({log[i].first, log[i].second});
      not_views += batched.put_all(batch);
      from += size;
    }
    EXPECT_GT(not_views, 0U);
    EXPECT_EQ(batched.count_by_state(), one_by_one.count_by_state()) << "round " << round;
    for (int c = 0; c < 6; ++c) {
      const std::string id = "C-" + std::to_string(c);
      const auto a = one_by_one.find(id);
      const auto b = batched.find(id);
      ASSERT_EQ(a == nullptr, b == nullptr) << id << " round " << round;
      if (a) {
        EXPECT_EQ(a->text, b->text) << id << " round " << round;
      }
    }
    for (const std::string party : {"cl-0", "cl-1", "cl-2"}) {
      view_filter f;
      f.parties = {party};
      EXPECT_EQ(ids(batched.list(f)), ids(one_by_one.list(f))) << party << " round " << round;
    }
  }
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

// A directory for one test, removed at its end.
struct scratch_dir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("pactum-store-test-" + std::to_string(::getpid()) + "-" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  scratch_dir() { std::filesystem::remove_all(path); }
  ~scratch_dir() { std::filesystem::remove_all(path); }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
};

TEST(ViewStore, ViewsIndexesCountsAndTheCheckpointSurviveAReopen) {
  const scratch_dir dir;
  {
    view_store store({.directory = dir.path.string(), .cache_mb = 8});
    store.put("C-1", view("C-1", "signed", 2, "cl-a"));
    store.put("C-2", view("C-2", "terminated", 7, "cl-b"));
    store.put("C-3", view("C-3", "signed", 1, "cl-a"));
    store.put("C-3", "");
    store.checkpoint("contract-views", {{0, 12}, {3, 40}});
    store.checkpoint("contract-views", {{0, 15}});
  }
  view_store store({.directory = dir.path.string(), .cache_mb = 8});
  EXPECT_EQ(store.size(), 2U);
  EXPECT_EQ(store.count_by_state().at("signed"), 1U);
  EXPECT_EQ(store.count_by_state().at("terminated"), 1U);
  EXPECT_EQ(store.find("C-2")->text, view("C-2", "terminated", 7, "cl-b"));
  EXPECT_FALSE(store.find("C-3"));
  view_filter by_party;
  by_party.parties = {"cl-a"};
  EXPECT_EQ(ids(store.list(by_party)), (std::vector<std::string>{"C-1"}));
  view_filter by_state;
  by_state.state = "terminated";
  EXPECT_EQ(ids(store.list(by_state)), (std::vector<std::string>{"C-2"}));
  EXPECT_EQ(store.checkpoint_of("contract-views"), (std::map<std::int32_t, std::int64_t>{{0, 15}, {3, 40}}));
  EXPECT_TRUE(store.checkpoint_of("other-topic").empty());
  store.put("C-2", view("C-2", "terminated", 6, "cl-b")); // older than the stored one: still ignored after a reopen
  EXPECT_EQ(store.find("C-2")->header.version, 7);
}

TEST(ViewStore, OnlyOneProcessOpensADirectory) {
  const scratch_dir dir;
  const view_store first({.directory = dir.path.string(), .cache_mb = 8});
  EXPECT_THROW(view_store({.directory = dir.path.string(), .cache_mb = 8}), std::runtime_error);
}

TEST(ViewStore, AFreshStoreWithoutADirectoryIsRemovedWithIt) {
  {
    view_store store;
    store.put("C-1", view("C-1", "draft", 1));
    EXPECT_EQ(store.size(), 1U);
  }
  view_store again;
  EXPECT_EQ(again.size(), 0U);
}

// The stored form is pinned: a store written by this version must read back
// in the next. Changing it needs a new format byte and a reader of this one.
TEST(StoredView, TheFormatIsPinned) {
  const view_header h{"in_breach", 12, "cl-1", "ve-2"};
  const std::string bytes = encode_stored_view(h, "{}");
  const std::string golden = std::string("\x01", 1) + std::string("\0\0\0\x09", 4) + "in_breach" +
                             std::string("\0\0\0\x02", 4) + "12" + std::string("\0\0\0\x04", 4) + "cl-1" +
                             std::string("\0\0\0\x04", 4) + "ve-2" + std::string("\0\0\0\x02", 4) + "{}";
  EXPECT_EQ(bytes, golden);
  const auto back = decode_stored_view("C-1", golden);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->header.state, "in_breach");
  EXPECT_EQ(back->header.version, 12);
  EXPECT_EQ(back->header.client_id, "cl-1");
  EXPECT_EQ(back->header.vendor_id, "ve-2");
  EXPECT_EQ(back->text, "{}");
  EXPECT_FALSE(decode_stored_view("C-1", std::string("\x02", 1) + golden.substr(1))); // an unknown format
  EXPECT_FALSE(decode_stored_view("C-1", golden.substr(0, golden.size() - 1)));        // truncated
}

} // namespace
} // namespace pactum::runtime
