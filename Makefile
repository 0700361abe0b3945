# Makefile — PGXS build of the sla extension, plus the project's test, fuzz, bench and demo targets.
#
#   make            build the shared library and the install script
#   make install    install into the PostgreSQL found by $(PG_CONFIG)
#   make test       install missing Debian packages, build, and run every suite (README "Tests")
#   make demo       the README's quick start: a throwaway cluster showing the extension working
#   make bench      the benchmarks of bench/ (slow; figures go to docs/benchmarks.md)
#   make bench-report  the compliance report at 1M tickets and 10M clocks vs a hand-written aggregate
#   make matrix     build PostgreSQL 16, 17, 18, 19beta2 from ../shared/sources (cached) and run the
#                   SQL suites on each (test/matrix/run.sh)
#   make dist       the release tarball sla-<version>.tar.gz (git archive of HEAD)
#   make deb        the Debian package postgresql-15-sla (debian/, pg_buildext) into build/deb/

EXTENSION  = sla
# The version is sla.control's default_version, and only there (META.json and CHANGELOG.md are
# checked against it by `make dist`).
EXTVERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" $(dir $(lastword $(MAKEFILE_LIST)))sla.control)
PG_CONFIG ?= pg_config

MODULE_big = sla
CORE_OBJS  = src/core/business_interval.o src/core/civil.o src/core/calendar.o \
             src/core/hours_spec.o src/core/rules.o src/core/clockflow.o
GLUE_OBJS  = src/sla.o src/sla_error.o src/business_interval.o src/calendar_cache.o \
             src/attachment_cache.o src/clock_store.o src/ticket_flow.o src/config_guard.o src/config_reference.o src/citus_shard.o src/statement_queue.o src/new_ticket_batch.o src/message_batch.o src/ticket_attributes.o src/ticket_trigger.o src/ticket_update.o \
             src/message_trigger.o src/mapping_problem.o src/status_history.o src/host_ticket.o src/escalation_action.o src/escalation_step.o src/late_breach.o src/attachment_access.o \
             src/calendar_functions.o src/rule_functions.o src/rule_recheck.o src/breach_worker.o src/replay.o src/policy_draft.o
OBJS       = $(GLUE_OBJS) $(CORE_OBJS)

# The install script of the version in development is assembled from src/sql/*.sql in name order
# (one concept per file).
SQL_PARTS  = $(sort $(wildcard src/sql/[0-9][0-9]_*.sql))
DATA_built = sla--$(EXTVERSION).sql
# Installed as they are: the install scripts of released versions (src/sql/sla--X.Y.Z.sql, frozen
# when the next version opened, so that `CREATE EXTENSION sla VERSION 'X.Y.Z'` and the upgrade
# test work) and the upgrade scripts (src/sql/sla--X--Y.sql, ALTER EXTENSION sla UPDATE).
DATA       = $(wildcard src/sql/sla--*.sql)
ifneq ($(wildcard src/sql/sla--$(EXTVERSION).sql),)
$(error src/sql/sla--$(EXTVERSION).sql is frozen but $(EXTVERSION) is still sla.control's default_version: freeze a version's script when the next one opens)
endif

# pg_regress: inputs in sql/, expected outputs in expected/ (contrib layout).
REGRESS      = business_interval_io business_interval_ops calendar_config calendar_math \
               calendar_cache level rule security function_privileges hostile_inputs breach_batches \
               replay_version
REGRESS_OPTS = --inputdir=. --load-extension=sla

# -Werror only in the project's own test builds (test scripts pass SLA_WERROR=1): a distribution
# build with another compiler or PostgreSQL must not fail on a new warning.
WARNINGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
             $(if $(SLA_WERROR),-Werror)
PG_CPPFLAGS = -I$(srcdir)/src/core -MMD -MP
PG_CFLAGS   = $(WARNINGS)

EXTRA_CLEAN = $(DATA_built) $(OBJS:.o=.o.d) $(OBJS:.o=.bc.d) $(OBJS:.o=.d) test/unit/unit_tests test/fuzz/fuzz_business_interval \
              test/fuzz/fuzz_calendar test/fuzz/fuzz_rules test/fuzz/fuzz_clockflow results regression.diffs regression.out \
              sla-$(EXTVERSION).tar.gz

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(PGXS),)
PGXS := /usr/lib/postgresql/15/lib/pgxs/src/makefiles/pgxs.mk
endif
include $(PGXS)

# PGXS tracks no header dependencies: the compiler writes them (-MMD), so that a changed struct
# in a header rebuilds every object that uses it.  One file per target (-MF $@.d): the object and
# its LLVM bitcode (.bc, for JIT) are compiled from the same source, and a shared x.d would name
# only the one written last, leaving the object stale after a header change.  PGXS sets
# CPPFLAGS once (:=); made recursive again here, it names each rule's target ($@) when it runs.
PGXS_CPPFLAGS := $(CPPFLAGS)
override CPPFLAGS = $(PGXS_CPPFLAGS) -MF $@.d
-include $(OBJS:.o=.o.d) $(OBJS:.o=.bc.d)

