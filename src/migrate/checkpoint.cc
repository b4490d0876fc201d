#include "migrate/checkpoint.h"

#include <chrono>
#include <optional>

#include "common/json.h"

namespace cogsync::migrate {
namespace bj = boost::json;

std::string CheckpointText(const Checkpoint& c) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return bj::serialize(bj::object{{"next_token", c.next_token},
                                  {"done", c.done},
                                  {"source", c.source},
                                  {"owned", c.owned},
                                  {"at_ms", now}});
}

Result<OnConflict> ParseOnConflict(std::string_view text) {
  if (text == "refuse") return OnConflict::kRefuse;
  if (text == "merge") return OnConflict::kMerge;
  if (text == "replace") return OnConflict::kReplace;
  return ApiError::InvalidParameter("--on-conflict must be refuse, merge or replace");
}

Result<PoolStart> DecideStart(store::Store& target, const std::string& pool_id,
                              const std::string& source, OnConflict on_conflict) {
  bool pool_exists = false;
  std::optional<std::string> text;
  COGSYNC_RETURN_IF_ERROR(target.Read([&](store::Txn& txn) -> Status {
    COGSYNC_ASSIGN_OR_RETURN(auto pool, txn.GetPool(pool_id));
    pool_exists = pool != nullptr;
    COGSYNC_ASSIGN_OR_RETURN(text, txn.GetSecret(std::string(kCheckpointPrefix) + pool_id));
    return OkStatus();
  }));
  PoolStart start;
  start.checkpoint.source = source;
  if (!pool_exists) return start;  // fresh: a note without its pool is stale
  Checkpoint found;
  if (text) {
    auto parsed = json::Parse(*text);
    if (parsed && parsed->is_object()) {
      const bj::object& o = parsed->get_object();
      found.exists = true;
      found.next_token = json::GetString(o, "next_token").value_or("");
      found.done = json::GetBool(o, "done").value_or(true);
      found.source = json::GetString(o, "source").value_or("");
      found.owned = json::GetBool(o, "owned").value_or(true);
    }
  }
  if (found.exists && (found.source.empty() || found.source == source)) {
    start.how = Start::kContinue;
    start.checkpoint = found;
    start.checkpoint.source = source;
    return start;
  }
  start.conflict = "identity pool " + pool_id + " already exists in the target" +
                   (found.exists ? " (copied by a migration from " + found.source + ")"
                                 : " and was not copied there by this migration");
  if (on_conflict == OnConflict::kMerge) start.how = Start::kMerge;
  if (on_conflict == OnConflict::kReplace) start.how = Start::kReplace;
  start.checkpoint.owned = on_conflict == OnConflict::kReplace;
  return start;
}

}  // namespace cogsync::migrate
