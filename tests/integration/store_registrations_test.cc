// RegistrationStore against a real PostgreSQL (migrations 0001..0003 and the
// directory's): bindings, RFC 3261 10.3 rules, digest check in the batch,
// group commit (batch isolation and ordering), overload, database down,
// the exactly-once expiry sweep and the FreeSWITCH sip_registrations view.
//
// Batches are made deterministic by parking the Database worker on a job
// that waits for the test: everything applied meanwhile is one batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "store/database.h"
#include "store/directory_store.h"
#include "store/migrator.h"
#include "store/registration_store.h"
#include "tests/support/free_port.h"
#include "tests/support/test_database.h"

namespace sipedge {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 15s;
const char* kDomain = "example.com";

std::string shipped_migrations_dir() { return std::string(SIPEDGE_SOURCE_DIR) + "/migrations"; }

template <typename T>
T wait_value(std::future<T>& future) {
  if (future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("timed out waiting for the store");
  return future.get();
}

// Holds the Database worker until release(): changes applied meanwhile
// queue up and are taken as one batch.
class WorkerGate {
 public:
  explicit WorkerGate(Database& db) {
    auto entered = std::make_shared<std::promise<void>>();
    auto entered_future = entered->get_future();
    db.submit([entered, release = release_](pqxx::connection&) {
                entered->set_value();
                release->wait_for(kWait);
              },
              nullptr);
    if (entered_future.wait_for(kWait) != std::future_status::ready) throw std::runtime_error("worker never came");
  }
  ~WorkerGate() { release(); }
  void release() {
    if (!released_) promise_.set_value();
    released_ = true;
  }

 private:
  std::promise<void> promise_;
  std::shared_ptr<std::shared_future<void>> release_ =
      std::make_shared<std::shared_future<void>>(promise_.get_future().share());
  bool released_ = false;
};

ContactUpdate contact(const std::string& uri, int expires) {
  return ContactUpdate{uri, "<" + uri + ">;expires=" + std::to_string(expires), expires};
}

RegisterChange change(const std::string& user, const std::string& call_id, std::uint32_t cseq,
                      std::vector<ContactUpdate> contacts) {
  RegisterChange c;
  c.profile_name = "internal";
  c.sip_user = user;
  c.sip_host = kDomain;
  c.call_id = call_id;
  c.cseq = cseq;
  c.contacts = std::move(contacts);
  c.network_ip = "127.0.0.1";
  c.network_port = 5070;
  c.network_transport = "udp";
  c.user_agent = "test-phone/1.0";
  c.status = "Registered(UDP)";
  c.node_name = "edge-1";
  return c;
}

// Digest stand-in: the registrar's verify() checks the response against the
// user's password/HA1; here the "response" is the password itself.
RegisterChange authed(RegisterChange c, const std::string& password) {
  c.auth_domain = kDomain;
  c.auth_user_id = c.sip_user;
  c.auth_username = c.sip_user;
  c.auth_realm = kDomain;
  c.verify = [password](const DirectoryUser& user) { return user.password == password; };
  return c;
}

BindingFilter filter_profile(const std::string& profile) {
  BindingFilter f;
  f.profile_name = profile;
  return f;
}
BindingFilter filter_call_id(const std::string& call_id) {
  BindingFilter f;
  f.call_id = call_id;
  return f;
}
BindingFilter filter_aor(const std::string& user, const std::string& host) {
  BindingFilter f;
  f.sip_user = user;
  f.sip_host = host;
  return f;
}
BindingFilter filter_text(const std::string& text) {
  BindingFilter f;
  f.text = text;
  return f;
}

std::set<std::string> uris(const std::vector<Binding>& bindings) {
  std::set<std::string> out;
  for (const auto& b : bindings) out.insert(b.contact_uri);
  return out;
}

class RegistrationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    try {
      database_ = std::make_unique<test::TestDatabase>(std::string("reg_") + info->name());
      pqxx::connection conn(database_->dsn());
      apply_migrations(conn, load_migrations(shipped_migrations_dir()));
      DirectoryAdmin admin(conn);
      admin.upsert(DirectoryUser{kDomain, "1000", "secret", "", true, {}});
      admin.upsert(DirectoryUser{kDomain, "1001", "secret", "", true, {}});
      admin.upsert(DirectoryUser{kDomain, "1002", "secret", "", false, {}});  // disabled
    } catch (const std::exception& e) {
      FAIL() << "cannot set up the test database: " << e.what();
    }
    db_ = std::make_unique<Database>(database_->dsn(), "test");
    store_ = std::make_unique<RegistrationStore>(*db_);
    db_->start();
  }

