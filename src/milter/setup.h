/*
 * What the milter checks and sets up around its socket before the first mail: the unix socket's
 * mode and group (applied after the server listens, before it accepts), and the
 * start-up check behind `emoguard milter -t`, which loads everything the first mail would need
 * (domain lists, besides the YARA rules and IOC feeds the scanner already loads) and fails on what
 * is missing instead of letting the milter run weaker. It does not parse the configuration
 * (config.h) and does not speak the milter protocol itself.
 */
#ifndef EG_MILTER_SETUP_H
#define EG_MILTER_SETUP_H

#include "milter/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The file system path of a unix socket spec ("unix:/p", "local:/p", or a bare path);
 * NULL for inet sockets. Points into spec. */
const char *eg_milter_unix_path(const char *spec);

/* The group the socket gets: *set false when it stays as created (socket_group = none, or no
 * socket_group and no group "postfix"). A named group that does not exist is EG_ENOTFOUND. */
eg_status eg_milter_socket_group(const eg_milter_config *c, bool *set, gid_t *gid, char *err,
                                 size_t errlen);

/* chmod socket_mode and chgrp socket_group on a unix socket; nothing for inet. */
eg_status eg_milter_socket_apply(const eg_milter_config *c, char *err, size_t errlen);

/* The start-up check: domain lists readable (from data_dir or the default directory), the socket
 * spec well-formed, the unix socket's directory present, its group known, the JSON log's
 * directory present. The first problem goes to err. */
eg_status eg_milter_preflight(const eg_milter_config *c, char *err, size_t errlen);

#endif
