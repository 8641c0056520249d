/* A PAM conversation for the drivers whose stacks never prompt. */
#ifndef PF_TEST_SILENT_CONV_H
#define PF_TEST_SILENT_CONV_H

#include <security/pam_appl.h>

/* Answers every message with an empty response. */
int pf_silent_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data);

#endif
