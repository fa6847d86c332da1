# flightprof: `make` builds build/libflightprof.so and build/flightprof,
# `make demo` profiles the bundled demo, `make check` runs every test,
# `make bench` runs the benchmarks (not part of check).
#
# SAN=1 builds everything with AddressSanitizer + UndefinedBehaviorSanitizer
# into build-san/; SAN=address or SAN=undefined picks one.

CC      := gcc
CXX     := g++
SAN     ?=
OPT     ?= -O2

ifeq ($(SAN),)
  BUILD    ?= build
  SANFLAGS :=
else
  BUILD    ?= build-san
  ifeq ($(SAN),1)
    SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
  else
    SANFLAGS := -fsanitize=$(SAN) -fno-sanitize-recover=undefined
  endif
endif

# Every source folder is an include folder: headers are named bare.
SRC_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard src/*/*))))
SRC_INC  := $(addprefix -I,$(SRC_DIRS))
WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes
CFLAGS   := -std=gnu11 $(OPT) -g -fno-omit-frame-pointer $(WARN) $(SANFLAGS) \
            -Iinclude -I$(BUILD)/gen $(SRC_INC) -D_GNU_SOURCE
LIBCFLAGS := $(CFLAGS) -fPIC -fvisibility=hidden
LDLIBS   := -ldw -lelf -lprotobuf-c -lz -ldl -lpthread -lrt
RUNTIME_LIBS := -ldl -lpthread -lrt
# Every symbol of the library and its module resolved at link time (not
# with the sanitizers, whose runtime the program brings).
NODEFS   := $(if $(SAN),,-Wl,-z,defs)
WRITER_LIBS := -ldw -lelf -lprotobuf-c -lz

GEN_C    := $(BUILD)/gen/proto/profile.pb-c.c
GEN_H    := $(BUILD)/gen/proto/profile.pb-c.h
DEPS_OK  := $(BUILD)/.deps-ok

# The sources, by folder (README, Layout):
#   base/      what every build links: memory, tables, names, the snapshot
#              format, the logging interface (log.h)
#   common/    the library and the CLI: logging, configuration, the profile builder
#   output/    symbolization and pprof encoding: the writer module's work
#   writer/    the writer module's entry point and log
#   init/ http/ interpose/ profile/ recorder/ core/   the preloaded library alone
#   reader/    the CLI alone
srcs      = $(wildcard $(addsuffix /*.c,$(addprefix src/,$(1))))

# The writer module (src/core/writer.h): symbolization, encoding and gzip, the
# parts that need libdw, libelf, protobuf-c and zlib. libflightprof.so
# carries its image and loads it on the first profile write.
WRITER_SRCS := $(call srcs,writer output base)
WRITER_OBJS := $(WRITER_SRCS:src/%.c=$(BUILD)/obj/lib/%.o) $(BUILD)/obj/lib/profile.pb-c.o
WRITER_SO := $(BUILD)/libflightprof-writer.so

# The library, and the writer module's image.
LIB_SRCS := $(call srcs,init http interpose profile recorder core common base)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/lib/%.o) $(BUILD)/obj/lib/writer_image.o

# The CLI and unit tests link the modules that neither interpose nor
# start anything on load, compiled without -fvisibility=hidden.
TOOL_LIB_SRCS := $(call srcs,reader output common base)
TOOL_LIB_OBJS := $(TOOL_LIB_SRCS:src/%.c=$(BUILD)/obj/tool/%.o) $(BUILD)/obj/tool/profile.pb-c.o
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_OBJS := $(TOOL_SRCS:tools/%.c=$(BUILD)/obj/tool/cli_%.o)

PROG_C   := $(wildcard tests/progs/*.c)
PROG_CXX := $(wildcard tests/progs/*.cc)
PLUGIN_C := $(wildcard tests/progs/plugins/*.c)
PROGS    := $(PROG_C:tests/progs/%.c=$(BUILD)/progs/%) \
            $(PROG_CXX:tests/progs/%.cc=$(BUILD)/progs/%) \
            $(PLUGIN_C:tests/progs/plugins/%.c=$(BUILD)/progs/%.so)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNITS    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

# Test programs are built the way users build theirs: optimised, with
# debug info, and without frame pointers unless a test asks for them.
PROGCFLAGS := -O1 -g -pthread -D_GNU_SOURCE $(SANFLAGS)

.PHONY: all deps demo check bench clean fuzz
all: $(BUILD)/libflightprof.so $(BUILD)/flightprof

deps: $(DEPS_OK)
$(DEPS_OK): scripts/install-deps.sh
	@scripts/install-deps.sh
	@mkdir -p $(@D) && touch $@

$(GEN_C) $(GEN_H): proto/profile.proto | $(DEPS_OK)
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen $<

$(BUILD)/obj/lib/profile.pb-c.o: $(GEN_C)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(OPT) -g -fPIC -fvisibility=hidden $(SANFLAGS) -I$(BUILD)/gen -c $< -o $@
$(BUILD)/obj/tool/profile.pb-c.o: $(GEN_C)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(OPT) -g $(SANFLAGS) -I$(BUILD)/gen -c $< -o $@

$(BUILD)/obj/lib/%.o: src/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(LIBCFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/tool/%.o: src/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/obj/tool/cli_%.o: tools/%.c $(GEN_H) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# -z now: every symbol is bound at load, so no call from a signal handler
# ever goes through the loader's lazy binding (its lock, and several KiB of
# saved registers on whatever stack the handler runs on).
$(BUILD)/libflightprof.so: $(LIB_OBJS)
	$(CC) -shared $(SANFLAGS) -Wl,-z,nodelete -Wl,-z,now $(NODEFS) \
	      -o $@ $(LIB_OBJS) $(RUNTIME_LIBS)

# Linked without $(SANFLAGS) (its objects are instrumented all the same):
# a module that names the sanitizer runtimes as dependencies has their
# initialisers run a second time when it is dlopen'ed into a process that
# preloads them, which AddressSanitizer treats as fatal. The runtimes the
# library and the program brought resolve its references.
$(WRITER_SO): $(WRITER_OBJS)
	$(CC) -shared -Wl,-z,nodelete -Wl,-z,now $(NODEFS) -o $@ $(WRITER_OBJS) $(WRITER_LIBS)

# The image carried inside libflightprof.so, without its debug sections
# (the unstripped module stays in $(BUILD) for debugging).
$(BUILD)/obj/lib/writer_image.o: src/core/writer_image.S $(WRITER_SO)
	@mkdir -p $(@D)
	objcopy --strip-debug $(WRITER_SO) $(BUILD)/obj/lib/writer-image.so
	$(CC) -c -DFP_WRITER_IMAGE='"$(abspath $(BUILD)/obj/lib/writer-image.so)"' $< -o $@

$(BUILD)/flightprof: $(TOOL_OBJS) $(TOOL_LIB_OBJS)
	$(CC) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lm

# Test programs may link the library itself (`// build: -lflightprof`).
PROGLINK := -L$(BUILD) -Wl,-rpath,$(abspath $(BUILD)) -ldl -lm
$(BUILD)/progs/%: tests/progs/%.c $(BUILD)/libflightprof.so | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROGCFLAGS) -o $@ $< $(shell sed -n 's|^// build: ||p' $<) $(PROGLINK)
$(BUILD)/progs/%: tests/progs/%.cc $(BUILD)/libflightprof.so | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CXX) $(PROGCFLAGS) -o $@ $< $(shell sed -n 's|^// build: ||p' $<) $(PROGLINK)

# Shared libraries the test programs dlopen.
$(BUILD)/progs/%.so: tests/progs/plugins/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(PROGCFLAGS) -shared -fPIC -o $@ $<

# A unit test links the tool-side modules plus whatever its first
# `// links: src/a.c src/b.c` line names (compiled for tools).
$(BUILD)/unit/%: tests/unit/%.c $(TOOL_LIB_OBJS) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< \
	    $(patsubst src/%.c,$(BUILD)/obj/tool/%.o,$(filter-out $(TOOL_LIB_SRCS),$(shell sed -n 's|^// links: ||p' $<))) \
	    $(TOOL_LIB_OBJS) $(LDLIBS) -lm

# Objects a unit test names in `// links:` are built on demand.
.SECONDEXPANSION:
$(UNITS): $$(patsubst src/%.c,$(BUILD)/obj/tool/%.o,$$(shell sed -n 's|^// links. ||p' tests/unit/$$(notdir $$@).c))

# Benchmark drivers: like unit tests, but run by `make bench` only.
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCHES  := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/bench_unwind: tests/bench/bench_unwind.c \
		$(patsubst %,$(BUILD)/obj/tool/core/%.o,unwind loaderlock threads libc interpose self) \
		$(TOOL_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/bench_pprof: tests/bench/bench_pprof.c $(TOOL_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The tests' reader of pprof files: google/pprof's profile package (Debian's
# golang-github-google-pprof-dev), the parser go tool pprof itself uses.
GOPATH_PPROF := /usr/share/gocode
$(BUILD)/pprofcheck: tests/pprofcheck/main.go | $(DEPS_OK)
	@mkdir -p $(@D)
	GO111MODULE=off GOPATH=$(GOPATH_PPROF) GOCACHE=$(abspath $(BUILD))/gocache go build -o $@ ./tests/pprofcheck

check: all $(PROGS) $(UNITS) $(BUILD)/pprofcheck
	@BUILD=$(BUILD) SAN="$(SAN)" tests/run.sh $(TESTS)

demo: all $(BUILD)/progs/demo
	@scripts/demo.sh $(BUILD)

bench: all $(PROGS) $(BENCHES)
	@BUILD=$(BUILD) scripts/bench.sh

clean:
	rm -rf build build-san

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d)

# ---- fuzz: libFuzzer on the snapshot reader, the symbol cache reader and
# the HTTP request parser ----
# `make fuzz` builds $(BUILD)/fuzz/fuzz_snapshot_read,
# $(BUILD)/fuzz/fuzz_symcache_read and $(BUILD)/fuzz/fuzz_http_parse with
# clang's libFuzzer, ASan and UBSan,
# and runs each for FUZZ_SECONDS. The snapshot fuzzer starts from the seed
# corpus tests/fuzz/corpus/ (read only) and keeps new inputs in
# $(BUILD)/fuzz/corpus/; add the interesting ones to tests/fuzz/corpus/ so
# `make check` (t_fuzz_corpus) keeps replaying them. The symbol cache
# fuzzer starts from nothing (its target makes most inputs well-formed
# enough) and keeps its inputs in $(BUILD)/fuzz/corpus-symcache/. Crashing
# inputs go to $(BUILD)/fuzz/artifacts/, the symbol cache's named
# symcache-*. The HTTP fuzzer starts from tests/fuzz/corpus-http/, which
# tests/unit/test_http_parse.c replays in `make check`; its new inputs go to
# $(BUILD)/fuzz/corpus-http/, its crashes to artifacts/http-*.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined $(filter-out -Werror,$(WARN)) \
                -D_GNU_SOURCE -Iinclude $(SRC_INC) -Itools -I$(BUILD)/gen
FUZZ_RUN     := -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048
FUZZ_SRCS    := tests/fuzz/fuzz_snapshot_read.c tools/snapshot_read.c tools/convert_chrome.c \
                tools/convert_src.c tools/convert_live.c tools/json_out.c $(TOOL_LIB_SRCS) $(GEN_C)
FUZZ_SYMCACHE_SRCS := tests/fuzz/fuzz_symcache_read.c src/output/symcache.c src/common/log_stderr.c \
                      $(call srcs,base)

$(BUILD)/fuzz/fuzz_snapshot_read: $(FUZZ_SRCS) $(wildcard src/*/*.h tools/*.h) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_SRCS) $(LDLIBS) -lm

$(BUILD)/fuzz/fuzz_symcache_read: $(FUZZ_SYMCACHE_SRCS) $(wildcard src/*/*.h) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_SYMCACHE_SRCS)

