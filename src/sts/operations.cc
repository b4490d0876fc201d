#include "sts/operations.h"

#include "sts/service.h"

namespace cogsync::sts {
namespace {

struct Row {
  std::string_view action;
  bool needs_signature;
  StsService::Output (StsService::*method)(auth::RequestContext&, const boost::json::object&);
};

// AssumeRoleWithWebIdentity is unsigned at AWS (the model's auth is smithy.api#noAuth).
constexpr Row kRows[] = {
    {"AssumeRoleWithWebIdentity", false, &StsService::AssumeRoleWithWebIdentity},
    {"GetCallerIdentity", true, &StsService::GetCallerIdentity},
};

}  // namespace

std::vector<StsOperation> StsOperationTable(StsService& service) {
  std::vector<StsOperation> table;
  for (const auto& row : kRows) {
    auto method = row.method;
    table.push_back(
        StsOperation{row.action, row.needs_signature,
                     [&service, method](auth::RequestContext& ctx, const boost::json::object& in) {
                       return (service.*method)(ctx, in);
                     }});
  }
  return table;
}

}  // namespace cogsync::sts
