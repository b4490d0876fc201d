#pragma once
// `cogsync import --streams FILE`: applies Cognito Streams records, as AWS Cognito Streams puts
// them on Kinesis and as cogsync's JSON-lines file sink writes them, to the store: a team that
// mirrored its AWS data to Kinesis can load it.
//
// Input: one JSON object per line (plain or gzip), each either a stream record
// ({"identityPoolId","identityId","dataSetName","operation","kinesisSyncRecords",...}), a
// Kinesis record carrying one in base64 {"Data": "..."} (the shape `aws kinesis get-records`
// prints per record), or a whole get-records answer {"Records": [...]}.
//
// Idempotent and order-insensitive, since AWS guarantees neither uniqueness nor order: a record
// is written only when its syncCount is newer than the stored one's; a dataset's SyncCount only
// grows; a `remove` deletes the dataset only if nothing newer than it was applied. The pool must
// exist; missing identities and datasets are created. Everything is applied in one transaction,
// and a bad line (unknown pool, an S3Url payload, a broken limit) refuses the whole file with
// its line number, leaving the store unchanged.

#include "archive/line_io.h"
#include "archive/progress.h"
#include "common/config.h"
#include "common/error.h"
#include "store/store.h"

namespace cogsync::archive {

struct StreamsReport {
  int64_t stream_records = 0;  // stream records read
  int64_t applied = 0;         // records written (newer than the store's)
  int64_t identities_created = 0;
  int64_t datasets_created = 0;
  int64_t datasets_deleted = 0;
};

Result<StreamsReport> ImportStreams(store::Store& store, ArchiveReader& reader,
                                    const Limits& limits, Progress& progress);

}  // namespace cogsync::archive
