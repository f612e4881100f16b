/* Tab completion of command words, learnt from pbxd's help list. */
/* SPDX-License-Identifier: BSD-3-Clause */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>
#include <re.h>
#include "pbxctl.h"


/* One known command, e.g. "user add" as two words. */
struct command {
	struct le le;
	char **words;           /* owned: ctl_words_split() block */
	int nwords;
};

/* libedit's completion callbacks take no argument, hence this one
 * module pointer.  prefix/nprefix/le are the scan state between the
 * calls of one completion. */
struct complete {
	struct list commands;
	char **prefix;          /* owned: the words before the cursor's */
	int nprefix;
	struct le *next;        /* next command to look at */
};

static struct complete *complete;

/* Commands pbxctl itself handles (see interactive.c). */
static const char *const local_commands[] = {"help", "quit", "exit"};


static void command_destructor(void *arg)
{
	struct command *cmd = arg;

	list_unlink(&cmd->le);
	mem_deref(cmd->words);
}


static void complete_destructor(void *arg)
{
	struct complete *c = arg;

	list_flush(&c->commands);
	mem_deref(c->prefix);
}


static void command_add(const char *text)
{
	struct command *cmd;

	cmd = mem_zalloc(sizeof(*cmd), command_destructor);
	if (!cmd)
		return;

	if (ctl_words_split(&cmd->words, &cmd->nwords, text) ||
	    cmd->nwords == 0) {
		mem_deref(cmd);
		return;
	}

	list_append(&complete->commands, &cmd->le, cmd);
}


/* Does cmd start with the words typed so far, and have one more? */
static bool command_fits(const struct command *cmd)
{
	int i;

	if (cmd->nwords <= complete->nprefix)
		return false;

	for (i = 0; i < complete->nprefix; i++) {
		if (strcmp(cmd->words[i], complete->prefix[i]))
			return false;
	}

	return true;
}


/* Was this candidate word offered by an earlier command already? */
static bool offered_before(const struct le *until, const char *word)
{
	struct le *le;

	for (le = complete->commands.head; le != until; le = le->next) {
		const struct command *cmd = le->data;

		if (command_fits(cmd) &&
		    !strcmp(cmd->words[complete->nprefix], word))
			return true;
	}

	return false;
}


/* libedit's generator: the next candidate for text, malloc()ed, which
 * libedit frees; state 0 starts a new scan. */
static char *generator(const char *text, int state)
{
	size_t len = strlen(text);

	if (state == 0)
		complete->next = complete->commands.head;

	while (complete->next) {
		struct le *le = complete->next;
		const struct command *cmd = le->data;
		const char *word;

		complete->next = le->next;

		if (!command_fits(cmd))
			continue;

		word = cmd->words[complete->nprefix];
		if (!strncmp(word, text, len) && !offered_before(le, word))
			return strdup(word);
	}

	return NULL;
}


/* Complete the word that starts at start: the words before it choose
 * among the commands.  Never fall back to file names. */
static char **attempt(const char *text, int start, int end)
{
	char *head = NULL;

	(void)end;

	rl_attempted_completion_over = 1;

	complete->prefix = mem_deref(complete->prefix);
	complete->nprefix = 0;

	if (!rl_line_buffer || start < 0 ||
	    re_sdprintf(&head, "%b", rl_line_buffer, (size_t)start))
		return NULL;

	if (ctl_words_split(&complete->prefix, &complete->nprefix, head)) {
		mem_deref(head);
		return NULL;  /* inside an open quote: no idea */
	}

	mem_deref(head);
	return rl_completion_matches(text, generator);
}


/* Set up completion with only pbxctl's own commands known. */
int ctl_complete_init(void)
{
	size_t i;

	if (complete)
		return 0;

	complete = mem_zalloc(sizeof(*complete), complete_destructor);
	if (!complete)
		return ENOMEM;

	for (i = 0; i < ARRAY_SIZE(local_commands); i++)
		command_add(local_commands[i]);

	rl_attempted_completion_function = attempt;
	return 0;
}


/* Learn the commands from a reply to "help": data is a list of
 * {"command": "user add", ...}.  Anything else is ignored. */
void ctl_complete_learn(const struct odict *help_reply)
{
	const struct odict_entry *data;
	struct le *le;
	size_t i;

	if (!complete)
		return;

	data = odict_get_type(help_reply, ODICT_ARRAY, "data");
	if (!data)
		return;

	list_flush(&complete->commands);
	for (i = 0; i < ARRAY_SIZE(local_commands); i++)
		command_add(local_commands[i]);

	for (le = data->u.odict->lst.head; le; le = le->next) {
		const struct odict_entry *e = le->data;
		const char *name;

		if (e->type != ODICT_OBJECT)
			continue;

		name = odict_string(e->u.odict, "command");
		if (name)
			command_add(name);
	}
}


void ctl_complete_close(void)
{
	rl_attempted_completion_function = NULL;
	complete = mem_deref(complete);
}
