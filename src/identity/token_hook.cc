#include "identity/token_hook.h"

#include <algorithm>
#include <cstddef>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/http_client.h"
#include "common/json.h"

namespace cogsync::identity {
namespace {

namespace bj = boost::json;

ApiError Refused(const std::string& detail) {
  return ApiError::NotAuthorized("Invalid login token. " + detail);
}

const bj::value* At(const bj::value& doc, const std::string& pointer) {
  boost::system::error_code ec;
  return doc.find_pointer(pointer, ec);
}

// A subject or audience: a non-empty string, or an integer written in decimal.
std::string Scalar(const bj::value* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return "";
}

}  // namespace

uint64_t TokenHook::calls() const {
  MutexLock lock(mutex_);
  return calls_;
}

Result<TokenHook::Answer> TokenHook::Ask(const std::string& token) const {
  http_client::Request request;
  request.method = config_.verifier_method;
  request.url = config_.verifier_url;
  const std::string encoded = encoding::UriEncode(token, false);
  if (size_t at = request.url.find("{token}"); at != std::string::npos) {
    request.url.replace(at, 7, encoded);
  }
  if (request.method == "POST") {
    request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    request.body = "token=" + encoded;
  }
  request.headers.emplace_back("accept", "application/json");
  for (const auto& header : config_.verifier_headers) request.headers.push_back(header);
  http_client::Options options;
  options.timeout = std::chrono::milliseconds(config_.verifier_timeout_ms);
  options.max_body_bytes = 64 * 1024;
  auto response = http_client::Send(request, options);
  const std::string name = "The token verifier of " + config_.name;
  if (!response.ok()) {
    return ApiError::ExternalService(
        name + " did not answer" + (http_client::IsTimeout(response.error()) ? " in time." : "."));
  }
  Answer answer;
  if (response->status == 400 || response->status == 401 || response->status == 403) {
    answer.refusal = name + " refused the token.";
    return answer;
  }
  auto doc = response->status == 200 ? json::Parse(response->body) : std::nullopt;
  if (!doc) {
    return ApiError::ExternalService(name + " answered HTTP " + std::to_string(response->status) +
                                     (response->status == 200 ? " without JSON." : "."));
  }
  if (!config_.verifier_active_pointer.empty()) {
    const bj::value* active = At(*doc, config_.verifier_active_pointer);
    if (active == nullptr || !active->is_bool() || !active->get_bool()) {
      answer.refusal = name + " says the token is not active.";
      return answer;
    }
  }
  if (!config_.verifier_audience_pointer.empty()) {
    answer.audience = Scalar(At(*doc, config_.verifier_audience_pointer));
  }
  answer.subject = Scalar(At(*doc, config_.verifier_subject_pointer));
  if (answer.subject.empty()) {
    answer.refusal = name + " named no subject.";
    return answer;
  }
  answer.accepted = true;
  return answer;
}

void TokenHook::Remember(const std::string& key, const Answer& answer) {
  const int64_t limit = config_.verifier_cache_entries;
  if (limit <= 0 || config_.verifier_cache_seconds <= 0) return;
  MutexLock lock(mutex_);
  if (int64_t(cache_.size()) >= limit) {
    const int64_t now = answer.stored_ms;
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.expires_ms <= now; });
  }
  if (int64_t(cache_.size()) >= limit) {
    // Still full of live entries: drop the older half.
    std::vector<int64_t> ages;
    ages.reserve(cache_.size());
    for (const auto& kv : cache_) ages.push_back(kv.second.stored_ms);
    const auto middle = ages.begin() + static_cast<std::ptrdiff_t>(ages.size() / 2);
    std::nth_element(ages.begin(), middle, ages.end());
    const int64_t median = *middle;
    std::erase_if(cache_, [&](const auto& kv) { return kv.second.stored_ms <= median; });
  }
  cache_[key] = answer;
}

Result<std::string> TokenHook::Verify(const std::string& token,
                                      const std::vector<std::string>& audiences) {
  const int64_t now = clock_.NowMillis();
  const std::string key = crypto::Sha256(token);
  std::optional<Answer> answer;
  {
    MutexLock lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end() && it->second.expires_ms > now) {
      answer = it->second;
    }
  }
  if (!answer) {
    {
      MutexLock lock(mutex_);
      ++calls_;
    }
    COGSYNC_ASSIGN_OR_RETURN(answer, Ask(token));
    answer->stored_ms = now;
    answer->expires_ms = now + config_.verifier_cache_seconds * 1000;
    Remember(key, *answer);
  }
  if (!answer->accepted) return Refused(answer->refusal);
  if (!config_.verifier_audience_pointer.empty() && !audiences.empty() &&
      std::find(audiences.begin(), audiences.end(), answer->audience) == audiences.end()) {
    return Refused("The token was issued for another client of " + config_.name + ".");
  }
  return answer->subject;
}

}  // namespace cogsync::identity
