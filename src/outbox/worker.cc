#include "outbox/worker.h"

namespace cogsync::outbox {

Worker::Worker(std::chrono::milliseconds poll, std::function<void()> pass,
               std::function<void()> on_stop)
    : poll_(poll), pass_(std::move(pass)), on_stop_(std::move(on_stop)) {}

Worker::~Worker() { Stop(); }

void Worker::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  notified_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void Worker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    if (on_stop_) on_stop_();
  }
}

void Worker::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
  }
  cv_.notify_one();
}

bool Worker::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool Worker::Sleep(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void Worker::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, poll_, [this] { return stopping_ || notified_; });
    if (stopping_) break;
    notified_ = false;
    lock.unlock();
    pass_();
    lock.lock();
  }
}

}  // namespace cogsync::outbox
