#!/usr/bin/env python3
"""Checks a Chrome Trace Event Format file (what `flightprof convert -f chrome`
writes) against the format's rules, and optionally that expected events are in it.

The rules (Trace Event Format document, as chrome://tracing and Perfetto read it):
  - the file is JSON: an object with a "traceEvents" array (optional
    "displayTimeUnit" of "ms" or "ns"), or a bare array of events;
  - every event is an object with a known one-letter "ph", integer "pid" and "tid";
  - every non-metadata event has a finite numeric "ts" (microseconds), here also
    non-negative because flightprof rebases times to the window start;
  - "X" (complete) events have a finite "dur" >= 0, and on one thread they nest
    perfectly (two slices are disjoint or one contains the other);
  - "B"/"E" (duration) events are balanced per thread, E not before its B;
  - "i"/"I" (instant) events have a scope "s" of "g", "p" or "t" when present;
  - "C" (counter) events have a non-empty "args" object of numeric values;
  - "M" (metadata) events are one of the known names; thread_name and
    process_name carry a string args.name, the sort indexes an integer;
  - "args", when present, is an object; "name" and "cat", when present, strings.

Expectations (repeatable):
  --expect PH:NAME_RE[:MIN]       at least MIN (default 1) events of phase PH
                                  whose name matches NAME_RE (full match)
  --expect-thread NAME            a thread_name metadata event names a thread NAME
  --expect-on-thread PH:NAME_RE:THREAD
                                  such an event on the thread named THREAD
  --expect-dur NAME_RE:LO:HI      an X event matching NAME_RE with LO <= dur <= HI (us)
  --expect-arg PH:NAME_RE:KEY:VALUE_RE
                                  such an event whose args[KEY] (as text) matches VALUE_RE
Several files may be given; each is checked against the same expectations.
Prints "ok: FILE: N events" and exits 0, or prints the problems and exits 1.
"""
import argparse
import json
import math
import re
import sys
from collections import defaultdict

PHASES = set("BEXiICbneSTpFsftPNODMVvRc")
METADATA_NAMES = {"process_name", "process_labels", "process_sort_index",
                  "thread_name", "thread_sort_index"}
EPS_US = 0.0005  # half a nanosecond: times are written with 3 decimals


def tolerance(v):
    """Slack for comparing times parsed as doubles: half a nanosecond, or a
    few units in the last place for times too large for ns precision."""
    return max(EPS_US, abs(v) * 2e-15)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return (is_int(v) or isinstance(v, float)) and math.isfinite(v)


class Checker:
    def __init__(self):
        self.errors = []

    def error(self, index, event, msg):
        if len(self.errors) < 50:
            text = json.dumps(event)[:200] if event is not None else ""
            self.errors.append(f"event {index}: {msg}: {text}")

    def check_event(self, i, e):
        if not isinstance(e, dict):
            self.error(i, e, "not an object")
            return False
        ph = e.get("ph")
        if not isinstance(ph, str) or ph not in PHASES:
            self.error(i, e, f"bad ph {ph!r}")
            return False
        for key in ("pid", "tid"):
            if not is_int(e.get(key)):
                self.error(i, e, f"{key} missing or not an integer")
        for key in ("name", "cat"):
            if key in e and not isinstance(e[key], str):
                self.error(i, e, f"{key} is not a string")
        if "args" in e and not isinstance(e["args"], dict):
            self.error(i, e, "args is not an object")
        if ph != "M" or "ts" in e:
            ts = e.get("ts")
            if not is_number(ts):
                self.error(i, e, "ts missing or not a finite number")
            elif ts < 0:
                self.error(i, e, "negative ts")
        getattr(self, "check_" + {"X": "complete", "i": "instant", "I": "instant",
                                 "C": "counter", "M": "metadata"}.get(ph, "other"))(i, e)
        return True

    def check_complete(self, i, e):
        dur = e.get("dur")
        if not is_number(dur) or dur < 0:
            self.error(i, e, "X event without a finite dur >= 0")
        if not isinstance(e.get("name"), str):
            self.error(i, e, "X event without a name")

    def check_instant(self, i, e):
        if "s" in e and e["s"] not in ("g", "p", "t"):
            self.error(i, e, "instant scope s must be g, p or t")
        if not isinstance(e.get("name"), str):
            self.error(i, e, "instant event without a name")

    def check_counter(self, i, e):
        args = e.get("args")
        if not isinstance(args, dict) or not args:
            self.error(i, e, "counter event without args")
        elif not all(is_number(v) for v in args.values()):
            self.error(i, e, "counter args must be numbers")
        if not isinstance(e.get("name"), str):
            self.error(i, e, "counter event without a name")

    def check_metadata(self, i, e):
        name = e.get("name")
        args = e.get("args") if isinstance(e.get("args"), dict) else {}
        if name not in METADATA_NAMES:
            self.error(i, e, f"unknown metadata name {name!r}")
        elif name in ("thread_name", "process_name") and not isinstance(args.get("name"), str):
            self.error(i, e, f"{name} without a string args.name")
        elif name.endswith("sort_index") and not is_int(args.get("sort_index")):
            self.error(i, e, f"{name} without an integer args.sort_index")

    def check_other(self, i, e):
        pass

    def check_durations(self, events):
        """B/E balanced per thread; X slices nest perfectly per thread."""
        stacks = defaultdict(list)
        slices = defaultdict(list)
        for i, e in events:
            key = (e.get("pid"), e.get("tid"))
            if e["ph"] == "B":
                stacks[key].append((i, e))
            elif e["ph"] == "E":
                if not stacks[key]:
                    self.error(i, e, "E without a matching B on its thread")
                else:
                    j, b = stacks[key].pop()
                    if is_number(e.get("ts")) and is_number(b.get("ts")) and e["ts"] < b["ts"]:
                        self.error(i, e, f"E before its B (event {j})")
            elif e["ph"] == "X" and is_number(e.get("ts")) and is_number(e.get("dur")):
                slices[key].append((e["ts"], e["ts"] + e["dur"], i, e))
        for key, open_ in stacks.items():
            for i, e in open_:
                self.error(i, e, "B without a matching E on its thread")
        for key, items in slices.items():
            items.sort(key=lambda s: (s[0], -s[1]))
            enclosing = []
            for start, end, i, e in items:
                while enclosing and enclosing[-1][1] <= start + tolerance(start):
                    enclosing.pop()
                if enclosing and end > enclosing[-1][1] + tolerance(end):
                    self.error(i, e, f"X slice overlaps event {enclosing[-1][2]} without nesting")
                enclosing.append((start, end, i))


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def load_events(path, checker):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError) as err:
        checker.errors.append(f"not valid JSON: {err}")
        return []
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        checker.errors.append("top level is neither an array nor an object with a traceEvents array")
        return []
    if "displayTimeUnit" in doc and doc["displayTimeUnit"] not in ("ms", "ns"):
        checker.errors.append("displayTimeUnit must be ms or ns")
    return doc["traceEvents"]


