/* main.c: pbxd's arguments, start-up order and shutdown.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	MAX_FDS = 16384,          /* libre indexes an array by fd number */
	MAX_OVERRIDES = 64,
};

/* Every key the core reads; modules' keys start with their name. */
static const char *const core_keys[] = {
	"sip_listen", "sip_tls_listen", "sip_tls_cert", "sip_ws_listen",
	"sip_domain", "rtp_ports", "data_dir", "ctl_socket", "dialplan",
	"module_path", "module", "sounds_dir", "auth_algorithms",
	"auth_ban_failures", "auth_ban_seconds", "auth_nonce_lifetime",
	"reg_min_expires", "reg_max_expires", "reg_default_expires",
	"log_level", "rtp_timeout", "dialplan_max_memory", "dialplan_max_ms",
	"tone_zone", "jitter_buffer", "dtmf_inband",
};

struct args {
	const char *conf;
	const char *overv[MAX_OVERRIDES];
	size_t overc;
	bool detach;
};


static void usage(void)
{
	fprintf(stderr,
		"usage: pbxd [-c FILE] [-o KEY=VALUE]... [-d]\n"
		"  -c FILE       config file (default conf/pbxd.conf)\n"
		"  -o KEY=VALUE  override one config key (repeatable)\n"
		"  -d            detach; log to DATA_DIR/pbxd.log\n"
		"  -v            print the version\n");
}


static int args_parse(struct args *a, int argc, char *argv[])
{
	int ch;

	a->conf = "conf/pbxd.conf";
	while ((ch = getopt(argc, argv, "c:o:dhv")) != -1) {
		switch (ch) {
		case 'c':
			a->conf = optarg;
			break;
		case 'o':
			if (a->overc >= MAX_OVERRIDES) {
				fprintf(stderr, "pbxd: too many -o\n");
				return EINVAL;
			}
			a->overv[a->overc++] = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case 'v':
			printf("pbxd %s\n", PBX_VERSION);
			exit(0);
		default:
			usage();
			return EINVAL;
		}
	}

	if (optind < argc) {
		usage();
		return EINVAL;
	}

	return 0;
}


static int conf_setup(const struct args *a)
{
	struct pbx_conf *conf = NULL;
	char err[512] = "";
	size_t i;
	int e;

	e = pbx_conf_load(&conf, a->conf, err, sizeof(err));
	for (i = 0; !e && i < a->overc; i++)
		e = pbx_conf_override(conf, a->overv[i], err, sizeof(err));
	if (e) {
		fprintf(stderr, "pbxd: %s\n", err);
		mem_deref(conf);
		return e;
	}

	pbx_conf_set_current(conf);
	mem_deref(conf);

	return 0;
}


static int dirs_setup(struct pbx_core *c)
{
	const char *lvl = pbx_conf_str("log_level", "info");
	enum pbx_log_level l;
	int err;

	if (pbx_log_level_parse(lvl, &l))
		return pbx_conf_error("log_level", "'%s' is not debug, info, "
				      "warn or error", lvl);
	pbx_log_set_level(l);

	err = str_dup(&c->data_dir, pbx_conf_str("data_dir", "var"));
	if (err)
		return err;

	if (mkdir(c->data_dir, 0750) && errno != EEXIST)
		return pbx_conf_error("data_dir", "cannot create '%s': %m",
				      c->data_dir, errno);

	return 0;
}


static int module_load_h(const char *name, void *arg)
{
	(void)arg;

	return pbx_module_load(name);
}


static void on_sip_exit(void *arg)
{
	(void)arg;
	re_cancel();
}


enum {
	SHUTDOWN_GRACE_MS = 3000, /* transactions left after this are cut */
};

/* Bounds the graceful shutdown: sip_close(false) waits for every client
 * transaction, up to 32 s for a BYE to a phone that has gone. */
static struct tmr grace_tmr;


static void grace_h(void *arg)
{
	(void)arg;
	pbx_log(PBX_LOG_INFO, "shutdown: SIP transactions still open: "
		"stopping anyway");
	re_cancel();
}


/* First SIGINT/SIGTERM: let SIP transactions finish (at most
 * SHUTDOWN_GRACE_MS); a second one stops at once. */
static void signal_h(int sig)
{
	struct pbx_core *c = pbx_core();

	if (c->running) {
		pbx_log(PBX_LOG_INFO, "signal %d: shutting down", sig);
		c->running = false;
		pbx_ctl_stop();
		pbx_calls_stop();     /* BYE/CANCEL go out before SIP closes */
		pbx_sip_close();
		tmr_start(&grace_tmr, SHUTDOWN_GRACE_MS, grace_h, NULL);
		return;
	}

	re_cancel();
}


/* SIGHUP arrives outside the loop: a self-pipe brings it in. */
static int hup_pipe[2] = {-1, -1};


static void hup_signal(int sig)
{
	const char b = 'h';
	(void)sig;

	if (write(hup_pipe[1], &b, 1) < 0) {
		/* the pipe is full: a reload is already pending */
	}
}


