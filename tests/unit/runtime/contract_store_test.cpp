// The write side's local store: records, the deadline index, checkpoints, and
// what a wipe or a format change forgets.
#include "pactum/runtime/contract_store.hpp"

#include <gtest/gtest.h>

#include <stdlib.h> // mkdtemp

#include <filesystem>

namespace pactum::runtime {
namespace {

struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pactum-store-test-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~scratch_dir() { std::filesystem::remove_all(path); }
};

TEST(ContractStore, RecordsAreKeptPerPartition) {
  contract_store store;
  store.write(1, {{"C-1", "one", std::nullopt, std::nullopt}, {"C-2", "two", std::nullopt, std::nullopt}}, {}, 10);
  store.write(2, {{"C-1", "other", std::nullopt, std::nullopt}}, {}, 7);
  EXPECT_EQ(store.get(1, "C-1"), "one");
  EXPECT_EQ(store.get(2, "C-1"), "other");
  EXPECT_FALSE(store.get(1, "C-3"));
  EXPECT_EQ(store.count(1), 2U);
  EXPECT_EQ(store.checkpoint(1), 10);
  EXPECT_EQ(store.checkpoint(2), 7);
  EXPECT_FALSE(store.checkpoint(3));
  store.write(1, {{"C-1", "one, later", std::nullopt, std::nullopt}}, {}, std::nullopt); // no checkpoint: kept
  EXPECT_EQ(store.get(1, "C-1"), "one, later");
  EXPECT_EQ(store.checkpoint(1), 10);
}

TEST(ContractStore, TheDeadlineIndexAnswersInDueOrderUpToTheGivenTime) {
  contract_store store;
  store.write(0,
              {{"C-late", "r", std::nullopt, 3'000}, {"C-early", "r", std::nullopt, -5}, {"C-mid", "r", std::nullopt, 2'000},
               {"C-none", "r", std::nullopt, std::nullopt}}, {}, std::nullopt);
  store.write(1, {{"C-elsewhere", "r", std::nullopt, 1}}, {}, std::nullopt);
  EXPECT_EQ(store.due_by(0, 2'000), (std::vector<std::string>{"C-early", "C-mid"}));
  EXPECT_EQ(store.due_by(0, -6), std::vector<std::string>{});
  // A deadline that moves leaves no trace at its old time.
  store.write(0, {{"C-mid", "r", 2'000, 4'000}, {"C-early", "r", -5, std::nullopt}}, {}, std::nullopt);
  EXPECT_EQ(store.due_by(0, 3'500), std::vector<std::string>{"C-late"});
  EXPECT_EQ(store.due_by(0, INT64_MAX), (std::vector<std::string>{"C-late", "C-mid"}));
}

TEST(ContractStore, AWrittenContractIsUnsnapshottedUntilItsSnapshotIsWritten) {
  contract_store store;
  store.write(0, {{"C-1", "a", std::nullopt, std::nullopt}, {"C-2", "b", std::nullopt, std::nullopt}}, {}, 3);
  EXPECT_EQ(store.unsnapshotted(0), (std::vector<std::string>{"C-1", "C-2"}));
  // Changed and snapshotted by the same transaction: the snapshot carries the change.
  store.write(0, {{"C-1", "a2", std::nullopt, std::nullopt}}, {"C-1"}, 4);
  EXPECT_EQ(store.unsnapshotted(0), std::vector<std::string>{"C-2"});
  EXPECT_TRUE(store.unsnapshotted(1).empty());
  store.wipe(0);
  EXPECT_TRUE(store.unsnapshotted(0).empty());
}

TEST(ContractStore, AWipeForgetsOnlyItsPartitionAndItsCheckpoint) {
  contract_store store;
  store.write(0, {{"C-1", "a", std::nullopt, 5}}, {}, 3);
  store.write(1, {{"C-2", "b", std::nullopt, 5}}, {}, 4);
  store.wipe(0);
  EXPECT_FALSE(store.get(0, "C-1"));
  EXPECT_FALSE(store.checkpoint(0));
  EXPECT_TRUE(store.due_by(0, 10).empty());
  EXPECT_EQ(store.get(1, "C-2"), "b");
  EXPECT_EQ(store.checkpoint(1), 4);
  EXPECT_EQ(store.due_by(1, 10), std::vector<std::string>{"C-2"});
}

TEST(ContractStore, ItOutlivesTheProcessAndAnotherFormatWipesIt) {
  const scratch_dir dir;
  {
    contract_store store({dir.path.string(), 16}, "5/events/pactum");
    store.write(0, {{"C-1", "a", std::nullopt, 5}}, {}, 3);
  }
  {
    contract_store store({dir.path.string(), 16}, "5/events/pactum");
    EXPECT_EQ(store.get(0, "C-1"), "a");
    EXPECT_EQ(store.checkpoint(0), 3);
  }
  {
    contract_store store({dir.path.string(), 16}, "6/events/pactum"); // another format, topic or group
    EXPECT_FALSE(store.get(0, "C-1"));
    EXPECT_FALSE(store.checkpoint(0));
    EXPECT_TRUE(store.due_by(0, 10).empty());
  }
}

TEST(ContractStore, OneProcessAtATime) {
  const scratch_dir dir;
  const contract_store store({dir.path.string(), 16});
  EXPECT_THROW(contract_store({dir.path.string(), 16}), std::runtime_error);
}

} // namespace
} // namespace pactum::runtime
