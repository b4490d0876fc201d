#include "protocol/rest_router.h"

#include "common/ascii.h"
#include "common/encoding.h"

namespace cogsync::protocol {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view raw) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view part = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto name = encoding::PercentDecode(part.substr(0, eq), true);
    auto value = encoding::PercentDecode(
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

RestRouter::RestRouter(const model::ServiceModel& model) : model_(model) {
  for (const auto& op : model.operations) {
    Template t{&op, {}};
    std::string_view uri = op.request_uri;
    uri = uri.substr(0, uri.find('?'));
    for (auto part : SplitPath(uri)) {
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        t.segments.push_back({std::string(part.substr(1, part.size() - 2)), true});
      } else {
        t.segments.push_back({std::string(part), false});
      }
    }
    templates_.push_back(std::move(t));
  }
}

Result<RestMatch> RestRouter::Match(const http::Request& request) const {
  std::string_view target = request.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto parts = SplitPath(path);

  const Template* found = nullptr;
  bool path_known = false;
  for (const auto& t : templates_) {
    if (t.segments.size() != parts.size()) continue;
    bool same = true;
    for (size_t i = 0; i < parts.size() && same; ++i) {
      const auto& seg = t.segments[i];
      same = seg.label ? !parts[i].empty() : parts[i] == seg.text;
    }
    if (!same) continue;
    path_known = true;
    if (t.operation->http_method == request.method) {
      found = &t;
      break;
    }
  }
  if (found == nullptr) {
    if (path_known) {
      return ApiError::MethodNotAllowed("Method " + request.method + " is not allowed on " +
                                        std::string(path));
    }
    return ApiError::UnknownOperation("No operation matches " + request.method + " " +
                                      std::string(path));
  }

  RestMatch match{found->operation, {}};
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = found->segments[i];
    if (!seg.label) continue;
    auto decoded = encoding::PercentDecode(parts[i]);
    if (!decoded || decoded->find('/') != std::string::npos || !encoding::IsValidUtf8(*decoded)) {
      return ApiError::InvalidParameter("1 validation error detected: Value at '" +
                                        std::string(1, ascii::Lower(seg.text[0])) +
                                        seg.text.substr(1) +
                                        "' failed to satisfy constraint: Member must be a "
                                        "well-formed path segment");
    }
    match.input[seg.text] = *decoded;
  }
  if (found->operation->input < 0) return match;
  const model::Shape& input = model_.shape(found->operation->input);
  if (!query.empty()) {
    auto pairs = ParseQuery(query);
    if (!pairs) return ApiError::InvalidParameter("Malformed query string.");
    for (const auto& member : input.members) {
      if (member.location != model::Location::kQuery) continue;
      for (const auto& [k, v] : *pairs) {
        if (k == member.location_name) {
          match.input[member.name] = v;
          break;
        }
      }
    }
  }
  for (const auto& member : input.members) {
    if (member.location != model::Location::kHeader) continue;
    for (const auto& [k, v] : request.headers) {
      if (ascii::EqualsIgnoreCase(k, member.location_name)) {
        match.input[member.name] = v;
        break;
      }
    }
  }
  return match;
}

}  // namespace cogsync::protocol
