#include "store/dsn.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

TEST(DsnTest, AddsTimeoutToKeyValueString) {
  EXPECT_EQ(dsn_with_connect_timeout("host=127.0.0.1 dbname=sipedge", 5),
            "host=127.0.0.1 dbname=sipedge connect_timeout=5");
}

TEST(DsnTest, KeepsTheOperatorsTimeout) {
  EXPECT_EQ(dsn_with_connect_timeout("host=db connect_timeout=30", 5), "host=db connect_timeout=30");
  EXPECT_EQ(dsn_with_connect_timeout("postgresql://db/x?connect_timeout=30", 5),
            "postgresql://db/x?connect_timeout=30");
}

TEST(DsnTest, AddsTimeoutToUris) {
  EXPECT_EQ(dsn_with_connect_timeout("postgresql://u@db:5432/sipedge", 5),
            "postgresql://u@db:5432/sipedge?connect_timeout=5");
  EXPECT_EQ(dsn_with_connect_timeout("postgres://db/sipedge?sslmode=disable", 7),
            "postgres://db/sipedge?sslmode=disable&connect_timeout=7");
}

TEST(DsnTest, EmptyStringBecomesJustTheTimeout) {
  EXPECT_EQ(dsn_with_connect_timeout("", 5), "connect_timeout=5");
  EXPECT_EQ(dsn_with_connect_timeout("  ", 5), "connect_timeout=5");
}

TEST(DsnTest, AddsAnyOptionUnlessNamed) {
  EXPECT_EQ(dsn_with_option("host=db", "tcp_user_timeout", "1000"), "host=db tcp_user_timeout=1000");
  EXPECT_EQ(dsn_with_option("host=db tcp_user_timeout=300", "tcp_user_timeout", "1000"), "host=db tcp_user_timeout=300");
  EXPECT_EQ(dsn_with_option("postgresql://db/x", "tcp_user_timeout", "1000"), "postgresql://db/x?tcp_user_timeout=1000");
  EXPECT_EQ(dsn_with_option("postgresql://db/x?sslmode=disable", "tcp_user_timeout", "2000"),
            "postgresql://db/x?sslmode=disable&tcp_user_timeout=2000");
  EXPECT_EQ(dsn_with_option("", "tcp_user_timeout", "1000"), "tcp_user_timeout=1000");
}

}  // namespace
}  // namespace sipedge
