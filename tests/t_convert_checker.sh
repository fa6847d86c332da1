#!/bin/bash
# The Chrome trace checker used by the convert tests must reject documents
# that break the format's rules, or the convert tests could not fail.
source "$FP_ROOT/tests/lib.sh"
check=$FP_ROOT/tests/check_chrome_trace.py

good='{"displayTimeUnit":"ns","traceEvents":[
 {"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"victim"}},
 {"ph":"X","name":"region","pid":1,"tid":2,"ts":1.000,"dur":10.000,"args":{}},
 {"ph":"X","name":"lock wait","pid":1,"tid":2,"ts":2.000,"dur":3.000},
 {"ph":"X","name":"sleep","pid":1,"tid":2,"ts":5.000,"dur":6.000},
 {"ph":"B","name":"b","pid":1,"tid":2,"ts":20},{"ph":"E","pid":1,"tid":2,"ts":21},
 {"ph":"i","name":"malloc","s":"t","pid":1,"tid":2,"ts":3.5,"args":{"size":123}},
 {"ph":"C","name":"live heap","pid":1,"tid":0,"ts":3.5,"args":{"bytes":123}}]}'
printf '%s' "$good" >good.json
python3 "$check" good.json --expect X:region --expect 'X:sleep|lock wait:2' \
    --expect-thread victim --expect-on-thread i:malloc:victim --expect-dur 'lock wait:2.5:3.5' \
    --expect-arg i:malloc:size:'^123$' >/dev/null || fail "a valid trace was rejected"

# Each line: a document that must be rejected, or arguments that must fail.
reject() { # JSON [CHECKER ARGS...]
    printf '%s' "$1" >bad.json
    shift
    if python3 "$check" bad.json "$@" >/dev/null 2>&1; then
        fail "checker accepted: $(cat bad.json) $*"
    fi
}
ev() { printf '{"traceEvents":[%s]}' "$1"; }
reject '{"traceEvents":[' # not JSON
reject '{"events":[]}'
reject "$(ev '{"ph":"C","name":"a","pid":1,"tid":2,"ts":NaN,"args":{"v":1}}')"
reject "$(ev '{"ph":"X","name":"a","pid":1,"tid":2,"ts":1}')"                  # no dur
reject "$(ev '{"ph":"X","name":"a","pid":1,"tid":2,"ts":1,"dur":-1}')"
reject "$(ev '{"ph":"X","name":"a","pid":"1","tid":2,"ts":1,"dur":1}')"        # pid string
reject "$(ev '{"ph":"X","name":"a","pid":1,"tid":2.5,"ts":1,"dur":1}')"        # tid float
reject "$(ev '{"ph":"X","name":"a","pid":1,"tid":2,"ts":-1,"dur":1}')"
reject "$(ev '{"ph":"X","name":"a","pid":1,"tid":2,"ts":"1","dur":1}')"
reject "$(ev '{"ph":"X","name":"a","pid":1,"tid":2,"ts":1,"dur":5},{"ph":"X","name":"b","pid":1,"tid":2,"ts":3,"dur":5}')"
reject "$(ev '{"ph":"i","name":"a","pid":1,"tid":2,"ts":1,"s":"x"}')"
reject "$(ev '{"ph":"C","name":"a","pid":1,"tid":2,"ts":1,"args":{"v":"7"}}')"
reject "$(ev '{"ph":"C","name":"a","pid":1,"tid":2,"ts":1}')"
reject "$(ev '{"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{}}')"
reject "$(ev '{"ph":"M","name":"colour","pid":1,"tid":2,"args":{"name":"x"}}')"
reject "$(ev '{"ph":"B","name":"a","pid":1,"tid":2,"ts":1}')"                  # unbalanced
reject "$(ev '{"ph":"E","name":"a","pid":1,"tid":2,"ts":1}')"
reject "$(ev '{"ph":"Q","name":"a","pid":1,"tid":2,"ts":1}')"
reject "$(ev '{"ph":"i","name":"a","pid":1,"tid":2,"ts":1,"args":[]}')"
reject "$good" --expect X:nothing
reject "$good" --expect X:sleep:2
reject "$good" --expect-thread nobody
reject "$good" --expect-on-thread X:sleep:nobody
reject "$good" --expect-dur 'sleep:7:8'
reject "$good" --expect-arg i:malloc:size:'^124$'
echo ok
