#!/usr/bin/env python3
"""Another pool's latency while one pool's SyncTrigger hangs (issue 13, finding 5).

For each binary given: a server whose "slow" pool has a SyncTrigger answering after
--trigger-seconds, 64 (--concurrency) UpdateRecords kept in flight on that pool with identity
credentials, and meanwhile a well-behaved client of another pool doing UpdateRecords and GetId
one after another. Prints that client's p50 before the attack and during it, per binary, and the
ratio of each binary's "during" p50 to the first binary's. Rounds alternate the binaries so that
drift on a shared machine hits both alike; the figures are the medians over rounds.

Usage:
  python3 bench/slow_trigger.py BASELINE_BINARY NEW_BINARY [--rounds 2] [--requests 20]
"""

import argparse
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "compat"))

from support.slow_trigger import SlowTriggerScenario, p50  # noqa: E402


def one_run(binary, args):
    scenario = SlowTriggerScenario(binary=binary, trigger_seconds=args.trigger_seconds).start()
    try:
        before = scenario.quiet_latencies(args.requests, budget_seconds=60)
        with scenario.attack(concurrency=args.concurrency) as attack:
            during = scenario.quiet_latencies(args.requests, budget_seconds=args.budget)
        return {"before_update": p50(before[0]), "before_get_id": p50(before[1]),
                "during_update": p50(during[0]), "during_get_id": p50(during[1]),
                "answered": len(during[0]), "outcomes": attack.counts}
    finally:
        scenario.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+", help="cogsync binaries to compare (first: baseline)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20,
                        help="UpdateRecords and GetId each, before and during the attack")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--trigger-seconds", type=float, default=2.0)
    parser.add_argument("--budget", type=float, default=90.0,
                        help="seconds the quiet client may spend during the attack")
    args = parser.parse_args()

    results = {b: [] for b in args.binaries}
    for round_no in range(args.rounds):
        for binary in args.binaries:
            r = one_run(binary, args)
            results[binary].append(r)
            print(f"round {round_no + 1} {binary}: UpdateRecords p50 "
                  f"{r['before_update'] * 1000:.1f} -> {r['during_update'] * 1000:.1f} ms, GetId "
                  f"p50 {r['before_get_id'] * 1000:.1f} -> {r['during_get_id'] * 1000:.1f} ms "
                  f"({r['answered']} answered during the attack; slow pool: {r['outcomes']})",
                  flush=True)

    def median(binary, key):
        return statistics.median(r[key] for r in results[binary])

    base = args.binaries[0]
    print(f"\nquiet pool p50 (ms) over {args.rounds} round(s), {args.concurrency} UpdateRecords in "
          f"flight on a pool whose trigger takes {args.trigger_seconds:g} s:")
    print(f"{'binary':<40} {'Update before':>14} {'Update during':>14} {'GetId before':>13} "
          f"{'GetId during':>13} {'during/base':>12}")
    for binary in args.binaries:
        ratio_u = median(binary, "during_update") / median(base, "during_update")
        ratio_g = median(binary, "during_get_id") / median(base, "during_get_id")
        print(f"{binary:<40} {median(binary, 'before_update') * 1000:>14.1f} "
              f"{median(binary, 'during_update') * 1000:>14.1f} "
              f"{median(binary, 'before_get_id') * 1000:>13.1f} "
              f"{median(binary, 'during_get_id') * 1000:>13.1f} "
              f"{ratio_u:>5.3f}/{ratio_g:<5.3f}")


if __name__ == "__main__":
    main()