  void TearDown() override {
    store_.reset();
    if (db_) db_->stop();
    db_.reset();
    database_.reset();
  }

  RegisterOutcome apply(RegistrationStore& store, RegisterChange c) {
    auto promise = std::make_shared<std::promise<RegisterOutcome>>();
    auto future = promise->get_future();
    store.apply(std::move(c), [promise](RegisterOutcome o) { promise->set_value(std::move(o)); });
    return wait_value(future);
  }
  RegisterOutcome apply(RegisterChange c) { return apply(*store_, std::move(c)); }

  // Applies without waiting; the future answers later.
  std::future<RegisterOutcome> apply_async(RegisterChange c) {
    auto promise = std::make_shared<std::promise<RegisterOutcome>>();
    auto future = promise->get_future();
    store_->apply(std::move(c), [promise](RegisterOutcome o) { promise->set_value(std::move(o)); });
    return future;
  }

  std::vector<Binding> list(BindingFilter filter = {}) {
    auto promise = std::make_shared<std::promise<std::vector<Binding>>>();
    auto future = promise->get_future();
    store_->list(
        std::move(filter), [promise](std::vector<Binding> b) { promise->set_value(std::move(b)); },
        [promise](const std::string& e) { promise->set_exception(std::make_exception_ptr(std::runtime_error(e))); });
    return wait_value(future);
  }

  std::vector<Binding> remove(BindingFilter filter) {
    auto promise = std::make_shared<std::promise<std::vector<Binding>>>();
    auto future = promise->get_future();
    store_->remove(
        std::move(filter), [promise](std::vector<Binding> b) { promise->set_value(std::move(b)); },
        [promise](const std::string& e) { promise->set_exception(std::make_exception_ptr(std::runtime_error(e))); });
    return wait_value(future);
  }

  std::int64_t count(const std::string& profile = "") {
    auto promise = std::make_shared<std::promise<std::int64_t>>();
    auto future = promise->get_future();
    store_->count(
        profile, [promise](std::int64_t n) { promise->set_value(n); },
        [promise](const std::string& e) { promise->set_exception(std::make_exception_ptr(std::runtime_error(e))); });
    return wait_value(future);
  }

  // Rows as PostgreSQL has them, on a fresh connection (not the store's).
  long long rows(const std::string& where = "true") {
    pqxx::connection conn(database_->dsn());
    pqxx::read_transaction txn(conn);
    return txn.exec1("select count(*) from registrations where " + where)[0].as<long long>();
  }

  std::unique_ptr<test::TestDatabase> database_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<RegistrationStore> store_;
};

// ---------------------------------------------------------------- bindings

TEST_F(RegistrationStoreTest, AddRefreshAndRemoveAContact) {
  auto added = apply(change("1000", "cid-1", 1, {contact("sip:1000@10.0.0.1:5070", 3600)}));
  ASSERT_EQ(added.result, RegisterResult::ok) << added.error;
  ASSERT_EQ(added.bindings.size(), 1u);
  const Binding first = added.bindings[0];
  EXPECT_EQ(first.contact_uri, "sip:1000@10.0.0.1:5070");
  EXPECT_EQ(first.contact, "<sip:1000@10.0.0.1:5070>;expires=3600");
  EXPECT_EQ(first.expires_in, 3600);
  EXPECT_EQ(first.call_id, "cid-1");
  EXPECT_EQ(first.node_name, "edge-1");
  EXPECT_TRUE(added.removed.empty());
  EXPECT_EQ(rows("expires_at between now() + interval '3590 s' and now() + interval '3601 s'"), 1);

  auto refreshed = apply(change("1000", "cid-1", 2, {contact("sip:1000@10.0.0.1:5070", 60)}));
  ASSERT_EQ(refreshed.result, RegisterResult::ok);
  ASSERT_EQ(refreshed.bindings.size(), 1u);
  EXPECT_EQ(refreshed.bindings[0].expires_in, 60);
  EXPECT_EQ(refreshed.bindings[0].cseq, 2u);
  EXPECT_EQ(refreshed.bindings[0].registered_at, first.registered_at) << "a refresh keeps registered_at";
  EXPECT_EQ(rows("cseq = 2 and expires_at <= now() + interval '61 s'"), 1);

  auto removed = apply(change("1000", "cid-1", 3, {contact("sip:1000@10.0.0.1:5070", 0)}));
  ASSERT_EQ(removed.result, RegisterResult::ok);
  EXPECT_TRUE(removed.bindings.empty());
  ASSERT_EQ(removed.removed.size(), 1u);
  EXPECT_EQ(removed.removed[0].contact_uri, "sip:1000@10.0.0.1:5070");
  EXPECT_EQ(removed.removed[0].cseq, 2u) << "removed reports the binding as it was stored";
  EXPECT_EQ(rows(), 0);
  EXPECT_EQ(count(), 0);
}

