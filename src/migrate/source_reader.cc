#include "migrate/source_reader.h"

#include <algorithm>

#include "common/encoding.h"
#include "common/json.h"

namespace cogsync::migrate {
namespace bj = boost::json;
namespace {

constexpr int kIdentityPage = 60;   // ListIdentities' MaxResults ceiling
constexpr int kDatasetPage = 64;    // ListDatasets
constexpr int kRecordPage = 1024;   // ListRecords
constexpr int kDeveloperPage = 60;  // LookupDeveloperIdentity
constexpr int kPoolPage = 60;       // ListIdentityPools

std::string Enc(std::string_view s) { return encoding::UriEncode(s, false); }

std::string IdentityPath(const std::string& pool_id, const std::string& identity_id) {
  return "/identitypools/" + Enc(pool_id) + "/identities/" + Enc(identity_id);
}

std::string Str(const bj::object& o, std::string_view key) {
  return json::GetString(o, key).value_or("");
}

// The provider names a pool accepts logins from (the keys of its principal tag maps).
std::vector<std::string> Providers(const bj::object& pool) {
  std::vector<std::string> out;
  if (const bj::object* supported = json::GetObject(pool, "SupportedLoginProviders")) {
    for (const auto& [name, value] : *supported) out.emplace_back(name);
  }
  for (std::string_view key : {"OpenIdConnectProviderARNs", "SamlProviderARNs"}) {
    if (const bj::array* arns = json::GetArray(pool, key)) {
      for (const bj::value& arn : *arns) {
        if (arn.is_string()) out.emplace_back(arn.get_string());
      }
    }
  }
  if (const bj::array* cognito = json::GetArray(pool, "CognitoIdentityProviders")) {
    for (const bj::value& p : *cognito) {
      if (p.is_object()) out.push_back(Str(p.get_object(), "ProviderName"));
    }
  }
  return out;
}

}  // namespace

Status CheckNextToken(std::unordered_set<std::string>& seen, const std::string& token,
                      std::string_view operation) {
  if (token.empty() || seen.insert(token).second) return OkStatus();
  return ApiError::ExternalService("the source's " + std::string(operation) +
                                   " gave a NextToken it had given before: its listing would "
                                   "never end");
}

Result<std::vector<std::string>> ListPoolIds(SourceClient& source) {
  std::vector<std::string> out;
  std::string next;
  std::unordered_set<std::string> seen;
  do {
    bj::object input{{"MaxResults", kPoolPage}};
    if (!next.empty()) input["NextToken"] = next;
    COGSYNC_ASSIGN_OR_RETURN(bj::object page, source.Identity("ListIdentityPools", input));
    if (const bj::array* pools = json::GetArray(page, "IdentityPools")) {
      for (const bj::value& p : *pools) {
        if (p.is_object()) out.push_back(Str(p.get_object(), "IdentityPoolId"));
      }
    }
    next = Str(page, "NextToken");
    COGSYNC_RETURN_IF_ERROR(CheckNextToken(seen, next, "ListIdentityPools"));
  } while (!next.empty());
  return out;
}

Result<bj::object> ReadPoolLine(SourceClient& source, const std::string& pool_id,
                                const std::string& account_id, int64_t now_ms, bool identities_only,
                                std::string* sync_refused) {
  const bj::object id{{"IdentityPoolId", pool_id}};
  COGSYNC_ASSIGN_OR_RETURN(bj::object description, source.Identity("DescribeIdentityPool", id));
  bj::object tags;
  if (const bj::object* t = json::GetObject(description, "IdentityPoolTags")) tags = *t;
  description.erase("IdentityPoolTags");
  description.erase("ResponseMetadata");
  bj::object line{{"type", "pool"},
                  {"id", pool_id},
                  {"name", Str(description, "IdentityPoolName")},
                  {"developer_provider_name", Str(description, "DeveloperProviderName")},
                  {"roles", bj::object()},
                  {"role_mappings", bj::object()},
                  {"principal_tag_maps", bj::object()},
                  {"sync_config", bj::object()},
                  {"events", bj::object()},
                  {"bulk_publish", bj::object()},
                  {"sync_sessions", 0},
                  {"created_ms", now_ms}};
  if (identities_only) {
    line["description"] = std::move(description);
    line["tags"] = std::move(tags);
    return line;
  }
  if (!account_id.empty()) {
    const std::string region = pool_id.substr(0, pool_id.find(':'));
    COGSYNC_ASSIGN_OR_RETURN(
        bj::object listed,
        source.Identity("ListTagsForResource",
                        bj::object{{"ResourceArn", "arn:aws:cognito-identity:" + region + ":" +
                                                       account_id + ":identitypool/" + pool_id}}));
    if (const bj::object* t = json::GetObject(listed, "Tags")) tags = *t;
  }
  COGSYNC_ASSIGN_OR_RETURN(bj::object roles, source.Identity("GetIdentityPoolRoles", id));
  bj::object maps;
  for (const std::string& provider : Providers(description)) {
    COGSYNC_ASSIGN_OR_RETURN(bj::object map,
                             source.Identity("GetPrincipalTagAttributeMap",
                                             bj::object{{"IdentityPoolId", pool_id},
                                                        {"IdentityProviderName", provider}}));
    const bool use_defaults = json::GetBool(map, "UseDefaults").value_or(false);
    const bj::object* principal_tags = json::GetObject(map, "PrincipalTags");
    // An unset map reads as no defaults and no tags: nothing to copy.
    if (!use_defaults && (principal_tags == nullptr || principal_tags->empty())) continue;
    maps[provider] =
        bj::object{{"UseDefaults", use_defaults},
                   {"PrincipalTags", principal_tags != nullptr ? *principal_tags : bj::object()}};
  }
  line["description"] = std::move(description);
  line["tags"] = std::move(tags);
  const bj::object* role_map = json::GetObject(roles, "Roles");
  const bj::object* role_mappings = json::GetObject(roles, "RoleMappings");
  line["roles"] = role_map != nullptr ? *role_map : bj::object();
  line["role_mappings"] = role_mappings != nullptr ? *role_mappings : bj::object();
  line["principal_tag_maps"] = std::move(maps);

  const std::string pool_path = "/identitypools/" + Enc(pool_id);
  auto config = source.SyncGet(pool_path + "/configuration", "");
  if (!config.ok()) {
    if (sync_refused == nullptr || !IsRefusal(config.error())) return config.error();
    *sync_refused = config.error().message();
    return line;
  }
  bj::object sync_config;
  for (std::string_view key : {"PushSync", "CognitoStreams"}) {
    if (const bj::object* part = json::GetObject(*config, key)) sync_config[key] = *part;
  }
  COGSYNC_ASSIGN_OR_RETURN(bj::object events, source.SyncGet(pool_path + "/events", ""));
  const bj::object* event_map = json::GetObject(events, "Events");
  line["sync_config"] = std::move(sync_config);
  line["events"] = event_map != nullptr ? *event_map : bj::object();
  return line;
}

Result<IdentityPage> ListIdentityPage(SourceClient& source, const std::string& pool_id,
                                      const std::string& next_token, bool hide_disabled) {
  bj::object input{
      {"IdentityPoolId", pool_id}, {"MaxResults", kIdentityPage}, {"HideDisabled", hide_disabled}};
  if (!next_token.empty()) input["NextToken"] = next_token;
  COGSYNC_ASSIGN_OR_RETURN(bj::object answer, source.Identity("ListIdentities", input));
  IdentityPage page;
  page.next_token = Str(answer, "NextToken");
  if (const bj::array* identities = json::GetArray(answer, "Identities")) {
    for (const bj::value& v : *identities) {
      if (!v.is_object()) continue;
      const bj::object& o = v.get_object();
      SourceIdentity identity;
      identity.id = Str(o, "IdentityId");
      identity.created_ms = json::GetTimestampMillis(o, "CreationDate").value_or(0);
      identity.modified_ms =
          json::GetTimestampMillis(o, "LastModifiedDate").value_or(identity.created_ms);
      if (const bj::array* logins = json::GetArray(o, "Logins")) {
        for (const bj::value& login : *logins) {
          if (login.is_string()) identity.providers.emplace_back(login.get_string());
        }
      }
      page.identities.push_back(std::move(identity));
    }
  }
  return page;
}

Result<std::vector<std::string>> DeveloperUserIds(SourceClient& source, const std::string& pool_id,
                                                  const std::string& identity_id) {
  std::vector<std::string> out;
  std::string next;
  std::unordered_set<std::string> seen;
  do {
    bj::object input{
        {"IdentityPoolId", pool_id}, {"IdentityId", identity_id}, {"MaxResults", kDeveloperPage}};
    if (!next.empty()) input["NextToken"] = next;
    auto looked_up = source.Identity("LookupDeveloperIdentity", input);
    // A disabled (merged) identity has no developer user of its own any more.
    if (!looked_up.ok() && looked_up.error().code() == "ResourceNotFoundException") break;
    COGSYNC_ASSIGN_OR_RETURN(bj::object answer, std::move(looked_up));
    if (const bj::array* users = json::GetArray(answer, "DeveloperUserIdentifierList")) {
      for (const bj::value& u : *users) {
        if (u.is_string()) out.emplace_back(u.get_string());
      }
    }
    next = Str(answer, "NextToken");
    COGSYNC_RETURN_IF_ERROR(CheckNextToken(seen, next, "LookupDeveloperIdentity"));
  } while (!next.empty());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<store::Dataset>> ListSourceDatasets(SourceClient& source,
                                                       const std::string& pool_id,
                                                       const std::string& identity_id) {
  std::vector<store::Dataset> out;
  std::string next;
  std::unordered_set<std::string> seen;
  do {
    std::string query = "maxResults=" + std::to_string(kDatasetPage);
    if (!next.empty()) query += "&nextToken=" + Enc(next);
    COGSYNC_ASSIGN_OR_RETURN(
        bj::object answer, source.SyncGet(IdentityPath(pool_id, identity_id) + "/datasets", query));
    if (const bj::array* datasets = json::GetArray(answer, "Datasets")) {
      for (const bj::value& v : *datasets) {
        if (!v.is_object()) continue;
        const bj::object& o = v.get_object();
        store::Dataset d;
        d.identity_id = identity_id;
        d.pool_id = pool_id;
        d.name = Str(o, "DatasetName");
        d.created_ms = json::GetTimestampMillis(o, "CreationDate").value_or(0);
        d.modified_ms = json::GetTimestampMillis(o, "LastModifiedDate").value_or(d.created_ms);
        d.modified_by = Str(o, "LastModifiedBy");
        d.num_records = json::GetInt(o, "NumRecords").value_or(0);
        d.data_storage = json::GetInt(o, "DataStorage").value_or(0);
        out.push_back(std::move(d));
      }
    }
    next = Str(answer, "NextToken");
    COGSYNC_RETURN_IF_ERROR(CheckNextToken(seen, next, "ListDatasets"));
  } while (!next.empty());
  std::sort(out.begin(), out.end(),
            [](const store::Dataset& a, const store::Dataset& b) { return a.name < b.name; });
  return out;
}

Result<DatasetCopy> ReadDataset(SourceClient& source, const store::Dataset& listed) {
  DatasetCopy copy;
  copy.dataset = listed;
  copy.dataset.num_records = 0;
  copy.dataset.data_storage = 0;
  const std::string path = IdentityPath(listed.pool_id, listed.identity_id) + "/datasets/" +
                           Enc(listed.name) + "/records";
  std::string next;
  std::unordered_set<std::string> seen;
  do {
    std::string query = "lastSyncCount=0&maxResults=" + std::to_string(kRecordPage);
    if (!next.empty()) query += "&nextToken=" + Enc(next);
    COGSYNC_ASSIGN_OR_RETURN(bj::object answer, source.SyncGet(path, query));
    copy.dataset.sync_count =
        std::max(copy.dataset.sync_count, json::GetInt(answer, "DatasetSyncCount").value_or(0));
    if (auto by = json::GetString(answer, "LastModifiedBy"); by && !by->empty()) {
      copy.dataset.modified_by = *by;
    }
    if (const bj::array* records = json::GetArray(answer, "Records")) {
      for (const bj::value& v : *records) {
        if (!v.is_object()) continue;
        const bj::object& o = v.get_object();
        store::Record r;
        r.key = Str(o, "Key");
        if (auto value = json::GetString(o, "Value")) r.value = *value;
        r.sync_count = json::GetInt(o, "SyncCount").value_or(0);
        r.modified_ms = json::GetTimestampMillis(o, "LastModifiedDate").value_or(0);
        r.modified_by = Str(o, "LastModifiedBy");
        r.device_modified_ms = json::GetTimestampMillis(o, "DeviceLastModifiedDate");
        copy.records.push_back(std::move(r));
      }
    }
    next = Str(answer, "NextToken");
    COGSYNC_RETURN_IF_ERROR(CheckNextToken(seen, next, "ListRecords"));
  } while (!next.empty());
  // A record may show on two pages if it changed in between: keep its latest version.
  std::stable_sort(copy.records.begin(), copy.records.end(),
                   [](const store::Record& a, const store::Record& b) {
                     return a.key != b.key ? a.key < b.key : a.sync_count > b.sync_count;
                   });
  copy.records.erase(
      std::unique(copy.records.begin(), copy.records.end(),
                  [](const store::Record& a, const store::Record& b) { return a.key == b.key; }),
      copy.records.end());
  for (const store::Record& r : copy.records) {
    copy.dataset.sync_count = std::max(copy.dataset.sync_count, r.sync_count);
    if (!r.value) continue;
    ++copy.dataset.num_records;
    copy.dataset.data_storage += static_cast<int64_t>(r.key.size() + r.value->size());
  }
  return copy;
}

}  // namespace cogsync::migrate
