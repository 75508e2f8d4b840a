// Bearer tokens: the file format, roles, and the comparison.
#include "pactum/runtime/auth.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace pactum::runtime {
namespace {

const std::string admin_token = "admin-token-0123456789";
const std::string party_token = "party-token-0123456789";

token_table sample() {
  return token_table(parse_tokens("# comment\n\n" + admin_token + " admin\n  " + party_token + "\tparty:vendor-7  \n"));
}

TEST(TokensFile, ReadsRolesAndSkipsCommentsAndBlankLines) {
  const auto entries = parse_tokens("# c\n\n" + admin_token + " admin\n" + party_token + " party:vendor-7\r\n");
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_TRUE(entries[0].granted.admin);
  EXPECT_FALSE(entries[1].granted.admin);
  EXPECT_EQ(entries[1].granted.party, "vendor-7");
}

TEST(TokensFile, RefusesMalformedLinesWithoutEchoingTheToken) {
  for (const std::string& bad : std::vector<std::string>{"lonely-token-0123456789", "short admin", "admin-token-0123456789 root",
                                "admin-token-0123456789 party:", "admin-token-0123456789 party:a b"}) {
    try {
      (void)parse_tokens("# first\n" + bad + "\n");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("line 2"), std::string::npos) << what;
      EXPECT_EQ(what.find("0123456789"), std::string::npos) << "the token is echoed: " << what;
    }
  }
}

TEST(BearerAuth, MapsEachTokenToItsRole) {
  const auto table = sample();
  const auto admin = table.authenticate("Bearer " + admin_token);
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->admin);
  const auto party = table.authenticate("bearer   " + party_token);
  ASSERT_TRUE(party);
  EXPECT_EQ(party->party, "vendor-7");
  EXPECT_TRUE(party->may_see("client-1", "vendor-7"));
  EXPECT_TRUE(party->may_see("vendor-7", "other"));
  EXPECT_FALSE(party->may_see("client-1", "vendor-8"));
}

TEST(BearerAuth, RefusesMissingWrongAndOtherSchemes) {
  const auto table = sample();
  for (const std::string& header : std::vector<std::string>{std::string(), std::string("Bearer"), std::string("Bearer "),
                                   "Basic " + admin_token, admin_token, "Bearer " + admin_token + "x",
                                   "Bearer " + admin_token.substr(0, admin_token.size() - 1), std::string("Bearer wrong")})
    EXPECT_FALSE(table.authenticate(header)) << header;
}

TEST(ConstantTimeEqual, EqualOnlyForTheSameBytes) {
  EXPECT_TRUE(constant_time_equal("abcdef", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abcdeg", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abc", "abcdef"));
  EXPECT_FALSE(constant_time_equal("abcdefabcdef", "abcdef")); // a repetition of the secret
  EXPECT_FALSE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("x", ""));
}

TEST(TokenFile, FollowsTheFileAndKeepsTheLastGoodTable) {
  const auto path = std::filesystem::temp_directory_path() / ("pactum-tokens-" + std::to_string(::getpid()));
  std::ofstream(path) << admin_token << " admin\n";
  token_file file(path.string(), std::chrono::milliseconds(0));
  EXPECT_TRUE(file.current()->authenticate("Bearer " + admin_token));

  // Replaced (as a Secret's rotation does): the new token works, the old does not.
  const auto next = path.string() + ".next";
  std::ofstream(next) << party_token << " party:p-1\n";
  std::filesystem::rename(next, path);
  EXPECT_TRUE(file.current()->authenticate("Bearer " + party_token));
  EXPECT_FALSE(file.current()->authenticate("Bearer " + admin_token));

  // A broken version is not taken: the previous table stays.
  std::ofstream(next) << "garbage\n";
  std::filesystem::rename(next, path);
  EXPECT_TRUE(file.current()->authenticate("Bearer " + party_token));
  std::filesystem::remove(path);
}

} // namespace
} // namespace pactum::runtime
