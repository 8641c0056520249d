/*
 * The client secret: inline in a private configuration file, or in
 * client_secret_file. Only frontegg-lockout, as root, ever reads it.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "pam_frontegg/safe_file.h"

static void strip_newline(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static bool one_printable_line(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return false;
	return true;
}

enum pf_rc app_read_secret(const struct pf_config *cfg, char **secret, const struct pf_logger *log)
{
	struct pf_file_rules rules = { 077, (uid_t)-1, 4096, NULL };
	char why[256];
	size_t len = 0;
	enum pf_rc rc;

	if (geteuid() != 0) {
		pf_log(log, LOG_ERR, "the client secret is only read as root");
		return PF_ERR_PERM;
	}
	if (cfg->client_secret != NULL)
		return (*secret = strdup(cfg->client_secret)) ? PF_OK : PF_ERR_NOMEM;
	if (cfg->client_secret_file == NULL) {
		pf_log(log, LOG_ERR, "no client_secret or client_secret_file configured");
		return PF_ERR_NOENT;
	}
	rc = pf_read_file_checked(-1, cfg->client_secret_file, &rules, secret, &len, why,
				  sizeof(why));
	if (rc != PF_OK) {
		pf_log(log, LOG_ERR, "client_secret_file %s: %s", cfg->client_secret_file,
		       rc == PF_ERR_NOENT ? "does not exist" : why);
		return rc;
	}
	strip_newline(*secret);
	if (!one_printable_line(*secret)) {
		pf_log(log, LOG_ERR, "client_secret_file %s: empty or not one line",
		       cfg->client_secret_file);
		pf_wipe(*secret, len);
		free(*secret);
		*secret = NULL;
		return PF_ERR_INVAL;
	}
	return PF_OK;
}
