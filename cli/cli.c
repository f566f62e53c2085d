/* SPDX-License-Identifier: Apache-2.0 */
/* cli.c - one-line errors and exit statuses for the tool mains. */
#include "cli/cli.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/ctlesc.h"

static const char *prog_name = "ota";

void ota_cli_init(const char *prog)
{
	const char *slash = strrchr(prog, '/');

	prog_name = slash ? slash + 1 : prog;
	opterr = 0; /* the tools name a bad option themselves, on one line */
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

/* The one place messages reach a terminal or the journal: what a message
 * carries from input (a file name on a medium, a tar entry, a URL) can
 * neither move the cursor, set a title nor start a forged line. */
static void say_v(FILE *f, bool prefix, const char *tail, const char *fmt, va_list ap)
{
	char line[OTA_ERR_MSG_MAX * 2];
	struct ota_buf b;

	(void)vsnprintf(line, sizeof(line), fmt, ap);
	ota_buf_init(&b, 0);
	if (ota_ctlesc(line, sizeof(line) * 4, &b, NULL) == 0)
		fprintf(f, "%s%s%.*s%s\n", prefix ? prog_name : "", prefix ? ": " : "", (int)b.len,
			b.data ? (const char *)b.data : "", tail);
	ota_buf_free(&b);
}

void ota_cli_say(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_v(f, true, "", fmt, ap);
	va_end(ap);
}

void ota_cli_print(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_v(f, false, "", fmt, ap);
	va_end(ap);
}

int ota_cli_fail(const struct ota_err *err)
{
	ota_cli_say(stderr, "%s", err->msg[0] ? err->msg : ota_code_name(err->code));
	return ota_exit_status(err->code ? err->code : OTA_EINTERNAL);
}

int ota_cli_usage(const char *fmt, ...)
{
	va_list ap;

	/* One line: what is wrong and what is expected. */
	va_start(ap, fmt);
	say_v(stderr, true, "", fmt, ap);
	va_end(ap);
	return ota_exit_status(OTA_EUSAGE);
}

int ota_cli_bad_option(const char *cmd, int c, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	char opt[64];

	/* A long option as typed (without "=value"); a short one by its letter,
	 * which may have been grouped ("-qz"). */
	if (!strncmp(arg, "--", 2) || optopt <= 0 || optopt >= 0x7f)
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(opt, sizeof(opt), "-%c", optopt);
	if (c == ':')
		return ota_cli_usage("%s%soption '%s' needs a value", cmd, *cmd ? ": " : "", opt);
	return ota_cli_usage("%s%sunknown option '%s'", cmd, *cmd ? ": " : "", opt);
}

const char *ota_cli_version_string(void)
{
	return OTA_TOOLS_VERSION;
}

int ota_cli_version(void)
{
	printf("%s (ota tools) %s\n", prog_name, OTA_TOOLS_VERSION);
	return 0;
}

bool ota_cli_asks_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

bool ota_cli_asks_version(int argc, char **argv)
{
	int i;

	/* "--version" alone after at most one subcommand word: "trust sign
	 * --version".  After options it is theirs ("create ... --version V"). */
	if (argc < 2 || argc > 3 || strcmp(argv[argc - 1], "--version") != 0)
		return false;
	for (i = 1; i < argc - 1; i++)
		if (argv[i][0] == '-')
			return false;
	return true;
}

void ota_cli_list_command(const struct ota_cli_cmd *c)
{
	const char *s = c->subs;
	size_t n;

	printf("%s\n", c->name);
	while (s && *s) {
		n = strcspn(s, " ");
		if (n)
			printf("%s %.*s\n", c->name, (int)n, s);
		s += n + (s[n] == ' ');
	}
}

int ota_cli_command_help(const struct ota_cli_cmd *c, const char *notes)
{
	printf("usage: %s %s\n\n%s\n%s", prog_name, c->usage, c->summary, notes ? notes : "");
	return 0;
}
