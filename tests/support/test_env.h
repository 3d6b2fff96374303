#pragma once
// Where things are for tests: the private PostgreSQL, the built binaries, the
// source tree and the shared test data.
#include <string>

namespace sipedge::test {

// libpq DSN of a PostgreSQL superuser for creating test databases:
// env SIPEDGE_TEST_PG_ADMIN_DSN, else the admin_dsn file that scripts/pg-ctl
// wrote in $SIPEDGE_TEST_PG_DIR (ctest's pg fixture sets it). Throws
// std::runtime_error saying how to get one when neither is there.
std::string test_pg_admin_dsn();

std::string source_dir();   // the checkout (compile-time SIPEDGE_SOURCE_DIR)
std::string bin_dir();      // build/bin, where sipedge and sipedge-cli are
// The shared test data (testdata/rfc4475/...): env SIPEDGE_SHARED_DIR, else
// ../shared beside the checkout.
std::string shared_dir();
// Full path of a SIPp scenario in tests/sipp/ (a path with a '/' is returned as is).
std::string sipp_scenario(const std::string& name);

}  // namespace sipedge::test
