# rpxd: build, test and install. Needs OpenSSL 3, libconfuse and Check,
# found with pkg-config. `make SANITIZE=1` builds with ASan and UBSan;
# `make SANDBOX_DEBUG=1` makes a sandbox violation trap and be logged.
# `make KEYS_IN_WORKER=1` puts the private keys into the workers instead
# of key holders: a build for bench/ only, to measure what the key
# service costs; never install it.

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
LIBEXECDIR	?= $(PREFIX)/libexec
MANDIR		?= $(PREFIX)/share/man
EXAMPLESDIR	?= $(PREFIX)/share/examples/rpxd
SYSCONFDIR	?= /etc
SYSTEMDDIR	?= /lib/systemd/system
DESTDIR		?=

CC		?= cc
PKG_CONFIG	?= pkg-config
CFLAGS		?= -O2 -g
WARNFLAGS	= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		  -Wshadow -Wcast-qual -Wsign-compare -Wpointer-arith \
		  -Wformat=2
ifeq ($(WERROR),1)
WARNFLAGS	+= -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS		+= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=undefined
LDFLAGS		+= -fsanitize=address,undefined
# The seccomp filter then lets the sanitizer runtime's own calls through.
CPPFLAGS	+= -DRPXD_SANITIZER
endif
# The workers are forked from their template: a symbol a worker bound on
# its first call would write a page of the template's that it shares.
# Bound at start instead (and that table made read-only).
WORKER_LDFLAGS	?= -Wl,-z,relro,-z,now
ifeq ($(SANDBOX_DEBUG),1)
CPPFLAGS	+= -DRPXD_SANDBOX_DEBUG
endif

ifeq ($(KEYS_IN_WORKER),1)
KEYS_CPPFLAGS	= -DRPXD_KEYS_IN_WORKER
TLS_KEYS	= worker/tls_keys_local.c
else
TLS_KEYS	= worker/tls_keys_remote.c
endif

SSL_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags openssl)
SSL_LIBS	:= $(shell $(PKG_CONFIG) --libs openssl)
CONFUSE_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libconfuse)
CONFUSE_LIBS	:= $(shell $(PKG_CONFIG) --libs libconfuse)
CHECK_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS	:= $(shell $(PKG_CONFIG) --libs check)
# libwbclient (Samba's) for the domain checker of ntlm-source = winbind;
# without it rpxd-winbind is not built, and that option cannot be used.
# It takes Kerberos logins (negotiate-keytab) with MIT krb5's GSS-API
# (Debian libkrb5-dev); both are needed to build it.
WBC_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags wbclient krb5-gssapi krb5 2>/dev/null)
WBC_LIBS	:= $(shell $(PKG_CONFIG) --libs wbclient krb5-gssapi krb5 2>/dev/null)

