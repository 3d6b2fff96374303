#include "store/error_text.h"

#include <gtest/gtest.h>

namespace sipedge {
namespace {

TEST(ErrorTextTest, FoldsLibpqMultiLineMessages) {
  EXPECT_EQ(one_line("could not connect to server: Connection refused\n\tIs the server running on host "
                     "\"127.0.0.1\" and accepting\n\tTCP/IP connections on port 1?\n"),
            "could not connect to server: Connection refused Is the server running on host \"127.0.0.1\" and "
            "accepting TCP/IP connections on port 1?");
  EXPECT_EQ(one_line("ERROR:  syntax error at or near \"tabel\"\nLINE 1: create tabel x ();\n"),
            "ERROR: syntax error at or near \"tabel\" LINE 1: create tabel x ();");
}

TEST(ErrorTextTest, TrimsAndKeepsPlainText) {
  EXPECT_EQ(one_line("  plain  "), "plain");
  EXPECT_EQ(one_line(""), "");
}

}  // namespace
}  // namespace sipedge
