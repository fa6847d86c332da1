#!/usr/bin/python3
"""Reads what one run of CPython's regression tests (`python3 -m test -jN
--junit-xml=FILE ...`) left behind and prints it in a form that two runs can
be compared in: what varies between any two plain runs (load averages,
durations, the order in which parallel workers finish, pids, temporary
paths) is left out; what the tests found is kept.

    real_regrtest.py canon OUT JUNIT [--drop MODULE...]
        One line per test module (its result as regrtest reported it),
        the summary block ("== Tests result: ..." and the lists of failed,
        skipped, ... modules), then one line per test case with its status
        (ok, skipped, failure, error, expected-failure, unexpected-success).
        Modules named with --drop are left out everywhere (and so is the
        summary, whose counts include them).

    real_regrtest.py compare A_CANON B_CANON B_JUNIT [IGNORE]
        What differs from A to B: module results, the summary, and test
        cases whose status changed (with the end of B's failure message)
        or that have no result in one of them (counted per module). Test
        cases named in the file IGNORE (one a line) are left out. Exits 1
        if anything differs.

    real_regrtest.py modules A_CANON B_CANON
        The modules whose lines differ between two canonical texts.

    real_regrtest.py cases A_CANON B_CANON
        The test cases whose lines differ between two canonical texts.

    real_regrtest.py times OUT JUNIT
        Per module, the sum of its test cases' times (seconds).
"""
import re
import sys
import xml.etree.ElementTree as ET

PROGRESS = re.compile(r'^\d+:\d\d:\d\d (?:load avg: [\d.]+ )?\[\s*\d+/\d+(?:/\d+)?\] (test_\w+)(?: (.*))?$')
# format_duration(): "992 ms", "50.4 sec", "1 min", "1 min 3 sec", "2 hour 5 min"
DURATION = r'\d+(?:\.\d+)? (?:hour|min|sec|ms)(?: \d+(?:\.\d+)? (?:hour|min|sec|ms))*'


def module_status(rest):
    rest = re.sub(r' -- running: .*$', '', rest or '')
    rest = re.sub(r' \(' + DURATION + r'\)$', '', rest)
    rest = re.sub(r' \(' + DURATION + r'\)', '', rest)
    rest = re.sub(r'timed out \(.*?\)', 'timed out', rest)
    return rest.strip() or 'passed'


def read_out(path):
    modules, summary, inside = {}, [], False
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            m = PROGRESS.match(line)
            if m and not inside:
                modules[m.group(1)] = module_status(m.group(2))
                continue
            if line.startswith('== Tests result:'):
                inside = True
            if inside:
                if line.startswith('Total duration') or not line.strip():
                    continue
                summary.append(line)
    return modules, summary


def case_status(tc):
    tags = {c.tag: c for c in tc}
    for tag, name in (('error', 'error'), ('failure', 'failure'), ('skipped', 'skipped'),
                      ('output', 'expected-failure'), ('outcome', 'unexpected-success')):
        if tag in tags:
            return name, tags[tag]
    return 'ok', None


def suite_module(names):
    """The regression test module a junit testsuite came from: most of its
    test ids are test.test_X.Class.method (a few are inherited from helper
    modules, like test.fork_wait in test_fork1); test_ctypes's are
    ctypes.test.*."""
    counts = {}
    for n in names:
        m = re.match(r'test\.(test_\w+)\.', n)
        key = m.group(1) if m else 'test_' + n.split('.')[0]
        counts[key] = counts.get(key, 0) + 1
    return max(counts, key=counts.get) if counts else '(empty)'