sla--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

# The pure core builds on its own with a strict C11 compiler and sanitizers.
CORE_SRCS  = $(CORE_OBJS:.o=.c)
UNIT_SRCS  = $(wildcard test/unit/*.c)
SAN        = -fsanitize=address,undefined -fno-sanitize-recover=all
CORE_FLAGS = -std=c11 -O1 -g -Wall -Wextra -Werror -pedantic -Isrc/core -Itest/unit

test/unit/unit_tests: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard src/core/*.h test/unit/*.h)
	$(CC) $(CORE_FLAGS) $(SAN) -o $@ $(UNIT_SRCS) $(CORE_SRCS) -lm

unitcheck: test/unit/unit_tests
	./test/unit/unit_tests

FUZZ_CC     ?= clang
FUZZ_FLAGS   = -std=c11 -O1 -g -Wall -Wextra -Werror -Isrc/core -Itest/unit \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 20

test/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/unit/fixed_tz.c $(CORE_SRCS) $(wildcard src/core/*.h)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< test/unit/fixed_tz.c $(CORE_SRCS) -lm

# New inputs go to a scratch directory first; the committed seed corpora are read only.
FUZZ_WORK ?= /tmp/sla-fuzz
fuzz: test/fuzz/fuzz_business_interval test/fuzz/fuzz_calendar test/fuzz/fuzz_rules \
      test/fuzz/fuzz_clockflow
	mkdir -p $(FUZZ_WORK)/business_interval $(FUZZ_WORK)/calendar $(FUZZ_WORK)/rules \
		$(FUZZ_WORK)/clockflow
	./test/fuzz/fuzz_business_interval -max_total_time=$(FUZZ_SECONDS) -max_len=256 \
		$(FUZZ_WORK)/business_interval test/fuzz/corpus/business_interval
	./test/fuzz/fuzz_calendar -max_total_time=$(FUZZ_SECONDS) -max_len=512 -timeout=10 \
		$(FUZZ_WORK)/calendar test/fuzz/corpus/calendar
	./test/fuzz/fuzz_rules -max_total_time=$(FUZZ_SECONDS) -max_len=512 -timeout=10 \
		$(FUZZ_WORK)/rules test/fuzz/corpus/rules
	./test/fuzz/fuzz_clockflow -max_total_time=$(FUZZ_SECONDS) -max_len=1024 -timeout=10 \
		$(FUZZ_WORK)/clockflow test/fuzz/corpus/clockflow

prove:
	pg_prove --ext .sql -r test/pgtap

test:
	./test/run_all.sh

demo:
	./test/demo.sh $(if $(TICKETS),--tickets $(TICKETS))

bench:
	./bench/run.sh

bench-engine:
	./bench/engine_insert.sh

bench-report:
	./bench/compliance_report.sh

bench-breach:
	./bench/sql_in_cluster.sh bench/breach_backlog.sql -v tickets=$(or $(TICKETS),8000)

bench-views:
	./bench/sql_in_cluster.sh bench/active_views.sql

bench-burst:
	./bench/sql_in_cluster.sh bench/breach_burst.sql -v tickets=$(or $(TICKETS),10000)

bench-writer:
	./bench/sql_in_cluster.sh bench/writer_policy.sql

bench-writes:
	./bench/sql_in_cluster.sh bench/write_amplification.sql

bench-replay:
	./bench/sql_in_cluster.sh bench/replay.sql -v tickets=$(or $(TICKETS),20000)

bench-as-of:
	./bench/sql_in_cluster.sh bench/sla_log_as_of.sql -v tickets=$(or $(TICKETS),200000)

matrix:
	./test/matrix/run.sh

# The release tarball: the committed tree at HEAD (uncommitted changes are not in it), with its
# metadata checked against the version first.
dist: sla-$(EXTVERSION).tar.gz

sla-$(EXTVERSION).tar.gz: FORCE
	perl test/release/check_meta.pl $(EXTVERSION)
	git archive --format=tar.gz --prefix=sla-$(EXTVERSION)/ -o $@ HEAD
	@echo "$@: $$(tar -tzf $@ | wc -l) files"

FORCE:

# The Debian package postgresql-15-sla (debian/, built the way Debian builds extensions:
# pg_buildext, dpkg-buildpackage -us -uc -b) from a scratch copy of the work tree; the .deb lands in
# $(DEB_OUT).  test/deb/run.sh checks it (CI).
DEB_OUT ?= build/deb
deb:
	./test/deb/build.sh $(DEB_OUT)

.PHONY: unitcheck fuzz prove test demo bench bench-engine bench-report bench-breach bench-burst bench-views bench-writer bench-writes bench-replay bench-as-of matrix dist deb FORCE
