/* Aligned text tables, printed row by row. */
#include "autoconfig.h"

#include <string.h>

#include "pam_frontegg/log.h"
#include "table.h"

typedef char table_row[TABLE_MAX_COLS][TABLE_CELL_MAX];

static void sanitize_row(const struct table *t, const char *const *cells, table_row row)
{
	for (size_t c = 0; c < t->ncols; c++)
		pf_sanitize(row[c], TABLE_CELL_MAX, cells[c] ? cells[c] : "-");
}

void table_init(struct table *t, const char *const *header)
{
	memset(t, 0, sizeof(*t));
	while (t->ncols < TABLE_MAX_COLS && header[t->ncols] != NULL)
		t->ncols++;
	table_measure(t, header);
}

void table_measure(struct table *t, const char *const *cells)
{
	table_row row;

	sanitize_row(t, cells, row);
	for (size_t c = 0; c < t->ncols; c++) {
		size_t len = strlen(row[c]);
		if (len > t->width[c])
			t->width[c] = len;
	}
}

void table_print_row(const struct table *t, FILE *out, const char *const *cells)
{
	table_row row;

	sanitize_row(t, cells, row);
	for (size_t c = 0; c + 1 < t->ncols; c++)
		fprintf(out, "%-*s  ", (int)t->width[c], row[c]);
	fprintf(out, "%s\n", row[t->ncols - 1]);
}

const char *table_time(char *buf, size_t size, int64_t t)
{
	return pf_iso8601(t, buf, size);
}