TEST_F(RegistrationStoreTest, SeveralContactsAndAQueryOnlyRegister) {
  auto both = apply(change("1000", "cid-a", 1, {contact("sip:a@10.0.0.1", 300), contact("sip:b@10.0.0.2", 600)}));
  ASSERT_EQ(both.result, RegisterResult::ok);
  EXPECT_EQ(uris(both.bindings), (std::set<std::string>{"sip:a@10.0.0.1", "sip:b@10.0.0.2"}));
  auto third = apply(change("1000", "cid-c", 1, {contact("sip:c@10.0.0.3", 300)}));
  ASSERT_EQ(third.result, RegisterResult::ok);
  EXPECT_EQ(third.bindings.size(), 3u) << "a new Call-ID adds a binding, the others stay";

  auto query = apply(change("1000", "cid-q", 1, {}));  // REGISTER without Contact: list only
  ASSERT_EQ(query.result, RegisterResult::ok);
  EXPECT_EQ(uris(query.bindings), (std::set<std::string>{"sip:a@10.0.0.1", "sip:b@10.0.0.2", "sip:c@10.0.0.3"}));
  EXPECT_EQ(rows(), 3);
  EXPECT_EQ(count("internal"), 3);
  EXPECT_EQ(count("external"), 0);
}

TEST_F(RegistrationStoreTest, ContactStarNeedsAHigherCSeqForItsOwnCallId) {
  ASSERT_EQ(apply(change("1000", "cid-1", 5, {contact("sip:a@10.0.0.1", 300)})).result, RegisterResult::ok);
  ASSERT_EQ(apply(change("1000", "cid-2", 1, {contact("sip:b@10.0.0.2", 300)})).result, RegisterResult::ok);
  ASSERT_EQ(apply(change("1001", "cid-3", 1, {contact("sip:x@10.0.0.9", 300)})).result, RegisterResult::ok);

  // RFC 3261 10.3 step 6: cid-1 holds CSeq 5, so Contact: * with CSeq 5 fails whole.
  auto star = change("1000", "cid-1", 5, {});
  star.remove_all = true;
  EXPECT_EQ(apply(star).result, RegisterResult::out_of_order);
  EXPECT_EQ(rows(), 3) << "nothing removed";

  star.cseq = 6;
  auto removed = apply(star);
  ASSERT_EQ(removed.result, RegisterResult::ok);
  EXPECT_TRUE(removed.bindings.empty());
  EXPECT_EQ(uris(removed.removed), (std::set<std::string>{"sip:a@10.0.0.1", "sip:b@10.0.0.2"}))
      << "every binding of the AOR, whatever its Call-ID";
  EXPECT_EQ(rows(), 1) << "other AORs untouched";

  // With a different Call-ID, any CSeq removes.
  auto other = change("1001", "cid-other", 1, {});
  other.remove_all = true;
  EXPECT_EQ(apply(other).result, RegisterResult::ok);
  EXPECT_EQ(rows(), 0);
}

