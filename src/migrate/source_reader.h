#pragma once
// What the migration reads from the source, one function per kind of answer, each turning the
// public API's shapes into the archive's (docs/archive.md). Paging is followed to the end except
// for ListIdentities, which the migrator pages itself (its NextToken is the checkpoint).

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "migrate/source_client.h"
#include "store/types.h"

namespace cogsync::migrate {

// Paging: a NextToken the source already gave in the same listing would page forever (a careless
// or hostile source), so it is an error naming the operation. `seen` is the listing's tokens.
Status CheckNextToken(std::unordered_set<std::string>& seen, const std::string& token,
                      std::string_view operation);

// Every pool id the source lists.
Result<std::vector<std::string>> ListPoolIds(SourceClient& source);

// The archive's pool line: DescribeIdentityPool, GetIdentityPoolRoles, the principal tag map of
// each of the pool's providers, GetIdentityPoolConfiguration, GetCognitoEvents and, with an
// account id, ListTagsForResource (else the description's IdentityPoolTags). With
// identities_only, DescribeIdentityPool alone (roles, maps, configuration and events empty).
// With `sync_refused`, a source that refuses the pool's Cognito Sync configuration (a 4xx other
// than throttling: no Cognito Sync there, or no access to it) is not an error: the answer is put
// there and the line has no Sync configuration or events. Failures that were retried stay errors.
Result<boost::json::object> ReadPoolLine(SourceClient& source, const std::string& pool_id,
                                         const std::string& account_id, int64_t now_ms,
                                         bool identities_only = false,
                                         std::string* sync_refused = nullptr);

struct SourceIdentity {
  std::string id;
  std::vector<std::string> providers;  // ListIdentities' Logins: provider names only
  int64_t created_ms = 0, modified_ms = 0;
};
struct IdentityPage {
  std::vector<SourceIdentity> identities;
  std::string next_token;  // empty: the last page
};
Result<IdentityPage> ListIdentityPage(SourceClient& source, const std::string& pool_id,
                                      const std::string& next_token, bool hide_disabled);

// LookupDeveloperIdentity's DeveloperUserIdentifierList, every page.
Result<std::vector<std::string>> DeveloperUserIds(SourceClient& source, const std::string& pool_id,
                                                  const std::string& identity_id);

// ListDatasets, every page (NumRecords, DataStorage and the dates as the source says).
Result<std::vector<store::Dataset>> ListSourceDatasets(SourceClient& source,
                                                       const std::string& pool_id,
                                                       const std::string& identity_id);

// ListRecords from SyncCount 0, every page: the records (tombstones included) and the dataset's
// SyncCount. num_records and data_storage of `dataset` are recomputed from the records.
struct DatasetCopy {
  store::Dataset dataset;
  std::vector<store::Record> records;  // ordered by key
};
Result<DatasetCopy> ReadDataset(SourceClient& source, const store::Dataset& listed);

}  // namespace cogsync::migrate
