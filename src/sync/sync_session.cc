#include "sync/sync_session.h"

#include <charconv>
#include <vector>

#include "common/crypto.h"
#include "common/encoding.h"

namespace cogsync::sync {
namespace {

constexpr std::string_view kPurpose = "sync-session-token-v1";

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

ApiError NotValid() {
  return ApiError::InvalidParameter("SyncSessionToken not valid for these inputs");
}

}  // namespace

std::string SyncSessionTokens::Issue(std::string_view pool_id, std::string_view identity_id,
                                     std::string_view dataset, int64_t now_ms) const {
  // Ids and dataset names never contain '\n' (their model patterns exclude it).
  std::string payload;
  payload.append(pool_id).push_back('\n');
  payload.append(identity_id).push_back('\n');
  payload.append(dataset).push_back('\n');
  payload.append(std::to_string(now_ms)).push_back('\n');
  payload.append(encoding::Hex(crypto::RandomBytes(12)));
  return sealer_.Seal(kPurpose, payload);
}

Status SyncSessionTokens::Verify(std::string_view token, std::string_view pool_id,
                                 std::string_view identity_id, std::string_view dataset,
                                 int64_t now_ms) const {
  auto payload = sealer_.Open(kPurpose, token);
  if (!payload) return NotValid();
  auto parts = Split(*payload, '\n');
  if (parts.size() != 5 || parts[0] != pool_id || parts[1] != identity_id || parts[2] != dataset) {
    return NotValid();
  }
  int64_t issued = 0;
  auto [end, ec] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), issued);
  if (ec != std::errc() || end != parts[3].data() + parts[3].size()) return NotValid();
  if (now_ms - issued > kLifetimeMs || issued - now_ms > kFutureSkewMs) return NotValid();
  return OkStatus();
}

}  // namespace cogsync::sync
