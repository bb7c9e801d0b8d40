/*
 * problem_table.c - the problem table (problem_table.h), built from
 * problems.def, and the names of the fixes.
 */
#include <stddef.h>

#include "err.h"
#include "problem_table.h"

/* clang-format off */
static const struct problem table[PR_COUNT] = {
#define PROBLEM(id, code, name, flags, fix, tmpl) \
	[id] = { id, code, name, flags, fix, tmpl },
#include "problems.def"
#undef PROBLEM
};

static const char *const fix_names[FIX_NKINDS] = {
	[FIX_NONE] = "none",
	[FIX_ARCHIVE_REMOVE] = "archive-remove",
	[FIX_MAKE_INERT] = "make-inert",
	[FIX_REWRITE_I] = "rewrite-i-line",
	[FIX_OWNER_MODE] = "owner-mode",
	[FIX_MOVE] = "move",
	[FIX_MOVE_OUT] = "move-out",
	[FIX_RESOLVE_TF] = "resolve-tf",
	[FIX_PROMOTE] = "promote-tf",
	[FIX_KEEP_NEWER] = "keep-newer",
	[FIX_RECOVER] = "recover",
	[FIX_QUARANTINE] = "quarantine",
	[FIX_REWRITE] = "rewrite",
	[FIX_EXCHANGE] = "exchange-df",
};
/* clang-format on */

/* problem_get - the table entry of a problem */
const struct problem *
problem_get(enum problem_id id)
{
	if ((unsigned)id >= PR_COUNT)
		BUG("problem_get: %d", (int)id);
	return &table[id];
}

/* fix_name - short name of a fix */
const char *
fix_name(enum fix_kind fix)
{
	if ((unsigned)fix >= FIX_NKINDS)
		BUG("fix_name: %d", (int)fix);
	return fix_names[fix];
}
