"""Turns the profiles bench/stages.sh collected into the per-stage table of docs/performance.md.

usage: stages_table.py WORK_DIR REQUESTS [before]

WORK_DIR holds, for each request kind NAME (list, describe, update, credentials): after-NAME.incl
and after-NAME.self (callgrind_annotate, inclusive and exclusive, counters zeroed before REQUESTS
requests), NAME.perfreport and NAME.perfdso (perf report --children by symbol, and by object)
and NAME.cpu ("<server CPU microseconds> <requests>" of a plain run). With "before", also
before-NAME.incl of the BASELINE binary, and a second table compares the two.
"""

import re
import sys

# (row, entry functions by qualified name). Each stage is the inclusive cost of its entry
# functions; "operation" is the handler's own work, its store calls subtracted.
STAGES = [
    ("HTTP parse (Beast parser)", ["boost::beast::http::basic_parser<true>::put"]),
    ("route (Dispatcher::Route)", ["cogsync::protocol::Dispatcher::Route"]),
    ("SigV4 verification", ["cogsync::auth::Authenticator::Authenticate"]),
    ("decode JSON + validate", ["cogsync::protocol::Dispatcher::DecodeInput"]),
    ("authorize", ["cogsync::auth::Authorize"]),
    # ListRecords writes its own body (ListRecordsBody): its encoding is in the operation's row.
    ("operation (handler minus store reads)", [
        "cogsync::sync::SyncService::ListRecords",
        "cogsync::sync::SyncService::ListRecordsBody",
        "cogsync::identity::IdentityService::DescribeIdentityPool",
        "cogsync::sync::SyncService::UpdateRecords",
        "cogsync::identity::IdentityService::GetCredentialsForIdentity"]),
    ("store reads (SqliteStore::Read: pool cache, SQLite; the dataset cache)",
     ["cogsync::store::SqliteStore::Read", "cogsync::sync::DatasetCache::Find"]),
    # The writer thread: its transactions (savepoints, statements, the commit). Not part of the
    # handler's own cost, which only waits for it.
    ("store writes (the writer thread)", ["cogsync::store::sqlite::GroupCommitter::WriterLoop"]),
    ("encode body (JSON)", ["cogsync::protocol::EncodeOutput", "cogsync::protocol::EncodeBody"]),
    ("response head", ["cogsync::http::internal::AppendResponseHead"]),
    ("request id", ["cogsync::ids::RequestId"]),
]
OPERATION = "operation (handler minus store reads)"
STORE = "store reads (SqliteStore::Read: pool cache, SQLite; the dataset cache)"
REST = "rest: socket I/O, event loop, timers, metrics"
KINDS = [("list", "ListRecords, 20 records"), ("describe", "DescribeIdentityPool"),
         ("update", "UpdateRecords (identity, 1 record)"),
         ("credentials", "GetCredentialsForIdentity")]

LINE = re.compile(r"^\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(.*)$")


def qualified(name):
    """The bare qualified name of a function as callgrind or perf prints it; None for lambdas
    and other closures, which would otherwise pass for the function that defines them."""
    name = re.sub(r"^[^ :]*:(?!:)", "", name.strip())  # callgrind's "file:" prefix
    name = name.replace("[abi:cxx11]", "")
    if "{lambda" in name:
        return None
    return name.split("(", 1)[0].strip()


def callgrind(path):
    """{function: Ir} and the program total from callgrind_annotate output.

    With debug information a function can be listed more than once: under its source file by
    absolute and by relative path, each with the whole inclusive cost, and under the headers of
    code inlined into it. The largest of its lines is the function's inclusive cost; summing them
    would count it twice."""
    costs, total = {}, None
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        ir, name = int(m.group(1).replace(",", "")), m.group(2).strip()
        if name.startswith("PROGRAM TOTALS"):
            total = ir
        elif (q := qualified(name)) is not None:
            costs[q] = max(costs.get(q, 0), ir)
    return costs, total


def perf_children(path):
    """{function: children %} from perf report --children --sort symbol."""
    shares = {}
    for line in open(path, errors="replace"):
        m = re.match(r"^\s*([\d.]+)%\s+([\d.]+)%\s+\[(.)\]\s+(.*)$", line)
        # perf pads the symbol column and may append "-  -" (no source line).
        symbol = re.sub(r"\s+-\s+-\s*$", "", m.group(4)) if m else ""
        if m and (q := qualified(symbol)) is not None:
            shares[q] = shares.get(q, 0.0) + float(m.group(1))
    return shares


def stage_costs(costs, total):
    rows = {name: sum(costs.get(f, 0) for f in functions) for name, functions in STAGES}
    rows[OPERATION] = max(0, rows[OPERATION] - rows[STORE])
    rows[REST] = total - sum(rows.values())
    rows["total"] = total
    return rows


def main():
    work, requests = sys.argv[1], int(sys.argv[2])
    baseline = len(sys.argv) > 3 and sys.argv[3] == "before"
    instr, micros, kernel, before = {}, {}, {}, {}
    for kind, _ in KINDS:
        incl, total = callgrind(f"{work}/after-{kind}.incl")
        instr[kind] = {k: v / requests for k, v in stage_costs(incl, total).items()}
        if baseline:
            incl, total = callgrind(f"{work}/before-{kind}.incl")
            before[kind] = {k: v / requests for k, v in stage_costs(incl, total).items()}
        cpu_us, done = (int(x) for x in open(f"{work}/{kind}.cpu").read().split())
        per_request = cpu_us / max(done, 1)
        rows = stage_costs(perf_children(f"{work}/{kind}.perfreport"), 100.0)
        micros[kind] = {k: v / 100.0 * per_request for k, v in rows.items()}
        kernel[kind] = sum(float(m.group(1)) for line in open(f"{work}/{kind}.perfdso", errors="replace")
                           if (m := re.match(r"^\s*([\d.]+)%\s+\[kernel", line)))
    names = [n for n, _ in STAGES] + [REST, "total"]
    print("| stage |" + "".join(f" {label}: instructions | µs |" for _, label in KINDS))
    print("| --- |" + " ---: | ---: |" * len(KINDS))
    for n in names:
        cells = "".join(f" {instr[k][n]:,.0f} | {micros[k][n]:.2f} |" for k, _ in KINDS)
        print(f"| {n} |{cells}")
    for kind, label in KINDS:
        print(f"\n{label}: kernel {kernel[kind]:.1f}% of the server's CPU samples (user-space only in "
              f"the instruction counts)")
    if baseline:
        print("\nInstructions per request, the BASELINE binary against this build (same run):\n")
        print("| request | before | after | after / before |")
        print("| --- | ---: | ---: | ---: |")
        for kind, label in KINDS:
            b, a = before[kind]["total"], instr[kind]["total"]
            print(f"| {label} | {b:,.0f} | {a:,.0f} | {a / max(b, 1):.2f} |")


if __name__ == "__main__":
    main()
