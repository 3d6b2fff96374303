#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "store/migrator.h"

namespace sipedge {
namespace {

namespace fs = std::filesystem;

// Each test gets its own directory: tests never depend on order or each other.
class MigrationFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("sipedge-migrations-" + std::to_string(getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
  }

  std::string error_of_load() {
    try {
      load_migrations(dir_.string());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST(MigrationFileNameTest, ParsesVersionAndName) {
  const Migration m = parse_migration_file_name("0012_cluster_nodes.sql");
  EXPECT_EQ(m.version, 12);
  EXPECT_EQ(m.name, "cluster_nodes");
  EXPECT_EQ(m.file, "0012_cluster_nodes.sql");
}

TEST(MigrationFileNameTest, RejectsBadNamesNamingTheFile) {
  for (const char* bad : {"1_x.sql", "00001_x.sql", "0001-x.sql", "0001_.sql", "0001_Caps.sql", "0001_x.SQL",
                          "abcd_x.sql", "0001_x.sql.bak", "0000_zero.sql"}) {
    try {
      parse_migration_file_name(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST_F(MigrationFilesTest, LoadsSortedByVersionWithContents) {
  write("0010_later.sql", "select 10;");
  write("0002_second.sql", "select 2;");
  write("0001_first.sql", "select 1;");
  write("README.md", "not a migration");
  write(".#0003_editor_lock.sql", "");
  const auto migrations = load_migrations(dir_.string());
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(migrations[0].file, "0001_first.sql");
  EXPECT_EQ(migrations[1].file, "0002_second.sql");
  EXPECT_EQ(migrations[2].file, "0010_later.sql");
  EXPECT_EQ(migrations[2].version, 10);
  EXPECT_EQ(migrations[1].sql, "select 2;");
}

TEST_F(MigrationFilesTest, DuplicateVersionNamesBothFiles) {
  write("0001_first.sql", "select 1;");
  write("0001_other.sql", "select 1;");
  const std::string error = error_of_load();
  EXPECT_NE(error.find("0001_first.sql"), std::string::npos) << error;
  EXPECT_NE(error.find("0001_other.sql"), std::string::npos) << error;
}

TEST_F(MigrationFilesTest, BadNameAmongGoodOnesIsAnError) {
  write("0001_first.sql", "select 1;");
  write("2_second.sql", "select 2;");
  EXPECT_NE(error_of_load().find("2_second.sql"), std::string::npos);
}

TEST_F(MigrationFilesTest, EmptyFileIsAnError) {
  write("0001_empty.sql", "  \n");
  EXPECT_NE(error_of_load().find("0001_empty.sql"), std::string::npos);
}

TEST_F(MigrationFilesTest, MissingDirectoryIsAnError) {
  fs::remove_all(dir_);
  EXPECT_NE(error_of_load().find("does not exist"), std::string::npos);
}

TEST(ShippedMigrationsTest, RepositoryMigrationsLoad) {
  // The real migrations/ folder must always parse (names, no duplicates).
  const auto migrations = load_migrations(std::string(SIPEDGE_SOURCE_DIR) + "/migrations");
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations.front().file, "0001_cluster_nodes.sql");
}

}  // namespace
}  // namespace sipedge