static void hup_read(int flags, void *arg)
{
	char buf[16];
	(void)flags;
	(void)arg;

	while (read(hup_pipe[0], buf, sizeof(buf)) > 0)
		;
	pbx_log(PBX_LOG_INFO, "SIGHUP: reloading");
	pbx_event_emitv("reload", "reason", "SIGHUP", NULL);
}


static int hup_setup(void)
{
	if (pipe2(hup_pipe, O_NONBLOCK | O_CLOEXEC))
		return errno;

	signal(SIGHUP, hup_signal);

	return fd_listen(hup_pipe[0], FD_READ, hup_read, NULL);
}


static void hup_close(void)
{
	signal(SIGHUP, SIG_DFL);
	if (hup_pipe[0] < 0)
		return;
	fd_close(hup_pipe[0]);
	close(hup_pipe[0]);
	close(hup_pipe[1]);
	hup_pipe[0] = hup_pipe[1] = -1;
}


static int start(const struct args *a)
{
	struct pbx_core *c = pbx_core();
	char path[512];
	const char *sock;
	int err;

	err = conf_setup(a);
	if (!err)
		err = dirs_setup(c);
	if (!err)
		err = pbx_module_init(pbx_conf_str("module_path",
						   "build/modules"));
	if (!err)
		err = pbx_conf_check_keys(c->conf, core_keys,
					  ARRAY_SIZE(core_keys),
					  c->module_path);
	if (err)
		return err;

	re_snprintf(path, sizeof(path), "%s/pbxd.db", c->data_dir);
	err = pbx_db_open(path);
	if (!err)
		err = pbx_event_init();
	if (!err)
		err = pbx_cmd_init();
	if (!err)
		err = pbx_core_cmds_register();
	if (!err)
		err = pbx_user_cmds_register();
	if (!err)
		err = pbx_reg_cmds_register();
	if (!err)
		err = pbx_module_cmds_register();
	if (!err)
		err = pbx_call_cmds_register();
	if (!err)
		err = pbx_auth_start();
	if (!err)
		err = pbx_sip_start(on_sip_exit, NULL);
	if (!err)
		err = pbx_location_start();
	if (!err)
		err = pbx_registrar_start();
	if (!err)
		err = pbx_codec_init();
	if (!err)
		err = pbx_srtp_init();
	if (!err)
		err = pbx_prompt_start();
	if (!err)
		err = pbx_media_start();
	if (!err)
		err = pbx_lua_start();
	if (!err)
		err = pbx_media_lua_register();
	if (!err)
		err = pbx_calls_start();
	if (!err)
		err = pbx_conf_apply("module", module_load_h, NULL);
	if (!err)
		err = pbx_sip_lsnr_refresh();
	if (!err)
		err = hup_setup();
	if (err)
		return err;

	re_snprintf(path, sizeof(path), "%s/pbxctl.sock", c->data_dir);
	sock = pbx_conf_str("ctl_socket", path);

	return pbx_ctl_start(sock);
}


static void stop(void)
{
	tmr_cancel(&grace_tmr);
	hup_close();
	pbx_ctl_stop();
	pbx_calls_stop();
	pbx_module_close();
	pbx_media_lua_unregister();
	pbx_lua_stop();
	pbx_media_stop();
	pbx_prompt_stop();
	pbx_srtp_close();
	pbx_codec_close();
	pbx_registrar_stop();
	pbx_location_stop();
	pbx_sip_stop(true);
	pbx_auth_stop();
	pbx_cmd_close();
	pbx_event_close();
	pbx_db_close();
}


static int detach(void)
{
	char path[512];
	int fd;

	re_snprintf(path, sizeof(path), "%s/pbxd.log", pbx_core()->data_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno;

	if (daemon(1, 1)) {
		close(fd);
		return errno;
	}

	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}

	return 0;
}


static void limits_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max < MAX_FDS ? rl.rlim_max : MAX_FDS;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	(void)fd_setsize((int)rl.rlim_cur);
}


int main(int argc, char *argv[])
{
	struct args a;
	int err;

	memset(&a, 0, sizeof(a));
	if (args_parse(&a, argc, argv))
		return 2;

	err = libre_init();
	if (err) {
		fprintf(stderr, "pbxd: libre_init: %s\n", strerror(err));
		return 1;
	}

	if (pbx_rand_pool_start())
		fprintf(stderr, "pbxd: OpenSSL refused the random pool: "
			"RAND_bytes() unbuffered\n");
	tmr_init(&grace_tmr);
	limits_raise();
	pbx_log_libre_attach();
	signal(SIGPIPE, SIG_IGN);

	err = pbx_core_alloc();
	if (!err)
		err = start(&a);
	if (!err && a.detach)
		err = detach();
	if (err) {
		pbx_log(PBX_LOG_ERROR, "pbxd: cannot start (%m)", err);
		goto out;
	}

	pbx_log(PBX_LOG_INFO, "pbxd %s running (console: build/pbxctl)",
		PBX_VERSION);
	pbx_core()->running = true;
	err = re_main(signal_h);
	pbx_log(PBX_LOG_INFO, "pbxd stopped");

 out:
	stop();
	pbx_core_free();
	pbx_rand_pool_stop();
	libre_close();

	return err ? 1 : 0;
}
