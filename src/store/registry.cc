#include "store/registry.h"

#include <string>

#include "store/model/model_store.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace cogsync::store {
namespace {

constexpr std::string_view kSqliteSchemes[] = {"sqlite"};
constexpr std::string_view kPostgresSchemes[] = {"postgresql", "postgres"};
constexpr std::string_view kModelSchemes[] = {"memory"};

// The engines: one line each.
constexpr Engine kEngines[] = {
    {"sqlite", "Sqlite", kSqliteSchemes, &SqliteStore::OpenUrl},
    {"postgresql", "Postgres", kPostgresSchemes, &PostgresStore::OpenUrl},
    {"memory", "Model", kModelSchemes, &model::ModelStore::OpenUrl},
};

std::string_view SchemeOf(std::string_view url) {
  size_t colon = url.find(':');
  return colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
}

}  // namespace

std::span<const Engine> Engines() { return kEngines; }

const Engine* FindEngine(std::string_view url) {
  std::string_view scheme = SchemeOf(url);
  if (scheme.empty()) return nullptr;
  for (const Engine& engine : kEngines) {
    for (std::string_view candidate : engine.schemes) {
      if (candidate == scheme) return &engine;
    }
  }
  return nullptr;
}

Result<StorePtr> OpenStore(std::string_view url, const Config& config, bool server) {
  const Engine* engine = FindEngine(url);
  if (engine == nullptr) {
    std::string known;
    for (const Engine& e : kEngines) {
      for (std::string_view scheme : e.schemes) {
        if (!known.empty()) known += ", ";
        known += scheme;
        known += ':';
      }
    }
    return ApiError::InvalidParameter("unknown --store scheme in '" + std::string(SchemeOf(url)) +
                                      ":...' (want one of " + known + ")");
  }
  return engine->open(url, config, server);
}

}  // namespace cogsync::store