TEST_F(RegistrationStoreTest, SameCallIdWithoutAHigherCSeqIsOutOfOrder) {
  ASSERT_EQ(apply(change("1000", "cid-1", 10, {contact("sip:a@10.0.0.1", 300)})).result, RegisterResult::ok);
  // RFC 3261 10.3 step 7
  EXPECT_EQ(apply(change("1000", "cid-1", 10, {contact("sip:a@10.0.0.1", 60)})).result, RegisterResult::out_of_order);
  EXPECT_EQ(apply(change("1000", "cid-1", 9, {contact("sip:a@10.0.0.1", 0)})).result, RegisterResult::out_of_order);
  // One stale contact fails the whole request, the new contact is not added either.
  EXPECT_EQ(apply(change("1000", "cid-1", 10, {contact("sip:new@10.0.0.5", 60), contact("sip:a@10.0.0.1", 60)}))
                .result,
            RegisterResult::out_of_order);
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(rows("expires_at > now() + interval '200 s'"), 1) << "the stored binding kept its expiry";
  // Another Call-ID (the phone rebooted) takes the binding over with any CSeq.
  auto rebooted = apply(change("1000", "cid-2", 1, {contact("sip:a@10.0.0.1", 60)}));
  ASSERT_EQ(rebooted.result, RegisterResult::ok);
  ASSERT_EQ(rebooted.bindings.size(), 1u);
  EXPECT_EQ(rebooted.bindings[0].call_id, "cid-2");
}

// ---------------------------------------------------------------- digest

TEST_F(RegistrationStoreTest, AuthFailuresWriteNothingAndNeverSayWhy) {
  auto unknown = apply(authed(change("9999", "cid-u", 1, {contact("sip:u@10.0.0.1", 300)}), "secret"));
  EXPECT_EQ(unknown.result, RegisterResult::auth_failed);
  EXPECT_FALSE(unknown.user.has_value());
  EXPECT_EQ(apply(authed(change("1002", "cid-d", 1, {contact("sip:d@10.0.0.1", 300)}), "secret")).result,
            RegisterResult::auth_failed)
      << "disabled user";
  EXPECT_EQ(apply(authed(change("1000", "cid-w", 1, {contact("sip:w@10.0.0.1", 300)}), "wrong")).result,
            RegisterResult::auth_failed)
      << "verify() said no";
  auto no_verify = change("1000", "cid-n", 1, {contact("sip:n@10.0.0.1", 300)});
  no_verify.auth_domain = kDomain;
  no_verify.auth_user_id = "1000";
  EXPECT_EQ(apply(no_verify).result, RegisterResult::auth_failed) << "no verify function: never accepted";
  EXPECT_EQ(rows(), 0);

  std::atomic<bool> on_worker{false};
  auto good = authed(change("1000", "cid-g", 1, {contact("sip:g@10.0.0.1", 300)}), "secret");
  const auto caller = std::this_thread::get_id();
  good.verify = [&on_worker, caller](const DirectoryUser& user) {
    on_worker = std::this_thread::get_id() != caller;
    return user.password == "secret";
  };
  auto ok = apply(good);
  ASSERT_EQ(ok.result, RegisterResult::ok) << ok.error;
  ASSERT_TRUE(ok.user.has_value());
  EXPECT_EQ(ok.user->user_id, "1000");
  EXPECT_EQ(ok.user->domain, kDomain);
  EXPECT_TRUE(on_worker) << "verify runs on the database worker";
  EXPECT_EQ(rows("auth_username = '1000' and auth_realm = 'example.com'"), 1);
}

// ---------------------------------------------------------------- group commit

