#include "store/store.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace cogsync::store {

Status CallGuarded(const std::function<Status()>& call) {
  try {
    return call();
  } catch (const std::exception& e) {
    spdlog::error("transaction function threw: {}", e.what());
  } catch (...) {
    spdlog::error("transaction function threw a non-exception");
  }
  return ApiError::InternalError("Internal error");
}

}  // namespace cogsync::store
