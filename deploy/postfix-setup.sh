#!/bin/sh
# Adds emoguard to Postfix's milters without replacing the ones already there (OpenDKIM, rspamd,
# ...) and without touching any other setting. Run as root; then `postfix reload`.
#
#   deploy/postfix-setup.sh [-c POSTFIX_CONFIG_DIR] [-n] [-r] [MILTER]
#
# MILTER is the socket as Postfix names it: unix:/emoguard/milter.sock (default; Debian's smtpd is
# chrooted in /var/spool/postfix, so emoguard.conf's socket = unix:/var/spool/postfix/emoguard/
# milter.sock), or inet:127.0.0.1:PORT. -n prints what would change and changes nothing. -r takes
# MILTER out of both lists again (before removing the package), leaving every other entry.
#
# Where emoguard goes: before the first OpenDKIM entry (a socket path or name containing "dkim"),
# so that a DKIM signature of outgoing mail covers the headers emoguard adds; after every other
# milter (rspamd and the like judge the message as it came in; emoguard's own decision does not
# depend on their headers). Already present: nothing changes. non_smtpd_milters gets the same
# unless it is "$smtpd_milters" (then it follows by itself). Milters written as "{ ... }" groups
# are left alone with a message: edit those by hand.
set -eu
confdir=
dry=0
remove=0
while getopts c:nr o; do
    case $o in
    c) confdir=$OPTARG ;;
    n) dry=1 ;;
    r) remove=1 ;;
    *) echo "usage: $0 [-c POSTFIX_CONFIG_DIR] [-n] [-r] [MILTER]" >&2; exit 3 ;;
    esac
done
shift $((OPTIND - 1))
milter=${1:-unix:/emoguard/milter.sock}
case $milter in
unix:/* | inet:* | local:/*) ;;
*) echo "emoguard: '$milter' is not a Postfix milter address (unix:/PATH or inet:HOST:PORT)" >&2; exit 3 ;;
esac
pc() { if [ -n "$confdir" ]; then postconf -c "$confdir" "$@"; else postconf "$@"; fi 2>/dev/null; }

# Prints the list without MILTER (for -r).
without() {
    printf '%s\n' "$1" | tr ', \t' '\n\n\n' | awk -v m="$milter" '
        NF == 0 || $0 == m { next }
        { out = out (out == "" ? "" : ", ") $0 }
        END { print out }'
}

# Prints the new list: the old entries (comma or space separated), emoguard inserted before the
# first DKIM entry or appended; the same list when emoguard is in it already.
insert() {
    printf '%s\n' "$1" | tr ', \t' '\n\n\n' | awk -v m="$milter" '
        NF == 0 { next }
        { e[++n] = $0; if ($0 == m) have = 1 }
        END {
            out = ""; put = have
            for (i = 1; i <= n; i++) {
                if (!put && tolower(e[i]) ~ /dkim/) { out = out (out == "" ? "" : ", ") m; put = 1 }
                out = out (out == "" ? "" : ", ") e[i]
            }
            if (!put) out = out (out == "" ? "" : ", ") m
            print out
        }'
}

changed=0
for p in smtpd_milters non_smtpd_milters; do
    old=$(pc -h "$p")
    case $old in
    *'{'*)
        echo "emoguard: $p uses { } groups; add $milter to it by hand: $p = $old" >&2
        exit 2 ;;
    '$smtpd_milters' | '${smtpd_milters}' | '$(smtpd_milters)')
        [ "$p" = non_smtpd_milters ] && { echo "$p = $old (unchanged: follows smtpd_milters)"; continue; } ;;
    esac
    if [ "$remove" = 1 ]; then new=$(without "$old"); else new=$(insert "$old"); fi
    norm=$(printf '%s\n' "$old" | tr ', \t' '\n\n\n' | awk 'NF { o = o (o == "" ? "" : ", ") $0 } END { print o }')
    if [ "$new" = "$norm" ]; then
        if [ "$remove" = 1 ]; then
            echo "$p = $old (unchanged: $milter is not there)"
        else
            echo "$p = $old (unchanged: emoguard is already there)"
        fi
        continue
    fi
    echo "$p = $new   (was: ${old:-empty})"
    changed=1
    [ "$dry" = 1 ] || pc -e "$p = $new"
done

if [ "$remove" = 1 ]; then
    if [ "$changed" = 1 ] && [ "$dry" = 0 ]; then echo "done; apply with: postfix reload"; fi
    exit 0
fi

# Advice only: these belong to the administrator.
action=$(pc -h milter_default_action)
[ "$action" = tempfail ] || echo "note: milter_default_action = $action; emoguard recommends tempfail (mail waits while emoguard is down instead of passing unscanned)"
if [ "$changed" = 1 ] && [ "$dry" = 0 ]; then
    echo "done; apply with: postfix reload"
fi
