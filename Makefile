# mqfsck - the fsck for sendmail mail queues.
#
#   make              build ./mqfsck
#   make check        install missing test packages, then run every test
#                     (unit tests and end-to-end fixtures under ASan+UBSan,
#                     a short libFuzzer run, valgrind, clang-tidy, cppcheck,
#                     mandoc -Tlint); the last line is "N passed, N failed"
#   make demo         run mqfsck on a scratch copy of a crashed example queue
#   make fuzz         a long libFuzzer run (FUZZ_SECONDS per target)
#   make lint         clang-tidy, cppcheck, mandoc -Tlint only
#   make install      PREFIX (/usr/local) and DESTDIR honoured: the program,
#                     mqfsck(8), sendmail-queue(5), the systemd unit and
#                     drop-in (SYSTEMDUNITDIR), the SysV snippet (DATADIR)
#   make uninstall    remove what make install installed (same variables)
#   make deb          the Debian package, into build/deb (debian/)
#   make distcheck    install/uninstall into a DESTDIR, make deb, lintian
#
# Packagers: CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS are yours and come after
# the build's own, so they win.  SYSCONFDIR (/etc), LOCALSTATEDIR (/var)
# and RUNSTATEDIR (LOCALSTATEDIR/run) make every compiled-in path (the
# sendmail configurations, pid files, the archive directory, the key);
# mqfsck -V shows them.  -Werror is on in a git checkout (developers, CI,
# make check) and off in a release or package build; WERROR= or
# WERROR=-Werror decides it.  Changed flags rebuild everything.
#   make fixtures-update   rewrite the expected outputs of the e2e fixtures
#   make bench        time mqfsck -n on generated 100k and 1M job queues against
#                     the I/O floor and sendmail -bp (bench/README.md)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= $(LOCALSTATEDIR)/run
DESTDIR ?=
WERROR ?= $(if $(wildcard .git),-Werror,)

CC ?= cc
CLANG ?= clang
PKG_CONFIG ?= pkg-config

CSTD = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN = -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wformat=2 -Wcast-qual -Wpointer-arith \
       -Wwrite-strings -Wvla -Wimplicit-fallthrough -Wnull-dereference \
       -Wundef -fno-common
ifeq ($(shell $(CC) --version 2>/dev/null | grep -qi clang || echo gcc),gcc)
WARN += -Wformat-truncation=2 -Wformat-overflow=2
endif
HARDEN = -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
         -fstack-clash-protection -fPIE
HARDEN_LD = -pie -Wl,-z,relro -Wl,-z,now
SAN = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
      -fno-sanitize-recover=all

# Libraries come from pkg-config; a missing one stops the build clearly.
PKGS = libarchive libcrypto zlib
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
PKG_MISSING := $(shell for p in $(PKGS); do $(PKG_CONFIG) --exists $$p 2>/dev/null || echo $$p; done)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Each layer sees only itself and the layers below it (docs/ARCHITECTURE.md),
# so an include that runs up a layer fails to compile; mk/layers.sh says
# the same in make check.  Tests see everything.
INC_format = -Iformat
INC_system = -Isystem $(INC_format)
INC_model = -Imodel $(INC_system)
INC_repair = -Irepair $(INC_model)
INC_fsck = -Ifsck $(INC_repair)
INC = $(INC_fsck) -Itests/unit
# Compiled-in paths (format/paths.h has the defaults, for tools that
# compile one file alone).
PATH_DEFS = -DMQ_SYSCONFDIR='"$(SYSCONFDIR)"' \
            -DMQ_LOCALSTATEDIR='"$(LOCALSTATEDIR)"' \
            -DMQ_RUNSTATEDIR='"$(RUNSTATEDIR)"'
CFLAGS_REL = $(CSTD) $(PATH_DEFS) $(WARN) $(HARDEN) -g -pthread $(INC) \
             $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
CFLAGS_SAN = $(CSTD) $(PATH_DEFS) $(WARN) $(SAN) -pthread $(INC) \
             $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)

