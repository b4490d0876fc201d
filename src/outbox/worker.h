#pragma once
// The background thread of the outbox dispatcher and the bulk publisher: runs `pass` when woken
// by Notify() or once every `poll`, until Stop(). Stop() joins the thread (the pass in progress
// finishes) and then runs `on_stop` (releasing a lease) if the thread had started.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <thread>

#include "common/mutex.h"

namespace cogsync::outbox {

class Worker {
 public:
  Worker(std::chrono::milliseconds poll, std::function<void()> pass, std::function<void()> on_stop);
  ~Worker();  // Stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread with a first pass at once (work a previous process left). Idempotent;
  // nothing after Stop().
  void Start() EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);  // idempotent
  void Notify() EXCLUDES(mu_);
  // For a pass: whether Stop() was called, and a wait that Stop() cuts short (false then).
  bool stopping() EXCLUDES(mu_);
  bool Sleep(int64_t ms) EXCLUDES(mu_);

 private:
  void Loop();

  const std::chrono::milliseconds poll_;
  const std::function<void()> pass_;
  const std::function<void()> on_stop_;
  Mutex mu_;
  std::condition_variable cv_;
  bool notified_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_ GUARDED_BY(mu_);  // Stop() takes it out to join it
};

}  // namespace cogsync::outbox
