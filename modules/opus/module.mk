MODULES += opus
opus_SRCS := opus.c enc.c dec.c
opus_CFLAGS := $(OPUS_CFLAGS)
opus_LIBS := $(OPUS_LIBS)

# The unit test links the module's sources, not the .so (tests/unit/%
# would link libpbxcore.a only, without libopus).
OPUS_TEST_SRCS := $(opus_SRCS:%=modules/opus/%)
$(BUILD)/tests/unit/modules/test_opus: tests/unit/modules/test_opus.c \
		$(OPUS_TEST_SRCS) modules/opus/opusmod.h $(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(OPUS_CFLAGS) \
		$(CMOCKA_CFLAGS) -Icore -o $@ $< \
		$(OPUS_TEST_SRCS) $(BUILD)/libpbxcore.a $(CORE_LIBS) \
		$(OPUS_LIBS) $(CMOCKA_LIBS)

# The media benchmark (tests/bench/media_bench.c) links the module the
# same way, to measure Opus transcoding channels per core.
$(BUILD)/bench/media_bench: tests/bench/media_bench.c $(OPUS_TEST_SRCS) \
		modules/opus/opusmod.h $(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(OPUS_CFLAGS) \
		-Icore -o $@ $< $(OPUS_TEST_SRCS) $(BUILD)/libpbxcore.a \
		$(CORE_LIBS) $(OPUS_LIBS)
