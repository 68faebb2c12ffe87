"""Prints annlab vs hnswlib side by side from the two JSON files written by `run.sh`.

For every dataset and M: recall of both at each ef (must agree within ±0.02), the build-time
ratio, the QPS ratio at equal ef and the QPS at recall@10 = 0.95 interpolated on both curves.
Ratios are annlab / hnswlib (build: lower is better; QPS: higher is better). CPU-time ratios
are shown next to wall-clock ones because the machine is shared. hnswlib's per-query QPS goes
through one Python call per query; the `native` columns use hnswlib's own C++ loop over the
same queries (`knn_query` of the whole batch with one thread, still one query at a time), which
removes that overhead and is the stricter comparison.
"""
import json
import sys

TOLERANCE = 0.02
TARGET_RECALL = 0.95


def interpolate_qps(points, key, target=TARGET_RECALL):
    """QPS at `target` recall, linear in recall between the two bracketing points."""
    pts = sorted(points, key=lambda p: p["recall"])
    for lo, hi in zip(pts, pts[1:]):
        if lo["recall"] <= target <= hi["recall"] and lo.get(key) and hi.get(key):
            if hi["recall"] == lo["recall"]:
                return max(lo[key], hi[key])
            t = (target - lo["recall"]) / (hi["recall"] - lo["recall"])
            return lo[key] + t * (hi[key] - lo[key])
    if pts and pts[0]["recall"] >= target:
        return pts[0].get(key)  # already above target at the smallest ef
    return None


def fmt(x, spec=".2f"):
    return "n/a" if x is None else format(x, spec)


def ratio(a, b):
    return a / b if a and b else None


def best_of(paths):
    """Merges rounds: per (dataset, M), the fastest build and the fastest QPS at each ef
    (recall is deterministic for annlab and nearly so for hnswlib; the first round's is kept)."""
    merged = {}
    for path in paths:
        for r in json.load(open(path)):
            key = (r["dataset"], r["m"])
            if key not in merged:
                merged[key] = r
                continue
            m = merged[key]
            for f in ("build_seconds", "build_cpu_seconds"):
                if r.get(f) is not None and (m.get(f) is None or r[f] < m[f]):
                    m[f] = r[f]
            for p, q in zip(m["points"], r["points"]):
                for f in ("qps", "qps_cpu", "qps_native", "qps_native_cpu"):
                    if q.get(f) is not None and (p.get(f) is None or q[f] > p[f]):
                        p[f] = q[f]
    return merged


def main(ours_paths, theirs_paths):
    ours = list(best_of(ours_paths).values())
    theirs = best_of(theirs_paths)
    ok = True
    summary = []
    for o in ours:
        t = theirs.get((o["dataset"], o["m"]))
        if t is None:
            continue
        print(f"\n### {o['dataset']}  M={o['m']}  efC={o['ef_construction']}")
        print("| ef | recall annlab | recall hnswlib | diff | QPS annlab | QPS hnswlib | QPS ratio (wall) | QPS ratio (cpu) | QPS ratio (cpu, native loop) |")
        print("|---|---|---|---|---|---|---|---|---|")
        tp = {p["ef"]: p for p in t["points"]}
        for p in o["points"]:
            q = tp.get(p["ef"])
            if q is None:
                continue
            diff = p["recall"] - q["recall"]
            flag = "" if abs(diff) <= TOLERANCE else "  <-- outside ±0.02"
            ok &= abs(diff) <= TOLERANCE
            print(f"| {p['ef']} | {p['recall']:.3f} | {q['recall']:.3f} | {diff:+.3f}{flag} | "
                  f"{p['qps']:.0f} | {q['qps']:.0f} | {fmt(ratio(p['qps'], q['qps']))} | "
                  f"{fmt(ratio(p.get('qps_cpu'), q.get('qps_cpu')))} | "
                  f"{fmt(ratio(p.get('qps_cpu'), q.get('qps_native_cpu')))} |")
        b_wall = ratio(o["build_seconds"], t["build_seconds"])
        b_cpu = ratio(o.get("build_cpu_seconds"), t.get("build_cpu_seconds"))
        print(f"build: annlab {o['build_seconds']:.2f}s (cpu {fmt(o.get('build_cpu_seconds'))}s), "
              f"hnswlib {t['build_seconds']:.2f}s (cpu {fmt(t.get('build_cpu_seconds'))}s); "
              f"ratio wall {fmt(b_wall)}, cpu {fmt(b_cpu)} (target <= 1.2)")
        for key, tkey, label in (("qps", "qps", "wall"), ("qps_cpu", "qps_cpu", "cpu"),
                                 ("qps_cpu", "qps_native_cpu", "cpu vs hnswlib native loop")):
            a = interpolate_qps(o["points"], key)
            b = interpolate_qps(t["points"], tkey)
            print(f"QPS at recall@10 = {TARGET_RECALL} ({label}): annlab {fmt(a, '.0f')}, "
                  f"hnswlib {fmt(b, '.0f')}, ratio {fmt(ratio(a, b))} (target >= 0.9)")
        summary.append((o["dataset"], o["m"], b_wall, b_cpu,
                        ratio(interpolate_qps(o["points"], "qps"), interpolate_qps(t["points"], "qps")),
                        ratio(interpolate_qps(o["points"], "qps_cpu"), interpolate_qps(t["points"], "qps_cpu")),
                        ratio(interpolate_qps(o["points"], "qps_cpu"),
                              interpolate_qps(t["points"], "qps_native_cpu"))))
    print("\n### summary (annlab / hnswlib)")
    print("| dataset | M | build ratio wall | build ratio cpu | QPS@0.95 ratio wall | QPS@0.95 ratio cpu | QPS@0.95 ratio cpu vs native loop |")
    print("|---|---|---|---|---|---|---|")
    for ds, m, bw, bc, qw, qc, qn in summary:
        print(f"| {ds} | {m} | {fmt(bw)} | {fmt(bc)} | {fmt(qw)} | {fmt(qc)} | {fmt(qn)} |")
    print(f"\nrecall agreement within ±{TOLERANCE}: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    # compare.py annlab_r1.json[,annlab_r2.json...] hnswlib_r1.json[,hnswlib_r2.json...]
    sys.exit(main(sys.argv[1].split(","), sys.argv[2].split(",")))
