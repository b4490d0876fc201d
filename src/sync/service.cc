// SyncService construction and the sync-session flusher (D22).
//
// Sync sessions are counted in memory (session_counter.h) and written here once a second. If the
// process crashes, the counts of at most the last second (kFlushIntervalMillis) are lost: usage
// statistics, never sync data, so the trade for a write-free ListRecords is worth it. A clean
// shutdown (Stop()) loses nothing.

#include "sync/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace cogsync::sync {

SyncService::SyncService(store::Store& store, const Clock& clock, const Config& config,
                         const TokenSealer& sealer, Integrations integrations)
    : store_(store),
      clock_(clock),
      config_(config),
      sealer_(sealer),
      integrations_(integrations),
      sessions_(sealer),
      dataset_cache_(size_t(std::max(config.dataset_cache_mib, 0)) << 20) {
  // The cache is coherent only with a store that reports every change (sync/dataset_cache.h).
  if (dataset_cache_.enabled() && !store_.SetChangeObserver(&dataset_cache_)) {
    dataset_cache_.Disable();
  }
  flusher_ = std::thread([this] { FlushLoop(); });
}

SyncService::~SyncService() {
  Stop();
  if (dataset_cache_.enabled()) store_.SetChangeObserver(nullptr);
}

void SyncService::Stop() {
  {
    MutexLock lock(stop_mu_);
    if (stopping_ && !flusher_.joinable()) return;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

void SyncService::FlushLoop() {
  MutexLock lock(stop_mu_);
  while (true) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kFlushIntervalMillis);
    while (!stopping_ &&
           stop_cv_.wait_until(lock.native(), deadline) == std::cv_status::no_timeout) {
    }
    const bool stop = stopping_;
    lock.Unlock();
    if (auto s = FlushSessionCounts(); !s.ok()) {
      spdlog::warn("flushing sync session counts: {}", s.error().ToString());
    }
    if (stop) return;
    lock.Lock();
  }
}

Status SyncService::FlushSessionCounts() {
  MutexLock flushing(flush_mu_);
  SessionCounter::Counts taken = session_counts_.Take();
  if (taken.empty()) {
    session_counts_.Committed();
    return OkStatus();
  }
  Status written = store_.Write([&](store::Txn& txn) -> Status {
    for (const auto& [pool_id, n] : taken) {
      // A pool deleted since its sessions were counted takes its counts with it.
      COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(pool_id));
      if (pool) COGSYNC_RETURN_IF_ERROR(txn.AddSyncSessions(pool_id, n));
    }
    return OkStatus();
  });
  if (written.ok()) {
    session_counts_.Committed();
  } else {
    session_counts_.Restore(taken);
  }
  return written;
}

}  // namespace cogsync::sync