FUZZ_HTTP_SRCS := tests/fuzz/fuzz_http_parse.c src/http/http_parse.c

$(BUILD)/fuzz/fuzz_http_parse: $(FUZZ_HTTP_SRCS) src/http/http_parse.h | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_HTTP_SRCS)

fuzz: $(BUILD)/fuzz/fuzz_snapshot_read $(BUILD)/fuzz/fuzz_symcache_read $(BUILD)/fuzz/fuzz_http_parse
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/corpus-symcache $(BUILD)/fuzz/corpus-http \
	    $(BUILD)/fuzz/artifacts
	$(BUILD)/fuzz/fuzz_snapshot_read $(FUZZ_RUN) -artifact_prefix=$(BUILD)/fuzz/artifacts/ \
	   $(BUILD)/fuzz/corpus tests/fuzz/corpus
	$(BUILD)/fuzz/fuzz_symcache_read $(FUZZ_RUN) \
	   -artifact_prefix=$(BUILD)/fuzz/artifacts/symcache- $(BUILD)/fuzz/corpus-symcache
	$(BUILD)/fuzz/fuzz_http_parse $(FUZZ_RUN) -max_len=20000 \
	   -artifact_prefix=$(BUILD)/fuzz/artifacts/http- $(BUILD)/fuzz/corpus-http tests/fuzz/corpus-http
# ---- end of the fuzz section ----
