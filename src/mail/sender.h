/*
 * Sender, thread and link checks over a decoded message (eg_mail_view): display name vs address,
 * header consistency (From, Reply-To, Return-Path, Sender, Authentication-Results from trusted
 * authserv-ids), signature addresses, reply-chain hijack, links and lure phrases. Domain lists
 * (free mail, Japanese ISPs, hosting) come from editable data files (data/).
 *
 * No GMime here: everything works on the view's strings.
 */
#ifndef EG_MAIL_SENDER_H
#define EG_MAIL_SENDER_H

#include "mail/mail.h"

void eg_sender_check(eg_scan *s, const eg_object *msg, const eg_mail_view *v);

#endif
