/* Aligned text tables for the human output of the admin verbs. */
#ifndef PF_HELPER_TABLE_H
#define PF_HELPER_TABLE_H

#include <stdio.h>

#include "pam_frontegg/common.h"

#define TABLE_MAX_COLS 8
#define TABLE_CELL_MAX 80

struct table {
	size_t ncols;
	size_t nrows; /* the header is row 0 */
	size_t cap;
	char (*cells)[TABLE_MAX_COLS][TABLE_CELL_MAX];
	size_t width[TABLE_MAX_COLS];
};

/* Starts a table with the given header cells (NULL-terminated). */
bool table_init(struct table *t, const char *const *header);
/* Adds a row of t->ncols cells (each sanitised and cut to TABLE_CELL_MAX - 1). */
bool table_add(struct table *t, const char *const *cells);
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

/* "2026-11-25T21:40:07Z", or "-" for 0. */
const char *table_time(char *buf, size_t size, int64_t t);

#endif
