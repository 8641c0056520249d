/* The strict, offline configuration check of check-config and doctor. */
#ifndef PF_HELPER_CHECK_CONFIG_H
#define PF_HELPER_CHECK_CONFIG_H

#include "app.h"

/* Receives one problem, "FILE:LINE: message" or "FILE: message". */
typedef void (*check_problem_fn)(void *ctx, const char *line);

/*
 * Checks the file at path (absolute) as check-config does: the parser in
 * strict mode, then the files it names. Returns how many problems fn got.
 */
unsigned check_config_run(const char *path, check_problem_fn fn, void *ctx);

int verb_check_config(struct app *a, int argc, char **argv);

#endif
