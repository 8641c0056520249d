/*
 * The module <-> helper protocol for the machine verbs. The module runs
 *
 *   frontegg-lockout VERB USER      (empty environment, stdin a pipe)
 *
 * and reads one line from stdout. Formatting and parsing both live here so
 * the two sides cannot drift apart.
 *
 *   check USER           -> "allow" | "host-locked UNTIL" | "cloud-locked"
 *                           | "cloud-stale" | "error"
 *   refresh USER (root)  -> as check, after asking Frontegg
 *   record-failure USER  -> stdin: "service=..\nrhost=..\ntty=..\n";
 *                           "counted N" | "locked UNTIL" | "while-locked N" | "exempt N"
 *   record-success USER  -> "cleared" | "locked"
 *   push USER (root)     -> delivers USER's outbox entry; "pushed" | "pending"
 */
#ifndef PAM_FRONTEGG_PROTOCOL_H
#define PAM_FRONTEGG_PROTOCOL_H

#include "lockout.h"

#define PF_VERB_CHECK          "check"
#define PF_VERB_REFRESH        "refresh"
#define PF_VERB_RECORD_FAILURE "record-failure"
#define PF_VERB_RECORD_SUCCESS "record-success"
#define PF_VERB_PUSH           "push"

/* The fixed replies of record-success and push. */
#define PF_REPLY_CLEARED "cleared\n"
#define PF_REPLY_LOCKED  "locked\n"
#define PF_REPLY_PUSHED  "pushed\n"
#define PF_REPLY_PENDING "pending\n"
#define PF_REPLY_PARKED  "parked\n"

#define PF_REPLY_MAX 128
#define PF_EVENT_MAX 512

/* Exit status of frontegg-lockout (machine and admin verbs alike). */
enum pf_exit {
	PF_EXIT_OK = 0,
	PF_EXIT_FAILURE = 1, /* the operation failed; the line on stderr says why */
	PF_EXIT_USAGE = 2,
	PF_EXIT_DENIED = 3, /* not allowed for this caller */
	PF_EXIT_CONFIG = 4,
	PF_EXIT_STATE = 5,
	PF_EXIT_CLOUD = 6, /* Frontegg could not be reached or refused */
};

size_t pf_reply_check_format(const struct pf_check *c, char *buf, size_t size);
enum pf_rc pf_reply_check_parse(const char *line, struct pf_check *out);

size_t pf_reply_failure_format(const struct pf_failure_result *r, char *buf, size_t size);
enum pf_rc pf_reply_failure_parse(const char *line, struct pf_failure_result *out);

/* The failure event on the helper's stdin; fields are sanitised by pf_field_copy. */
size_t pf_event_format(const struct pf_auth_event *ev, char *buf, size_t size);
enum pf_rc pf_event_parse(const char *text, size_t len, struct pf_failure *out);

#endif
