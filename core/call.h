/* call.h: the call structs shared by call.c, call_ops.c and cmd_call.c.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#ifndef PBX_CALL_H
#define PBX_CALL_H

struct pbx_calls {
	struct sipsess_sock *sock;    /* owned: INVITEs and dialogs      */
	struct list list;             /* struct pbx_call, by start       */
	struct hash *ht_id;           /* owned: struct pbx_call, by id   */
	struct tmr tmr_trim;          /* idle: free heap back to the OS  */
	unsigned trims;               /* done since the last call ended  */
};

struct call_var {
	struct le le;
	char *key;                    /* owned */
	char *val;                    /* owned */
};

struct pbx_call {
	struct le le;                 /* in calls()->list                */
	struct le he;                 /* in calls()->ht_id               */
	char id[16];
	struct tmr tmr_reap;          /* frees the call, deferred        */
	struct sipsess *sess;         /* owned: the caller's leg         */
	struct pbx_media *media;      /* owned: the caller's media       */
	const struct sip_msg *invite; /* owned (mem_ref): for header()   */
	struct mbuf *offer;           /* owned: caller's SDP, NULL: late */
	struct sa laddr;              /* our address the INVITE came to  */
	char *from, *from_name, *from_uri;   /* owned */
	char *to, *to_uri;            /* owned */
	char *user;                   /* owned: authenticated ext, NULL  */
	char *source;                 /* owned: "ip:port"                */
	struct list vars;             /* struct call_var: call:set()     */
	enum pbx_call_state state;
	enum pbx_call_state prev_state;
	bool answering;               /* 200 sent, ACK not yet in        */
	bool script_done;
	struct pbx_script *script;    /* owned */
	struct pbx_dial *dial;        /* borrowed: dial.c owns it        */
	pbx_call_done_h *answer_h;    /* waiting for the ACK             */
	void *answer_arg;
	uint64_t t_start, t_answer, t_end;   /* unix ms; 0: not yet     */
	char disposition[16];         /* before answer: why it ended     */
	char cause[64];
	void *origin;                 /* owned: originate.c's state      */

	struct pbx_call_op *op;       /* owned: media operation running  */

	/* DTMF (call_dtmf.c) */
	char digits[33];              /* type-ahead, oldest first        */
	struct tmr tmr_dtmf;          /* hands digits to the watcher     */
	pbx_call_dtmf_h *dtmfh;
	void *dtmf_arg;
};

uint64_t pbx_call_now_ms(void);
int pbx_call_alloc(struct pbx_call **cp);
/* The caller's leg's session handlers (arg: the call). */
int pbx_call_leg_offer(struct mbuf **descp, const struct sip_msg *msg,
		       void *arg);
int pbx_call_leg_answer(const struct sip_msg *msg, void *arg);
void pbx_call_leg_info(struct sip *sip, const struct sip_msg *msg,
		       void *arg);
void pbx_call_leg_refer(struct sip *sip, const struct sip_msg *msg,
			void *arg);
void pbx_call_media_timeout(struct pbx_media *m, void *arg);
void pbx_call_end(struct pbx_call *c, const char *cause);
void pbx_call_set_state(struct pbx_call *c, enum pbx_call_state st);
int pbx_call_hangup_cause(struct pbx_call *c, const char *cause);
int pbx_call_new_inbound(const struct sip_msg *msg, const char *user);
/* Routes the caller's media's digits into the call (call_dtmf.c). */
void pbx_call_dtmf_attach(struct pbx_call *c);
/* Appends {codec, rtp_port, packets_in, packets_out, lost} of m. */
int pbx_media_leg_odict(const struct pbx_media *m, struct odict *arr);

#endif