QF_SRC = format/qf.c format/qf_judge.c format/qf_edit.c format/qf_class.c \
    format/fold.c format/grow.c
CF_SRC = format/cf.c format/cf_values.c format/cf_queue.c format/fold.c
SIO_SRC = format/sio.c format/sio_write.c
FORMAT_SRC = format/err.c format/esc.c format/qid.c $(sort $(QF_SRC) $(CF_SRC)) \
             $(SIO_SRC)
SYSTEM_SRC = system/sysinfo.c system/locks.c system/dirlist.c
MODEL_SRC = model/problem_table.c model/index.c model/inomap.c model/plan.c
FSCK_SRC = fsck/main.c fsck/problem.c fsck/report_ci.c \
           fsck/pass0_qdir.c fsck/pass1_scan.c fsck/pass3_jobs.c \
           fsck/pass3_pairing.c \
           fsck/pass4_lostfound.c fsck/queues.c fsck/progress.c fsck/logsys.c \
           fsck/metrics.c fsck/trust.c fsck/stop.c \
           fsck/archive_cmd.c fsck/report.c fsck/select.c fsck/show.c fsck/shape.c \
           fsck/scanahead.c
ARC_SRC = repair/arc_common.c repair/arc_write.c repair/arc_gzip.c repair/arc_read.c \
          repair/arc_list.c repair/arc_restore.c
REPAIR_SRC = $(ARC_SRC) repair/repair.c repair/repair_archive.c \
             repair/repair_apply.c repair/closer.c
PROG_SRC = $(FSCK_SRC) $(SYSTEM_SRC) $(MODEL_SRC) $(FORMAT_SRC) $(REPAIR_SRC)

# Unit tests: tests/unit/test_<name>.c, each linked with what it tests.
UNIT_TESTS = qid qf corpus esc sio sio_write sysinfo cf problem select dirlist arc_write arc_read \
             arc_list arc_restore inomap plan repair closer trust
UNIT_SRC_qid = format/qid.c format/err.c
UNIT_SRC_qf = $(QF_SRC) format/err.c tests/unit/qf_expect.c
UNIT_SRC_corpus = $(QF_SRC) format/err.c tests/unit/qf_expect.c
UNIT_SRC_sio = $(SIO_SRC) format/esc.c format/err.c tests/unit/scratch.c \
               tests/unit/sio_fixture.c
UNIT_SRC_sio_write = $(UNIT_SRC_sio)
UNIT_SRC_esc = format/esc.c
UNIT_SRC_sysinfo = system/sysinfo.c $(SIO_SRC) format/esc.c format/err.c tests/unit/scratch.c
UNIT_SRC_cf = $(CF_SRC) format/esc.c format/err.c
UNIT_SRC_problem = fsck/problem.c fsck/select.c format/qid.c fsck/report.c fsck/report_ci.c fsck/metrics.c $(SIO_SRC) model/problem_table.c model/plan.c fsck/progress.c fsck/logsys.c $(QF_SRC) format/esc.c format/err.c
UNIT_SRC_dirlist = system/dirlist.c format/grow.c format/err.c
ARC_TEST_SRC = $(ARC_SRC) format/esc.c format/qid.c $(SIO_SRC) format/err.c \
               tests/unit/scratch.c tests/unit/arc_fixture.c
UNIT_SRC_arc_write = $(ARC_TEST_SRC)
UNIT_SRC_arc_read = $(ARC_TEST_SRC)
UNIT_SRC_arc_list = $(ARC_TEST_SRC)
UNIT_SRC_arc_restore = $(ARC_TEST_SRC)
UNIT_SRC_inomap = model/inomap.c
UNIT_SRC_closer = repair/closer.c tests/unit/scratch.c
UNIT_SRC_trust = fsck/trust.c $(SIO_SRC) format/esc.c format/err.c tests/unit/scratch.c
UNIT_SRC_plan = model/plan.c model/problem_table.c format/err.c
UNIT_SRC_select = fsck/select.c model/problem_table.c format/qid.c format/grow.c format/err.c
UNIT_SRC_repair = $(REPAIR_SRC) $(MODEL_SRC) $(FORMAT_SRC) tests/unit/scratch.c

