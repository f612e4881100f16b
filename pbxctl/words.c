/* A typed line split into words, with shell-like quotes and escapes. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <re.h>
#include "pbxctl.h"


static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}


/* Copy one word from *sp into out (NUL-terminated), advancing both.
 * Single quotes keep everything; in double quotes a backslash escapes
 * only " and \; outside quotes it escapes any character. */
static int word_copy(const char **sp, char **outp)
{
	const char *s = *sp;
	char *out = *outp;
	char quote = 0;

	for (; *s && (quote || !is_space(*s)); s++) {

		if (quote == '\'') {
			if (*s == '\'')
				quote = 0;
			else
				*out++ = *s;
		}
		else if (quote == '"') {
			if (*s == '"')
				quote = 0;
			else if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				*out++ = *++s;
			else
				*out++ = *s;
		}
		else if (*s == '\'' || *s == '"') {
			quote = *s;
		}
		else if (*s == '\\' && s[1]) {
			*out++ = *++s;
		}
		else {
			*out++ = *s;
		}
	}

	if (quote)
		return EBADMSG;

	*out++ = '\0';
	*sp = s;
	*outp = out;

	return 0;
}


/**
 * Split line into words: `user add 1001 --name "Ann Lee"` gives five.
 * *argvp is one mem block (argv[argc] is NULL); the caller derefs it.
 * A line whose first word starts with '#' is a comment: no words.
 * Errors: EBADMSG for an unterminated quote, ENOMEM.
 */
int ctl_words_split(char ***argvp, int *argcp, const char *line)
{
	size_t len, maxw;
	char **argv, *out;
	const char *s;
	int argc = 0, err;

	if (!argvp || !argcp || !line)
		return EINVAL;

	/* Each word takes at least one byte and a separator, and its copy
	 * plus NUL is no longer than its source plus that separator. */
	len = strlen(line);
	maxw = len / 2 + 2;
	argv = mem_zalloc(maxw * sizeof(*argv) + len + 1, NULL);
	if (!argv)
		return ENOMEM;

	out = (char *)(argv + maxw);
	s = line;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s || (argc == 0 && *s == '#'))
			break;

		argv[argc] = out;
		err = word_copy(&s, &out);
		if (err) {
			mem_deref(argv);
			return err;
		}
		argc++;
	}

	argv[argc] = NULL;
	*argvp = argv;
	*argcp = argc;

	return 0;
}
