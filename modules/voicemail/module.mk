MODULES += voicemail
voicemail_SRCS := $(notdir $(wildcard modules/voicemail/*.c))
voicemail_CFLAGS := $(LUA_CFLAGS)
voicemail_LIBS :=

# The flows' unit test links their pure helpers only (flow.c: no call,
# no libre), not the module.
$(BUILD)/tests/unit/modules/test_vm_flow: tests/unit/modules/test_vm_flow.c \
		modules/voicemail/flow.c modules/voicemail/flow.h
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CMOCKA_CFLAGS) \
		-Imodules/voicemail -o $@ $< modules/voicemail/flow.c \
		$(CMOCKA_LIBS)