FUZZ_TARGETS = qname qf
FUZZ_SRC_qname = format/qid.c format/err.c
FUZZ_SRC_qf = $(QF_SRC) format/err.c
FUZZ_SECONDS ?= 600
FUZZ_CHECK_SECONDS ?= 20

rel = build/rel
san = build/san
fuzz = build/fuzz

# Objects depend on the flags they were built with: another CFLAGS,
# CPPFLAGS, WERROR or path rebuilds them (build/*/.flags, rewritten only
# when the flags change).
REL_FLAGS := $(CFLAGS_REL) $(CMOCKA_CFLAGS) | $(HARDEN_LD) $(LDFLAGS) | $(LDLIBS)
SAN_FLAGS := $(CFLAGS_SAN) $(CMOCKA_CFLAGS) | $(LDFLAGS) | $(LDLIBS)
ifneq ($(REL_FLAGS),$(file < $(rel)/.flags))
$(shell mkdir -p $(rel))
$(file > $(rel)/.flags,$(REL_FLAGS))
endif
ifneq ($(SAN_FLAGS),$(file < $(san)/.flags))
$(shell mkdir -p $(san))
$(file > $(san)/.flags,$(SAN_FLAGS))
endif

.PHONY: all check check-build unit demo fuzz hostile lint install uninstall clean deps interop \
        deps-test deps-deb deb distcheck fixtures-update pkgs-present man bench
.DELETE_ON_ERROR:

all: mqfsck

deps:
	@sh mk/deps.sh build

deps-test:
	@sh mk/deps.sh test

deps-deb:
	@sh mk/deps.sh deb

# --- objects -----------------------------------------------------------

$(rel)/format/%.o $(san)/format/%.o: INC = $(INC_format)
$(rel)/system/%.o $(san)/system/%.o: INC = $(INC_system)
$(rel)/model/%.o $(san)/model/%.o: INC = $(INC_model)
$(rel)/repair/%.o $(san)/repair/%.o: INC = $(INC_repair)
$(rel)/fsck/%.o $(san)/fsck/%.o: INC = $(INC_fsck)

$(rel)/%.o: %.c $(rel)/.flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_REL) -MMD -MP -c $< -o $@

$(san)/%.o: %.c $(san)/.flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_SAN) -MMD -MP -c $< -o $@

$(rel)/tests/unit/%.o: tests/unit/%.c $(rel)/.flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_REL) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

$(san)/tests/unit/%.o: tests/unit/%.c $(san)/.flags
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_SAN) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

# --- the program -------------------------------------------------------

pkgs-present:
ifneq ($(strip $(PKG_MISSING)),)
	@echo "mqfsck: pkg-config cannot find: $(strip $(PKG_MISSING))." \
	    "Install libarchive-dev, libssl-dev and zlib1g-dev (make deps does)." >&2
	@exit 1
endif

mqfsck: $(PROG_SRC:%.c=$(rel)/%.o) | pkgs-present
	$(CC) $(HARDEN) $(HARDEN_LD) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) \
	    $(PKG_LIBS) -pthread $(LDLIBS)

$(san)/mqfsck: $(PROG_SRC:%.c=$(san)/%.o) | pkgs-present
	$(CC) $(SAN) $(LDFLAGS) -o $@ $(filter %.o,$^) $(PKG_LIBS) -pthread $(LDLIBS)

# --- unit tests (sanitized for check, plain for valgrind) --------------

define unit_rules
$(san)/tests/test_$(1): $(san)/tests/unit/test_$(1).o $(UNIT_SRC_$(1):%.c=$(san)/%.o)
	$$(CC) $$(SAN) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(CMOCKA_LIBS) $$(PKG_LIBS) $$(LDLIBS)