TEST_F(RegistrationStoreTest, BadChangesInABatchDoNotStopTheGoodOnes) {
  ASSERT_EQ(apply(change("1001", "cid-s", 7, {contact("sip:s@10.0.0.7", 300)})).result, RegisterResult::ok);
  const auto before = store_->stats();
  std::vector<std::future<RegisterOutcome>> answers;
  {
    WorkerGate gate(*db_);
    answers.push_back(apply_async(authed(change("1000", "cid-1", 1, {contact("sip:good1@10.0.0.1", 300)}), "secret")));
    answers.push_back(apply_async(authed(change("9999", "cid-2", 1, {contact("sip:bad@10.0.0.2", 300)}), "secret")));
    answers.push_back(apply_async(change("1001", "cid-s", 7, {contact("sip:s@10.0.0.7", 60)})));  // stale CSeq
    answers.push_back(apply_async(authed(change("1000", "cid-3", 1, {contact("sip:good2@10.0.0.3", 300)}), "wrong")));
    answers.push_back(apply_async(change("1001", "cid-4", 1, {contact("sip:good3@10.0.0.4", 300)})));
    EXPECT_EQ(store_->queued(), 5u);
  }
  std::vector<RegisterOutcome> got;
  for (auto& f : answers) got.push_back(wait_value(f));
  const auto after = store_->stats();
  EXPECT_EQ(after.batches - before.batches, 1u) << "five changes, one transaction";
  EXPECT_EQ(after.changes - before.changes, 5u);
  EXPECT_EQ(after.largest_batch, 5u);
  EXPECT_EQ(got[0].result, RegisterResult::ok);
  EXPECT_EQ(got[1].result, RegisterResult::auth_failed);
  EXPECT_EQ(got[2].result, RegisterResult::out_of_order);
  EXPECT_EQ(got[3].result, RegisterResult::auth_failed);
  EXPECT_EQ(got[4].result, RegisterResult::ok);
  EXPECT_EQ(uris(got[4].bindings), (std::set<std::string>{"sip:s@10.0.0.7", "sip:good3@10.0.0.4"}));
  EXPECT_EQ(rows(), 3);
  EXPECT_EQ(rows("contact_uri in ('sip:bad@10.0.0.2', 'sip:good2@10.0.0.3')"), 0);
  EXPECT_EQ(rows("contact_uri = 'sip:s@10.0.0.7' and expires_at > now() + interval '200 s'"), 1);
  // One transaction: both good bindings carry the same now().
  const auto good3 = std::find_if(got[4].bindings.begin(), got[4].bindings.end(),
                                  [](const Binding& b) { return b.contact_uri == "sip:good3@10.0.0.4"; });
  ASSERT_NE(good3, got[4].bindings.end());
  EXPECT_EQ(got[0].bindings.at(0).registered_at, good3->registered_at);
}

TEST_F(RegistrationStoreTest, ChangesToOneAorInABatchApplyInQueueOrder) {
  std::vector<std::future<RegisterOutcome>> answers;
  {
    WorkerGate gate(*db_);
    answers.push_back(apply_async(change("1000", "cid-1", 1, {contact("sip:a@10.0.0.1", 300)})));
    answers.push_back(apply_async(change("1000", "cid-1", 2, {contact("sip:a@10.0.0.1", 0)})));
    answers.push_back(apply_async(change("1000", "cid-1", 3, {contact("sip:b@10.0.0.2", 300)})));
    answers.push_back(apply_async(change("1000", "cid-1", 4, {contact("sip:a@10.0.0.1", 120)})));
    answers.push_back(apply_async(change("1000", "cid-1", 4, {contact("sip:a@10.0.0.1", 0)})));  // replay
    answers.push_back(apply_async(change("1000", "cid-1", 5, {contact("sip:b@10.0.0.2", 0)})));
  }
  std::vector<RegisterOutcome> got;
  for (auto& f : answers) got.push_back(wait_value(f));
  ASSERT_EQ(got[0].result, RegisterResult::ok);
  EXPECT_EQ(uris(got[0].bindings), (std::set<std::string>{"sip:a@10.0.0.1"}));
  ASSERT_EQ(got[1].result, RegisterResult::ok);
  EXPECT_TRUE(got[1].bindings.empty());
  EXPECT_EQ(uris(got[1].removed), (std::set<std::string>{"sip:a@10.0.0.1"}));
  EXPECT_EQ(uris(got[2].bindings), (std::set<std::string>{"sip:b@10.0.0.2"}));
  EXPECT_EQ(uris(got[3].bindings), (std::set<std::string>{"sip:a@10.0.0.1", "sip:b@10.0.0.2"}));
  EXPECT_EQ(got[4].result, RegisterResult::out_of_order) << "CSeq 4 was already applied in this batch";
  ASSERT_EQ(got[5].result, RegisterResult::ok);
  EXPECT_EQ(uris(got[5].bindings), (std::set<std::string>{"sip:a@10.0.0.1"}));
  EXPECT_EQ(uris(got[5].removed), (std::set<std::string>{"sip:b@10.0.0.2"}));
  EXPECT_EQ(rows(), 1);
  EXPECT_EQ(rows("contact_uri = 'sip:a@10.0.0.1' and cseq = 4 and expires_at <= now() + interval '121 s'"), 1);
}

