#pragma once
// Stores by URL. Every engine registers the URL schemes it opens in one table (registry.cc);
// `--store URL` (and every test of the store contract) goes through it, so adding an engine is
// its folder plus one line there. An engine's URL is `scheme:rest`; what `rest` means is the
// engine's (a file path for sqlite:, the whole URL for postgresql://).
//
// Thread-safe: the table is immutable.

#include <span>
#include <string_view>

#include "common/config.h"
#include "common/error.h"
#include "store/store.h"

namespace cogsync::store {

struct Engine {
  std::string_view name;                      // lower case, as in docs: "sqlite", "postgresql"
  std::string_view label;                     // one word, as in test names: "Sqlite", "Postgres"
  std::span<const std::string_view> schemes;  // what a URL starts with, before the ':'
  // Opens the store at `url` with the engine's settings from `config`. `server`: the server's
  // own store (an engine that can holds it exclusively); tools open it beside a running server.
  Result<StorePtr> (*open)(std::string_view url, const Config& config, bool server);
};

// Every registered engine, in registration order.
std::span<const Engine> Engines();
// The engine whose scheme `url` starts with; null when none.
const Engine* FindEngine(std::string_view url);
// Opens `url` with its engine. An unknown scheme is InvalidParameter naming only the scheme (a
// URL may hold a password).
Result<StorePtr> OpenStore(std::string_view url, const Config& config, bool server);

}  // namespace cogsync::store
