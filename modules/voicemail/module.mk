MODULES += voicemail
voicemail_SRCS := $(notdir $(wildcard modules/voicemail/*.c))
voicemail_CFLAGS := $(LUA_CFLAGS)
voicemail_LIBS :=

# The unit test links mwi.c and email.c (the rest of the module is stubbed
# in the test), not the .so.
VM_TEST_SRCS := modules/voicemail/mwi.c modules/voicemail/email.c
$(BUILD)/tests/unit/modules/test_vm_mwi: tests/unit/modules/test_vm_mwi.c \
		$(VM_TEST_SRCS) modules/voicemail/vm.h $(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(CMOCKA_CFLAGS) \
		-Icore -Imodules/voicemail -o $@ $< $(VM_TEST_SRCS) \
		$(BUILD)/libpbxcore.a $(CORE_LIBS) $(CMOCKA_LIBS)
