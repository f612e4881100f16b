MODULES += voicemail
voicemail_SRCS := $(notdir $(wildcard modules/voicemail/*.c))
voicemail_CFLAGS := $(LUA_CFLAGS)
voicemail_LIBS :=

# The unit test links the mailbox and its commands, not the .so (the
# other files need calls and SIP; the test stubs vm_mwi_changed and
# vm_email_new).
VM_MAILBOX_TEST_SRCS := modules/voicemail/mailbox.c modules/voicemail/check.c \
	modules/voicemail/cmd.c
$(BUILD)/tests/unit/modules/test_vm_mailbox: \
		tests/unit/modules/test_vm_mailbox.c $(VM_MAILBOX_TEST_SRCS) \
		modules/voicemail/vm.h $(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(CMOCKA_CFLAGS) \
		-Icore -o $@ $< $(VM_MAILBOX_TEST_SRCS) $(BUILD)/libpbxcore.a \
		$(CORE_LIBS) $(CMOCKA_LIBS)

# The flows' unit test links their pure helpers only (flow.c, with the
# core's prompt names), not the module.
$(BUILD)/tests/unit/modules/test_vm_flow: tests/unit/modules/test_vm_flow.c \
		modules/voicemail/flow.c modules/voicemail/flow.h \
		$(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(CMOCKA_CFLAGS) \
		-Icore -Imodules/voicemail -o $@ $< modules/voicemail/flow.c \
		$(BUILD)/libpbxcore.a $(CORE_LIBS) $(CMOCKA_LIBS)

# The unit test links mwi.c and email.c (the rest of the module is stubbed
# in the test), not the .so.
VM_MWI_TEST_SRCS := modules/voicemail/mwi.c modules/voicemail/email.c
$(BUILD)/tests/unit/modules/test_vm_mwi: tests/unit/modules/test_vm_mwi.c \
		$(VM_MWI_TEST_SRCS) modules/voicemail/vm.h $(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(CMOCKA_CFLAGS) \
		-Icore -Imodules/voicemail -o $@ $< $(VM_MWI_TEST_SRCS) \
		$(BUILD)/libpbxcore.a $(CORE_LIBS) $(CMOCKA_LIBS)
