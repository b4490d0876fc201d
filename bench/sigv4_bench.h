#pragma once
// cogsync-bench sigv4: SigV4 verification timed in-process, outside callgrind, so that OpenSSL
// uses the CPU's SHA instructions when it has them: microseconds per verification of the two
// requests of bench/stages.sh (identity credentials with a session token; a developer key), next
// to the cost of the hashes any verification must compute. No server, no network.

namespace cogsync::bench {

struct SigV4BenchOptions {
  int iterations = 200000;  // per round
  int rounds = 5;           // the best round is reported
};

int SigV4Bench(const SigV4BenchOptions& options);

}  // namespace cogsync::bench