def read_junit(path):
    """{test id: (status, element, time, module)}, or (None, error)."""
    cases = {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return None, str(e)
    for suite in root.iter('testsuite'):
        tcs = list(suite.iter('testcase'))
        mod = suite_module([tc.get('name') for tc in tcs if tc.get('name')])
        # started but never reported (subtest failures leave these)
        unnamed = sum(1 for tc in tcs if tc.get('name') is None)
        for tc in tcs:
            if tc.get('name') is not None:
                cases[tc.get('name')] = case_status(tc) + (tc.get('time'), mod)
        if unnamed:
            cases['%s: %d unreported' % (mod, unnamed)] = ('unreported', None, None, mod)
    return cases, None


def canon(out, junit, drop):
    modules, summary = read_out(out)
    cases, err = read_junit(junit)
    lines = []
    for m in sorted(modules):
        if m not in drop:
            lines.append('module %s: %s' % (m, modules[m]))
    if not modules:
        lines.append('module (none): no module finished')
    if drop:
        # its counts and lists would include the modules left out; the
        # module lines above say the same for the others
        lines.append('summary: (left out with modules %s)' % ' '.join(sorted(drop)))
    else:
        for s in summary:
            lines.append('summary: ' + s)
        if not summary:
            lines.append('summary: (none: the run did not finish)')
    if cases is None:
        lines.append('junit: unreadable: ' + err.split(':')[0])
    else:
        for c in sorted(cases):
            if cases[c][3] not in drop:
                lines.append('case %s %s: %s' % (cases[c][3], c, cases[c][0]))
    print('\n'.join(lines))


def modules_differing(a, b):
    def load(p):
        with open(p) as f:
            return set(f.read().splitlines())
    la, lb = load(a), load(b)
    mods = set()
    for line in la ^ lb:
        if line.startswith('module '):
            mods.add(line.split()[1].rstrip(':'))
        elif line.startswith('case '):
            mods.add(line.split()[1])
        elif line.startswith('summary: '):
            mods.update(w for w in line.split() if w.startswith('test_'))
    print('\n'.join(sorted(mods)))


def parse_canon(path):
    mods, summary, cases = {}, [], {}
    with open(path) as f:
        for line in f.read().splitlines():
            kind, _, rest = line.partition(' ')
            if kind == 'module':
                name, _, st = rest.partition(': ')
                mods[name] = st
            elif kind == 'summary:':
                summary.append(rest)
            elif kind == 'case':
                name, _, st = rest.rpartition(': ')
                cases[name] = st  # "MODULE TESTID"
            else:
                summary.append(line)
    return mods, summary, cases


def compare(a, b, junit_b, ignore_path=None):
    ma, sa, ca = parse_canon(a)
    mb, sb, cb = parse_canon(b)
    ignore = set()
    if ignore_path:
        with open(ignore_path) as f:
            ignore = set(l.strip() for l in f if l.strip())
    jb, _ = read_junit(junit_b)
    jb = jb or {}
    out = []
    for m in sorted(set(ma) | set(mb)):
        if ma.get(m) != mb.get(m):
            out.append('module %s: %s -> %s' % (m, ma.get(m, '(no result)'), mb.get(m, '(no result)')))
    if sa != sb:
        out.append('summary: %s -> %s' % (' / '.join(sa), ' / '.join(sb)))
    missing, extra, changed = {}, {}, {}
    for c in sorted(set(ca) | set(cb)):
        if c in ignore or ca.get(c) == cb.get(c):
            continue
        if c not in cb:
            missing.setdefault(c.split()[0], []).append(c)
        elif c not in ca:
            extra.setdefault(c.split()[0], []).append(c)
        else:
            changed.setdefault(c.split()[0], []).append(c)
    for m in sorted(changed):
        for c in changed[m][:12]:
            tid = c.split(' ', 1)[1]
            line = '  %s: %s -> %s' % (tid[len('test.'):] if tid.startswith('test.') else tid, ca[c], cb[c])
            if tid in jb and jb[tid][1] is not None and cb[c] in ('failure', 'error', 'skipped'):
                text = (jb[tid][1].text or jb[tid][1].get('message') or '').strip()
                tail = [l.strip() for l in text.splitlines() if l.strip()][-2:]
                if tail:
                    line += ': ' + ' | '.join(tail)[:300]
            out.append(line)
        if len(changed[m]) > 12:
            out.append('  ... and %d more test cases of %s' % (len(changed[m]) - 12, m))
    for m in sorted(missing):
        out.append('  %s: %d test cases have a result in the first run only (e.g. %s)' % (m, len(missing[m]), missing[m][0].split()[1]))
    for m in sorted(extra):
        out.append('  %s: %d test cases have a result in the second run only (e.g. %s)' % (m, len(extra[m]), extra[m][0].split()[1]))
    if out:
        print('\n'.join(out))
        sys.exit(1)


def canon_diff(a, b, what):
    ma, sa, ca = parse_canon(a)
    mb, sb, cb = parse_canon(b)
    if what == 'cases':
        print('\n'.join(sorted(c for c in set(ca) | set(cb) if ca.get(c) != cb.get(c))))


def times(out, junit):
    cases, _ = read_junit(junit)
    tot = {}
    for c, (_, _, t, m) in (cases or {}).items():
        if t:
            tot[m] = tot.get(m, 0.0) + float(t)
    for m in sorted(tot):
        print('%s %.1f' % (m, tot[m]))


def main(argv):
    if len(argv) >= 4 and argv[1] == 'canon':
        drop = set(argv[5:]) if len(argv) > 4 and argv[4] == '--drop' else set()
        canon(argv[2], argv[3], drop)
    elif len(argv) in (5, 6) and argv[1] == 'compare':
        compare(*argv[2:])
    elif len(argv) == 4 and argv[1] == 'cases':
        canon_diff(argv[2], argv[3], 'cases')
    elif len(argv) == 4 and argv[1] == 'modules':
        modules_differing(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == 'times':
        times(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
