// The lockstep test: each SQL engine against the model store (store/model/), as LevelDB's
// ModelDB test checks its DB against a map. One random sequence of transactions (writes that
// may fail on a missing parent or a taken key, reads of every kind: lockstep_steps.h) is applied
// to the model and to the engine, and every answer, values and error codes alike, must be the
// same; every few hundred steps, and at the end, the whole visible state of both is compared.
// The model is written from the store contract (store.h) with maps, not SQL, so a mistake the
// two SQL texts share shows up here. The steps reach the store's part of D16 (tombstones counted
// and purged oldest first), D17 (deletion markers), D19 (devices in registration order) and D24
// (outbox partitions, deferral after a failure).
//
// The seed is printed; COGSYNC_MODEL_SEED=<n> replays one run, COGSYNC_MODEL_STEPS=<n> changes
// its length.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "store/lockstep_steps.h"
#include "store/pg_test_stores.h"

namespace cogsync::store {
namespace {

using lockstep::Generator;
using lockstep::Op;
using lockstep::Step;

// Runs a step and returns its transcript: what each operation saw, or the error that ended it.
std::string Apply(Store& store, const Step& step) {
  std::string transcript;
  auto fn = [&](Txn& txn) -> Status {
    std::ostringstream out;  // fresh per attempt: a write may be re-run
    Status status = OkStatus();
    for (const Op& op : step.ops) {
      status = op(txn, out);
      if (!status.ok()) break;
    }
    transcript = out.str();
    return status;
  };
  Status status = step.write ? store.Write(fn) : store.Read(fn);
  if (!status.ok()) transcript += "error " + status.error().code() + "\n";
  return transcript;
}

uint32_t Seed() {
  if (const char* fixed = std::getenv("COGSYNC_MODEL_SEED")) {
    return static_cast<uint32_t>(std::strtoul(fixed, nullptr, 10));
  }
  return std::random_device{}();
}

int Steps() {
  if (const char* steps = std::getenv("COGSYNC_MODEL_STEPS")) return std::atoi(steps);
  return 2500;
}

constexpr char kModel[] = "Model";  // the model's label in the registry

// Every registered engine but the model.
std::vector<std::string> EnginesButTheModel() {
  std::vector<std::string> labels;
  for (const std::string& label : EngineLabels()) {
    if (label != kModel) labels.push_back(label);
  }
  return labels;
}

class LockstepTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LockstepTest, EveryRandomStepAnswersAsTheModel) {
  std::unique_ptr<TestStore> model;
  std::unique_ptr<TestStore> engine;
  COGSYNC_OPEN_TEST_STORE(model, std::string(kModel));
  COGSYNC_OPEN_TEST_STORE(engine, GetParam());

  uint32_t seed = Seed();
  RecordProperty("seed", std::to_string(seed));
  std::printf("lockstep seed %u (COGSYNC_MODEL_SEED=%u replays it)\n", seed, seed);

  Generator generator(seed);
  const int steps = Steps();
  constexpr int kDumpEvery = 250;
  int errors = 0;
  for (int n = 0; n < steps; ++n) {
    Step step = generator.NextStep();
    std::string expected = Apply(model->store(), step);
    std::string actual = Apply(engine->store(), step);
    if (expected.find("error ") != std::string::npos) ++errors;
    ASSERT_EQ(actual, expected) << "step " << n << " of seed " << seed;
    if (n % kDumpEvery == kDumpEvery - 1 || n == steps - 1) {
      ASSERT_EQ(lockstep::Dump(engine->store()), lockstep::Dump(model->store()))
          << "state after step " << n << " of seed " << seed;
    }
  }
  // The sequence must exercise failures (missing parents, taken keys) as well as successes.
  EXPECT_GT(errors, steps / 20);
  EXPECT_LT(errors, steps * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(Engines, LockstepTest, ::testing::ValuesIn(EnginesButTheModel()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace cogsync::store
