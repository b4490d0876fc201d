#include "outbox/worker.h"

namespace cogsync::outbox {

Worker::Worker(std::chrono::milliseconds poll, std::function<void()> pass,
               std::function<void()> on_stop)
    : poll_(poll), pass_(std::move(pass)), on_stop_(std::move(on_stop)) {}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  MutexLock lock(mu_);
  if (thread_.joinable() || stopping_) return;
  notified_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void Worker::Stop() {
  std::thread running;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    running = std::move(thread_);
  }
  cv_.notify_all();
  if (running.joinable()) {
    running.join();
    if (on_stop_) on_stop_();
  }
}

void Worker::Notify() {
  {
    MutexLock lock(mu_);
    notified_ = true;
  }
  cv_.notify_one();
}

bool Worker::stopping() {
  MutexLock lock(mu_);
  return stopping_;
}

bool Worker::Sleep(int64_t ms) {
  MutexLock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stopping_ && cv_.wait_until(lock.native(), deadline) == std::cv_status::no_timeout) {
  }
  return !stopping_;
}

void Worker::Loop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    const auto deadline = std::chrono::steady_clock::now() + poll_;
    while (!stopping_ && !notified_ &&
           cv_.wait_until(lock.native(), deadline) == std::cv_status::no_timeout) {
    }
    if (stopping_) break;
    notified_ = false;
    lock.Unlock();
    pass_();
    lock.Lock();
  }
}

}  // namespace cogsync::outbox
