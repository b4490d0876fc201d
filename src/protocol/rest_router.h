#pragma once
// Routes Cognito Sync's REST requests (method + path template, built from the service model) and
// extracts their path labels, query parameters and header members into one flat input object,
// the same shape the legacy RPC form carries (docs/decisions.md D5).

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "http/message.h"
#include "protocol/model.h"

namespace cogsync::protocol {

struct RestMatch {
  const model::Operation* operation = nullptr;
  boost::json::object input;  // labels, query and header members, not yet typed
};

class RestRouter {
 public:
  explicit RestRouter(const model::ServiceModel& model);

  // UnknownOperation (404) for a path no operation has, MethodNotAllowed (405) for a known path
  // with another method, InvalidParameter for a label that is not well-formed (a bad %-escape,
  // an encoded '/', invalid UTF-8). Labels are accepted percent-encoded or raw (':' and '%3A').
  Result<RestMatch> Match(const http::Request& request) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the member name of a label
    bool label = false;
  };
  struct Template {
    const model::Operation* operation;
    std::vector<Segment> segments;
  };
  const model::ServiceModel& model_;
  std::vector<Template> templates_;
};

// Splits "a=1&b=2" into decoded pairs; nullopt on a malformed %-escape.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseQuery(std::string_view raw);

}  // namespace cogsync::protocol
