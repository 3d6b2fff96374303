#pragma once
// A private PostgreSQL 15 inside one namespace of a ClusterNetwork (host
// "pg"): initdb (--no-sync: only the server's own commits are timed) in a
// TempDir owned by the system user sipedge-pg (scripts/pg-ctl's user,
// created the same way if missing), then `postgres` in the foreground as that
// user (setpriv), listening on the host's address port 5432 and on a unix
// socket in the TempDir. fsync stays on, as in scripts/pg-ctl.
//
// The nodes connect over TCP from their namespaces (node_dsn); the test
// process, in the root namespace, only through the unix socket (local_dsn):
// nothing is routed from the root namespace into the cluster network. Trust
// authentication for the cluster's /24 and the socket only.
//
// Threads: all members from the owner's thread, except the const ones.
#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace sipedge::test::cluster {

class ClusterNetwork;

class NetnsPostgres {
 public:
  // Starts the server and creates role+database `database` (owner role
  // "sipedge"). Throws std::runtime_error with the server log on failure.
  NetnsPostgres(const ClusterNetwork& network, std::string database = "sipedge_cluster",
                std::string host = "pg");
  ~NetnsPostgres();  // fast shutdown (SIGINT), then SIGKILL of the group
  NetnsPostgres(const NetnsPostgres&) = delete;
  NetnsPostgres& operator=(const NetnsPostgres&) = delete;

  // For the nodes: host=<pg address> port=5432 user=sipedge dbname=<database>.
  std::string node_dsn() const;
  // For the test process: the unix socket, superuser postgres, <database>.
  std::string local_dsn() const;
  const std::string& address() const { return address_; }
  std::string log() const;

 private:
  void wait_ready();

  const ClusterNetwork& network_;
  std::string database_;
  std::string host_;
  std::string address_;
  TempDir dir_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace sipedge::test::cluster
