# Cross-compiles emoguard.exe for 64-bit Windows with mingw-w64: the hostcheck command only
# (live system, artifact CSVs, remediation), without GLib, GMime, OpenSSL or hivex. Hive files
# are read by the Linux build. Run through `make windows` from the top directory.
CC      = x86_64-w64-mingw32-gcc
OUT    ?= build-win
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Iinclude -Isrc \
          -DEG_HOST_NO_HIVEX -DEG_HOSTCHECK_MAIN -D__USE_MINGW_ANSI_STDIO=1 -D_WIN32_WINNT=0x0602
LDLIBS  = -ladvapi32

SRC = src/core/buf.c src/core/utf8.c src/core/strutil.c src/core/log.c src/core/names.c \
      src/host/snapshot.c src/host/emocheck.c src/host/csv.c src/host/check.c \
      src/host/report.c src/host/fleet.c src/host/plan.c src/host/dir.c src/host/host_win32.c \
      src/host/audit.c src/host/audit_applocker.c src/host/audit_report.c src/host/harden.c \
      src/cli/cmd_hostcheck.c
OBJ = $(SRC:%.c=$(OUT)/%.o)

all: $(OUT)/emoguard.exe

$(OUT)/emoguard.exe: $(OBJ)
	$(CC) $(CFLAGS) -static -o $@ $(OBJ) $(LDLIBS)
	@echo "built $@"

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

clean:
	rm -rf $(OUT)

.PHONY: all clean