def split(spec, parts, what):
    fields = spec.split(":", parts - 1)
    if len(fields) < parts:
        sys.exit(f"check_chrome_trace: bad {what} {spec!r}")
    return fields


class Expectations:
    def __init__(self, events):
        self.events = events
        self.thread_names = {}
        for e in events:
            if e.get("ph") == "M" and e.get("name") == "thread_name":
                self.thread_names[(e.get("pid"), e.get("tid"))] = e.get("args", {}).get("name")
        self.problems = []

    def matching(self, ph, name_re):
        rx = re.compile(name_re)
        return [e for e in self.events
                if e.get("ph") == ph and isinstance(e.get("name"), str) and rx.fullmatch(e["name"])]

    def expect(self, spec):
        ph, name_re, *rest = spec.split(":", 2)
        want = int(rest[0]) if rest else 1
        got = len(self.matching(ph, name_re))
        if got < want:
            self.problems.append(f"expected at least {want} {ph} events named /{name_re}/, found {got}")

    def expect_thread(self, name):
        if name not in self.thread_names.values():
            self.problems.append(f"no thread named {name!r} (threads: {sorted(map(str, self.thread_names.values()))})")

    def expect_on_thread(self, spec):
        ph, name_re, thread = split(spec, 3, "--expect-on-thread")
        if not any(self.thread_names.get((e.get("pid"), e.get("tid"))) == thread
                   for e in self.matching(ph, name_re)):
            self.problems.append(f"no {ph} event named /{name_re}/ on thread {thread!r}")

    def expect_dur(self, spec):
        name_re, lo, hi = split(spec, 3, "--expect-dur")
        durs = [e.get("dur") for e in self.matching("X", name_re)]
        if not any(is_number(d) and float(lo) <= d <= float(hi) for d in durs):
            self.problems.append(f"no X event /{name_re}/ with dur in [{lo}, {hi}] us (durs: {durs[:10]})")

    def expect_arg(self, spec):
        ph, name_re, key, value_re = split(spec, 4, "--expect-arg")
        rx = re.compile(value_re, re.S)
        values = [e.get("args", {}).get(key) for e in self.matching(ph, name_re)]
        if not any(v is not None and rx.search(v if isinstance(v, str) else json.dumps(v)) for v in values):
            self.problems.append(f"no {ph} event /{name_re}/ with args.{key} matching /{value_re}/ "
                                 f"(values: {[str(v)[:80] for v in values[:5]]})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+", metavar="file")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--expect-thread", action="append", default=[])
    ap.add_argument("--expect-on-thread", action="append", default=[])
    ap.add_argument("--expect-dur", action="append", default=[])
    ap.add_argument("--expect-arg", action="append", default=[])
    ap.add_argument("--summary", action="store_true", help="print event counts by phase and name")
    args = ap.parse_args()
    return max(check_file(path, args) for path in args.files)


def check_file(path, args):
    checker = Checker()
    raw_events = load_events(path, checker)
    events = [(i, e) for i, e in enumerate(raw_events) if checker.check_event(i, e)]
    checker.check_durations(events)

    good = [e for _, e in events]
    exp = Expectations(good)
    for spec in args.expect:
        exp.expect(spec)
    for name in args.expect_thread:
        exp.expect_thread(name)
    for spec in args.expect_on_thread:
        exp.expect_on_thread(spec)
    for spec in args.expect_dur:
        exp.expect_dur(spec)
    for spec in args.expect_arg:
        exp.expect_arg(spec)

    if args.summary:
        counts = defaultdict(int)
        for e in good:
            counts[(e["ph"], e.get("name", ""))] += 1
        for (ph, name), n in sorted(counts.items()):
            print(f"{ph} {n:7d} {name}")
    problems = checker.errors + exp.problems
    for p in problems:
        print(f"check_chrome_trace: {path}: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {path}: {len(raw_events)} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
