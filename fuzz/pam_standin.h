/*
 * A PAM handle without libpam, for fuzz/fuzz_auth.c: the calls
 * pam_frontegg.so makes of libpam (items, module data, pam_get_user, the
 * conversation through pam_prompt/pam_error, pam_syslog), each as
 * pam_start(3), pam_set_data(3), pam_get_item(3), pam_get_user(3) and
 * pam_end(3) document it, so the module's entry points can be driven in
 * process with no service file, no stack and no /etc/pam.d.
 */
#ifndef PF_PAM_STANDIN_H
#define PF_PAM_STANDIN_H

#include <security/pam_appl.h>

/* What the conversation does when asked (pam_get_user's prompt, messages). */
enum fz_conv_mode {
	FZ_CONV_ANSWER, /* answers a prompt with the configured text */
	FZ_CONV_FAIL,   /* returns PAM_CONV_ERR */
	FZ_CONV_AGAIN,  /* returns PAM_CONV_AGAIN (a non-blocking application) */
	FZ_CONV_NULL,   /* returns PAM_SUCCESS with no responses at all */
};

/* pam_start: service and user copied; a NULL user is prompted for later. */
pam_handle_t *fz_pam_start(const char *service, const char *user);
/* pam_set_item for the string items (PAM_RHOST, PAM_TTY, PAM_RUSER, ...). */
int fz_pam_set_item(pam_handle_t *pamh, int item, const char *value);
void fz_pam_conv(pam_handle_t *pamh, enum fz_conv_mode mode, const char *answer);
/* pam_end: every module data cleanup runs with status, then all is freed. */
void fz_pam_end(pam_handle_t *pamh, int status);

#endif
