/*
 * Aligned text tables for the human output of the admin verbs, printed row
 * by row: the caller measures every row first (a pass over its data), then
 * prints them, so a table of any length needs no memory for its rows.
 */
#ifndef PF_HELPER_TABLE_H
#define PF_HELPER_TABLE_H

#include <stdio.h>

#include "pam_frontegg/common.h"

#define TABLE_MAX_COLS 8
#define TABLE_CELL_MAX 80

struct table {
	size_t ncols;
	size_t width[TABLE_MAX_COLS];
};

/* Starts a table with the given header cells (NULL-terminated) as its first row. */
void table_init(struct table *t, const char *const *header);
/* Widens the columns to fit a row of t->ncols cells (NULL prints as "-"). */
void table_measure(struct table *t, const char *const *cells);
/* Prints a row, each cell sanitised and cut to TABLE_CELL_MAX - 1 bytes. */
void table_print_row(const struct table *t, FILE *out, const char *const *cells);

/* "2026-11-25T21:40:07Z", or "-" for 0. */
const char *table_time(char *buf, size_t size, int64_t t);

#endif
