#pragma once
// The load generator's three jobs:
//   Run   simulated devices doing real sync cycles (or read-only mixes) for a bounded time or
//         number of requests, then a report; exit code 1 on any unexpected error.
//   Fill  fills a server's store to a given size through the API (batched UpdateRecords).
//   SignForWrk  prepares one signed request (ListRecords of a seeded dataset,
//         DescribeIdentityPool or ListIdentityPools) for `wrk`, as a Lua script or header lines.
// Every identity is obtained the way an app obtains it: GetId, then GetCredentialsForIdentity;
// its Cognito Sync calls are signed with those identity credentials.

#include <cstdint>
#include <string>

#include "auth/sigv4.h"
#include "bench/client.h"

namespace cogsync::bench {

struct CommonOptions {
  Endpoint endpoint;
  // A developer key of the server: creates the pool, sets its roles, signs DescribeIdentityPool.
  auth::sigv4::Credentials developer;
  std::string pool_id;  // empty: create a fresh pool that allows unauthenticated identities
  int threads = 2;      // client threads (each with its own event loop)
};

struct RunOptions {
  CommonOptions common;
  // sync: ListRecords then UpdateRecords with the SyncSessionToken and the SyncCounts learnt;
  // read: 80% ListRecords, 10% DescribeDataset, 10% ListDatasets; list-records;
  // describe-pool: DescribeIdentityPool signed with the developer key.
  std::string workload = "sync";
  int devices = 64;              // one connection each
  int identities = 16;           // devices are spread over them
  bool shared_datasets = false;  // devices of one identity sync one dataset (conflicts happen)
  int seed_records = 20;         // records each dataset starts with
  int patch_records = 2;         // records each UpdateRecords changes
  int value_bytes = 32;
  double duration_seconds = 10;
  double warmup_seconds = 1;  // requests started before this are not measured
  int64_t max_requests = 0;   // 0: until duration_seconds
};
// Returns the process exit code.
int Run(const RunOptions& options);

struct FillOptions {
  CommonOptions common;
  int identities = 100;
  int datasets = 4;   // per identity (at most the server's limit, 20 by default)
  int records = 100;  // per dataset, written by one UpdateRecords (at most 1024)
  int value_bytes = 64;
  int connections = 32;
  // Identities that get datasets; the rest only GetId. Negative: all of them.
  int data_identities = -1;
  bool progress = false;  // a line on stderr at every 5% of the identities
};
int Fill(const FillOptions& options);

struct SignOptions {
  CommonOptions common;
  std::string operation = "list-records";  // or describe-pool, list-pools
  int records = 20;                        // list-records: records in the dataset listed
  std::string format = "lua";              // lua (a wrk script) or headers ("Name: value" lines)
  std::string out;                         // file to write; empty: stdout
};
int SignForWrk(const SignOptions& options);

}  // namespace cogsync::bench
