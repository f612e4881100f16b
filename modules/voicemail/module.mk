MODULES += voicemail
voicemail_SRCS := $(notdir $(wildcard modules/voicemail/*.c))
voicemail_CFLAGS := $(LUA_CFLAGS)
voicemail_LIBS :=