$(rel)/tests/test_$(1): $(rel)/tests/unit/test_$(1).o $(UNIT_SRC_$(1):%.c=$(rel)/%.o)
	$$(CC) $$(HARDEN) $$(HARDEN_LD) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(CMOCKA_LIBS) $$(PKG_LIBS) $$(LDLIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rules,$(t))))

UNIT_SAN = $(UNIT_TESTS:%=$(san)/tests/test_%)
UNIT_REL = $(UNIT_TESTS:%=$(rel)/tests/test_%)

# --- fuzz targets (clang libFuzzer) ------------------------------------

FUZZ_FLAGS = $(CSTD) $(INC) -g -O1 -fsanitize=fuzzer,address,undefined \
             -fno-sanitize-recover=all

define fuzz_rules
$(fuzz)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1)) format/*.h format/*.def
	@mkdir -p $$(@D)
	$$(CLANG) $$(FUZZ_FLAGS) -o $$@ tests/fuzz/fuzz_$(1).c $(FUZZ_SRC_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rules,$(t))))

FUZZ_BINS = $(FUZZ_TARGETS:%=$(fuzz)/fuzz_%)

# --- running -----------------------------------------------------------

TEST_ENV = MQ_UNIT_SAN="$(UNIT_SAN)" MQ_UNIT_REL="$(UNIT_REL)" \
           MQ_MKMAN=$(rel)/tests/mkman \
           MQ_FUZZ="$(FUZZ_BINS)" MQ_FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) \
           MQ_MQFSCK=$(san)/mqfsck MQ_MQFSCK_REL=$(CURDIR)/mqfsck \
           MQ_SRC="$(PROG_SRC) $(wildcard tests/unit/*.c)" \
           MQ_CFLAGS="$(CSTD) $(INC) $(PKG_CFLAGS) $(CMOCKA_CFLAGS)"

check: deps-test
	@$(MAKE) --no-print-directory check-build
	@$(TEST_ENV) sh tests/run_tests.sh all

check-build: $(UNIT_SAN) $(UNIT_REL) $(san)/mqfsck $(FUZZ_BINS) mqfsck \
    $(rel)/tests/mkman

unit: $(UNIT_SAN)
	@$(TEST_ENV) sh tests/run_tests.sh unit

lint: $(UNIT_SAN)
	@$(TEST_ENV) sh tests/run_tests.sh lint

# hostile - more seeds of the randomized hostile-queue test than make
# check runs (HOSTILE_SEEDS, from HOSTILE_FIRST)
HOSTILE_SEEDS = 200
HOSTILE_FIRST = 1
hostile: $(san)/mqfsck
	@$(TEST_ENV) MQ_HOSTILE_SEEDS=$(HOSTILE_SEEDS) \
	    MQ_HOSTILE_FIRST=$(HOSTILE_FIRST) sh tests/run_tests.sh hostile

fuzz: deps-test
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@$(TEST_ENV) MQ_FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/run_tests.sh fuzz

interop: mqfsck
	@$(TEST_ENV) sh tests/run_tests.sh interop

fixtures-update: $(san)/mqfsck
	@MQ_MQFSCK=$(san)/mqfsck sh tests/e2e/run_all.sh --update

# The PROBLEMS section of the manual is printed from the problem table.
MKMAN_SRC = tests/tools/mkman.c fsck/problem.c fsck/select.c format/qid.c fsck/report.c fsck/report_ci.c fsck/metrics.c $(SIO_SRC) model/problem_table.c model/plan.c fsck/progress.c fsck/logsys.c \
    $(QF_SRC) format/esc.c format/err.c
$(rel)/tests/mkman: $(MKMAN_SRC) model/problems.def format/qf_defects.def fsck/problem.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_REL) -o $@ $(MKMAN_SRC) $(PKG_LIBS)

man: $(rel)/tests/mkman
	@$(rel)/tests/mkman >build/problems.mdoc
	@awk -v gen=build/problems.mdoc '/^\.\\" END PROBLEMS/ { while ((getline l < gen) > 0) print l; skip = 0 } !skip { print } /^\.\\" BEGIN PROBLEMS/ { skip = 1 }' \
	    man/mqfsck.8 >build/mqfsck.8.new && mv build/mqfsck.8.new man/mqfsck.8
	@echo "man/mqfsck.8: PROBLEMS section rewritten from model/problems.def"

bench: mqfsck
	@sh bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory mqfsck
	@sh mk/demo.sh ./mqfsck

# --- install -----------------------------------------------------------

# The boot integration names the installed binary: its path follows SBINDIR;
# the unit's mount dependencies follow LOCALSTATEDIR, its comments
# SYSCONFDIR.
INSTALL_SED = -e 's|/usr/local/sbin/mqfsck|$(SBINDIR)/mqfsck|g' \
              -e 's|/var/lib/mqfsck|$(LOCALSTATEDIR)/lib/mqfsck|g' \
              -e 's|/var/spool/mqueue|$(LOCALSTATEDIR)/spool/mqueue|g' \
              -e 's|/etc/mail/|$(SYSCONFDIR)/mail/|g'
INSTALLED = $(SBINDIR)/mqfsck $(MANDIR)/man8/mqfsck.8 \
            $(MANDIR)/man5/sendmail-queue.5 \
            $(SYSTEMDUNITDIR)/mqfsck.service \
            $(SYSTEMDUNITDIR)/sendmail.service.d/mqfsck.conf \
            $(DATADIR)/mqfsck/mqfsck.sh $(DATADIR)/mqfsck/mqfsck.schema.json \
            $(DATADIR)/mqfsck/mqfsck.rules.yml

install: mqfsck
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSTEMDUNITDIR) \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/sendmail.service.d \
	    $(DESTDIR)$(DATADIR)/mqfsck
	install -m 0755 mqfsck $(DESTDIR)$(SBINDIR)/mqfsck
	install -m 0644 man/mqfsck.8 $(DESTDIR)$(MANDIR)/man8/mqfsck.8
	install -m 0644 man/sendmail-queue.5 \
	    $(DESTDIR)$(MANDIR)/man5/sendmail-queue.5
	sed $(INSTALL_SED) contrib/systemd/mqfsck.service >build/mqfsck.service
	install -m 0644 build/mqfsck.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/mqfsck.service
	install -m 0644 contrib/systemd/sendmail.service.d/mqfsck.conf \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/sendmail.service.d/mqfsck.conf
	sed $(INSTALL_SED) contrib/sysv/mqfsck.sh >build/mqfsck.sh
	install -m 0644 build/mqfsck.sh $(DESTDIR)$(DATADIR)/mqfsck/mqfsck.sh
	install -m 0644 docs/mqfsck.schema.json \
	    $(DESTDIR)$(DATADIR)/mqfsck/mqfsck.schema.json
	install -m 0644 contrib/prometheus/mqfsck.rules.yml \
	    $(DESTDIR)$(DATADIR)/mqfsck/mqfsck.rules.yml

# The archives of past repairs (LOCALSTATEDIR/lib/mqfsck) hold mail: they
# are never removed.  Directories are removed only if empty and mqfsck's.
uninstall:
	rm -f $(INSTALLED:%=$(DESTDIR)%)
	rmdir $(DESTDIR)$(DATADIR)/mqfsck \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/sendmail.service.d 2>/dev/null || :

# --- Debian package --------------------------------------------------------

# make deb: dpkg-buildpackage on a copy of the source (no build/, no .git,
# so -Werror is off as in any package build); the .deb and its
# .buildinfo/.changes land in build/deb.
deb: deps-deb
	@sh mk/deb.sh build/deb

# make distcheck: what a packager does: install and uninstall into a
# DESTDIR, make deb, lintian, and as root dpkg -i, systemd-analyze verify,
# dpkg -r (the archives of past repairs stay).
distcheck: deps-deb
	@sh mk/distcheck.sh build/deb

clean:
	rm -rf build mqfsck

-include $(shell find $(rel) $(san) -name '*.d' -type f 2>/dev/null)