ALL_CPPFLAGS	= -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Icommon -Iworker \
		  -Imaster -Ihealth -Ikeys $(KEYS_CPPFLAGS) \
		  -DRPXD_WORKER_PATH='"$(LIBEXECDIR)/rpxd-worker"' \
		  -DRPXD_CONF_PATH='"$(SYSCONFDIR)/rpxd.conf"' \
		  $(SSL_CFLAGS) $(CONFUSE_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS	= $(WARNFLAGS) $(CFLAGS)

# What both programs link, and what only the master links (libconfuse).
COMMON_SRCS	= common/log.c common/log_syslog.c common/msgbuf.c common/ipc.c \
		  common/scoreboard.c common/healthboard.c common/config_wire.c \
		  common/config_free.c common/config_ints.c common/tls_pem.c \
		  common/tls_backend.c common/keyproto.c common/clock.c \
		  common/base64.c common/ntlm_header.c common/ntlm_msg.c \
		  common/ntlm_utf16.c common/ntlm_verify.c common/ntlm_users.c \
		  common/netprefix.c common/ipc_addr.c common/pidmap.c \
		  common/addrboard.c common/der.c common/krb5_token.c \
		  common/spnego.c common/ntlm_mic.c
COMMON_SRCS	+= common/ipc_reader.c common/ipc_bounds.c common/metrics_board.c
CONFIG_SRCS	= common/config_parse.c common/config_pool.c common/config_check.c \
		  common/config_fleet.c common/config_metrics.c \
		  common/config_tls.c common/ocsp_check.c common/ocsp_request.c \
		  common/config_ad.c common/config_delegate.c
MASTER_SRCS	= $(filter-out master/main.c master/watch_%.c,$(wildcard master/*.c))
# How the master watches its workers' sockets: epoll on Linux.
ifeq ($(shell uname -s),Linux)
MASTER_SRCS	+= master/watch_epoll.c
else
MASTER_SRCS	+= master/watch_poll.c
endif
# One accept_wait_*.c per system: epoll (EPOLLEXCLUSIVE) on Linux.
ifeq ($(shell uname -s),Linux)
ACCEPT_WAIT	= worker/accept_wait_epoll.c
else
ACCEPT_WAIT	= worker/accept_wait_poll.c
endif
WORKER_SRCS	= $(filter-out worker/worker.c worker/accept_wait_%.c \
		  worker/sandbox_selftest.c worker/ntlm_selftest.c \
		  worker/stderr_selftest.c worker/board_selftest.c \
		  worker/tls_keys_%.c, \
		  $(wildcard worker/*.c)) $(ACCEPT_WAIT) $(TLS_KEYS)
# One sandbox_*.c per system (SANDBOX=null builds without one).
SYSTEM		:= $(shell uname -s)
ifeq ($(SYSTEM),Linux)
SANDBOX		?= linux
else ifeq ($(SYSTEM),OpenBSD)
SANDBOX		?= openbsd
else ifeq ($(SYSTEM),FreeBSD)
SANDBOX		?= freebsd
else
SANDBOX		?= null
endif
SANDBOX_SRCS	= common/sandbox_limits.c common/sandbox_$(SANDBOX).c
ifeq ($(SANDBOX),linux)
SANDBOX_SRCS	+= common/sandbox_trap.c
endif
# The health checker links the worker's pure parsers and its privdrop.
HEALTH_SRCS	= $(filter-out health/main.c,$(wildcard health/*.c))
HEALTH_WORKER_OBJS = worker/http_parse.o worker/chunked.o worker/privdrop.o
# The key holder: its keys, its signatures, its service loop with one
# ready_*.c per system (epoll on Linux), and the worker's privdrop.
ifeq ($(shell uname -s),Linux)
KEYS_READY	= keys/ready_epoll.c
else
KEYS_READY	= keys/ready_poll.c
endif
KEYS_SRCS	= $(filter-out keys/main.c keys/ready_%.c,$(wildcard keys/*.c)) \
		  $(KEYS_READY)
UNIT_SRCS	= $(wildcard tests/unit/*.c)

COMMON_OBJS	= $(COMMON_SRCS:.c=.o)
CONFIG_OBJS	= $(CONFIG_SRCS:.c=.o)
MASTER_OBJS	= $(MASTER_SRCS:.c=.o)
WORKER_OBJS	= $(WORKER_SRCS:.c=.o)
HEALTH_OBJS	= $(HEALTH_SRCS:.c=.o)
KEYS_OBJS	= $(KEYS_SRCS:.c=.o)
UNIT_OBJS	= $(UNIT_SRCS:.c=.o)
SANDBOX_OBJS	= $(SANDBOX_SRCS:.c=.o)

PROGS		= rpxd rpxd-worker rpxd-health rpxd-keys rpxctl
ifneq ($(WBC_LIBS),)
PROGS		+= rpxd-winbind
endif

all: $(PROGS)

rpxd: master/main.o $(MASTER_OBJS) $(CONFIG_OBJS) $(COMMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CONFUSE_LIBS) $(SSL_LIBS)

rpxd-worker: worker/worker.o $(WORKER_OBJS) $(SANDBOX_OBJS) $(COMMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(WORKER_LDFLAGS) -o $@ $^ $(SSL_LIBS)

rpxd-health: health/main.o $(HEALTH_OBJS) $(HEALTH_WORKER_OBJS) \
		$(SANDBOX_OBJS) $(COMMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SSL_LIBS)

rpxd-keys: keys/main.o $(KEYS_OBJS) worker/privdrop.o $(SANDBOX_OBJS) \
		$(COMMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SSL_LIBS)

# The domain checker: its setup, login check and groups.
WINBIND_OBJS	= winbind/main.o winbind/auth.o winbind/groups.o \
		  winbind/kerberos.o winbind/delegate.o
rpxd-winbind: $(WINBIND_OBJS) $(SANDBOX_OBJS) $(COMMON_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(WBC_LIBS) $(SSL_LIBS)

winbind/%.o: winbind/%.c
	$(CC) $(ALL_CPPFLAGS) $(WBC_CFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

rpxctl: ctl/rpxctl.o ctl/ticket_key.o common/config_fleet.o common/base64.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SSL_LIBS)

# For the integration tests only, never installed: a worker that breaks
# its sandbox on request (GET /.rpxd-sandbox-selftest/open, execve,
# socket-unix), to show that the sandbox kills it.
SELFTEST_OBJS	= worker/worker.o $(filter-out worker/session.o,$(WORKER_OBJS)) \
		  worker/session-selftest.o worker/sandbox_selftest.o \
		  worker/ntlm_selftest.o worker/stderr_selftest.o \
		  worker/board_selftest.o \
		  $(SANDBOX_OBJS) $(COMMON_OBJS)
rpxd-worker-selftest: $(SELFTEST_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SSL_LIBS)

# For the integration tests only, never installed: a child that attacks
# the master (a stalled frame, an oversized or unexpected one, a flood, a
# socket it never reads), run in a worker's place by t_96_hostile.sh.
HOSTILE_OBJS	= tests/hostile/hostile_worker.o tests/hostile/hostile_template.o \
		  $(COMMON_OBJS)
tests/hostile/rpxd-hostile: $(HOSTILE_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SSL_LIBS)

worker/session-selftest.o: worker/session.c
	$(CC) $(ALL_CPPFLAGS) -DRPXD_SANDBOX_SELFTEST $(ALL_CFLAGS) \
	    -MMD -MP -c -o $@ $<

tests/unit/rpxd-unit: $(UNIT_OBJS) $(WORKER_OBJS) $(HEALTH_OBJS) $(KEYS_OBJS) \
		$(MASTER_OBJS) $(CONFIG_OBJS) $(COMMON_OBJS) $(SANDBOX_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) \
	    $(CONFUSE_LIBS) $(SSL_LIBS)

tests/unit/%.o: tests/unit/%.c
	$(CC) $(ALL_CPPFLAGS) $(CHECK_CFLAGS) -Itests/unit \
	    -DTEST_TOP='"$(CURDIR)"' $(ALL_CFLAGS) \
	    -MMD -MP -c -o $@ $<

%.o: %.c
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(wildcard */*.d tests/unit/*.d tests/hostile/*.d)

# A KEYS_IN_WORKER build must not be mixed with a normal one's objects.
BUILD_FLAVOUR	= keys-in-worker=$(KEYS_IN_WORKER)
.flavour: FORCE
	@test "$$(cat $@ 2>/dev/null)" = "$(BUILD_FLAVOUR)" || \
	    { rm -f $(PROGS) rpxd-worker-selftest master/*.o worker/*.o \
	    keys/*.o; \
	    echo "$(BUILD_FLAVOUR)" > $@; }
$(COMMON_OBJS) $(MASTER_OBJS) $(WORKER_OBJS) $(KEYS_OBJS) master/main.o \
    worker/worker.o keys/main.o worker/session-selftest.o: .flavour

# libFuzzer harnesses (tests/fuzz/), always built with clang and ASan +
# UBSan, in their own object tree. `make fuzz-smoke` runs each a few
# seconds over its seed corpus and saved crashes; the harnesses named in
# FUZZ_EXPECT_FAIL find a known bug today (tests/fuzz/crashes/), so their
# failure is reported but not fatal, and their passing is (take them out).
FUZZ_CC		= clang
FUZZ_SAN	= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		  -fno-omit-frame-pointer
FUZZ_HARNESSES	= http_request http_response chunked ntlm_msg ntlm_header \
		  base64 keys verdict ipc ipc_reader proxy status krb5_token \
		  spnego
FUZZ_EXPECT_FAIL =
FUZZ_SMOKE_TIME	= 5
FUZZ_BINS	= $(FUZZ_HARNESSES:%=tests/fuzz/bin/fuzz_%)
FUZZ_LIB_SRCS	= $(COMMON_SRCS) $(CONFIG_SRCS) $(MASTER_SRCS) $(HEALTH_SRCS) \
		  $(KEYS_SRCS) worker/http_parse.c worker/chunked.c \
		  worker/proxy_header.c \
		  tests/fuzz/json_check.c tests/fuzz/fuzz_send.c
FUZZ_LIB	= tests/fuzz/obj/librpxd-fuzz.a

fuzz: $(FUZZ_BINS)

# The harness objects are not intermediate files to delete.
.SECONDARY: $(FUZZ_HARNESSES:%=tests/fuzz/obj/tests/fuzz/fuzz_%.o)

fuzz-smoke: fuzz
	FUZZ_EXPECT_FAIL="$(FUZZ_EXPECT_FAIL)" bash tests/fuzz/smoke.sh \
	    $(FUZZ_SMOKE_TIME) $(FUZZ_HARNESSES)

$(FUZZ_LIB): $(FUZZ_LIB_SRCS:%.c=tests/fuzz/obj/%.o)
	rm -f $@
	ar rcs $@ $^

tests/fuzz/bin/fuzz_%: tests/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(CONFUSE_LIBS) \
	    $(SSL_LIBS)

tests/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(ALL_CPPFLAGS) -Itests/fuzz $(WARNFLAGS) -g -O1 \
	    $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

-include $(wildcard tests/fuzz/obj/*/*.d tests/fuzz/obj/tests/fuzz/*.d)

# Unit tests, then the integration tests against real peers (root only).
check: unit-check integration-check

unit-check: tests/unit/rpxd-unit
	CK_FORK=yes tests/unit/rpxd-unit

integration-check: $(PROGS) rpxd-worker-selftest tests/hostile/rpxd-hostile
	bash tests/integration/run.sh

install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 rpxd $(DESTDIR)$(SBINDIR)/rpxd
	install -m 0755 rpxctl $(DESTDIR)$(SBINDIR)/rpxctl
	install -m 0755 rpxd-worker $(DESTDIR)$(LIBEXECDIR)/rpxd-worker
	install -m 0755 rpxd-health $(DESTDIR)$(LIBEXECDIR)/rpxd-health
	install -m 0755 rpxd-keys $(DESTDIR)$(LIBEXECDIR)/rpxd-keys
	if [ -f rpxd-winbind ]; then install -m 0755 rpxd-winbind \
	    $(DESTDIR)$(LIBEXECDIR)/rpxd-winbind; fi
	install -m 0644 etc/rpxd.8 $(DESTDIR)$(MANDIR)/man8/rpxd.8
	install -m 0644 etc/rpxctl.8 $(DESTDIR)$(MANDIR)/man8/rpxctl.8
	install -m 0644 etc/rpxd.conf.5 $(DESTDIR)$(MANDIR)/man5/rpxd.conf.5
	install -d $(DESTDIR)$(EXAMPLESDIR)
	install -m 0644 etc/examples/*.conf $(DESTDIR)$(EXAMPLESDIR)
	$(MAKE) install-service
	test -e $(DESTDIR)$(SYSCONFDIR)/rpxd.conf || { \
	    install -d $(DESTDIR)$(SYSCONFDIR); \
	    install -m 0644 etc/rpxd.conf $(DESTDIR)$(SYSCONFDIR)/rpxd.conf; }

# The service files of this system, with the installed paths put in.
SERVICE_SED	= sed -e 's|/usr/local/sbin/rpxd|$(SBINDIR)/rpxd|g' \
		  -e 's|/etc/rpxd.conf|$(SYSCONFDIR)/rpxd.conf|g' \
		  -e 's|/usr/local/etc/rpxd.conf|$(SYSCONFDIR)/rpxd.conf|g'
install-service:
ifeq ($(shell uname -s),Linux)
	install -d $(DESTDIR)$(SYSCONFDIR)/init.d $(DESTDIR)$(SYSTEMDDIR)
	$(SERVICE_SED) etc/init/rpxd.init > $(DESTDIR)$(SYSCONFDIR)/init.d/rpxd
	chmod 0755 $(DESTDIR)$(SYSCONFDIR)/init.d/rpxd
	$(SERVICE_SED) etc/init/rpxd.service > $(DESTDIR)$(SYSTEMDDIR)/rpxd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDDIR)/rpxd.service
else ifeq ($(shell uname -s),FreeBSD)
	install -d $(DESTDIR)$(PREFIX)/etc/rc.d
	$(SERVICE_SED) etc/init/rpxd.rc.freebsd > $(DESTDIR)$(PREFIX)/etc/rc.d/rpxd
	chmod 0755 $(DESTDIR)$(PREFIX)/etc/rc.d/rpxd
else ifeq ($(shell uname -s),OpenBSD)
	install -d $(DESTDIR)/etc/rc.d
	$(SERVICE_SED) etc/init/rpxd.rc.openbsd > $(DESTDIR)/etc/rc.d/rpxd
	chmod 0555 $(DESTDIR)/etc/rc.d/rpxd
endif

clean:
	rm -f $(PROGS) rpxd-worker-selftest tests/unit/rpxd-unit */*.o \
	    */*.d tests/unit/*.o tests/unit/*.d .flavour
	rm -f tests/hostile/rpxd-hostile tests/hostile/*.o tests/hostile/*.d
	rm -rf tests/fuzz/obj tests/fuzz/bin

.PHONY: all check unit-check integration-check install install-service \
	clean fuzz fuzz-smoke FORCE
FORCE:
