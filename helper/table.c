/* Aligned text tables. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pam_frontegg/log.h"
#include "table.h"

bool table_init(struct table *t, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	while (t->ncols < TABLE_MAX_COLS && header[t->ncols] != NULL)
		t->ncols++;
	return table_add(t, header);
}

bool table_add(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void *bigger = realloc(t->cells, cap * sizeof(*t->cells));
		if (bigger == NULL)
			return false;
		t->cells = bigger;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		char *cell = t->cells[t->nrows][c];
		size_t len;
		pf_sanitize(cell, TABLE_CELL_MAX, cells[c] ? cells[c] : "-");
		len = strlen(cell);
		if (len > t->width[c])
			t->width[c] = len;
	}
	t->nrows++;
	return true;
}

void table_print(const struct table *t, FILE *out)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c + 1 < t->ncols; c++)
			fprintf(out, "%-*s  ", (int)t->width[c], t->cells[r][c]);
		fprintf(out, "%s\n", t->cells[r][t->ncols - 1]);
	}
}

void table_free(struct table *t)
{
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

const char *table_time(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}
