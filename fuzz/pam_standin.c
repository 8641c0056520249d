/*
 * The libpam calls of pam_frontegg.so, as libpam documents them (see
 * pam_standin.h). Every message the module logs or shows is formatted and
 * checked: a name or a server answer must never forge a line.
 */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "fuzz_util.h"
#include "pam_standin.h"

#define ITEMS 16

struct data {
	char *name;
	void *value;
	void (*cleanup)(pam_handle_t *, void *, int);
	struct data *next;
};

struct pam_handle {
	char *item[ITEMS]; /* the string items, by PAM_* number */
	struct data *data;
	enum fz_conv_mode conv;
	char *answer;
};

static char *dup_or_null(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		abort();
	return d;
}

pam_handle_t *fz_pam_start(const char *service, const char *user)
{
	pam_handle_t *pamh = calloc(1, sizeof(*pamh));

	if (pamh == NULL)
		abort();
	pamh->item[PAM_SERVICE] = dup_or_null(service);
	pamh->item[PAM_USER] = dup_or_null(user);
	return pamh;
}

static bool string_item(int item)
{
	return item == PAM_SERVICE || item == PAM_USER || item == PAM_TTY || item == PAM_RHOST ||
	       item == PAM_RUSER || item == PAM_USER_PROMPT;
}

int fz_pam_set_item(pam_handle_t *pamh, int item, const char *value)
{
	if (!string_item(item))
		return PAM_BAD_ITEM;
	free(pamh->item[item]);
	pamh->item[item] = dup_or_null(value);
	return PAM_SUCCESS;
}

void fz_pam_conv(pam_handle_t *pamh, enum fz_conv_mode mode, const char *answer)
{
	pamh->conv = mode;
	free(pamh->answer);
	pamh->answer = dup_or_null(answer);
}

void fz_pam_end(pam_handle_t *pamh, int status)
{
	while (pamh->data != NULL) {
		struct data *d = pamh->data;

		pamh->data = d->next;
		if (d->cleanup != NULL)
			d->cleanup(pamh, d->value, status);
		free(d->name);
		free(d);
	}
	for (int i = 0; i < ITEMS; i++)
		free(pamh->item[i]);
	free(pamh->answer);
	free(pamh);
}

/* ---- the libpam API the module calls ------------------------------------- */

int pam_get_item(const pam_handle_t *pamh, int item_type, const void **item)
{
	/* libpam's headers declare the handle and the out pointer non-null. */
	if (item_type < 0 || item_type >= ITEMS || !string_item(item_type))
		return PAM_BAD_ITEM; /* no conversation or other item in this stand-in */
	*item = pamh->item[item_type];
	return PAM_SUCCESS;
}

int pam_set_data(pam_handle_t *pamh, const char *module_data_name, void *data,
		 void (*cleanup)(pam_handle_t *pamh, void *data, int error_status))
{
	struct data *d;

	for (d = pamh->data; d != NULL; d = d->next)
		if (strcmp(d->name, module_data_name) == 0) {
			/* Replacing: the old value's cleanup runs with PAM_DATA_REPLACE. */
			if (d->cleanup != NULL)
				d->cleanup(pamh, d->value, PAM_DATA_REPLACE);
			d->value = data;
			d->cleanup = cleanup;
			return PAM_SUCCESS;
		}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return PAM_BUF_ERR;
	d->name = dup_or_null(module_data_name);
	d->value = data;
	d->cleanup = cleanup;
	d->next = pamh->data;
	pamh->data = d;
	return PAM_SUCCESS;
}

int pam_get_data(const pam_handle_t *pamh, const char *module_data_name, const void **data)
{
	for (const struct data *d = pamh->data; d != NULL; d = d->next)
		if (strcmp(d->name, module_data_name) == 0) {
			*data = d->value;
			return PAM_SUCCESS;
		}
	return PAM_NO_MODULE_DATA;
}

/* One message through the conversation; *resp gets the answer of a prompt. */
static int converse(pam_handle_t *pamh, int style, const char *text, char **resp)
{
	FZ_CHECK(text != NULL);
	FZ_CHECK(strlen(text) < PAM_MAX_MSG_SIZE);
	FZ_CHECK(fz_no_control(text));
	switch (pamh->conv) {
	case FZ_CONV_FAIL:
		return PAM_CONV_ERR;
	case FZ_CONV_AGAIN:
		return PAM_CONV_AGAIN;
	case FZ_CONV_NULL:
		return style == PAM_PROMPT_ECHO_ON || style == PAM_PROMPT_ECHO_OFF ? PAM_CONV_ERR
										   : PAM_SUCCESS;
	case FZ_CONV_ANSWER:
		break;
	}
	if (resp != NULL)
		*resp = dup_or_null(pamh->answer != NULL ? pamh->answer : "");
	return PAM_SUCCESS;
}

int pam_vprompt(pam_handle_t *pamh, int style, char **response, const char *fmt, va_list args)
{
	char text[PAM_MAX_MSG_SIZE];
	char *answer = NULL;
	int rv;

	vsnprintf(text, sizeof(text), fmt, args);
	rv = converse(pamh, style, text, &answer);
	if (response != NULL)
		*response = answer;
	else
		free(answer);
	return rv;
}

int pam_prompt(pam_handle_t *pamh, int style, char **response, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = pam_vprompt(pamh, style, response, fmt, ap);
	va_end(ap);
	return rv;
}

/*
 * pam_get_user(3): PAM_USER when set; otherwise one prompt through the
 * conversation, whose answer becomes PAM_USER. PAM_CONV_AGAIN is passed on
 * for the application to call again; no answer is PAM_CONV_ERR.
 */
int pam_get_user(pam_handle_t *pamh, const char **user, const char *prompt)
{
	char *answer = NULL;
	int rv;

	if (pamh->item[PAM_USER] != NULL) {
		*user = pamh->item[PAM_USER];
		return PAM_SUCCESS;
	}
	rv = pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &answer, "%s",
			prompt != NULL ? prompt : "login: ");
	if (rv != PAM_SUCCESS) {
		free(answer);
		return rv == PAM_CONV_AGAIN ? PAM_CONV_AGAIN : PAM_CONV_ERR;
	}
	if (answer == NULL)
		return PAM_CONV_ERR;
	pamh->item[PAM_USER] = answer;
	*user = answer;
	return PAM_SUCCESS;
}

void pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt, va_list args)
{
	char line[2048];

	FZ_CHECK(priority >= LOG_EMERG && priority <= LOG_DEBUG);
	vsnprintf(line, sizeof(line), fmt, args);
	FZ_CHECK(fz_printable(line));
}

void pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(pamh, priority, fmt, ap);
	va_end(ap);
}
