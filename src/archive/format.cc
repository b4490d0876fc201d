#include "archive/format.h"

#include <algorithm>
#include <limits>

#include "common/encoding.h"
#include "common/json.h"
#include "protocol/model.h"
#include "protocol/validate.h"

namespace cogsync::archive {
namespace bj = boost::json;
namespace {

ApiError Bad(std::string message) { return ApiError::InvalidParameter(std::move(message)); }

const bj::value* Member(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

Result<std::string> Str(const bj::object& o, std::string_view key) {
  const bj::value* v = Member(o, key);
  if (v == nullptr || !v->is_string()) {
    return Bad("member '" + std::string(key) + "' must be a string");
  }
  return std::string(v->get_string());
}

// A string of 1..max bytes.
Result<std::string> NonEmpty(const bj::object& o, std::string_view key, size_t max) {
  COGSYNC_ASSIGN_OR_RETURN(std::string s, Str(o, key));
  if (s.empty() || s.size() > max) {
    return Bad("member '" + std::string(key) + "' must be 1 to " + std::to_string(max) +
               " bytes long");
  }
  return s;
}

Result<int64_t> Int(const bj::object& o, std::string_view key, int64_t min = 0) {
  const bj::value* v = Member(o, key);
  int64_t n = 0;
  if (v != nullptr && v->is_int64()) {
    n = v->get_int64();
  } else if (v != nullptr && v->is_uint64() &&
             v->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    n = static_cast<int64_t>(v->get_uint64());
  } else {
    return Bad("member '" + std::string(key) + "' must be an integer");
  }
  if (n < min)
    return Bad("member '" + std::string(key) + "' must be at least " + std::to_string(min));
  return n;
}

Result<bool> Bool(const bj::object& o, std::string_view key) {
  const bj::value* v = Member(o, key);
  if (v == nullptr || !v->is_bool()) {
    return Bad("member '" + std::string(key) + "' must be true or false");
  }
  return v->get_bool();
}

Result<bj::object> Obj(const bj::object& o, std::string_view key) {
  const bj::value* v = Member(o, key);
  if (v == nullptr || !v->is_object()) {
    return Bad("member '" + std::string(key) + "' must be an object");
  }
  return v->get_object();
}

Result<std::vector<std::string>> Strings(const bj::object& o, std::string_view key) {
  const bj::value* v = Member(o, key);
  if (v == nullptr || !v->is_array()) {
    return Bad("member '" + std::string(key) + "' must be an array of strings");
  }
  std::vector<std::string> out;
  for (const bj::value& e : v->get_array()) {
    if (!e.is_string()) return Bad("member '" + std::string(key) + "' must be an array of strings");
    out.emplace_back(e.get_string());
  }
  return out;
}

bj::array ToArray(const std::vector<std::string>& items) {
  bj::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

// The API's own validation of an operation's input (D3 messages), for configuration the archive
// carries whole: what the API would refuse, the archive may not smuggle in.
Status ValidateAs(Service service, std::string_view operation, const bj::object& input) {
  const model::ServiceModel& model =
      service == Service::kIdentity ? model::IdentityModel() : model::SyncModel();
  const model::Operation* op = model.FindOperation(operation);
  if (op == nullptr) return ApiError::InternalError("no operation " + std::string(operation));
  Status s = protocol::ValidateInput(model, *op, input, service);
  if (!s.ok()) return Bad(s.error().message());
  return OkStatus();
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

ApiError AtLine(int64_t line, const ApiError& e) {
  return ApiError(e.code(), e.sync_status(), "line " + std::to_string(line) + ": " + e.message());
}

Status CheckIdentityId(std::string_view what, std::string_view id) {
  // [\w-]+:[0-9a-f-]+, at most 55 characters (the models' IdentityId / IdentityPoolId).
  size_t colon = id.find(':');
  bool ok =
      id.size() <= 55 && colon != std::string_view::npos && colon > 0 && colon + 1 < id.size();
  for (size_t i = 0; ok && i < id.size(); ++i) {
    char c = id[i];
    if (i < colon) {
      ok = IsWordChar(c) || c == '-';
    } else if (i > colon) {
      ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
    }
  }
  if (!ok) {
    return Bad(std::string(what) + " '" + std::string(id) +
               "' does not match [\\w-]+:[0-9a-f-]+ (at most 55 characters)");
  }
  return OkStatus();
}

Status CheckDatasetName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 128;
  for (char c : name) ok = ok && (IsWordChar(c) || c == '.' || c == ':' || c == '-');
  if (!ok) {
    return Bad("dataset name '" + std::string(name) + "' does not match ^[a-zA-Z0-9_.:-]{1,128}$");
  }
  return OkStatus();
}

Status CheckRecordKeyValue(const store::Record& record, const Limits& limits) {
  if (record.key.empty() || record.key.size() > static_cast<size_t>(limits.key_bytes)) {
    return Bad("record key must be 1 to " + std::to_string(limits.key_bytes) + " UTF-8 bytes");
  }
  if (record.value && static_cast<int64_t>(record.value->size()) > limits.value_bytes) {
    return Bad("value of record '" + record.key + "' is longer than " +
               std::to_string(limits.value_bytes) + " bytes");
  }
  return OkStatus();
}

// ---- writing ------------------------------------------------------------------------------------

bj::object EncodeHeader(const Header& h) {
  return bj::object{
      {"type", kHeader},
      {"format", kFormatName},
      {"version", h.version},
      {"cogsync_version", h.cogsync_version},
      {"region", h.region},
      {"account_id", h.account_id},
      {"archive_id", h.archive_id},
      {"created_ms", h.created_ms},
      {"secrets", h.secrets},
      {"scope", bj::object{{"pools", ToArray(h.pools)}, {"identities", ToArray(h.identities)}}},
      {"counts", bj::object{{"pools", h.pool_count}}}};
}

bj::object EncodeTrailer(const Trailer& t) {
  const Counts& c = t.counts;
  return bj::object{{"type", kTrailer},
                    {"counts", bj::object{{"access_keys", c.access_keys},
                                          {"secrets", c.secrets},
                                          {"pools", c.pools},
                                          {"identities", c.identities},
                                          {"logins", c.logins},
                                          {"datasets", c.datasets},
                                          {"records", c.records},
                                          {"devices", c.devices},
                                          {"subscriptions", c.subscriptions}}},
                    {"lines", t.lines},
                    {"sha256", t.sha256}};
}

bj::object EncodeAccessKey(const store::AccessKey& k) {
  return bj::object{{"type", kAccessKey},
                    {"access_key_id", k.access_key_id},
                    {"secret_access_key", k.secret_access_key},
                    {"name", k.name},
                    {"created_ms", k.created_ms}};
}

bj::object EncodeSecret(const NamedSecret& s) {
  return bj::object{{"type", kSecret}, {"name", s.name}, {"value", encoding::Base64(s.value)}};
}

bj::object EncodePool(const PoolEntry& entry) {
  const store::Pool& p = entry.pool;
  bj::object maps;
  for (const auto& [provider, map] : entry.principal_tag_maps) maps[provider] = map;
  return bj::object{{"type", kPool},
                    {"id", p.id},
                    {"name", p.name},
                    {"developer_provider_name", p.developer_provider_name},
                    {"description", p.description},
                    {"tags", p.tags},
                    {"roles", p.roles},
                    {"role_mappings", p.role_mappings},
                    {"principal_tag_maps", std::move(maps)},
                    {"sync_config", p.sync_config},
                    {"events", p.events},
                    {"bulk_publish", p.bulk_publish},
                    {"sync_sessions", entry.sync_sessions},
                    {"created_ms", p.created_ms}};
}

bj::object EncodeIdentity(const store::Identity& i, const std::vector<std::string>& unbound) {
  bj::object out{{"type", kIdentity},
                 {"id", i.id},
                 {"pool_id", i.pool_id},
                 {"created_ms", i.created_ms},
                 {"modified_ms", i.modified_ms},
                 {"disabled", i.disabled},
                 {"merged_into", i.merged_into}};
  if (!unbound.empty()) {
    bj::array providers;
    for (const std::string& provider : unbound) providers.emplace_back(provider);
    out["unbound_logins"] = std::move(providers);
  }
  return out;
}

bj::object EncodeLogin(const store::Login& l) {
  return bj::object{{"type", kLogin},       {"identity_id", l.identity_id},
                    {"pool_id", l.pool_id}, {"provider", l.provider},
                    {"subject", l.subject}, {"linked_ms", l.linked_ms}};
}

bj::object EncodeDataset(const store::Dataset& d) {
  return bj::object{{"type", kDataset},
                    {"identity_id", d.identity_id},
                    {"name", d.name},
                    {"pool_id", d.pool_id},
                    {"sync_count", d.sync_count},
                    {"created_ms", d.created_ms},
                    {"modified_ms", d.modified_ms},
                    {"modified_by", d.modified_by},
                    {"data_storage", d.data_storage},
                    {"num_records", d.num_records},
                    {"deleted", d.deleted},
                    {"last_deleted_at", d.last_deleted_at},
                    {"merged_into_name", d.merged_into_name}};
}

bj::object EncodeRecord(std::string_view identity_id, std::string_view dataset,
                        const store::Record& r) {
  bj::object o{{"type", kRecord},
               {"identity_id", identity_id},
               {"dataset", dataset},
               {"key", r.key},
               {"value", nullptr},
               {"sync_count", r.sync_count},
               {"modified_ms", r.modified_ms},
               {"modified_by", r.modified_by},
               {"device_modified_ms", nullptr}};
  if (r.value) o["value"] = *r.value;
  if (r.device_modified_ms) o["device_modified_ms"] = *r.device_modified_ms;
  return o;
}

bj::object EncodeDevice(const store::Device& d) {
  return bj::object{{"type", kDevice},
                    {"device_id", d.device_id},
                    {"pool_id", d.pool_id},
                    {"identity_id", d.identity_id},
                    {"platform", d.platform},
                    {"token", d.token},
                    {"endpoint_arn", d.endpoint_arn},
                    {"created_ms", d.created_ms}};
}

bj::object EncodeSubscription(const store::Subscription& s) {
  return bj::object{{"type", kSubscription},
                    {"pool_id", s.pool_id},
                    {"identity_id", s.identity_id},
                    {"dataset_name", s.dataset_name},
                    {"device_id", s.device_id}};
}

// ---- reading ------------------------------------------------------------------------------------

Result<std::string> LineType(const bj::object& line) { return Str(line, "type"); }

Result<Header> DecodeHeader(const bj::object& line) {
  const bj::value* type = Member(line, "type");
  const bj::value* format = Member(line, "format");
  if (type == nullptr || !type->is_string() || type->get_string() != kHeader || format == nullptr ||
      !format->is_string() || format->get_string() != kFormatName) {
    return Bad(
        "not a cogsync archive: the first line must be its header "
        "({\"type\":\"header\",\"format\":\"cogsync-archive\",...})");
  }
  Header h;
  COGSYNC_ASSIGN_OR_RETURN(h.version, Int(line, "version", 1));
  if (h.version > kFormatVersion) {
    return Bad("archive format version " + std::to_string(h.version) +
               " is newer than this cogsync reads (" + std::to_string(kFormatVersion) +
               "); import it with a newer cogsync");
  }
  COGSYNC_ASSIGN_OR_RETURN(h.cogsync_version, Str(line, "cogsync_version"));
  COGSYNC_ASSIGN_OR_RETURN(h.region, Str(line, "region"));
  COGSYNC_ASSIGN_OR_RETURN(h.account_id, Str(line, "account_id"));
  COGSYNC_ASSIGN_OR_RETURN(h.archive_id, NonEmpty(line, "archive_id", 128));
  COGSYNC_ASSIGN_OR_RETURN(h.created_ms, Int(line, "created_ms"));
  COGSYNC_ASSIGN_OR_RETURN(h.secrets, Bool(line, "secrets"));
  COGSYNC_ASSIGN_OR_RETURN(bj::object scope, Obj(line, "scope"));
  COGSYNC_ASSIGN_OR_RETURN(h.pools, Strings(scope, "pools"));
  COGSYNC_ASSIGN_OR_RETURN(h.identities, Strings(scope, "identities"));
  COGSYNC_ASSIGN_OR_RETURN(bj::object counts, Obj(line, "counts"));
  COGSYNC_ASSIGN_OR_RETURN(h.pool_count, Int(counts, "pools"));
  return h;
}

Result<Trailer> DecodeTrailer(const bj::object& line) {
  Trailer t;
  COGSYNC_ASSIGN_OR_RETURN(bj::object c, Obj(line, "counts"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.access_keys, Int(c, "access_keys"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.secrets, Int(c, "secrets"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.pools, Int(c, "pools"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.identities, Int(c, "identities"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.logins, Int(c, "logins"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.datasets, Int(c, "datasets"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.records, Int(c, "records"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.devices, Int(c, "devices"));
  COGSYNC_ASSIGN_OR_RETURN(t.counts.subscriptions, Int(c, "subscriptions"));
  COGSYNC_ASSIGN_OR_RETURN(t.lines, Int(line, "lines", 1));
  COGSYNC_ASSIGN_OR_RETURN(t.sha256, Str(line, "sha256"));
  return t;
}

Result<store::AccessKey> DecodeAccessKey(const bj::object& line) {
  store::AccessKey k;
  COGSYNC_ASSIGN_OR_RETURN(k.access_key_id, NonEmpty(line, "access_key_id", 128));
  COGSYNC_ASSIGN_OR_RETURN(k.secret_access_key, NonEmpty(line, "secret_access_key", 256));
  COGSYNC_ASSIGN_OR_RETURN(k.name, NonEmpty(line, "name", 128));
  COGSYNC_ASSIGN_OR_RETURN(k.created_ms, Int(line, "created_ms"));
  return k;
}

Result<NamedSecret> DecodeSecret(const bj::object& line) {
  NamedSecret s;
  COGSYNC_ASSIGN_OR_RETURN(s.name, NonEmpty(line, "name", 64));
  for (char c : s.name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return Bad("secret name '" + s.name + "' must be lower-case letters, digits and '-'");
    }
  }
  COGSYNC_ASSIGN_OR_RETURN(std::string value, Str(line, "value"));
  auto decoded = encoding::Base64Decode(value);
  if (!decoded || decoded->empty()) return Bad("secret '" + s.name + "': value is not base64");
  s.value = std::move(*decoded);
  return s;
}

Result<PoolEntry> DecodePool(const bj::object& line) {
  PoolEntry e;
  store::Pool& p = e.pool;
  COGSYNC_ASSIGN_OR_RETURN(p.id, Str(line, "id"));
  COGSYNC_RETURN_IF_ERROR(CheckIdentityId("pool id", p.id));
  COGSYNC_ASSIGN_OR_RETURN(p.name, Str(line, "name"));
  COGSYNC_ASSIGN_OR_RETURN(p.developer_provider_name, Str(line, "developer_provider_name"));
  COGSYNC_ASSIGN_OR_RETURN(p.description, Obj(line, "description"));
  COGSYNC_ASSIGN_OR_RETURN(p.tags, Obj(line, "tags"));
  COGSYNC_ASSIGN_OR_RETURN(p.roles, Obj(line, "roles"));
  COGSYNC_ASSIGN_OR_RETURN(p.role_mappings, Obj(line, "role_mappings"));
  COGSYNC_ASSIGN_OR_RETURN(bj::object maps, Obj(line, "principal_tag_maps"));
  COGSYNC_ASSIGN_OR_RETURN(p.sync_config, Obj(line, "sync_config"));
  COGSYNC_ASSIGN_OR_RETURN(p.events, Obj(line, "events"));
  COGSYNC_ASSIGN_OR_RETURN(p.bulk_publish, Obj(line, "bulk_publish"));
  COGSYNC_ASSIGN_OR_RETURN(e.sync_sessions, Int(line, "sync_sessions"));
  COGSYNC_ASSIGN_OR_RETURN(p.created_ms, Int(line, "created_ms"));

  // The pool's settings must be what the API itself would accept.
  if (json::GetString(p.description, "IdentityPoolId").value_or("") != p.id ||
      json::GetString(p.description, "IdentityPoolName").value_or("") != p.name ||
      json::GetString(p.description, "DeveloperProviderName").value_or("") !=
          p.developer_provider_name) {
    return Bad("pool " + p.id +
               ": description's IdentityPoolId, IdentityPoolName and DeveloperProviderName "
               "must match the pool's id, name and developer_provider_name");
  }
  bj::object create = p.description;
  create.erase("IdentityPoolId");
  create["IdentityPoolTags"] = p.tags;
  COGSYNC_RETURN_IF_ERROR(ValidateAs(Service::kIdentity, "CreateIdentityPool", create));
  bj::object roles{{"IdentityPoolId", p.id}, {"Roles", p.roles}};
  if (!p.role_mappings.empty()) roles["RoleMappings"] = p.role_mappings;
  COGSYNC_RETURN_IF_ERROR(ValidateAs(Service::kIdentity, "SetIdentityPoolRoles", roles));
  for (const auto& [provider, map] : maps) {
    if (!map.is_object())
      return Bad("principal tag map '" + std::string(provider) + "' must be an object");
    bj::object input = map.get_object();
    input["IdentityPoolId"] = p.id;
    input["IdentityProviderName"] = provider;
    COGSYNC_RETURN_IF_ERROR(ValidateAs(Service::kIdentity, "SetPrincipalTagAttributeMap", input));
    e.principal_tag_maps.emplace_back(std::string(provider), map.get_object());
  }
  bj::object config = p.sync_config;
  config["IdentityPoolId"] = p.id;
  COGSYNC_RETURN_IF_ERROR(ValidateAs(Service::kSync, "SetIdentityPoolConfiguration", config));
  COGSYNC_RETURN_IF_ERROR(ValidateAs(Service::kSync, "SetCognitoEvents",
                                     bj::object{{"IdentityPoolId", p.id}, {"Events", p.events}}));
  return e;
}

Result<store::Identity> DecodeIdentity(const bj::object& line) {
  store::Identity i;
  COGSYNC_ASSIGN_OR_RETURN(i.id, Str(line, "id"));
  COGSYNC_RETURN_IF_ERROR(CheckIdentityId("identity id", i.id));
  COGSYNC_ASSIGN_OR_RETURN(i.pool_id, Str(line, "pool_id"));
  COGSYNC_ASSIGN_OR_RETURN(i.created_ms, Int(line, "created_ms"));
  COGSYNC_ASSIGN_OR_RETURN(i.modified_ms, Int(line, "modified_ms"));
  COGSYNC_ASSIGN_OR_RETURN(i.disabled, Bool(line, "disabled"));
  COGSYNC_ASSIGN_OR_RETURN(i.merged_into, Str(line, "merged_into"));
  if (!i.merged_into.empty()) {
    COGSYNC_RETURN_IF_ERROR(CheckIdentityId("merged_into", i.merged_into));
  }
  return i;
}

Result<std::vector<std::string>> DecodeUnboundLogins(const bj::object& line) {
  std::vector<std::string> out;
  const bj::value* member = line.if_contains("unbound_logins");
  if (member == nullptr) return out;
  if (!member->is_array()) return Bad("unbound_logins must be an array of provider names");
  for (const bj::value& v : member->get_array()) {
    if (!v.is_string() || v.get_string().empty() || v.get_string().size() > 128) {
      return Bad("unbound_logins must hold provider names of 1-128 characters");
    }
    std::string provider(v.get_string());
    if (std::find(out.begin(), out.end(), provider) != out.end()) {
      return Bad("unbound_logins names provider '" + provider + "' twice");
    }
    out.push_back(std::move(provider));
  }
  return out;
}

Result<store::Login> DecodeLogin(const bj::object& line) {
  store::Login l;
  COGSYNC_ASSIGN_OR_RETURN(l.identity_id, Str(line, "identity_id"));
  COGSYNC_ASSIGN_OR_RETURN(l.pool_id, Str(line, "pool_id"));
  // Logins map keys are 1-128 characters; developer user identifiers 1-1024.
  COGSYNC_ASSIGN_OR_RETURN(l.provider, NonEmpty(line, "provider", 128));
  COGSYNC_ASSIGN_OR_RETURN(l.subject, NonEmpty(line, "subject", 4096));
  COGSYNC_ASSIGN_OR_RETURN(l.linked_ms, Int(line, "linked_ms"));
  return l;
}

Result<store::Dataset> DecodeDataset(const bj::object& line) {
  store::Dataset d;
  COGSYNC_ASSIGN_OR_RETURN(d.identity_id, Str(line, "identity_id"));
  COGSYNC_ASSIGN_OR_RETURN(d.name, Str(line, "name"));
  COGSYNC_RETURN_IF_ERROR(CheckDatasetName(d.name));
  COGSYNC_ASSIGN_OR_RETURN(d.pool_id, Str(line, "pool_id"));
  COGSYNC_ASSIGN_OR_RETURN(d.sync_count, Int(line, "sync_count"));
  COGSYNC_ASSIGN_OR_RETURN(d.created_ms, Int(line, "created_ms"));
  COGSYNC_ASSIGN_OR_RETURN(d.modified_ms, Int(line, "modified_ms"));
  COGSYNC_ASSIGN_OR_RETURN(d.modified_by, Str(line, "modified_by"));
  COGSYNC_ASSIGN_OR_RETURN(d.data_storage, Int(line, "data_storage"));
  COGSYNC_ASSIGN_OR_RETURN(d.num_records, Int(line, "num_records"));
  COGSYNC_ASSIGN_OR_RETURN(d.deleted, Bool(line, "deleted"));
  COGSYNC_ASSIGN_OR_RETURN(d.last_deleted_at, Int(line, "last_deleted_at"));
  COGSYNC_ASSIGN_OR_RETURN(d.merged_into_name, Str(line, "merged_into_name"));
  if (!d.merged_into_name.empty()) COGSYNC_RETURN_IF_ERROR(CheckDatasetName(d.merged_into_name));
  if (d.last_deleted_at > d.sync_count) {
    return Bad("dataset '" + d.name + "': last_deleted_at is after its sync_count");
  }
  if (d.deleted && (d.num_records != 0 || d.data_storage != 0)) {
    return Bad("dataset '" + d.name + "' is deleted but counts live records");
  }
  return d;
}

Result<RecordLine> DecodeRecord(const bj::object& line, const Limits& limits) {
  RecordLine r;
  COGSYNC_ASSIGN_OR_RETURN(r.identity_id, Str(line, "identity_id"));
  COGSYNC_ASSIGN_OR_RETURN(r.dataset, Str(line, "dataset"));
  COGSYNC_ASSIGN_OR_RETURN(r.record.key, Str(line, "key"));
  const bj::value* value = Member(line, "value");
  if (value == nullptr || !(value->is_null() || value->is_string())) {
    return Bad("member 'value' must be a string, or null for a tombstone");
  }
  if (value->is_string()) r.record.value = std::string(value->get_string());
  COGSYNC_ASSIGN_OR_RETURN(r.record.sync_count, Int(line, "sync_count"));
  COGSYNC_ASSIGN_OR_RETURN(r.record.modified_ms, Int(line, "modified_ms"));
  COGSYNC_ASSIGN_OR_RETURN(r.record.modified_by, Str(line, "modified_by"));
  const bj::value* device = Member(line, "device_modified_ms");
  if (device != nullptr && !device->is_null()) {
    COGSYNC_ASSIGN_OR_RETURN(r.record.device_modified_ms, Int(line, "device_modified_ms"));
  }
  COGSYNC_RETURN_IF_ERROR(CheckRecordKeyValue(r.record, limits));
  return r;
}

Result<store::Device> DecodeDevice(const bj::object& line) {
  store::Device d;
  COGSYNC_ASSIGN_OR_RETURN(d.device_id, NonEmpty(line, "device_id", 256));
  COGSYNC_ASSIGN_OR_RETURN(d.pool_id, Str(line, "pool_id"));
  COGSYNC_ASSIGN_OR_RETURN(d.identity_id, Str(line, "identity_id"));
  COGSYNC_ASSIGN_OR_RETURN(d.platform, Str(line, "platform"));
  COGSYNC_ASSIGN_OR_RETURN(d.token, Str(line, "token"));
  COGSYNC_ASSIGN_OR_RETURN(d.endpoint_arn, Str(line, "endpoint_arn"));
  COGSYNC_ASSIGN_OR_RETURN(d.created_ms, Int(line, "created_ms"));
  COGSYNC_RETURN_IF_ERROR(ValidateAs(Service::kSync, "RegisterDevice",
                                     bj::object{{"IdentityPoolId", d.pool_id},
                                                {"IdentityId", d.identity_id},
                                                {"Platform", d.platform},
                                                {"Token", d.token}}));
  return d;
}

Result<store::Subscription> DecodeSubscription(const bj::object& line) {
  store::Subscription s;
  COGSYNC_ASSIGN_OR_RETURN(s.pool_id, Str(line, "pool_id"));
  COGSYNC_ASSIGN_OR_RETURN(s.identity_id, Str(line, "identity_id"));
  COGSYNC_ASSIGN_OR_RETURN(s.dataset_name, Str(line, "dataset_name"));
  COGSYNC_RETURN_IF_ERROR(CheckDatasetName(s.dataset_name));
  COGSYNC_ASSIGN_OR_RETURN(s.device_id, NonEmpty(line, "device_id", 256));
  return s;
}

}  // namespace cogsync::archive
