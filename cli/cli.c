/* cli.c - one-line errors and exit statuses for the tool mains. */
#include "cli/cli.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *prog_name = "ota";

void ota_cli_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	prog_name = slash ? slash + 1 : prog;
	/* libarchive converts entry names through the locale's charset; under
	 * the "C" locale a UTF-8 name cannot be converted at all.  Names in
	 * bundles are UTF-8 whatever the user's locale, so use a UTF-8 one. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		/* Without either, a non-ASCII name is refused as a bad tar
		 * header ("can't be converted"): closed, if unhelpful. */
		(void)setlocale(LC_CTYPE, "C.utf8");
}

const char *ota_cli_prog(void)
{
	return prog_name;
}

int ota_cli_fail(const struct ota_err *err)
{
	fprintf(stderr, "%s: %s\n", prog_name, err->msg[0] ? err->msg : ota_code_name(err->code));
	return ota_exit_status(err->code ? err->code : OTA_EINTERNAL);
}

int ota_cli_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog_name);
	return ota_exit_status(OTA_EUSAGE);
}

int ota_cli_version(void)
{
	printf("%s (ota tools) %s\n", prog_name, OTA_TOOLS_VERSION);
	return 0;
}