TEST_F(RegistrationStoreTest, AFailingBatchWritesNothingAndAnswersEveryChangeUnavailable) {
  std::vector<std::future<RegisterOutcome>> answers;
  {
    WorkerGate gate(*db_);
    answers.push_back(apply_async(change("1000", "cid-1", 1, {contact("sip:good@10.0.0.1", 300)})));
    // PostgreSQL rejects text that is not UTF-8: the whole transaction fails.
    answers.push_back(apply_async(change("1001", "cid-2", 1, {contact("sip:bad\xff@10.0.0.2", 300)})));
  }
  for (auto& f : answers) {
    auto o = wait_value(f);
    EXPECT_EQ(o.result, RegisterResult::unavailable);
    EXPECT_FALSE(o.error.empty());
  }
  EXPECT_EQ(rows(), 0) << "no half-written batch";
  EXPECT_EQ(store_->stats().failed_batches, 1u);
  EXPECT_EQ(store_->stats().batches, 0u);
  // The store carries on with the next batch.
  EXPECT_EQ(apply(change("1000", "cid-1", 1, {contact("sip:good@10.0.0.1", 300)})).result, RegisterResult::ok);
  EXPECT_EQ(rows(), 1);
}

TEST_F(RegistrationStoreTest, AFullQueueAnswersOverloadedAtOnceOnTheCallersThread) {
  RegistrationStore small(*db_, RegistrationStore::Options{2, 1000});
  std::vector<std::future<RegisterOutcome>> answers;
  std::thread::id answered_on;
  RegisterResult third_result = RegisterResult::ok;
  {
    WorkerGate gate(*db_);
    for (int i = 0; i < 2; ++i) {
      auto promise = std::make_shared<std::promise<RegisterOutcome>>();
      answers.push_back(promise->get_future());
      small.apply(change("1000", "cid-" + std::to_string(i), 1, {contact("sip:" + std::to_string(i) + "@h", 60)}),
                  [promise](RegisterOutcome o) { promise->set_value(std::move(o)); });
    }
    bool called = false;
    small.apply(change("1000", "cid-x", 1, {contact("sip:x@h", 60)}), [&](RegisterOutcome o) {
      called = true;
      answered_on = std::this_thread::get_id();
      third_result = o.result;
    });
    EXPECT_TRUE(called) << "answered before apply() returned";
    EXPECT_EQ(small.queued(), 2u);
  }
  EXPECT_EQ(third_result, RegisterResult::overloaded);
  EXPECT_EQ(small.stats().overloaded, 1u);
  EXPECT_EQ(answered_on, std::this_thread::get_id());
  for (auto& f : answers) EXPECT_EQ(wait_value(f).result, RegisterResult::ok);
  EXPECT_EQ(rows(), 2);
}

TEST_F(RegistrationStoreTest, DatabaseDownAnswersUnavailable) {
  Database down("host=127.0.0.1 port=" + std::to_string(test::free_port(false)) + " dbname=none user=none", "down");
  RegistrationStore store(down);
  down.start();
  auto outcome = apply(store, change("1000", "cid-1", 1, {contact("sip:a@10.0.0.1", 300)}));
  EXPECT_EQ(outcome.result, RegisterResult::unavailable);
  EXPECT_NE(outcome.error.find("database unavailable"), std::string::npos) << outcome.error;
  EXPECT_EQ(store.queued(), 0u);
  down.stop();
  // After stop(), the answer comes on the caller's thread.
  EXPECT_EQ(apply(store, change("1000", "cid-1", 2, {contact("sip:a@10.0.0.1", 300)})).result,
            RegisterResult::unavailable);
  EXPECT_EQ(rows(), 0);
}

// ---------------------------------------------------------------- reads, flush, expiry

TEST_F(RegistrationStoreTest, ListAndRemoveFilter) {
  ASSERT_EQ(apply(change("1000", "cid-1", 1, {contact("sip:a@10.0.0.1", 300)})).result, RegisterResult::ok);
  ASSERT_EQ(apply(change("1001", "cid-2", 1, {contact("sip:b@10.0.0.2", 300)})).result, RegisterResult::ok);
  auto other_profile = change("1001", "cid-3", 1, {contact("sip:c@10.0.0.3", 300)});
  other_profile.profile_name = "external";
  other_profile.user_agent = "Yealink SIP-T46S";
  ASSERT_EQ(apply(other_profile).result, RegisterResult::ok);

  EXPECT_EQ(list().size(), 3u);
  EXPECT_EQ(uris(list(filter_profile("internal"))), (std::set<std::string>{"sip:a@10.0.0.1", "sip:b@10.0.0.2"}));
  EXPECT_EQ(uris(list(filter_call_id("cid-2"))), (std::set<std::string>{"sip:b@10.0.0.2"}));
  EXPECT_EQ(uris(list(filter_aor("1001", kDomain))),
            (std::set<std::string>{"sip:b@10.0.0.2", "sip:c@10.0.0.3"}));
  EXPECT_EQ(uris(list(filter_text("yealink"))), (std::set<std::string>{"sip:c@10.0.0.3"}));
  EXPECT_TRUE(list(filter_text("%")).empty()) << "no LIKE wildcards";
  const auto listed = list(filter_call_id("cid-1"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_GT(listed[0].expires_in, 290);
  EXPECT_EQ(listed[0].network_port, 5070);
  EXPECT_EQ(listed[0].user_agent, "test-phone/1.0");

  auto flushed = remove(filter_aor("1001", kDomain));
  EXPECT_EQ(uris(flushed), (std::set<std::string>{"sip:b@10.0.0.2", "sip:c@10.0.0.3"}));
  EXPECT_EQ(rows(), 1);
  EXPECT_TRUE(remove(filter_call_id("nope")).empty());
}

TEST_F(RegistrationStoreTest, TwoSweepersExpireEachDueBindingExactlyOnce) {
  constexpr int kDue = 400;
  constexpr int kLive = 50;
  {
    pqxx::connection conn(database_->dsn());
    pqxx::work txn(conn);
    txn.exec_params(
        "insert into registrations (profile_name, sip_user, sip_host, contact, contact_uri, call_id, cseq, "
        "expires_at, network_ip, network_port, network_transport, status, node_name) "
        "select 'internal', 'u' || i, 'example.com', '<sip:c' || i || '@h>', 'sip:c' || i || '@h', 'cid' || i, 1, "
        "case when i <= $1 then now() - interval '1 second' * i else now() + interval '1 hour' end, "
        "'127.0.0.1', 5060, 'udp', 'Registered(UDP)', 'edge-1' from generate_series(1, $2) as i",
        kDue, kDue + kLive);
    txn.commit();
  }
  Database other_db(database_->dsn(), "other");
  RegistrationStore other(other_db);
  other_db.start();

  std::mutex mutex;
  std::multiset<std::string> expired;
  auto sweep = [&](RegistrationStore& store) {
    for (;;) {
      auto promise = std::make_shared<std::promise<std::vector<Binding>>>();
      auto future = promise->get_future();
      store.expire_due(
          7, [promise](std::vector<Binding> b) { promise->set_value(std::move(b)); },
          [promise](const std::string& e) { promise->set_exception(std::make_exception_ptr(std::runtime_error(e))); });
      auto batch = wait_value(future);
      if (batch.empty()) return;
      std::lock_guard lock(mutex);
      for (const auto& b : batch) {
        EXPECT_EQ(b.expires_in, 0);
        expired.insert(b.contact_uri);
      }
    }
  };
  auto a = std::async(std::launch::async, sweep, std::ref(*store_));
  auto b = std::async(std::launch::async, sweep, std::ref(other));
  a.get();
  b.get();
  EXPECT_EQ(expired.size(), static_cast<std::size_t>(kDue)) << "every due binding returned once, by one sweeper";
  EXPECT_EQ(std::set<std::string>(expired.begin(), expired.end()).size(), expired.size()) << "no duplicates";
  EXPECT_EQ(rows(), kLive);
  other_db.stop();
}

TEST_F(RegistrationStoreTest, ExpiredBindingsAreNotCurrentButAreStillRows) {
  ASSERT_EQ(apply(change("1000", "cid-1", 1, {contact("sip:old@10.0.0.1", 300)})).result, RegisterResult::ok);
  {
    pqxx::connection conn(database_->dsn());
    pqxx::work txn(conn);
    txn.exec("update registrations set expires_at = now() - interval '5 seconds'");
    txn.commit();
  }
  // Same Call-ID and CSeq, but the binding is already due: not a replay.
  auto fresh = apply(change("1000", "cid-1", 1, {contact("sip:new@10.0.0.2", 300)}));
  ASSERT_EQ(fresh.result, RegisterResult::ok);
  EXPECT_EQ(uris(fresh.bindings), (std::set<std::string>{"sip:new@10.0.0.2"})) << "the due binding is not current";
  EXPECT_EQ(rows(), 2) << "it stays until the sweep fires sofia::expire for it";
}

// ---------------------------------------------------------------- FreeSWITCH view

TEST_F(RegistrationStoreTest, SipRegistrationsViewHasFreeSwitchColumns) {
  auto c = authed(change("1000", "cid-v", 1, {contact("sip:1000@10.0.0.1:5070", 3600)}), "secret");
  c.network_port = 5070;
  ASSERT_EQ(apply(c).result, RegisterResult::ok);

  pqxx::connection conn(database_->dsn());
  pqxx::read_transaction txn(conn);
  std::vector<std::string> columns;
  for (const auto& row : txn.exec("select column_name from information_schema.columns "
                                  "where table_name = 'sip_registrations' order by ordinal_position")) {
    columns.push_back(row[0].as<std::string>());
  }
  // mod_sofia's sip_registrations, in its order.
  EXPECT_EQ(columns, (std::vector<std::string>{
                         "call_id", "sip_user", "sip_host", "presence_hosts", "contact", "status", "ping_status",
                         "ping_count", "ping_time", "force_ping", "rpid", "expires", "ping_expires", "user_agent",
                         "server_user", "server_host", "profile_name", "hostname", "network_ip", "network_port",
                         "sip_username", "sip_realm", "mwi_user", "mwi_host", "orig_server_host", "orig_hostname",
                         "sub_host"}));
  const auto row = txn.exec1(
      "select call_id, sip_user, sip_host, status, ping_status, rpid, expires, "
      "expires - extract(epoch from now())::bigint, pg_typeof(expires)::text, hostname, network_port, "
      "pg_typeof(network_port)::text, sip_username, sip_realm, mwi_user, mwi_host, profile_name, contact "
      "from sip_registrations");
  EXPECT_EQ(row[0].as<std::string>(), "cid-v");
  EXPECT_EQ(row[1].as<std::string>(), "1000");
  EXPECT_EQ(row[2].as<std::string>(), kDomain);
  EXPECT_EQ(row[3].as<std::string>(), "Registered(UDP)");
  EXPECT_EQ(row[4].as<std::string>(), "Reachable");
  EXPECT_EQ(row[5].as<std::string>(), "unknown");
  EXPECT_GT(row[6].as<long long>(), 1'600'000'000) << "absolute unix time";
  EXPECT_NEAR(row[7].as<long long>(), 3600, 2);
  EXPECT_EQ(row[8].as<std::string>(), "bigint");
  EXPECT_EQ(row[9].as<std::string>(), "edge-1");
  EXPECT_EQ(row[10].as<std::string>(), "5070");
  EXPECT_EQ(row[11].as<std::string>(), "character varying");
  EXPECT_EQ(row[12].as<std::string>(), "1000");
  EXPECT_EQ(row[13].as<std::string>(), kDomain);
  EXPECT_EQ(row[14].as<std::string>(), "1000");
  EXPECT_EQ(row[15].as<std::string>(), kDomain);
  EXPECT_EQ(row[16].as<std::string>(), "internal");
  EXPECT_EQ(row[17].as<std::string>(), "<sip:1000@10.0.0.1:5070>;expires=3600");
  const auto comment = txn.exec1("select obj_description('registrations'::regclass, 'pg_class')")[0];
  EXPECT_NE(comment.as<std::string>().find("Owner"), std::string::npos);
}

}  // namespace
}  // namespace sipedge
